/**
 * The scenario format, version 1. This zod schema is the single source of the scenario's types,
 * validation, defaults and field documentation; `fleetsim schema` exports it as JSON Schema.
 * Objects are strict: an unknown key (usually a typo) is an error, never silently ignored.
 */
import { z } from "zod";
import { duration, identifier, nonNegativeNumber, positiveNumber, timeDistribution, tokenDistribution } from "./fields.js";
import { parseThresholds } from "../metrics/thresholds.js";

// --- serving engines -------------------------------------------------------------------------

const QueueEngine = z
  .strictObject({
    kind: z.literal("queue"),
    concurrency: z.int().min(1).default(1).describe("requests one replica serves at the same time (slots)"),
    service_time: timeDistribution("how long one request occupies a slot"),
  })
  .describe(
    "a generic service: `concurrency` slots per replica, each request holding one slot for a sampled service time " +
      "(also models non-LLM platform services: retrieval, guardrails, embeddings)",
  );

const ContinuousBatchingEngine = z
  .strictObject({
    kind: z.literal("continuous_batching"),
    max_num_seqs: z.int().min(1).default(256).describe("most sequences in a batch (vLLM max_num_seqs)"),
    max_batched_tokens: z.int().min(1).default(8192).describe("most tokens (prompt chunks + one per decoding sequence) in one iteration"),
    chunked_prefill: z
      .boolean()
      .default(true)
      .describe("split long prompts into chunks that share iterations with decoding sequences (Sarathi / vLLM chunked prefill)"),
    prefix_caching: z
      .boolean()
      .default(true)
      .describe("reuse the KV cache of prompt prefixes already computed (Mooncake hash_ids, or a tenant's `prefix`), evicting least recently used"),
    prefix_block_tokens: z
      .int()
      .min(16)
      .default(512)
      .describe("tokens per prefix-cache unit: one hash id covers this many prompt tokens (Mooncake traces use 512)"),
    block_size: z.int().min(1).default(16).describe("tokens per paged KV-cache block"),
    gpu_memory_utilization: z
      .number()
      .gt(0)
      .max(1)
      .default(0.9)
      .describe("share of GPU memory the engine may use for weights, activations and KV cache (vLLM's default 0.9)"),
    stack: z
      .enum(["trtllm", "vllm-2023"])
      .default("trtllm")
      .describe("serving software whose calibrated overheads and kernel efficiencies apply (see bench/calibration.md)"),
    latency: z
      .discriminatedUnion("kind", [
        z.strictObject({ kind: z.literal("roofline") }).describe("the calibrated roofline model"),
        z
          .strictObject({
            kind: z.literal("profile"),
            file: z
              .string()
              .min(1)
              .describe("CSV with columns phase (prefill|decode), batch_size, tokens (prompt tokens, prefill rows), context_tokens (per sequence, decode rows), iteration_ms"),
          })
          .describe("a measured profile table, interpolated, instead of the roofline"),
      ])
      .default({ kind: "roofline" })
      .describe("how iteration times are computed"),
  })
  .describe("an LLM replica doing iteration-level (continuous) batching with a paged KV cache, vLLM-style");

export const EngineSchema = z.discriminatedUnion("kind", [QueueEngine, ContinuousBatchingEngine]).describe("how a replica serves requests");

// --- routers ---------------------------------------------------------------------------------

const maxQueue = z
  .int()
  .min(0)
  .optional()
  .describe(
    "most requests allowed to wait (in the central queue, or per replica for the other routers); " +
      "more are rejected with 503. Default: unlimited",
  );

const routerKind = <K extends string>(kind: K, description: string) =>
  z.strictObject({ kind: z.literal(kind), max_queue: maxQueue }).describe(description);

