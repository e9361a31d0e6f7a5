/**
 * The memory plan follows each serving engine's own rule, on the memory the driver reports:
 * configurations TensorRT-LLM serves (70B FP8 on one H100, 70B FP16 on two) fit, with a KV cache that
 * is small and a throughput that shows it.
 */
import { describe, expect, it } from "vitest";
import { GPUS } from "../../src/catalog/gpus.js";
import { gpuMemoryBytes } from "../../src/catalog/gpu-memory.js";
import { MODELS, totalParams } from "../../src/catalog/models.js";
import { deployModel, weightBytes } from "../../src/inference/deployment.js";
import { ScenarioSchema } from "../../src/scenario/schema.js";
import { DataFiles } from "../../src/workload/datafiles.js";
import { estimate } from "../../src/estimate.js";

function deploy(model: object) {
  const scenario = ScenarioSchema.parse({ version: 1, name: "m", duration: 60, models: [{ name: "m", ...model }] });
  return deployModel(scenario.models[0], new DataFiles("."));
}

describe("memory plan", () => {
  it("takes each GPU's capacity as nvidia-smi reports it (an H100 has 81,559 MiB = 85.52 GB, not 80)", () => {
    expect(gpuMemoryBytes(GPUS["h100-sxm"]) / 1e9).toBeCloseTo(85.52, 2);
    expect(gpuMemoryBytes(GPUS["h200-sxm"]) / 1e9).toBeCloseTo(150.755, 3);
  });

  it("keeps an FP8 checkpoint's embeddings and output projection in 16 bits", () => {
    const a = MODELS["llama-3.1-70b"];
    const embeddings = 2 * a.vocab * a.hidden;
    expect(weightBytes(a, "fp8")).toBe(totalParams(a) - embeddings + 2 * embeddings);
    expect(weightBytes(a, "bf16")).toBe(2 * totalParams(a));
  });

  it("serves Llama-3.1-70B in FP8 on one H100 and in FP16 on two, as TensorRT-LLM does, with a small KV cache", () => {
    for (const config of [
      { model: "llama-3.1-70b", gpu: "h100-sxm", precision: "fp8", tensor_parallel: 1 },
      { model: "llama-3.1-70b", gpu: "h100-sxm", precision: "fp16", tensor_parallel: 2 },
    ]) {
      const { deployed, problems } = deploy(config);
      expect(problems).toEqual([]);
      const m = deployed!.memory;
      expect(m.kvBlocks).toBeGreaterThan(0);
      expect(m.kvGb).toBeLessThan(15); // of 85.5 GB
      // TensorRT-LLM's rule: 90 % of what weights, activations and runtime buffers leave.
      expect(m.kvGb).toBeCloseTo(0.9 * (m.capacityGb - m.weightsGb - m.activationsGb - m.runtimeGb), 9);
    }
  });

  it("follows vLLM's rule for the vLLM stack: gpu_memory_utilization of the whole GPU, less the rest", () => {
    const { deployed } = deploy({ model: "llama-3.1-8b", gpu: "h100-sxm", engine: { kind: "continuous_batching", stack: "vllm-2023", gpu_memory_utilization: 0.8 } });
    const m = deployed!.memory;
    expect(m.kvGb).toBeCloseTo(0.8 * m.capacityGb - m.weightsGb - m.activationsGb - m.runtimeGb, 9);
  });

  it("keeps activations at what a profiling pass sees: under 1 GB for Llama-3.1-8B at 8,192 batched tokens", () => {
    const { deployed } = deploy({ model: "llama-3.1-8b", gpu: "h100-sxm" });
    expect(deployed!.memory.activationsGb).toBeGreaterThan(0.5);
    expect(deployed!.memory.activationsGb).toBeLessThan(1);
  });

  it("gives one H100 less than half the offline throughput of one H200 for Llama-3.1-70B FP8 (1,000 in / 1,000 out): its KV cache is far smaller", () => {
    const point = { model: "llama-3.1-70b", precision: "fp8" as const, tp: 1, isl: 1000, osl: 1000, mode: { kind: "max_throughput" as const } };
    const h100 = estimate({ ...point, gpu: "h100-sxm" });
    const h200 = estimate({ ...point, gpu: "h200-sxm" });
    expect(h100.output_tokens_per_s).toBeGreaterThan(0);
    expect(h100.output_tokens_per_s).toBeLessThan(0.5 * h200.output_tokens_per_s);
    expect(h100.kv_cache_tokens).toBeLessThan(h200.kv_cache_tokens / 4);
  });
});
