/**
 * From a model entry of the scenario to a deployable replica: the catalog specs it names (or inline
 * ones), its memory plan (weights, reserved memory, KV-cache blocks) and its latency model. A model
 * that does not fit its GPUs is refused with how much memory it needs and how much it has.
 */
import { GPUS, type GpuSpec } from "../catalog/gpus.js";
import { MODELS, totalParams, type ModelSpec as Architecture } from "../catalog/models.js";
import { KV_BYTES, PRECISIONS, type Precision } from "../catalog/precisions.js";
import type { ModelSpec } from "../scenario/schema.js";
import { unknownName, type PathSegment } from "../scenario/issues.js";
import type { DataFiles } from "../workload/datafiles.js";
import { gpuMemoryBytes } from "../catalog/gpu-memory.js";
import { CURRENT_CALIBRATION, resolveStack, type Calibration, type Stack } from "./latency/efficiency.js";
import { ProfileModel } from "./latency/profile.js";
import { RooflineModel } from "./latency/roofline.js";
import type { LatencyModel } from "./latency/shape.js";

type GpuInput = ModelSpec["gpu"];
type ArchitectureInput = NonNullable<ModelSpec["model"]>;

export function resolveGpu(input: GpuInput | string): GpuSpec | string {
  if (input === undefined) return GPUS["h100-sxm"];
  if (typeof input !== "string") {
    return {
      id: input.id,
      name: input.id,
      family: input.family,
      tflops: { bf16: input.bf16_tflops, fp8: input.fp8_tflops, int8: input.int8_tops },
      memoryGb: input.memory_gb,
      memoryBytes: input.memory_gb * 1e9,
      memoryTbPerS: input.memory_tb_per_s,
      tdpW: input.tdp_w,
      interconnectGbPerS: input.interconnect_gb_per_s,
      interconnect: input.interconnect,
      source: "inline in the scenario",
    };
  }
  return GPUS[input] ?? unknownName("GPU", input, Object.keys(GPUS));
}

export function resolveArchitecture(input: ArchitectureInput): Architecture | string {
  if (typeof input !== "string") {
    return {
      id: input.id,
      layers: input.layers,
      hidden: input.hidden,
      heads: input.heads,
      kvHeads: input.kv_heads,
      headDim: input.head_dim,
      ffn: input.ffn,
      gatedMlp: input.gated_mlp,
      vocab: input.vocab,
      maxContext: input.max_context,
      experts: input.experts,
      expertsPerToken: input.experts_per_token,
      tiedEmbeddings: input.tied_embeddings,
      source: "inline in the scenario",
    };
  }
  return MODELS[input] ?? unknownName("model", input, Object.keys(MODELS));
}

export interface MemoryPlan {
  /** per GPU, GB (1e9 bytes): what the driver reports (nvidia-smi) */
  capacityGb: number;
  /** the model's weights, and a speculative draft model's with them */
  weightsGb: number;
  /** the largest iteration's activations (max_batched_tokens tokens through a layer, plus the sampled tokens' logits) */
  activationsGb: number;
  /** CUDA context, NCCL and CUDA-graph buffers, allocator slack */
  runtimeGb: number;
  kvGb: number;
  /** which engine's rule sized the KV cache, in words */
  rule: string;
  /** KV-cache bytes one token takes on one GPU of the replica */
  kvBytesPerTokenPerGpu: number;
  kvBlocks: number;
  blockSize: number;
}

export interface Deployed {
  gpu: GpuSpec;
  architecture: Architecture;
  precision: Precision;
  kvBytes: number;
  tensorParallel: number;
  pipelineParallel: number;
  gpusPerReplica: number;
  memory: MemoryPlan;
  latency: LatencyModel;
  /** speculative decoding: the draft model on the same GPUs, and how it is used */
  draft?: Draft;
}

export interface Draft {
  architecture: Architecture;
  latency: LatencyModel;
  /** tokens proposed per step, k */
  tokens: number;
  /** the model's per-token acceptance probability (tenants may override it) */
  acceptanceRate: number;
}

export interface DeploymentOptions {
  stack: Stack;
  maxBatchedTokens: number;
  maxNumSeqs: number;
  blockSize: number;
  /** vLLM: share of the GPU's memory the engine may use for everything */
  gpuMemoryUtilization: number;
  /** TensorRT-LLM: share of the memory left after weights and runtime buffers that goes to the KV cache */
  kvCacheFreeFraction: number;
}

