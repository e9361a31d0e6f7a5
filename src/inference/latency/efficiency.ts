/**
 * Calibrated efficiency factors. Hardware factors are per GPU family (what fraction of datasheet
 * peaks real kernels reach); overheads are per serving stack (CPU-side scheduling and kernel launch
 * costs, which differ between engines far more than between GPUs). The values come from
 * `npm run calibrate -- --fit` against ../shared/data/calibration (see bench/calibration.md).
 */
import type { GpuFamily } from "../../catalog/gpus.js";

export interface HardwareEfficiency {
  /** fraction of the 16-bit tensor peak reached by large GEMMs */
  gemmMfu: number;
  /** fraction of the FP8/INT8 tensor peak reached by large GEMMs */
  lowPrecisionGemmMfu: number;
  /** fraction of the datasheet memory bandwidth reached when streaming weights */
  memoryEfficiency: number;
  /** GPU-side fixed time per transformer layer: tails and gaps of its ~10 kernels */
  layerKernelUs: number;
  /**
   * fixed latency of an all-reduce between 2 GPUs, and among 4 or more. NCCL changes algorithm with
   * the group size, and the latency does not grow steadily: Vidur's DGX-H100 profile shows about
   * 7-16 µs for 2 GPUs, ~40 µs for 4 and ~35 µs for 8.
   */
  allReducePairUs: number;
  allReduceGroupUs: number;
  /** all-reduce bus bandwidth reached by NCCL, as a fraction of the GPU's interconnect bandwidth */
  interconnectEfficiency: number;
}

/** What the serving software adds or loses on top of the hardware: its kernels and its CPU overheads. */
export interface StackOverheads {
  /** CPU time per iteration: scheduling, input preparation, sampling */
  stepUs: number;
  /** per layer when the iteration has prompt work (kernels launched one by one) */
  prefillLayerUs: number;
  /** per layer for decode-only iterations (often replayed from CUDA graphs) */
  decodeLayerUs: number;
  /** per sequence in the batch (bookkeeping, logits processing) */
  sequenceUs: number;
  /** fraction of the 16-bit peak its prompt-attention kernels reach */
  attentionMfu: number;
  /** fraction of the memory bandwidth its decode-attention kernels reach reading the KV cache */
  decodeAttentionEfficiency: number;
  /** its collectives' bandwidth relative to NCCL's in microbenchmarks (custom all-reduce kernels, overlap) */
  collectiveEfficiency: number;
}

export type Stack = "trtllm" | "vllm-2023" | "kernels";

export const HARDWARE_EFFICIENCY: Record<GpuFamily, HardwareEfficiency> = {
  ampere: { gemmMfu: 0.71, lowPrecisionGemmMfu: 0.5, memoryEfficiency: 0.808, layerKernelUs: 45.4, allReducePairUs: 3, allReduceGroupUs: 73.4, interconnectEfficiency: 0.705 },
  hopper: { gemmMfu: 0.682, lowPrecisionGemmMfu: 0.65, memoryEfficiency: 0.92, layerKernelUs: 35.6, allReducePairUs: 16, allReduceGroupUs: 33.6, interconnectEfficiency: 0.728 },
  ada: { gemmMfu: 0.62, lowPrecisionGemmMfu: 0.641, memoryEfficiency: 0.92, layerKernelUs: 56.9, allReducePairUs: 60, allReduceGroupUs: 98, interconnectEfficiency: 0.95 },
  // No published measurements for Blackwell here: Hopper's factors are assumed.
  blackwell: { gemmMfu: 0.682, lowPrecisionGemmMfu: 0.65, memoryEfficiency: 0.92, layerKernelUs: 35.6, allReducePairUs: 16, allReduceGroupUs: 33.6, interconnectEfficiency: 0.728 },
};

export const STACK_OVERHEADS: Record<Stack, StackOverheads> = {
  trtllm: { stepUs: 10, prefillLayerUs: 94.9, decodeLayerUs: 144, sequenceUs: 8.28, attentionMfu: 0.75, decodeAttentionEfficiency: 1, collectiveEfficiency: 0.893 },
  "vllm-2023": { stepUs: 2320, prefillLayerUs: 151, decodeLayerUs: 133, sequenceUs: 288, attentionMfu: 0.157, decodeAttentionEfficiency: 1, collectiveEfficiency: 0.373 },
  // Bare kernels, as in Vidur's operator profiles: no serving-engine overheads.
  kernels: { stepUs: 0, prefillLayerUs: 0, decodeLayerUs: 0, sequenceUs: 0, attentionMfu: 0.5, decodeAttentionEfficiency: 1, collectiveEfficiency: 1 },
};