export const RouterSchema = z
  .discriminatedUnion("kind", [
    routerKind("central_queue", "one FIFO queue in front of all replicas; a request starts on the first replica with a free slot"),
    routerKind("round_robin", "replicas in turn, each with its own FIFO queue"),
    routerKind("least_outstanding", "the replica with the fewest requests in service or queued (ties: lowest index)"),
    routerKind("random", "a uniformly random replica"),
    routerKind("least_outstanding_tokens", "the replica with the fewest tokens still to process (prompt tokens not yet computed plus output tokens not yet generated)"),
    routerKind("least_kv_load", "the replica whose KV cache is least committed (blocks in use plus those its waiting requests need)"),
    z
      .strictObject({
        kind: z.literal("prefix_affinity"),
        load_slack: z
          .number()
          .min(0)
          .default(0.25)
          .describe("replicas within this fraction of the least outstanding tokens count as not overloaded"),
        max_queue: maxQueue,
      })
      .describe("the replica holding the longest cached prefix of the prompt, among those not overloaded; else the least loaded"),
    z
      .strictObject({
        kind: z.literal("weighted"),
        weights: z
          .strictObject({
            outstanding_tokens: z.number().min(0).default(1).describe("weight of the replica's outstanding tokens (relative to the most loaded)"),
            kv_load: z.number().min(0).default(1).describe("weight of its KV-cache commitment (0..1)"),
            prefix: z.number().min(0).default(1).describe("weight of the share of the prompt it has cached (subtracted)"),
          })
          .default({ outstanding_tokens: 1, kv_load: 1, prefix: 1 })
          .describe("weights of the scorers; the lowest score wins"),
        max_queue: maxQueue,
      })
      .describe("scores every replica by a weighted sum of load signals (llm-d style) and picks the best"),
    z
      .strictObject({
        kind: z.literal("power_of_two"),
        choices: z.int().min(2).default(2).describe("replicas sampled at random; the least loaded of them wins"),
        max_queue: maxQueue,
      })
      .describe("sample `choices` replicas at random, send to the one with the fewest outstanding requests"),
  ])
  .describe("how a model's load balancer picks a replica");

export const RouterKinds = RouterSchema.options.map((option) => option.shape.kind.value);

// --- models ----------------------------------------------------------------------------------

const ReplicasSchema = z
  .strictObject({
    initial: z.int().min(0).default(1).describe("replicas running at the start"),
    min: z.int().min(0).optional().describe("fewest replicas an autoscaler may leave (default: initial)"),
    max: z.int().min(0).optional().describe("most replicas an autoscaler may run (default: initial)"),
  })
  .describe("how many replicas serve the model");

const InlineGpu = z
  .strictObject({
    id: z.string().min(1).describe("a name for this GPU"),
    family: z.enum(["ampere", "hopper", "ada", "blackwell"]).describe("whose calibrated efficiency factors apply"),
    bf16_tflops: positiveNumber("dense 16-bit tensor TFLOPS"),
    fp8_tflops: positiveNumber("dense FP8 tensor TFLOPS, if it has FP8 units").optional(),
    int8_tops: positiveNumber("dense INT8 tensor TOPS").optional(),
    memory_gb: positiveNumber("GPU memory, GB"),
    memory_tb_per_s: positiveNumber("memory bandwidth, TB/s"),
    tdp_w: positiveNumber("thermal design power, W"),
    interconnect_gb_per_s: positiveNumber("GPU-to-GPU bandwidth per direction, GB/s"),
    interconnect: z.enum(["nvlink", "pcie"]).default("nvlink").describe("NVLink within a server, or PCIe"),
  })
  .describe("a GPU not in the catalog");

