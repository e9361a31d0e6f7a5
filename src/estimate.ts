/**
 * One latency-model point, as `fleetsim estimate` computes it: a GPU, a model, a precision, a
 * tensor-parallel degree and a number of pipeline stages serving prompts of `isl` tokens and answers of `osl` tokens, either
 *  - as a static batch of N (prefilled together, then decoded together; closed form),
 *  - with N concurrent users, each sending the next request when the last ends (simulated), or
 *  - at maximum throughput: offline, many requests at once, in-flight batching limited by KV memory
 *    (simulated), the way TensorRT-LLM's and vLLM's throughput benchmarks run.
 */
import type { SpeculativeReport } from "./report/report-types.js";
import { US_PER_S, usToSeconds } from "./engine/index.js";
import type { Precision } from "./catalog/precisions.js";
import { simulate } from "./index.js";
import { deployModel } from "./inference/deployment.js";
import { resolveStack, type Calibration, type StackName } from "./inference/latency/efficiency.js";
import { staticBatch } from "./inference/latency/static-batch.js";
import { ScenarioError } from "./scenario/issues.js";
import { ModelSchema, type BatchingEngineSpec, type ModelSpec, type ScenarioInput } from "./scenario/schema.js";
import { DataFiles } from "./workload/datafiles.js";

export type EstimateMode = { kind: "batch"; size: number } | { kind: "concurrency"; users: number } | { kind: "max_throughput" };

export interface EstimateInput {
  gpu: string;
  model: string;
  precision: Precision;
  tp: number;
  /** pipeline stages (default 1); a replica has tp x pp GPUs */
  pp?: number;
  isl: number;
  osl: number;
  mode: EstimateMode;
  stack?: StackName;
  maxNumSeqs?: number;
  maxBatchedTokens?: number;
  /**
   * max_throughput: how many requests the offline run serves (default: four full batches, at least
   * 1,000). Throughput counts until the last one ends, so when the count is not a whole number of
   * batches the last, partly empty batch lowers it, as in a real benchmark of that many requests.
   */
  requests?: number;
  /** speculative decoding: a draft model (catalog id) proposing `tokens` per step, each accepted with probability `acceptanceRate` */
  speculative?: { draftModel: string; tokens: number; acceptanceRate: number };
  /** the efficiency factors (default: the ones in force); a calibration fit passes the ones it is trying */
  calibration?: Calibration;
}

export interface EstimateResult {
  /** means over the requests */
  ttft_ms: number;
  tbt_ms: number;
  e2e_ms: number;
  output_tokens_per_s: number;
  /** 99th percentiles over the requests (a static batch's requests all take the same time) */
  ttft_p99_ms: number;
  e2e_p99_ms: number;
  /** tokens the replica's KV cache holds */
  kv_cache_tokens: number;
  /** extra figures for the JSON output */
  detail: Record<string, number | string>;
}

/** Bad input to an estimate: a message saying what was wrong and what is known. */
export class EstimateError extends Error {}

export const PRECISION_NAMES: readonly Precision[] = ["fp16", "bf16", "fp8", "int8", "int4"];

/** The model entry a one-model scenario would have: what the estimate sets, the schema's defaults for the rest. */
function modelEntry(input: EstimateInput, maxNumSeqs: number): ModelSpec {
  const maxBatchedTokens = input.maxBatchedTokens ?? EngineDefaults.max_batched_tokens;
  const s = input.speculative;
  // Every running sequence verifies k + 1 tokens in an iteration.
  const width = s ? s.tokens + 1 : 1;
  return ModelSchema.parse({
    name: "estimate",
    model: input.model,
    gpu: input.gpu,
    precision: input.precision,
    tensor_parallel: input.tp,
    pipeline_parallel: input.pp ?? 1,
    engine: {
      kind: "continuous_batching",
      max_num_seqs: maxNumSeqs,
      max_batched_tokens: Math.max(maxBatchedTokens, maxNumSeqs * width),
      stack: input.stack,
      ...(s ? { speculative: { draft_model: s.draftModel, draft_tokens: s.tokens, acceptance_rate: s.acceptanceRate } } : {}),
    },
  });
}

