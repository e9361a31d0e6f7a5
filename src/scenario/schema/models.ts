/** Scenario format: deployed models, their architectures, GPUs, replicas, start-up, health checks and prices. */
import { z } from "zod";
import { count, defaultsFromFields, duration, identifier, nonNegativeNumber, positiveNumber, speed } from "../fields.js";
import { atMost, LIMITS } from "../limits.js";
import { EngineSchema, InlineArchitecture } from "./engine.js";
import { RouterSchema } from "./routers.js";
import { AutoscalerSchema, RolloutSchema } from "./scaling.js";

const ReplicasSchema = z
  .strictObject({
    initial: count(LIMITS.replicas).default(1).describe(`replicas running at the start, per region${atMost(LIMITS.replicas)}`),
    min: count(LIMITS.replicas).optional().describe(`fewest replicas an autoscaler may leave${atMost(LIMITS.replicas)} (default: initial)`),
    max: count(LIMITS.replicas).optional().describe(`most replicas an autoscaler may run${atMost(LIMITS.replicas)} (default: initial)`),
  })
  .describe("how many replicas serve the model");

const PoolSchema = z
  .strictObject({
    replicas: z
      .strictObject({
        initial: count(LIMITS.replicas, 1).describe(`replicas of the pool at the start, per region${atMost(LIMITS.replicas)}`),
        min: count(LIMITS.replicas).optional().describe(`fewest replicas the pool's autoscaler may leave${atMost(LIMITS.replicas)} (default: initial)`),
        max: count(LIMITS.replicas).optional().describe(`most replicas the pool's autoscaler may run${atMost(LIMITS.replicas)} (default: initial)`),
      })
      .describe("how many replicas the pool has, and between which bounds its autoscaler keeps them"),
    autoscaler: AutoscalerSchema.optional().describe(
      "how the pool's replica count follows its own load (its metrics read the pool alone: a prefill pool's TTFT is its first tokens, a decode pool's requests are those decoding there). Default: the model's autoscaler, applied to each pool apart",
    ),
    router: RouterSchema.optional().describe("how the pool picks a replica. Default: the model's router"),
    tensor_parallel: count(LIMITS.parallelism, 1).optional().describe(`GPUs per replica of this pool (tensor parallel)${atMost(LIMITS.parallelism)}. Default: the model's`),
    gpu: z.string().min(1).optional().describe("catalog GPU of this pool's replicas (prefill on compute-rich GPUs, decode on memory-rich ones). Default: the model's"),
    precision: z
      .enum(["fp16", "bf16", "fp8", "int8", "int4"])
      .optional()
      .describe("weight (and compute) precision of this pool. Default: the model's. The KV cache's element type stays the model's, so the two pools' caches match"),
  })
  .describe("one pool of a disaggregated model: replicas of the model's engine, on the model's GPU, tensor parallelism and precision or the pool's own");

const DisaggregationSchema = z
  .strictObject({
    prefill: PoolSchema.describe("replicas that compute prompts and the first token, then hand the KV cache on"),
    decode: PoolSchema.describe("replicas that take the KV cache and produce the rest (and serve the prompts the decider keeps whole)"),
    kv_transfer: z
      .strictObject({
        bandwidth_gb_per_s: speed("most one KV transfer moves, GB/s (the NICs or the transfer library); links between servers are shared among transfers on top of it"),
        latency: duration("fixed time a transfer takes beyond its bytes (connection set-up, completion notice)").default(0),
      })
      .describe("moving a request's KV cache from its prefill replica to its decode replica"),
    decider: z
      .union([z.literal("always"), z.strictObject({ min_prompt_tokens: count(LIMITS.tokens, 1).describe(`prompts this long or longer go to the prefill pool${atMost(LIMITS.tokens)}`) })])
      .default("always")
      .describe("which requests disaggregate: `always`, or prompts of at least N tokens (the rest run whole on a decode replica)"),
  })
  .describe(
    "prefill/decode disaggregation (Splitwise, DistServe, Dynamo): the model runs as two pools of replicas; the replica count is the pools' sum. Pools share the model's engine; each may have its own GPU, tensor parallelism and precision (one KV element type for both)",
  );

