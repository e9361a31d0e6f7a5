/**
 * The roofline latency model. An iteration's time is the sum, over the transformer layers, of each
 * kernel group's time, each taken as the larger of its compute time (FLOPs over achievable FLOP/s)
 * and its memory time (bytes over achievable bandwidth); plus tensor-parallel all-reduces, the
 * output projection, and fixed overheads per layer, per iteration and per sequence. Achievable
 * rates are datasheet peaks times calibrated efficiencies (efficiency.ts).
 */
import type { GpuSpec } from "../../catalog/gpus.js";
import { linearParamsPerLayer, type ModelSpec } from "../../catalog/models.js";
import { PRECISIONS, type Precision } from "../../catalog/precisions.js";
import { PCIE_ALL_REDUCE, type HardwareEfficiency, type PcieAllReduce, type StackOverheads } from "./efficiency.js";
import type { BatchShape, LatencyModel } from "./shape.js";

export interface Deployment {
  gpu: GpuSpec;
  model: ModelSpec;
  precision: Precision;
  /** bytes per KV-cache element */
  kvBytes: number;
  tensorParallel: number;
  pipelineParallel: number;
  hardware: HardwareEfficiency;
  overheads: StackOverheads;
  /** all-reduce among GPUs that share only PCIe (default PCIE_ALL_REDUCE; the calibration passes its own) */
  pcie?: PcieAllReduce;
}

/** Activations travel between kernels in 16-bit. */
const ACTIVATION_BYTES = 2;

export class RooflineModel implements LatencyModel {
  private readonly layers: number;
  /** FLOP per microsecond reachable by linear layers and by attention */
  private readonly linearFlopPerUs: number;
  private readonly attentionFlopPerUs: number;
  private readonly bytesPerUs: number;
  private readonly linearFlopsPerToken: number;
  private readonly attentionWeightBytes: number;
  private readonly expertWeightBytes: number;
  private readonly experts: number;
  private readonly expertsPerToken: number;
  private readonly elementwiseBytesPerToken: number;
  private readonly attentionFlopsPerPair: number;
  readonly kvBytesPerTokenPerLayer: number;
  private readonly allReduceBytesPerToken: number;
  private readonly allReduceFactor: number;
  /** achieved all-reduce bus bandwidth, bytes per microsecond */
  private readonly busBytesPerUs: number;
  private readonly allReduceLatencyUs: number;
  /** latency of one point-to-point hop between two GPUs (pipeline stages) */
  private readonly pairLatencyUs: number;
  private readonly decodeKvBytesPerUs: number;
  private readonly lmHeadFlopsPerSeq: number;
  private readonly lmHeadBytes: number;

  constructor(readonly deployment: Deployment) {
    const { gpu, model, precision, tensorParallel: tp, hardware } = deployment;
    const p = PRECISIONS[precision];
    const sustained = gpu.sustainedPeakFraction ?? 1;
    const computePeak = (gpu.tflops[p.compute] ?? gpu.tflops.bf16) * sustained;
    const lowPrecision = p.compute !== "bf16" && gpu.tflops[p.compute] !== undefined;
    this.layers = model.layers;
    this.linearFlopPerUs = computePeak * 1e6 * (lowPrecision ? hardware.lowPrecisionGemmMfu : hardware.gemmMfu);
    this.attentionFlopPerUs = gpu.tflops.bf16 * sustained * 1e6 * deployment.overheads.attentionMfu;
    this.bytesPerUs = gpu.memoryTbPerS * 1e6 * hardware.memoryEfficiency;

    const active = linearParamsPerLayer(model, model.expertsPerToken);
    const perExpert = linearParamsPerLayer(model, 1).mlp;
    this.linearFlopsPerToken = (2 * (active.attention + active.mlp)) / tp;
    this.attentionWeightBytes = (active.attention * p.weightBytes) / tp;
    this.expertWeightBytes = (perExpert * p.weightBytes) / tp;
    this.experts = model.experts;
    this.expertsPerToken = model.expertsPerToken;
    // Memory-bound elementwise kernels: two norms and two residual adds on the full hidden state
    // (replicated across the TP group), the activation on this GPU's share of the MLP.
    this.elementwiseBytesPerToken = ACTIVATION_BYTES * (10 * model.hidden + (3 * model.ffn * model.expertsPerToken) / tp);
    this.attentionFlopsPerPair = (4 * model.heads * model.headDim) / tp;
    const kvHeadsPerGpu = Math.max(1, model.kvHeads / tp);
    this.kvBytesPerTokenPerLayer = 2 * kvHeadsPerGpu * model.headDim * deployment.kvBytes;
    this.allReduceBytesPerToken = model.hidden * ACTIVATION_BYTES;
    this.allReduceFactor = tp > 1 ? (2 * (tp - 1)) / tp : 0;
    // Over NVLink, the family's calibrated NCCL figures; over PCIe, NCCL's measured PCIe figures
    // (PCIE_ALL_REDUCE), whatever the family: a PCIe ring is a different fabric, not a slower NVLink.
    const collective =
      gpu.interconnect === "pcie"
        ? (deployment.pcie ?? PCIE_ALL_REDUCE)
        : { pairUs: hardware.allReducePairUs, groupUs: hardware.allReduceGroupUs, busEfficiency: hardware.interconnectEfficiency };
    this.busBytesPerUs = gpu.interconnectGbPerS * 1e3 * collective.busEfficiency * deployment.overheads.collectiveEfficiency;
    this.pairLatencyUs = collective.pairUs;
    this.allReduceLatencyUs = tp <= 1 ? 0 : tp === 2 ? collective.pairUs : collective.groupUs;
    this.decodeKvBytesPerUs = this.bytesPerUs * deployment.overheads.decodeAttentionEfficiency;
    this.lmHeadFlopsPerSeq = (2 * model.hidden * model.vocab) / tp;
    this.lmHeadBytes = (model.hidden * model.vocab * p.weightBytes) / tp;
  }