const InlineArchitecture = z
  .strictObject({
    id: z.string().min(1).describe("a name for this architecture"),
    layers: z.int().min(1).describe("transformer layers"),
    hidden: z.int().min(1).describe("hidden size"),
    heads: z.int().min(1).describe("attention heads"),
    kv_heads: z.int().min(1).describe("key/value heads (fewer than heads for grouped-query attention)"),
    head_dim: z.int().min(1).describe("size of one head"),
    ffn: z.int().min(1).describe("MLP inner size (per expert)"),
    gated_mlp: z.boolean().default(true).describe("SwiGLU-style MLP with three matrices"),
    vocab: z.int().min(1).describe("vocabulary size"),
    max_context: z.int().min(1).describe("longest sequence (prompt + output) the model accepts"),
    experts: z.int().min(1).default(1).describe("MLP experts (1 = dense)"),
    experts_per_token: z.int().min(1).default(1).describe("experts each token uses"),
    tied_embeddings: z.boolean().default(false).describe("the output projection shares the embedding matrix"),
  })
  .describe("a model architecture not in the catalog");

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
        "GPU the replicas run on (catalog id such as h100-sxm, or an inline spec). Default: the GPU of the servers in the model's regions, or h100-sxm when the scenario has no regions",
      ),
    precision: z.enum(["fp16", "bf16", "fp8", "int8", "int4"]).default("bf16").describe("weight (and compute) precision"),
    kv_cache_precision: z
      .enum(["fp16", "bf16", "fp8"])
      .optional()
      .describe("KV-cache element type. Default: fp8 when precision is fp8 (TensorRT-LLM's FP8 recipe), else 16-bit"),
    tensor_parallel: z.int().min(1).default(1).describe("GPUs one replica's layers are split across (within a server)"),
    pipeline_parallel: z.int().min(1).default(1).describe("pipeline stages per replica (latency of one batch crosses all stages)"),
    engine: EngineSchema,
    regions: z.array(z.string().min(1)).optional().describe("regions the model is deployed in (replicas are per region). Default: all"),
    placement: z
      .enum(["spread", "pack"])
      .default("spread")
      .describe("spread: replicas round-robin across the region's AZs; pack: fill the first AZ's servers first"),
    startup: z
      .strictObject({
        engine: duration("engine start-up after the server is up (CUDA graphs, warm-up)").default(60),
        weight_load_gb_per_s: positiveNumber("speed of loading the model weights onto a replica's GPUs, GB/s").default(2),
      })
      .default({ engine: 60, weight_load_gb_per_s: 2 })
      .describe("how long a replica takes to start on a server that just came up"),
    health_check: z
      .strictObject({
        interval: duration("time between the load balancer's health checks of a replica", { positive: true }).default(10),
        unhealthy_threshold: z.int().min(1).default(3).describe("failed checks in a row before the load balancer stops sending to a replica"),
      })
      .default({ interval: 10, unhealthy_threshold: 3 })
      .describe("load-balancer health checks: how fast a dead replica stops receiving traffic"),
    price: z
      .strictObject({
        input_usd_per_mtok: nonNegativeNumber("price of a million prompt tokens, USD").default(0),
        output_usd_per_mtok: nonNegativeNumber("price of a million output tokens, USD").default(0),
        cached_input_usd_per_mtok: nonNegativeNumber("price of a million prompt tokens served from the prefix cache. Default: the input price").optional(),
        batch_discount: z.number().min(0).max(1).default(0.5).describe("discount for tenants of the batch tier (Bedrock batch inference: 50 %)"),
      })
      .default({ input_usd_per_mtok: 0, output_usd_per_mtok: 0, batch_discount: 0.5 })
      .describe("what customers pay per token"),
    revenue_share: z.number().min(0).max(1).default(0).describe("share of this model's revenue paid to its provider (a cost)"),
    replicas: ReplicasSchema.default({ initial: 1 }),
    router: RouterSchema.default({ kind: "least_outstanding" }),
  })
  .describe("a deployed model (or service): its serving engine, replica count and load balancer");

// --- workload --------------------------------------------------------------------------------

const rate = positiveNumber("mean arrival rate, requests per second");

