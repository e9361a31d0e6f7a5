/** Scenario format: the serving engines (how one replica serves requests). */
import { z } from "zod";
import { count, duration, nonNegativeNumber, positiveNumber, speed, timeDistribution } from "../fields.js";
import { atMost, LIMITS } from "../limits.js";
import { NEWEST_TRTLLM, SERVING_STACKS, STACK_NAMES } from "../../inference/latency/efficiency.js";

export const InlineArchitecture = z
  .strictObject({
    id: z.string().min(1).describe("a name for this architecture"),
    layers: count(LIMITS.modelDimension, 1).describe(`transformer layers${atMost(LIMITS.modelDimension)}`),
    hidden: count(LIMITS.modelDimension, 1).describe(`hidden size${atMost(LIMITS.modelDimension)}`),
    heads: count(LIMITS.modelDimension, 1).describe(`attention heads${atMost(LIMITS.modelDimension)}`),
    kv_heads: count(LIMITS.modelDimension, 1).describe(`key/value heads (fewer than heads for grouped-query attention)${atMost(LIMITS.modelDimension)}`),
    head_dim: count(LIMITS.modelDimension, 1).describe(`size of one head${atMost(LIMITS.modelDimension)}`),
    ffn: count(LIMITS.modelDimension, 1).describe(`MLP inner size (per expert)${atMost(LIMITS.modelDimension)}`),
    gated_mlp: z.boolean().default(true).describe("SwiGLU-style MLP with three matrices"),
    vocab: count(LIMITS.modelDimension, 1).describe(`vocabulary size${atMost(LIMITS.modelDimension)}`),
    max_context: count(LIMITS.tokens, 1).describe(`longest sequence (prompt + output) the model accepts, tokens${atMost(LIMITS.tokens)}`),
    experts: count(LIMITS.modelDimension, 1).default(1).describe(`MLP experts (1 = dense)${atMost(LIMITS.modelDimension)}`),
    experts_per_token: count(LIMITS.modelDimension, 1).default(1).describe(`experts each token uses${atMost(LIMITS.modelDimension)}`),
    tied_embeddings: z.boolean().default(false).describe("the output projection shares the embedding matrix"),
  })
  .describe("a model architecture not in the catalog");

const QueueEngine = z
  .strictObject({
    kind: z.literal("queue"),
    concurrency: count(LIMITS.slots, 1).default(1).describe(`requests one replica serves at the same time (slots)${atMost(LIMITS.slots)}`),
    service_time: timeDistribution("how long one request occupies a slot"),
  })
  .describe(
    "a generic service: `concurrency` slots per replica, each request holding one slot for a sampled service time " +
      "(also models non-LLM platform services: retrieval, guardrails, embeddings)",
  );

const ContinuousBatchingEngine = z
  .strictObject({
    kind: z.literal("continuous_batching"),
    max_num_seqs: count(LIMITS.slots, 1).default(256).describe(`most sequences in a batch (vLLM max_num_seqs)${atMost(LIMITS.slots)}`),
    max_batched_tokens: count(LIMITS.tokens, 1).default(8192).describe(`most tokens (prompt chunks + one per decoding sequence) in one iteration${atMost(LIMITS.tokens)}`),
    chunked_prefill: z
      .boolean()
      .default(true)
      .describe("split long prompts into chunks that share iterations with decoding sequences (Sarathi / vLLM chunked prefill)"),
    prefix_caching: z
      .boolean()
      .default(true)
      .describe("reuse the KV cache of prompt prefixes already computed (Mooncake hash_ids, or a tenant's `prefix`), evicting least recently used"),
    prefix_block_tokens: count(LIMITS.tokens, 16)
      .default(512)
      .describe(
        `tokens one hash id of a trace covers (Mooncake traces use 512): the prefix cache's grain for a model replaying such a trace${atMost(LIMITS.tokens)}. Otherwise a tenant's shared \`prefix\` is cached by KV block (block_size)`,
      ),
    speculative: z
      .strictObject({
        draft_model: z
          .union([z.string().min(1), InlineArchitecture])
          .describe("the draft model's architecture (a catalog id or an inline spec); it runs on the target's GPUs with its tensor parallelism and precision, its weights and KV cache taking their memory"),
        draft_tokens: count(LIMITS.draftTokens, 1).describe(`tokens the draft proposes per step, k; the target verifies k + 1 in one pass${atMost(LIMITS.draftTokens)}`),
        acceptance_rate: z
          .number()
          .min(0)
          .max(1)
          .describe(
            "probability that the target accepts each proposed token, given the ones before it were accepted (Leviathan et al. 2023's alpha): a step emits 1 + min(k, accepted run) tokens, E = (1 - a^(k+1)) / (1 - a) on average. Not vLLM's acceptance rate (accepted / proposed = (E - 1) / k), which the report gives too",
          ),
      })
      .optional()
      .describe("speculative decoding: a draft model proposes tokens the target verifies in one pass; needs the roofline latency model"),
    kv_offload: z
      .strictObject({
        host_memory_gb: nonNegativeNumber(
          "host (CPU) memory per replica holding prefix-cache blocks evicted from GPU memory, GB of 1e9 bytes; at most the server type's host memory shared among its replicas",
          LIMITS.offloadGb,
        ),
        read_gb_per_s: speed("bandwidth reading offloaded blocks back into the replica's GPUs, GB/s (PCIe Gen5 x16: about 50 GB/s per direction)"),
        read_latency: duration("fixed time per read from host memory").default(0),
        store: z
          .strictObject({
            capacity_gb: positiveNumber("capacity of a store the model's replicas share (Mooncake store, LMCache remote), GB", LIMITS.offloadGb),
            read_gb_per_s: speed("bandwidth reading from the store into one replica, GB/s"),
            read_latency: duration("fixed time per read from the store").default(0),
          })
          .optional()
          .describe("a tier below host memory: blocks dropped from a replica's host memory go here, and any replica of the model reads them back"),
      })
      .optional()
      .describe(
        "KV offload (vLLM CPU offload, LMCache, Mooncake store): prefix units evicted from GPU memory move to host memory, then to a shared store; a prompt whose prefix is found there reads it back at the tier's bandwidth instead of computing it. Needs prefix_caching",
      ),
    block_size: count(LIMITS.tokens, 1).default(16).describe(`tokens per paged KV-cache block${atMost(LIMITS.tokens)}`),
    gpu_memory_utilization: z
      .number()
      .gt(0)
      .max(1)
      .default(0.9)
      .describe("vLLM stacks: share of GPU memory the engine may use for weights, activations and KV cache (vLLM's gpu_memory_utilization, default 0.9)"),
    kv_cache_free_fraction: z
      .number()
      .gt(0)
      .max(1)
      .default(0.9)
      .describe("TensorRT-LLM stack: share of the memory left after weights, activations and runtime buffers given to the KV cache (TensorRT-LLM's KvCacheConfig free_gpu_memory_fraction, default 0.9)"),
    stack: z
      .enum(STACK_NAMES)
      .default(NEWEST_TRTLLM)
      .describe(
        `serving software, by version, whose calibrated overheads and kernel efficiencies apply (bench/calibration.md): ${SERVING_STACKS.join(", ")}; \`trtllm\` names the newest calibrated TensorRT-LLM (${NEWEST_TRTLLM}), the default`,
      ),
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