  /** Weight bytes a layer streams for `tokens` tokens: attention weights plus the experts they touch. */
  private weightBytesPerLayer(tokens: number): number {
    const touched =
      this.experts === 1 ? 1 : this.experts * (1 - Math.pow(1 - this.expertsPerToken / this.experts, tokens));
    return this.attentionWeightBytes + this.expertWeightBytes * touched;
  }

  /** Per-layer time that depends only on the number of tokens (not on their contexts). */
  private layerTokenUs(tokens: number, hasPrefill: boolean): number {
    const d = this.deployment;
    const linear = Math.max((this.linearFlopsPerToken * tokens) / this.linearFlopPerUs, this.weightBytesPerLayer(tokens) / this.bytesPerUs);
    const elementwise = (this.elementwiseBytesPerToken * tokens) / this.bytesPerUs;
    const kvWrite = (this.kvBytesPerTokenPerLayer * tokens) / this.bytesPerUs;
    const allReduce =
      this.allReduceFactor > 0
        ? 2 * (this.allReduceLatencyUs + (this.allReduceFactor * this.allReduceBytesPerToken * tokens) / this.busBytesPerUs)
        : 0;
    // One per-layer constant that every iteration pays, plus a non-negative extra when it has prompt
    // work. With every other term non-decreasing in tokens, sequences and context, this makes iteration
    // time monotone in work by construction: adding a prompt chunk to a decode batch can only add the
    // extra, never swap in a smaller constant (decode replays CUDA graphs: it is cheaper, not dearer).
    const fixed = d.hardware.layerKernelUs + d.overheads.layerUs + (hasPrefill ? d.overheads.prefillLayerExtraUs : 0);
    return linear + elementwise + kvWrite + allReduce + fixed;
  }

  /**
   * Decode attention per context token per layer, for `width` tokens per sequence attending to it (1,
   * or k + 1 verifying a draft): FLOPs grow with the width, the KV cache is read once. Both grow with
   * context, so it is linear.
   */
  private decodeAttentionUsPerToken(width = 1): number {
    return Math.max((this.attentionFlopsPerPair * width) / this.attentionFlopPerUs, this.kvBytesPerTokenPerLayer / this.decodeKvBytesPerUs);
  }

  /** `logitRows`: positions whose logits the output projection computes (one per sequence, or per verified token). */
  private iterationFixedUs(tokens: number, seqs: number, hasPrefill: boolean, logitRows = seqs): number {
    const d = this.deployment;
    const lmHead = Math.max((this.lmHeadFlopsPerSeq * logitRows) / this.linearFlopPerUs, this.lmHeadBytes / this.bytesPerUs);
    const pipeline = (d.pipelineParallel - 1) * (this.pairLatencyUs + (this.allReduceBytesPerToken * tokens) / this.busBytesPerUs);
    return this.layers * this.layerTokenUs(tokens, hasPrefill) + lmHead + pipeline + d.overheads.stepUs + d.overheads.sequenceUs * seqs;
  }

  iterationUs(shape: BatchShape): number {
    const decodeTokens = shape.decodeSeqs * shape.decodeWidth;
    const tokens = shape.prefillTokens + decodeTokens;
    if (tokens === 0) return 0;
    const seqs = shape.prefillSeqs + shape.decodeSeqs;
    const prefillAttention =
      shape.prefillSeqs > 0
        ? Math.max(
            (this.attentionFlopsPerPair * shape.prefillAttentionPairs) / this.attentionFlopPerUs,
            (this.kvBytesPerTokenPerLayer * shape.prefillKvTokens) / this.bytesPerUs,
          )
        : 0;
    const decodeAttention = this.decodeAttentionUsPerToken(shape.decodeWidth) * shape.decodeKvTokens;
    return this.iterationFixedUs(tokens, seqs, shape.prefillSeqs > 0, shape.prefillSeqs + decodeTokens) + this.layers * (prefillAttention + decodeAttention);
  }

  decodeCost(seqs: number): { fixedUs: number; perContextTokenUs: number } {
    return { fixedUs: this.iterationFixedUs(seqs, seqs, false), perContextTokenUs: this.layers * this.decodeAttentionUsPerToken() };
  }

  /** Linear layers of one transformer layer alone (what Vidur's per-layer MLP profiles measure), µs. */
  linearLayerUs(tokens: number): number {
    const linear = Math.max((this.linearFlopsPerToken * tokens) / this.linearFlopPerUs, this.weightBytesPerLayer(tokens) / this.bytesPerUs);
    return linear + (this.elementwiseBytesPerToken * tokens) / this.bytesPerUs + this.deployment.hardware.layerKernelUs;
  }

  /** One all-reduce of `bytes` across the TP group, µs. */
  allReduceUs(bytes: number): number {
    if (this.allReduceFactor === 0) return 0;
    return this.allReduceLatencyUs + (this.allReduceFactor * bytes) / this.busBytesPerUs;
  }
}
