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
   * fixed latency of an all-reduce over NVLink between 2 GPUs, and among 4 or more. NCCL changes
   * algorithm with the group size, and the latency does not grow steadily: Vidur's DGX-H100 profile
   * shows about 7-16 µs for 2 GPUs, ~40 µs for 4 and ~35 µs for 8. GPUs without NVLink use
   * PCIE_ALL_REDUCE instead, whatever their family.
   */
  allReducePairUs: number;
  allReduceGroupUs: number;
  /** NVLink all-reduce bus bandwidth reached by NCCL, as a fraction of the GPU's interconnect bandwidth */
  interconnectEfficiency: number;
}

/** All-reduce among GPUs that only share PCIe: measured by NCCL's own tests, not fitted. */
export interface PcieAllReduce {
  pairUs: number;
  groupUs: number;
  /** bus bandwidth reached, as a fraction of the PCIe link's per-direction rate (`interconnectGbPerS`) */
  busEfficiency: number;
}

/**
 * nccl-tests on PCIe-only hosts. Bus bandwidth: 20 GB/s over PCIe Gen4 x16 (31.5 GB/s per direction)
 * when the ring crosses PCIe (NVIDIA/nccl-tests issue #178, A100s bridged in NVLink pairs, 3+ GPUs);
 * 37.6-41.7 GB/s with 8 GPUs on PCIe Gen5 x16 (63 GB/s), 22.2-40.1 GB/s untuned
 * (github.com/voipmonitor/rtx6kpro hardware/pcie-bandwidth.md @070506ff, RTX PRO 6000): 0.60-0.66 of
 * the link, so 0.63. Latency of a small all-reduce (256 B-64 KB, what a decode step sends): 24.1-24.6 µs
 * among 8 GPUs on PCIe switches (the same page), 42-43 µs among 8 RTX 4090s on Gen4 without
 * peer-to-peer (NVIDIA/nccl issue #1530), so 25 µs, peer-to-peer being the rule on data-centre GPUs.
 * No 2-GPU PCIe all-reduce was found (NCCL's all-gather of one 4,096-wide row takes 8.3 µs between 2
 * GPUs and 13.6 µs among 4 on a PCIe host, flashinfer-ai/flashinfer PR #5023, which would put a
 * reduce-scatter plus all-gather near 17 µs); pairs take the measured 25 µs too, erring slow, as
 * TensorRT-LLM 0.9's L40S TP2 decode steps are slower than even that predicts (bench/calibration.md).
 */
export const PCIE_ALL_REDUCE: PcieAllReduce = { pairUs: 25, groupUs: 25, busEfficiency: 0.63 };

/** What the serving software adds or loses on top of the hardware: its kernels and its CPU overheads. */
export interface StackOverheads {
  /** CPU time per iteration: scheduling, input preparation, sampling */
  stepUs: number;
  /** per layer, every iteration: what a decode-only step pays (often replayed from a CUDA graph) */
  layerUs: number;
  /**
   * extra per layer when the iteration has prompt work (kernels launched one by one, the context-attention
   * path); never negative, so a prompt chunk never makes an iteration cheaper (see RooflineModel)
   */
  prefillLayerExtraUs: number;
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
  ampere: { gemmMfu: 0.71, lowPrecisionGemmMfu: 0.5, memoryEfficiency: 0.792, layerKernelUs: 44, allReducePairUs: 3, allReduceGroupUs: 58, interconnectEfficiency: 0.636 },
  hopper: { gemmMfu: 0.675, lowPrecisionGemmMfu: 0.634, memoryEfficiency: 0.884, layerKernelUs: 33.1, allReducePairUs: 16, allReduceGroupUs: 33.6, interconnectEfficiency: 0.728 },
  // No Ada GPU in the catalog has NVLink (the L40S uses PCIE_ALL_REDUCE), so Ada's NVLink all-reduce
  // figures are not fitted: they are Hopper's, for an inline Ada GPU that declares NVLink.
  ada: { gemmMfu: 0.62, lowPrecisionGemmMfu: 0.736, memoryEfficiency: 0.823, layerKernelUs: 50.6, allReducePairUs: 16, allReduceGroupUs: 33.6, interconnectEfficiency: 0.728 },
  // No published measurements for Blackwell here: Hopper's factors are assumed.
  blackwell: { gemmMfu: 0.675, lowPrecisionGemmMfu: 0.634, memoryEfficiency: 0.884, layerKernelUs: 33.1, allReducePairUs: 16, allReduceGroupUs: 33.6, interconnectEfficiency: 0.728 },
};

export const STACK_OVERHEADS: Record<Stack, StackOverheads> = {
  trtllm: { stepUs: 1090, layerUs: 0, prefillLayerExtraUs: 61.8, sequenceUs: 19.2, attentionMfu: 0.445, decodeAttentionEfficiency: 1, collectiveEfficiency: 1.03 },
  "vllm-2023": { stepUs: 2580, layerUs: 134, prefillLayerExtraUs: 17.1, sequenceUs: 291, attentionMfu: 0.168, decodeAttentionEfficiency: 1, collectiveEfficiency: 0.384 },
  // Bare kernels, as in Vidur's operator profiles: no serving-engine overheads.
  kernels: { stepUs: 0, layerUs: 0, prefillLayerExtraUs: 0, sequenceUs: 0, attentionMfu: 0.5, decodeAttentionEfficiency: 1, collectiveEfficiency: 1 },
};