/** The continuous-batching engine's defaults, read from the schema. */
const EngineDefaults = ModelSchema.shape.engine.parse({ kind: "continuous_batching" }) as BatchingEngineSpec;

function checkNames(input: EstimateInput): void {
  const problems: string[] = [];
  for (const [field, value, min] of [["tp", input.tp, 1], ["pp", input.pp ?? 1, 1], ["isl", input.isl, 1], ["osl", input.osl, 1]] as const) {
    if (!Number.isInteger(value) || value < min) problems.push(`${field}: expected an integer >= ${min}, got ${value}`);
  }
  if (!PRECISION_NAMES.includes(input.precision)) problems.push(`precision: unknown precision '${input.precision}'. Known: ${PRECISION_NAMES.join(", ")}.`);
  if (problems.length > 0) throw new EstimateError(problems.join("; "));
}

export function estimate(input: EstimateInput): EstimateResult {
  checkNames(input);
  let maxNumSeqs = input.mode.kind === "max_throughput" ? 1 : Math.max(input.maxNumSeqs ?? 256, input.mode.kind === "batch" ? input.mode.size : input.mode.users);
  let spec = modelEntry(input, maxNumSeqs);
  let { deployed, problems } = deployModel(spec, new DataFiles("."), undefined, input.calibration);
  if (deployed && input.mode.kind === "max_throughput") {
    // Offline: as many sequences as the KV cache holds whole, so none is ever evicted (TensorRT-LLM's
    // guaranteed-no-evict policy), capped at 2,048.
    // More sequences take more memory for their logits: shrink until the count fits the KV cache it leaves.
    for (let round = 0; round < 4 && deployed; round++) {
      const fit = Math.floor((deployed.memory.kvBlocks * deployed.memory.blockSize) / (input.isl + input.osl));
      const next = Math.max(1, Math.min(input.maxNumSeqs ?? 2048, fit));
      if (round > 0 && next >= maxNumSeqs) break;
      maxNumSeqs = next;
      spec = modelEntry(input, maxNumSeqs);
      ({ deployed, problems } = deployModel(spec, new DataFiles("."), undefined, input.calibration));
    }
  }
  if (!deployed) {
    const flag: Record<string, string> = { tensor_parallel: "tp", pipeline_parallel: "pp", model: "model", gpu: "gpu" };
    throw new EstimateError(problems.map((p) => `${flag[String(p.path[0])] ?? p.path[0]}: ${p.message}`).join("; "));
  }
  if (input.isl + input.osl > deployed.architecture.maxContext) {
    throw new EstimateError(`isl + osl = ${input.isl + input.osl} tokens is longer than ${deployed.architecture.id}'s context of ${deployed.architecture.maxContext}`);
  }
  const kvTokens = deployed.memory.kvBlocks * deployed.memory.blockSize;
  const detail: Record<string, number | string> = {
    stack: resolveStack(spec.engine.kind === "continuous_batching" ? spec.engine.stack : "trtllm"),
    gpus: deployed.gpusPerReplica,
    memory_gb_per_gpu: Number(deployed.memory.capacityGb.toFixed(2)),
    weights_gb_per_gpu: Number(deployed.memory.weightsGb.toFixed(2)),
    activations_gb_per_gpu: Number(deployed.memory.activationsGb.toFixed(2)),
    runtime_gb_per_gpu: Number(deployed.memory.runtimeGb.toFixed(2)),
    kv_cache_gb_per_gpu: Number(deployed.memory.kvGb.toFixed(2)),
  };

  if (input.mode.kind === "batch") {
    if (input.speculative) throw new EstimateError("--batch is a closed form without a draft model: estimate speculative decoding with --concurrency N or --max-throughput (simulated)");
    const batch = input.mode.size;
    if (batch * (input.isl + input.osl) > kvTokens) {
      throw new EstimateError(`a batch of ${batch} x ${input.isl + input.osl} tokens needs ${batch * (input.isl + input.osl)} tokens of KV cache; the replica holds ${kvTokens}`);
    }
    const r = staticBatch(deployed.latency, batch, input.isl, input.osl, spec.engine.kind === "continuous_batching" ? spec.engine.max_batched_tokens : Infinity);
    return {
      ttft_ms: r.ttftUs / 1e3,
      tbt_ms: r.tbtUs / 1e3,
      e2e_ms: r.e2eUs / 1e3,
      output_tokens_per_s: r.outputTokensPerS,
      ttft_p99_ms: r.ttftUs / 1e3,
      e2e_p99_ms: r.e2eUs / 1e3,
      kv_cache_tokens: kvTokens,
      detail: { ...detail, batch },
    };
  }

  // Simulated modes: size the run from the static-batch closed form so it reaches a steady state.
  const users = input.mode.kind === "concurrency" ? input.mode.users : maxNumSeqs;
  const guess = staticBatch(deployed.latency, Math.min(users, 256), input.isl, input.osl).e2eUs / US_PER_S;
  const fixed = (value: number) => ({ dist: "fixed" as const, value });
  const scenario: ScenarioInput =
    input.mode.kind === "concurrency"
      ? {
          version: 1,
          name: "estimate",
          duration: Math.max(60, 40 * guess),
          warmup: Math.max(10, 8 * guess),
          models: [spec],
          // Users start spread over one request's lifetime, so prompts and decodes mix as in steady serving.
          workload: {
            tenants: [{ name: "users", model: "estimate", arrival: { kind: "closed_loop", concurrency: users, ramp_up: guess }, input_tokens: fixed(input.isl), output_tokens: fixed(input.osl) }],
          },
        }
      : {
          version: 1,
          name: "estimate",
          duration: 1,
          models: [spec],
          workload: {
            tenants: [{ name: "offline", model: "estimate", arrival: { kind: "burst", count: input.requests ?? Math.max(1000, 4 * Math.min(maxNumSeqs, Math.floor(kvTokens / (input.isl + input.osl)))) }, input_tokens: fixed(input.isl), output_tokens: fixed(input.osl) }],
          },
        };
  let result;
  try {
    result = simulate(scenario, { calibration: input.calibration });
  } catch (error) {
    if (error instanceof ScenarioError) throw new EstimateError(error.issues.map((i) => `${i.path}: ${i.message}`).join("; "));
    throw error;
  }
  const { report, run } = result;
  const l = report.latency;
  const throughput =
    input.mode.kind === "concurrency" ? report.throughput.output_tokens_per_s : (report.requests.completed * input.osl) / usToSeconds(run.endUs);
  return {
    ttft_ms: (l.ttft_s.mean ?? NaN) * 1e3,
    tbt_ms: (l.tbt_s.mean ?? NaN) * 1e3,
    e2e_ms: (l.e2e_s.mean ?? NaN) * 1e3,
    output_tokens_per_s: throughput,
    ttft_p99_ms: (l.ttft_s.p99 ?? NaN) * 1e3,
    e2e_p99_ms: (l.e2e_s.p99 ?? NaN) * 1e3,
    kv_cache_tokens: kvTokens,
    detail: {
      ...detail,
      ...(input.mode.kind === "concurrency"
        ? { concurrency: users, mean_batch_size: Number((report.by_model.estimate.replicas_detail[0]?.mean_batch_size ?? 0).toFixed(2)) }
        : { requests: report.requests.completed, max_num_seqs: maxNumSeqs }),
      ...speculativeDetail(report.by_model.estimate.speculative_decoding, l.tpot_s.mean),
    },
  };
}

/** With a draft: tokens per verify step (seen, and E), the draft's acceptance as vLLM counts it, and time per output token (a gap between tokens is a whole step). */
function speculativeDetail(s: SpeculativeReport | undefined, tpotS: number | null | undefined): Record<string, number> {
  if (!s) return {};
  return {
    tokens_per_step: s.tokens_per_step ?? NaN,
    expected_tokens_per_step: s.expected_tokens_per_step,
    draft_acceptance: s.draft_acceptance ?? NaN,
    tpot_ms: (tpotS ?? NaN) * 1e3,
  };
}
