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

/** All-reduce among GPUs that only share PCIe, whatever their family (fitted: see PCIE_ALL_REDUCE). */
export interface PcieAllReduce {
  pairUs: number;
  groupUs: number;
  /** bus bandwidth reached, as a fraction of the PCIe link's per-direction rate (`interconnectGbPerS`) */
  busEfficiency: number;
}

/**
 * Fitted, since round 2 of the calibration, to TensorRT-LLM 0.9's end-to-end L40S runs at TP2-8 (static
 * batches and batches of 1-8), with the rest of the model. Round 1 took NCCL's microbenchmarks instead
 * (25 µs for a small all-reduce among 8 GPUs on PCIe switches, github.com/voipmonitor/rtx6kpro
 * hardware/pcie-bandwidth.md @070506ff; a bus bandwidth of 0.60-0.66 of the link, the same page and
 * NVIDIA/nccl-tests issue #178), and tensor parallelism over PCIe came out too cheap: A100-PCIe TP2-8
 * over-predicted by ~28 % and L40S TP4/8 by ~23 % on TensorRT-LLM 0.14's measurements. An engine's
 * all-reduce is not a microbenchmark's: it runs between kernels, on a host whose GPUs sit behind two
 * CPU sockets, and a pair may well be split across them. The fit gives a pair ~80 µs and a group ~33
 * µs per all-reduce, at 0.57 of the link: slower than NCCL's best, as measured engines are.
 */
export const PCIE_ALL_REDUCE: PcieAllReduce = { pairUs: 78.7, groupUs: 32.3, busEfficiency: 0.558 };

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

/**
 * The serving software a scenario or an estimate can name, each calibrated on public measurements of
 * that version (bench/calibration.md): TensorRT-LLM 0.9 on NVIDIA's static-batch tables and the DLI
 * batches of 1-8; 0.14 and 1.0 on half of the configurations of their maximum-throughput tables (the
 * other half are checks); vLLM as the Splitwise authors profiled it in 2023. Newest first.
 */
export const SERVING_STACKS = ["trtllm-1.0", "trtllm-0.14", "trtllm-0.9", "vllm-2023"] as const;
export type ServingStack = (typeof SERVING_STACKS)[number];
/** `kernels`: bare operators, as Vidur profiles them (calibration only). */
export type Stack = ServingStack | "kernels";
/** What `trtllm` alone names: the newest TensorRT-LLM calibrated. */
export const NEWEST_TRTLLM: ServingStack = "trtllm-1.0";
/** Names a scenario or `estimate --stack` accepts: every stack, and `trtllm` for the newest of its versions. */
export const STACK_NAMES = [...SERVING_STACKS, "trtllm"] as const;
export type StackName = (typeof STACK_NAMES)[number];
export function resolveStack(name: StackName): ServingStack {
  return name === "trtllm" ? NEWEST_TRTLLM : name;
}

export const HARDWARE_EFFICIENCY: Record<GpuFamily, HardwareEfficiency> = {
  ampere: { gemmMfu: 0.703, lowPrecisionGemmMfu: 0.5, memoryEfficiency: 0.776, layerKernelUs: 40.2, allReducePairUs: 3, allReduceGroupUs: 51.3, interconnectEfficiency: 0.773 },
  hopper: { gemmMfu: 0.675, lowPrecisionGemmMfu: 0.646, memoryEfficiency: 0.884, layerKernelUs: 32.4, allReducePairUs: 19.5, allReduceGroupUs: 35, interconnectEfficiency: 0.78 },
  // No Ada GPU in the catalog has NVLink (the L40S uses PCIE_ALL_REDUCE), so Ada's NVLink all-reduce
  // figures are not fitted: they are Hopper's, for an inline Ada GPU that declares NVLink.
  ada: { gemmMfu: 0.62, lowPrecisionGemmMfu: 0.678, memoryEfficiency: 0.856, layerKernelUs: 47.4, allReducePairUs: 19.5, allReduceGroupUs: 35, interconnectEfficiency: 0.78 },
  // No published measurements for Blackwell here: Hopper's factors are assumed.
  blackwell: { gemmMfu: 0.675, lowPrecisionGemmMfu: 0.646, memoryEfficiency: 0.884, layerKernelUs: 32.4, allReducePairUs: 19.5, allReduceGroupUs: 35, interconnectEfficiency: 0.78 },
};

export const STACK_OVERHEADS: Record<Stack, StackOverheads> = {
  "trtllm-1.0": { stepUs: 1030, layerUs: 5.49, prefillLayerExtraUs: 13.9, sequenceUs: 5.99, attentionMfu: 0.644, decodeAttentionEfficiency: 1.05, collectiveEfficiency: 0.874 },
  // Prompt attention at its bound (0.75 of the 16-bit peak): 0.14's long prompts want more than the bound allows.
  "trtllm-0.14": { stepUs: 2820, layerUs: 7.68, prefillLayerExtraUs: 27.9, sequenceUs: 3.36, attentionMfu: 0.75, decodeAttentionEfficiency: 0.821, collectiveEfficiency: 0.787 },
  "trtllm-0.9": { stepUs: 1070, layerUs: 0, prefillLayerExtraUs: 57.5, sequenceUs: 14.6, attentionMfu: 0.468, decodeAttentionEfficiency: 1.02, collectiveEfficiency: 0.929 },
  "vllm-2023": { stepUs: 2360, layerUs: 131, prefillLayerExtraUs: 0.00104, sequenceUs: 306, attentionMfu: 0.147, decodeAttentionEfficiency: 0.947, collectiveEfficiency: 0.365 },
  // Bare kernels, as in Vidur's operator profiles: no serving-engine overheads.
  kernels: { stepUs: 0, layerUs: 0, prefillLayerExtraUs: 0, sequenceUs: 0, attentionMfu: 0.5, decodeAttentionEfficiency: 1, collectiveEfficiency: 1 },
};

/** A whole set of factors: what the latency model needs besides the GPU and the model. */
export interface Calibration {
  hardware: Record<GpuFamily, HardwareEfficiency>;
  stacks: Record<Stack, StackOverheads>;
  /** all-reduce among GPUs that share only PCIe, whatever their family */
  pcie: PcieAllReduce;
}

/** The factors in force. */
export const CURRENT_CALIBRATION: Calibration = { hardware: HARDWARE_EFFICIENCY, stacks: STACK_OVERHEADS, pcie: PCIE_ALL_REDUCE };
