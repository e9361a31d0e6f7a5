/** Scenario format: the serving engines (how one replica serves requests). */
import { z } from "zod";
import { count, timeDistribution } from "../fields.js";
import { atMost, LIMITS } from "../limits.js";
import { NEWEST_TRTLLM, SERVING_STACKS, STACK_NAMES } from "../../inference/latency/efficiency.js";

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
