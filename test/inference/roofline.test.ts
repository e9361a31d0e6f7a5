import { describe, expect, it } from "vitest";
import { GPUS } from "../../src/catalog/gpus.js";
import { MODELS, totalParams } from "../../src/catalog/models.js";
import { HARDWARE_EFFICIENCY, STACK_OVERHEADS } from "../../src/inference/latency/efficiency.js";
import { RooflineModel } from "../../src/inference/latency/roofline.js";
import { addDecode, addPrefill, emptyShape } from "../../src/inference/latency/shape.js";
import { decodeStepsUs, decodeStepUs } from "../../src/inference/latency/static-batch.js";

function model(modelId: string, tp: number, precision: "fp16" | "fp8" = "fp16", gpuId = "h100-sxm") {
  const gpu = GPUS[gpuId];
  return new RooflineModel({
    gpu,
    model: MODELS[modelId],
    precision,
    kvBytes: 2,
    tensorParallel: tp,
    pipelineParallel: 1,
    hardware: HARDWARE_EFFICIENCY[gpu.family],
    overheads: STACK_OVERHEADS.kernels,
  });
}

describe("roofline latency model", () => {
  it("prices a batch-1 decode step of a 70B model at about the time to stream its weights", () => {
    // Llama-2-70B, fp16, TP4 on H100: 138 GB / 4 GPUs read at 3.35 TB/s x memory efficiency
    // (all but the input embedding, of which a step reads one row).
    const m = model("llama-2-70b", 4);
    const l = MODELS["llama-2-70b"];
    const weightsUs = (((totalParams(l) - l.vocab * l.hidden) * 2) / 4 / (3.35e12 * HARDWARE_EFFICIENCY.hopper.memoryEfficiency)) * 1e6;
    const step = decodeStepUs(m, 1, 512);
    // ...plus, per layer, two all-reduces and the kernels' fixed time (the KV read of 512 tokens is tiny).
    const h = HARDWARE_EFFICIENCY.hopper;
    const fixedUs = 80 * (2 * h.allReduceGroupUs + h.layerKernelUs);
    expect(step).toBeGreaterThan(weightsUs + fixedUs);
    expect(step).toBeLessThan((weightsUs + fixedUs) * 1.05);
  });

  it("makes a long prefill compute-bound: time grows linearly with prompt tokens", () => {
    const m = model("llama-2-7b", 1);
    const time = (tokens: number) => {
      const shape = emptyShape();
      addPrefill(shape, tokens, 0);
      return m.iterationUs(shape);
    };
    // 2 FLOPs per parameter per token at 68 % of 989 TFLOPS, plus quadratic attention.
    expect(time(8192) / time(4096)).toBeGreaterThan(2);
    expect(time(8192) / time(4096)).toBeLessThan(2.4);
    // A handful of tokens costs about the same as one: weights dominate.
    expect(time(8) / time(1)).toBeLessThan(1.05);
  });

  it("prices decode-only batches exactly as fixed + per-context-token cost (what lets replicas jump)", () => {
    const m = model("llama-3.1-70b", 4, "fp8");
    const shape = emptyShape();
    for (const context of [100, 2000, 513, 7]) addDecode(shape, context);
    const cost = m.decodeCost(4);
    expect(m.iterationUs(shape)).toBeCloseTo(cost.fixedUs + cost.perContextTokenUs * 2620, 6);
    // The closed-form sum of k steps equals stepping one at a time.
    let sum = 0;
    for (let s = 0; s < 50; s++) sum += decodeStepUs(m, 8, 300 + s);
    expect(decodeStepsUs(m, 8, 300, 50)).toBeCloseTo(sum, 6);
  });

  it("loads only the experts a batch touches (Mixtral: top-2 of 8)", () => {
    const m = model("mixtral-8x7b", 2);
    const one = decodeStepUs(m, 1, 100);
    const many = decodeStepUs(m, 64, 100);
    // One token streams attention plus 2 of 8 experts; 64 tokens touch nearly all 8, ~3.5x the weights.
    expect(many / one).toBeGreaterThan(2.5);
    expect(many / one).toBeLessThan(4.5);
  });

  it("gets faster with more tensor parallelism, and FP8 halves the weight stream", () => {
    expect(decodeStepUs(model("llama-2-70b", 8), 1, 512)).toBeLessThan(decodeStepUs(model("llama-2-70b", 4), 1, 512));
    // FP8 saves half of the fp16 weight-streaming time (138 GB / 4 GPUs / 2).
    const saved = decodeStepUs(model("llama-2-70b", 4, "fp16"), 1, 512) - decodeStepUs(model("llama-2-70b", 4, "fp8"), 1, 512);
    const halfWeightsUs = ((totalParams(MODELS["llama-2-70b"]) * 2) / 4 / 2 / (3.35e12 * HARDWARE_EFFICIENCY.hopper.memoryEfficiency)) * 1e6;
    expect(saved / halfWeightsUs).toBeGreaterThan(0.95);
    expect(saved / halfWeightsUs).toBeLessThan(1.05);
  });
});