/**
 * Memory per GPU an engine holds besides weights, activations and KV cache: CUDA context, CUDA graphs
 * and allocator slack (RUNTIME_GB), plus the buffers its collectives keep for the other GPUs of the
 * tensor-parallel group (TP_BUFFERS_GB x (tp - 1) / tp, what a ring all-reduce stages from its peers).
 * Both fitted by least squares to the "GPU Peak Memory Usage" of TensorRT-LLM 0.9's 85 runs of batches
 * of 1-8 (bench/calibration-data/trtllm_v0.9_low_batch_dli.csv), less their weights, KV cache and
 * activations: the median of what is left is 1.1 GB at TP1, 3.7 GB at TP2, 5.3 GB at TP4 and 6.5 GB
 * at TP8 (test/inference/memory.test.ts). The earlier flat 1 GB held back too little when memory is
 * tight: 70B in FP16 on two 80 GB GPUs came out with a fifth more KV cache than the engine has.
 */
export const RUNTIME_GB = 0.9;
export const TP_BUFFERS_GB = 5.6;

/** Runtime memory held back on each GPU of a `tp`-way tensor-parallel group, GB. */
export function runtimeGb(tp: number): number {
  return RUNTIME_GB + (TP_BUFFERS_GB * (tp - 1)) / tp;
}

/**
 * Weight bytes of the whole model. Quantized checkpoints (FP8, INT8, INT4) keep the embeddings and
 * the output projection in 16 bits (TensorRT-LLM's and vLLM's FP8 recipes quantize only the linear
 * layers of the transformer blocks).
 */
export function weightBytes(a: Architecture, precision: Precision): number {
  const perWeight = PRECISIONS[precision].weightBytes;
  const embeddings = a.vocab * a.hidden * (a.tiedEmbeddings ? 1 : 2);
  return (totalParams(a) - embeddings) * perWeight + embeddings * Math.max(perWeight, 2);
}

/**
 * Peak activation memory of one iteration per GPU, GB: the tensors alive at the widest point of a
 * layer for `maxBatchedTokens` tokens in 16 bits (the residual stream and its normed copy, the
 * MLP's gate and up outputs and their product), plus FP32 logits for one sampled token per sequence.
 * This is the peak a profiling pass (vLLM's) measures, not the sum of every intermediate.
 */
export function activationsGb(a: Architecture, tp: number, options: DeploymentOptions): number {
  const perToken = 2 * (2 * a.hidden + (3 * a.ffn * a.expertsPerToken) / tp);
  const logits = options.maxNumSeqs * (a.vocab / tp) * 4;
  return (options.maxBatchedTokens * perToken + logits) / 1e9;
}

/**
 * Each engine's rule for the KV cache:
 * - TensorRT-LLM gives the KV cache `free_gpu_memory_fraction` (default 0.9) of the memory free after
 *   the engine's weights and runtime buffers are allocated (its KvCacheConfig documentation);
 * - vLLM lets the whole engine use `gpu_memory_utilization` (default 0.9) of the GPU's memory, and
 *   the KV cache gets what is left of that after weights and the profiled peak activations (its
 *   engine-arguments documentation).
 */
export function planMemory(
  gpu: GpuSpec,
  a: Architecture,
  precision: Precision,
  kvBytes: number,
  tp: number,
  pp: number,
  options: DeploymentOptions,
  draft?: Architecture,
): MemoryPlan {
  const capacityGb = gpuMemoryBytes(gpu) / 1e9;
  // A draft model shares the GPUs: its weights, and its own KV cache for every token the target holds.
  const weightsGb = (weightBytes(a, precision) + (draft ? weightBytes(draft, precision) : 0)) / (tp * pp) / 1e9;
  const activations = activationsGb(a, tp, options);
  const runtime = runtimeGb(tp);
  const fixed = weightsGb + activations + runtime;
  const trtllm = options.stack.startsWith("trtllm");
  const kvGb = trtllm ? (capacityGb - fixed) * options.kvCacheFreeFraction : capacityGb * options.gpuMemoryUtilization - fixed;
  const rule = trtllm
    ? `TensorRT-LLM: kv_cache_free_fraction ${options.kvCacheFreeFraction} of the memory left after weights, activations and runtime buffers`
    : `vLLM: gpu_memory_utilization ${options.gpuMemoryUtilization} of the GPU's memory, less weights, activations and runtime buffers`;
  const kvPerToken = (m: Architecture) => (m.layers / pp) * 2 * Math.max(1, m.kvHeads / tp) * m.headDim * kvBytes;
  const kvBytesPerTokenPerGpu = kvPerToken(a) + (draft ? kvPerToken(draft) : 0);
  const kvBlocks = kvGb > 0 ? Math.floor((kvGb * 1e9) / kvBytesPerTokenPerGpu / options.blockSize) : 0;
  return { capacityGb, weightsGb, activationsGb: activations, runtimeGb: runtime, kvGb, rule, kvBytesPerTokenPerGpu, kvBlocks, blockSize: options.blockSize };
}

/**
 * Plans an LLM model entry; returns problems (with the field they concern) instead of throwing.
 * `gpuId` is the GPU of the servers the model was placed on, when the scenario does not name one.
 */