export const ArrivalSchema = z
  .discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("poisson"), rate_per_s: rate }).describe("Poisson process: exponential gaps"),
    z.strictObject({ kind: z.literal("constant"), rate_per_s: rate }).describe("evenly spaced arrivals"),
    z
      .strictObject({
        kind: z.literal("gamma"),
        rate_per_s: rate,
        cv: positiveNumber("coefficient of variation of the gaps: 1 = Poisson, > 1 bursty, < 1 regular"),
      })
      .describe("renewal process with gamma-distributed gaps (bursty traffic when cv > 1)"),
    z
      .strictObject({
        kind: z.literal("diurnal"),
        mean_rate_per_s: rate,
        peak_to_trough: z.number().min(1).default(2).describe("ratio of the peak rate to the trough rate"),
        peak_at: duration("time of day of the peak, from the start of the run").default(14 * 3600),
        period: duration("length of one cycle", { positive: true }).default(86_400),
      })
      .describe("Poisson arrivals whose rate follows a sinusoidal day cycle around the mean (generated by thinning)"),
    z
      .strictObject({
        kind: z.literal("closed_loop"),
        concurrency: z.int().min(1).describe("users, each with at most one request in flight (how genai-perf and NIM benchmarks drive load)"),
        think_time: timeDistribution("pause between a user's response and their next request").default({ dist: "fixed", value: 0 }),
        ramp_up: duration("users start evenly spread over this time").default(0),
      })
      .describe("closed loop: a fixed number of users send a request, wait for its end, think, and send the next"),
    z
      .strictObject({
        kind: z.literal("burst"),
        count: z.int().min(1).describe("requests, all arriving at once"),
        at: duration("when they arrive").default(0),
      })
      .describe("a batch of requests arriving at the same instant (offline jobs, throughput benchmarks)"),
    z
      .strictObject({
        kind: z.literal("trace"),
        file: z
          .string()
          .min(1)
          .describe("trace file, relative to the scenario file: Azure LLM inference CSV or Mooncake JSON Lines (.gz is read too)"),
        format: z
          .enum(["azure", "mooncake"])
          .optional()
          .describe("azure: TIMESTAMP,ContextTokens,GeneratedTokens; mooncake: {timestamp ms, input_length, output_length, hash_ids}. Default: from the file"),
        speedup: positiveNumber("replay this many times faster than recorded (2 = half the gaps)").default(1),
        loop: z.boolean().default(false).describe("start the trace again when it ends, until the scenario's duration"),
        spread_ties: z
          .boolean()
          .default(true)
          .describe("spread requests that share a timestamp evenly up to the next timestamp (Mooncake's are quantised to ~3 s)"),
      })
      .describe("replay of a recorded trace: its arrival times and, unless the tenant sets them, its token lengths"),
  ])
  .describe("when requests arrive");

export const TenantSchema = z
  .strictObject({
    name: identifier("tenant (customer or application) name, used in reports"),
    model: z.string().min(1).describe("name of the model in `models` this tenant calls"),
    arrival: ArrivalSchema,
    input_tokens: tokenDistribution(
      "prompt length. Default: the trace's lengths for trace arrivals, else lognormal mean 1155, cv 0.96 (Azure 2023 conversation trace)",
    ).optional(),
    output_tokens: tokenDistribution(
      "response length. Default: the trace's lengths for trace arrivals, else lognormal mean 211, cv 0.77 (Azure 2023 conversation trace)",
    ).optional(),
    prefix: z
      .strictObject({
        tokens: z.int().min(1).describe("tokens every prompt of this tenant starts with (a system prompt)"),
        variants: z.int().min(1).default(1).describe("distinct such prefixes, chosen uniformly per request"),
      })
      .optional()
      .describe("a shared prompt prefix, so prefix caching and prefix-affinity routing have something to reuse"),
    geo: z.string().min(1).optional().describe("where the tenant's clients are; they use the nearest region serving the model. Default: the first region's geo"),
    tier: z.enum(["on_demand", "batch"]).default("on_demand").describe("pricing tier: batch requests get the model's batch discount"),
    retries: z.int().min(0).default(0).describe("times a client resends a request that failed with a server error"),
    timeout: duration("client timeout: a request not finished this long after it arrived is abandoned (timed_out)", {
      positive: true,
    }).optional(),
  })
  .describe("a source of requests");

export const WorkloadSchema = z
  .strictObject({
    tenants: z.array(TenantSchema).default([]).describe("request sources; none means an idle fleet"),
  })
  .describe("who sends what, when");

// --- the scenario ----------------------------------------------------------------------------

export const ReportSchema = z
  .strictObject({
    interval: duration("width of the time-series buckets in timeseries.csv and the HTML report", { positive: true }).default(60),
    requests_csv: z
      .boolean()
      .default(false)
      .describe("also write requests.csv, one row per request (arrival, outcome, latencies), streamed as the run goes"),
  })
  .describe("report options");

// --- the fleet ---------------------------------------------------------------------------

const ServerTypeSchema = z
  .strictObject({
    gpu: z.string().min(1).describe("GPU id (catalog) of its GPUs"),
    gpus: z.int().min(1).describe("GPUs per server"),
    host_idle_w: nonNegativeNumber("power of everything but the GPUs when idle, W").default(2200),
    host_max_w: nonNegativeNumber("power of everything but the GPUs at full load, W").default(4600),
    usd_per_hour: nonNegativeNumber("on-demand price of the server, USD per hour").optional(),
    purchase_usd: nonNegativeNumber("purchase price, USD (owned fleets)").optional(),
    boot_time: duration("power-on to operating system ready").default(300),
  })
  .describe("a server type");