const InlineGpu = z
  .strictObject({
    id: z.string().min(1).describe("a name for this GPU"),
    family: z.enum(["ampere", "hopper", "ada", "blackwell"]).describe("whose calibrated efficiency factors apply"),
    bf16_tflops: speed("dense 16-bit tensor TFLOPS"),
    fp8_tflops: speed("dense FP8 tensor TFLOPS, if it has FP8 units").optional(),
    int8_tops: speed("dense INT8 tensor TOPS").optional(),
    memory_gb: positiveNumber("GPU memory an engine can allocate, in GB of 1e9 bytes: nvidia-smi's total in MiB x 0.001048576 (an H100 SXM reports 81,559 MiB = 85.52 GB)", LIMITS.gpuMemoryGb),
    memory_tb_per_s: speed("memory bandwidth, TB/s"),
    tdp_w: positiveNumber("thermal design power, W"),
    interconnect_gb_per_s: speed("GPU-to-GPU bandwidth per direction, GB/s"),
    interconnect: z.enum(["nvlink", "pcie"]).default("nvlink").describe("NVLink within a server, or PCIe"),
  })
  .describe("a GPU not in the catalog");

export const ModelSchema = z
  .strictObject({
    name: identifier("name tenants use to send requests to this model"),
    model: z
      .union([z.string().min(1), InlineArchitecture])
      .optional()
      .describe("architecture: a catalog id (llama-3.1-70b, mixtral-8x7b, ...) or an inline spec; required by LLM engines"),
    gpu: z
      .union([z.string().min(1), InlineGpu])
      .optional()
      .describe(
        "GPU the replicas run on (catalog id such as h100-sxm, or an inline spec, which runs on servers made for it in a scenario without regions). Default: the GPU of the servers in the model's regions, or h100-sxm when the scenario has no regions",
      ),
    precision: z.enum(["fp16", "bf16", "fp8", "int8", "int4"]).default("bf16").describe("weight (and compute) precision"),
    kv_cache_precision: z
      .enum(["fp16", "bf16", "fp8"])
      .optional()
      .describe("KV-cache element type. Default: fp8 when precision is fp8 (TensorRT-LLM's FP8 recipe), else 16-bit"),
    tensor_parallel: count(LIMITS.parallelism, 1).default(1).describe(`GPUs one replica's layers are split across (within a server)${atMost(LIMITS.parallelism)}`),
    pipeline_parallel: count(LIMITS.parallelism, 1).default(1).describe(`pipeline stages per replica (latency of one batch crosses all stages)${atMost(LIMITS.parallelism)}`),
    // A prefault (an input run through the schema) rather than a default: zod leaves a default out of the
    // input-side JSON Schema for a union that transforms (the queue engine's durations), a prefault not.
    engine: EngineSchema.prefault({ kind: "continuous_batching" }).describe(
      "how a replica serves requests. Default: continuous_batching with its defaults (an LLM replica, which needs `model`)",
    ),
    regions: z.array(z.string().min(1)).max(LIMITS.regions.max).optional().describe("regions the model is deployed in (replicas are per region). Default: all"),
    placement: z
      .enum(["spread", "pack"])
      .default("spread")
      .describe("spread: replicas round-robin across the region's AZs; pack: fill the first AZ's servers first"),
    startup: defaultsFromFields(
      z.strictObject({
        engine: duration("engine start-up after the server is up (CUDA graphs, warm-up)").default(60),
        weight_load_gb_per_s: speed("speed of loading the model weights onto a replica's GPUs, GB/s").default(2),
      }),
    ).describe("how long a replica takes to start on a server that just came up"),
    health_check: defaultsFromFields(
      z.strictObject({
        interval: duration("time between the load balancer's health checks of a replica", { positive: true }).default(10),
        unhealthy_threshold: count(LIMITS.smallCount, 1).default(3).describe(`failed checks in a row before the load balancer stops sending to a replica${atMost(LIMITS.smallCount)}`),
        connect_timeout: duration(
          "how long the load balancer tries to connect to a replica that has died before answering 504 (ALB: 10 s, per its 'HTTP 504' troubleshooting notes)",
          { positive: true },
        ).default(10),
      }),
    ).describe("load-balancer health checks: how fast a dead replica stops receiving traffic"),
    price: defaultsFromFields(
      z.strictObject({
        input_usd_per_mtok: nonNegativeNumber("price of a million prompt tokens, USD").default(0),
        output_usd_per_mtok: nonNegativeNumber("price of a million output tokens, USD").default(0),
        cached_input_usd_per_mtok: nonNegativeNumber("price of a million prompt tokens served from the prefix cache. Default: the input price").optional(),
        batch_discount: z.number().min(0).max(1).default(0.5).describe("discount for tenants of the batch tier (Bedrock batch inference: 50 %)"),
        cache_read_usd_per_mtok: nonNegativeNumber("price of a million prompt tokens read from a billed cache checkpoint. Default: 0.1 x the input price (Claude on Bedrock)").optional(),
        cache_write_5m_usd_per_mtok: nonNegativeNumber("price of a million prompt tokens written to a 5-minute checkpoint. Default: 1.25 x the input price").optional(),
        cache_write_1h_usd_per_mtok: nonNegativeNumber("price of a million prompt tokens written to a 1-hour checkpoint. Default: 2 x the input price").optional(),
        priority_premium: nonNegativeNumber("extra share of the token price paid by tenants of the priority tier (0.75: 1.75x); Bedrock lists priority as standard plus a premium whose size varies by model", LIMITS.factor).default(0),
        flex_discount: z.number().min(0).max(1).default(0).describe("discount for tenants of the flex tier (0.5: half price); Bedrock's flex discount varies by model"),
      }),
    ).describe("what customers pay per token"),
    prompt_cache: z
      .strictObject({
        min_tokens: count(LIMITS.tokens, 1).default(1024).describe(`shortest prefix a checkpoint caches; a shorter one is silently not cached (Bedrock: 1,024 to 4,096 by model)${atMost(LIMITS.tokens)}`),
        max_checkpoints: count(LIMITS.smallCount, 1).default(4).describe(`most checkpoints a request may set (Bedrock: 4); fleetsim sets one, at the end of a tenant's prefix${atMost(LIMITS.smallCount)}`),
      })
      .optional()
      .describe("billed prompt caching (Bedrock): tenants whose prefix has a cache_ttl pay cache writes and reads instead of input tokens for it"),
    provisioned: z
      .strictObject({
        tenant: identifier("the tenant that bought the capacity: the model's replicas serve it alone"),
        usd_per_replica_hour: nonNegativeNumber("what the tenant pays per replica-hour held, whatever it uses (Bedrock Provisioned Throughput bills model units by the hour)", LIMITS.usdPerHour),
      })
      .optional()
      .describe("provisioned throughput: the model's replicas are one tenant's, billed by the hour instead of by token; a request its queue (router.max_queue) has no room for is a 429 throttled, not a 503"),
    output_burndown: positiveNumber("output tokens count this many times against token limits (Bedrock: 5 for Claude 4-class models, else 1); billing is unaffected", LIMITS.factor).default(1),
    revenue_share: z.number().min(0).max(1).default(0).describe("share of this model's revenue paid to its provider (a cost)"),
    replicas: defaultsFromFields(ReplicasSchema),
    autoscaler: AutoscalerSchema.optional(),
    priority_aging: duration(
      "where the model's tenants span several service tiers: a request that has waited this long (at a replica or the central queue) is served as one tier higher, never more (batch never above flex), so a lower tier is not starved",
      { positive: true },
    ).default(60),
    cold_start: z
      .strictObject({
        on_no_replica: z
          .enum(["model_not_ready", "wait"])
          .default("model_not_ready")
          .describe(
            "a request for a model scaled to zero wakes it (a replica starts: boot, engine start, weight load); until one serves, requests are answered 429 model_not_ready (Bedrock's ModelNotReadyException, which SDKs retry with backoff) or wait for it, bounded by the client's timeout",
          ),
      })
      .optional()
      .describe("what a request meets at a model with no replica because it scaled to zero (an outage's missing replicas still answer 503). Default: model_not_ready"),
    drain_timeout: duration("longest a replica being removed may keep finishing its requests; what is left then fails").default(300),
    rollout: RolloutSchema.optional(),
    router: RouterSchema.default({ kind: "least_outstanding" }),
    disaggregation: DisaggregationSchema.optional(),
  })
  .describe("a deployed model (or service): its serving engine, replica count and load balancer");
