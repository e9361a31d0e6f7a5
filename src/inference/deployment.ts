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
import { HARDWARE_EFFICIENCY, STACK_OVERHEADS } from "./latency/efficiency.js";
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
  /** per GPU, GB */
  usableGb: number;
  weightsGb: number;
  reservedGb: number;
  kvGb: number;
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
}

export interface DeploymentOptions {
  maxBatchedTokens: number;
  blockSize: number;
  gpuMemoryUtilization: number;
}

/** Memory a replica needs per GPU besides weights and KV: activations of a full iteration, plus CUDA graphs, NCCL buffers and allocator slack (1 GB). */
function reservedGb(a: Architecture, tp: number, maxBatchedTokens: number): number {
  const activationBytesPerToken = 2 * (8 * a.hidden + (4 * a.ffn * a.expertsPerToken) / tp);
  return 1 + (maxBatchedTokens * activationBytesPerToken) / 1e9;
}

export function planMemory(gpu: GpuSpec, a: Architecture, precision: Precision, kvBytes: number, tp: number, pp: number, options: DeploymentOptions): MemoryPlan {
  const usableGb = gpu.memoryGb * options.gpuMemoryUtilization;
  const weightsGb = (totalParams(a) * PRECISIONS[precision].weightBytes) / (tp * pp) / 1e9;
  const reserved = reservedGb(a, tp, options.maxBatchedTokens);
  const kvGb = usableGb - weightsGb - reserved;
  const kvBytesPerTokenPerGpu = (a.layers / pp) * 2 * Math.max(1, a.kvHeads / tp) * a.headDim * kvBytes;
  const kvBlocks = kvGb > 0 ? Math.floor((kvGb * 1e9) / kvBytesPerTokenPerGpu / options.blockSize) : 0;
  return { usableGb, weightsGb, reservedGb: reserved, kvGb, kvBytesPerTokenPerGpu, kvBlocks, blockSize: options.blockSize };
}

/**
 * Plans an LLM model entry; returns problems (with the field they concern) instead of throwing.
 * `gpuId` is the GPU of the servers the model was placed on, when the scenario does not name one.
 */
export function deployModel(spec: ModelSpec, data: DataFiles, gpuId?: string): { deployed?: Deployed; problems: { path: PathSegment[]; message: string }[] } {
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
  const precision = spec.precision;
  const kvBytes = KV_BYTES[spec.kv_cache_precision ?? (precision === "fp8" ? "fp8" : "fp16")];
  const options = { maxBatchedTokens: engine.max_batched_tokens, blockSize: engine.block_size, gpuMemoryUtilization: engine.gpu_memory_utilization };
  const memory = planMemory(gpu, architecture, precision, kvBytes, tp, pp, options);
  if (memory.kvBlocks < 1) {
    const needed = memory.weightsGb + memory.reservedGb;
    const totalWeights = memory.weightsGb * tp * pp;
    problems.push({
      path: ["tensor_parallel"],
      message:
        `${architecture.id} in ${precision} does not fit: each of the ${tp * pp} GPU(s) needs ${needed.toFixed(1)} GB ` +
        `(${memory.weightsGb.toFixed(1)} GB of the ${totalWeights.toFixed(1)} GB of weights + ${memory.reservedGb.toFixed(1)} GB for activations) ` +
        `before any KV cache, and has ${memory.usableGb.toFixed(1)} GB (${gpu.memoryGb} GB x gpu_memory_utilization ${engine.gpu_memory_utilization}). ` +
        `Use more GPUs (tensor_parallel), a smaller precision, or a larger GPU`,
    });
  }
  if (problems.length > 0) return { problems };

  let latency: LatencyModel;
  if (engine.latency.kind === "profile") {
    latency = ProfileModel.fromFile(data, engine.latency.file);
  } else {
    latency = new RooflineModel({
      gpu,
      model: architecture,
      precision,
      kvBytes,
      tensorParallel: tp,
      pipelineParallel: pp,
      hardware: HARDWARE_EFFICIENCY[gpu.family],
      overheads: STACK_OVERHEADS[engine.stack],
    });
  }
  return {
    deployed: { gpu, architecture, precision, kvBytes, tensorParallel: tp, pipelineParallel: pp, gpusPerReplica: tp * pp, memory, latency },
    problems,
  };
}