const ServerPoolSchema = z
  .strictObject({
    type: z.string().min(1).describe("server type: from the catalog (p5.48xlarge, p5e.48xlarge, p4d.24xlarge, g5.xlarge, dgx-h100, dgx-a100) or `server_types`"),
    count: z.int().min(0).describe("servers running at the start"),
    max: z.int().min(0).optional().describe("most servers this AZ could ever get (GPU scarcity). Default: count"),
  })
  .describe("servers of one type in an AZ");

const AzSchema = z
  .strictObject({
    name: identifier("availability zone name, unique in the scenario"),
    servers: z.union([ServerPoolSchema, z.array(ServerPoolSchema)]).describe("its server pool, or pools"),
    power_capacity_kw: positiveNumber("facility power this AZ's data hall can supply, kW; the report flags peaks above it").optional(),
  })
  .describe("an availability zone: a failure domain with its own power and servers");

const RegionSchema = z
  .strictObject({
    name: identifier("region name"),
    geo: z.string().min(1).optional().describe("geography whose clients are closest to this region. Default: the region's name"),
    pue: z
      .union([z.number().min(1), z.strictObject({ hourly: z.array(z.number().min(1)).length(24).describe("PUE for each hour of the day, from 0h") })])
      .default(1.15)
      .describe("power usage effectiveness: facility power / IT power (AWS reports 1.15 globally, ../shared/data/calibration/prices.csv)"),
    electricity_usd_per_kwh: nonNegativeNumber("electricity price, USD per kWh (Virginia commercial 2023: 0.0895, EIA via prices.csv)").default(0.0895),
    carbon_g_per_kwh: nonNegativeNumber("grid carbon intensity, g CO2 per kWh (default 380, a US-grid-like assumption)").default(380),
    azs: z.array(AzSchema).min(1).describe("its availability zones"),
  })
  .describe("a region: availability zones, facility efficiency, electricity price and carbon");

const NetworkSchema = z
  .strictObject({
    rtt_ms: z
      .record(z.string(), z.record(z.string(), nonNegativeNumber("round trip, ms")))
      .default({})
      .describe("client geo -> region -> round-trip time, ms; added to TTFT and end-to-end latency"),
    default_rtt_ms: nonNegativeNumber("round trip between a geo and a region not listed: 0 within the region's own geo, this elsewhere").default(60),
  })
  .describe("network distance between clients and regions");

// --- faults ------------------------------------------------------------------------------

const FaultSchema = z
  .discriminatedUnion("kind", [
    z
      .strictObject({ kind: z.literal("az_outage"), az: z.string().min(1).describe("the AZ"), at: duration("start"), duration: duration("length", { positive: true }) })
      .describe("an AZ goes dark: every server in it fails, and comes back (boot, weight loading) after `duration`"),
    z
      .strictObject({ kind: z.literal("region_outage"), region: z.string().min(1).describe("the region"), at: duration("start"), duration: duration("length", { positive: true }) })
      .describe("every AZ of a region goes dark"),
    z
      .strictObject({
        kind: z.literal("server_failures"),
        mtbf: duration("mean time between failures of one server", { positive: true }),
        mttr: duration("mean time to repair (exponential)", { positive: true }),
        distribution: z.enum(["exponential", "weibull"]).default("exponential").describe("distribution of the time to failure"),
        shape: positiveNumber("Weibull shape (< 1: infant mortality, > 1: wear-out)").default(1),
        azs: z.array(z.string().min(1)).optional().describe("AZs it applies to. Default: all"),
      })
      .describe("random server failures: the replicas on a failed server go down until it is repaired and reloaded"),
    z
      .strictObject({
        kind: z.literal("gpu_failures"),
        mtbf: duration("mean time between failures of one GPU", { positive: true }),
        mttr: duration("mean time to replace a failed GPU (exponential)", { positive: true }),
        azs: z.array(z.string().min(1)).optional().describe("AZs it applies to. Default: all"),
      })
      .describe("random GPU failures: the one replica using that GPU goes down until it is replaced"),
    z
      .strictObject({
        kind: z.literal("random_az_outages"),
        mtbf: duration("mean time between outages of one AZ (exponential)", { positive: true }),
        duration: timeDistribution("how long an outage lasts"),
        azs: z.array(z.string().min(1)).optional().describe("AZs it applies to. Default: all"),
      })
      .describe("AZ outages at random times"),
  ])
  .describe("something that breaks");