export function deployModel(
  spec: ModelSpec,
  data: DataFiles,
  gpuId?: string,
  calibration: Calibration = CURRENT_CALIBRATION,
): { deployed?: Deployed; problems: { path: PathSegment[]; message: string }[] } {
  const problems: { path: PathSegment[]; message: string }[] = [];
  const engine = spec.engine;
  if (engine.kind !== "continuous_batching") return { problems };
  if (spec.model === undefined) {
    problems.push({ path: ["model"], message: "missing required field: an LLM engine needs a model architecture (a catalog id or an inline spec)" });
    return { problems };
  }
  const gpu = resolveGpu(spec.gpu ?? gpuId);
  if (typeof gpu === "string") problems.push({ path: ["gpu"], message: gpu });
  const architecture = resolveArchitecture(spec.model);
  if (typeof architecture === "string") problems.push({ path: ["model"], message: architecture });
  if (typeof gpu === "string" || typeof architecture === "string") return { problems };

  const tp = spec.tensor_parallel;
  const pp = spec.pipeline_parallel;
  if (architecture.heads % tp !== 0) {
    problems.push({ path: ["tensor_parallel"], message: `${architecture.id} has ${architecture.heads} attention heads, which ${tp} GPUs cannot share evenly` });
  }
  if (architecture.layers < pp) problems.push({ path: ["pipeline_parallel"], message: `${architecture.id} has only ${architecture.layers} layers` });
  const speculative = engine.speculative;
  const draftArchitecture = speculative ? resolveArchitecture(speculative.draft_model) : undefined;
  if (typeof draftArchitecture === "string") {
    problems.push({ path: ["engine", "speculative", "draft_model"], message: draftArchitecture });
    return { problems };
  }
  if (draftArchitecture) {
    const at = ["engine", "speculative", "draft_model"];
    if (draftArchitecture.heads % tp !== 0) problems.push({ path: at, message: `${draftArchitecture.id} has ${draftArchitecture.heads} attention heads, which the target's ${tp} GPUs cannot share evenly` });
    if (draftArchitecture.layers < pp) problems.push({ path: at, message: `${draftArchitecture.id} has only ${draftArchitecture.layers} layers for the target's ${pp} pipeline stages` });
    if (draftArchitecture.vocab !== architecture.vocab) {
      problems.push({ path: at, message: `${draftArchitecture.id}'s vocabulary (${draftArchitecture.vocab} tokens) is not ${architecture.id}'s (${architecture.vocab}): a draft must propose the target's tokens` });
    }
  }
  const precision = spec.precision;
  const kvBytes = KV_BYTES[spec.kv_cache_precision ?? (precision === "fp8" ? "fp8" : "fp16")];
  const options: DeploymentOptions = {
    stack: resolveStack(engine.stack),
    maxBatchedTokens: engine.max_batched_tokens,
    maxNumSeqs: engine.max_num_seqs,
    blockSize: engine.block_size,
    gpuMemoryUtilization: engine.gpu_memory_utilization,
    kvCacheFreeFraction: engine.kv_cache_free_fraction,
  };
  const memory = planMemory(gpu, architecture, precision, kvBytes, tp, pp, options, draftArchitecture);
  if (memory.kvBlocks < 1) {
    const m = memory;
    problems.push({
      path: ["tensor_parallel"],
      message:
        `${architecture.id} in ${precision} does not fit: each of the ${tp * pp} GPU(s) has ${m.capacityGb.toFixed(1)} GB and needs ` +
        `${m.weightsGb.toFixed(1)} GB of weights (of ${(m.weightsGb * tp * pp).toFixed(1)} GB in all) + ${m.activationsGb.toFixed(1)} GB of activations + ${m.runtimeGb.toFixed(1)} GB of runtime buffers, ` +
        `leaving no room for a KV block (${m.rule}). Use more GPUs (tensor_parallel, pipeline_parallel), a smaller precision, or a larger GPU`,
    });
  }
  if (problems.length > 0) return { problems };

  const roofline = (model: Architecture) =>
    new RooflineModel({
      gpu,
      model,
      precision,
      kvBytes,
      tensorParallel: tp,
      pipelineParallel: pp,
      hardware: calibration.hardware[gpu.family],
      overheads: calibration.stacks[options.stack],
      pcie: calibration.pcie,
    });
  const latency: LatencyModel = engine.latency.kind === "profile" ? ProfileModel.fromFile(data, engine.latency.file) : roofline(architecture);
  const draft: Draft | undefined =
    speculative && draftArchitecture
      ? { architecture: draftArchitecture, latency: roofline(draftArchitecture), tokens: speculative.draft_tokens, acceptanceRate: speculative.acceptance_rate }
      : undefined;
  return {
    deployed: { gpu, architecture, precision, kvBytes, tensorParallel: tp, pipelineParallel: pp, gpusPerReplica: tp * pp, memory, latency, ...(draft ? { draft } : {}) },
    problems,
  };
}
