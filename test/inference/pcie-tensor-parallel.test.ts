/**
 * Tensor parallelism over PCIe is priced with its own all-reduce figures (PCIE_ALL_REDUCE in
 * src/inference/latency/efficiency.ts, fitted to end-to-end L40S runs), not with a family's NVLink
 * ones: a long prefill on PCIe-only GPUs pays an all-reduce time within what PCIe's measured bus
 * bandwidth allows, and splitting it over more GPUs gains clearly less than over NVLink.
 */
import { describe, expect, it } from "vitest";
import { GPUS, type GpuSpec } from "../../src/catalog/gpus.js";
import { MODELS } from "../../src/catalog/models.js";
import type { Precision } from "../../src/catalog/precisions.js";
import { HARDWARE_EFFICIENCY, STACK_OVERHEADS } from "../../src/inference/latency/efficiency.js";
import { RooflineModel } from "../../src/inference/latency/roofline.js";
import { prefillUs } from "../../src/inference/latency/static-batch.js";

const PROMPT_TOKENS = 4096;
const ACTIVATION_BYTES = 2;

function model(gpu: GpuSpec, modelId: string, precision: Precision, tp: number): RooflineModel {
  return new RooflineModel({
    gpu,
    model: MODELS[modelId],
    precision,
    kvBytes: precision === "fp8" ? 1 : 2,
    tensorParallel: tp,
    pipelineParallel: 1,
    hardware: HARDWARE_EFFICIENCY[gpu.family],
    overheads: STACK_OVERHEADS["trtllm-0.9"],
  });
}

const prefill = (gpu: GpuSpec, modelId: string, precision: Precision, tp: number) => prefillUs(model(gpu, modelId, precision, tp), PROMPT_TOKENS, 1);

describe("tensor parallelism over PCIe", () => {
  it.each([2, 4])("makes a 4k-token Llama-2-70B prefill on %i L40S pay an all-reduce time within PCIe Gen4's measured ~20 GB/s bus bandwidth", (tp) => {
    const l40s = GPUS.l40s;
    // The same GPU with a limitless link pays the same latencies and compute: the difference is the
    // time the all-reduces spend moving bytes.
    const allReduceUs = prefill(l40s, "llama-2-70b", "fp8", tp) - prefill({ ...l40s, interconnectGbPerS: 1e12 }, "llama-2-70b", "fp8", tp);
    const m = MODELS["llama-2-70b"];
    // Two all-reduces per layer, each moving 2(n-1)/n of the 4,096 x 8,192 16-bit activations per GPU.
    const busBytes = 2 * m.layers * ((2 * (tp - 1)) / tp) * PROMPT_TOKENS * m.hidden * ACTIVATION_BYTES;
    const busGbPerS = busBytes / allReduceUs / 1e3;
    // nccl-tests measured 20 GB/s over PCIe Gen4 x16 (NVIDIA/nccl-tests #178) and 0.60-0.66 of a Gen5
    // link. An engine's all-reduce reaches at most that (+15 % spans the microbenchmarks' spread) and,
    // fitted end to end, about 0.8 of it: no less than three quarters.
    expect(busGbPerS).toBeGreaterThan(20 * 0.75);
    expect(busGbPerS).toBeLessThan(20 * 1.15);
    // Never faster than the link itself can carry one way (PCIe Gen4 x16: 31.5 GB/s).
    expect(busGbPerS).toBeLessThan(31.5);
    // At these sizes the bytes dominate: the all-reduces take over a third of the prefill.
    expect(allReduceUs / prefill(l40s, "llama-2-70b", "fp8", tp)).toBeGreaterThan(1 / 3);
  });

  it.each([
    { pcie: GPUS["a100-pcie-80gb"], nvlink: GPUS["a100-sxm-80gb"], precision: "bf16" as const },
    { pcie: GPUS["h100-pcie"], nvlink: GPUS["h100-sxm"], precision: "fp8" as const },
    // The L40S has no NVLink sibling: compare it with itself given an NVLink of H100 SXM's speed.
    { pcie: GPUS.l40s, nvlink: { ...GPUS.l40s, interconnect: "nvlink" as const, interconnectGbPerS: GPUS["h100-sxm"].interconnectGbPerS }, precision: "fp8" as const },
  ])("gains clearly less from TP 1 -> 4 on $pcie.id than over NVLink ($nvlink.id) for a 4k-token prefill", ({ pcie, nvlink, precision }) => {
    const speedUp = (gpu: GpuSpec) => prefill(gpu, "llama-2-70b", precision, 1) / prefill(gpu, "llama-2-70b", precision, 4);
    expect(speedUp(nvlink)).toBeGreaterThan(2.4);
    expect(speedUp(pcie)).toBeLessThan(0.75 * speedUp(nvlink));
  });
});