// --- money and objectives ----------------------------------------------------------------

const CostsSchema = z
  .strictObject({
    gpu_pricing: z.enum(["on_demand", "owned"]).default("on_demand").describe("rent servers by the hour, or own them (purchase price amortised, plus facility cost)"),
    amortization_years: positiveNumber("years over which owned servers are written off").default(4),
    facility_usd_per_kw_month: nonNegativeNumber("owned: data-centre space, power and cooling capacity, USD per kW of server nameplate power per month").default(150),
    other: z
      .array(
        z
          .strictObject({
            name: identifier("cost item name (network, monitoring, security, gateway, load_balancers, database, ...)"),
            usd_per_hour: nonNegativeNumber("a fixed cost, USD per hour").optional(),
            fraction_of_compute: nonNegativeNumber("a cost proportional to the GPU-server cost").optional(),
          })
          .describe("another cost of running the service"),
      )
      .default([])
      .describe("costs besides servers and electricity"),
  })
  .describe("how costs are counted");

const SloSchema = z
  .strictObject({
    ttft: duration("time-to-first-token target").default(2),
    tpot: duration("time-per-output-token target (mean gap between tokens of a request)").default(0.2),
  })
  .describe("latency objectives: a request meeting both counts toward SLO attainment and goodput (DistServe's definition)");

export const ScenarioSchema = z
  .strictObject({
    version: z.literal(1).describe("scenario format version; this is version 1"),
    name: z.string().min(1).describe("scenario name, shown in reports"),
    description: z.string().optional().describe("free text shown in the report"),
    seed: z.int().min(0).default(1).describe("seed of every random stream; same scenario + seed = same report, byte for byte"),
    duration: duration("simulated time during which requests arrive; the run then drains", { positive: true }),
    warmup: duration("requests arriving before this are served but left out of the statistics").default(0),
    drain: duration(
      "longest time after `duration` to let in-flight requests finish; what is left is reported as in_flight_at_end. Default: until all finish",
    ).optional(),
    server_types: z.record(z.string(), ServerTypeSchema).default({}).describe("server types, added to (or replacing) the built-in catalog"),
    regions: z
      .array(RegionSchema)
      .optional()
      .describe("where the fleet is. Default: one region with one AZ and as many servers as the replicas need"),
    network: NetworkSchema.default({ rtt_ms: {}, default_rtt_ms: 60 }),
    models: z.array(ModelSchema).default([]).describe("deployed models and services"),
    workload: WorkloadSchema.default({ tenants: [] }),
    faults: z.array(FaultSchema).default([]).describe("failures and outages"),
    costs: CostsSchema.default({ gpu_pricing: "on_demand", amortization_years: 4, facility_usd_per_kw_month: 150, other: [] }),
    slo: SloSchema.default({ ttft: 2, tpot: 0.2 }),
    thresholds: z
      .record(z.string(), z.array(z.string().min(1)))
      .default({})
      .describe('pass/fail criteria, k6 style: { ttft: ["p(99) < 2s"], error_rate: ["rate < 0.001"], availability: ["value >= 99.9%"] }; `fleetsim check` exits 99 when one fails')
      // Parsed once here; checkScenario reports the expressions that did not parse.
      .transform(parseThresholds),
    report: ReportSchema.default({ interval: 60, requests_csv: false }),
  })
  .describe("a fleetsim scenario");

export type Scenario = z.output<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type ModelSpec = Scenario["models"][number];
export type TenantSpec = Scenario["workload"]["tenants"][number];
export type ArrivalSpec = TenantSpec["arrival"];
export type RouterSpec = ModelSpec["router"];
export type EngineSpec = ModelSpec["engine"];
export type BatchingEngineSpec = Extract<EngineSpec, { kind: "continuous_batching" }>;
export type RegionSpec = NonNullable<Scenario["regions"]>[number];
export type FaultSpec = Scenario["faults"][number];
export type ServerTypeSpec = Scenario["server_types"][string];
