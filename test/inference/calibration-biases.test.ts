/**
 * Round 2 of the calibration (issue 23): each bias that round 1 showed on published measurements, as a
 * check on those measurements. Every test here failed with round 1's model and factors (commit 2d34325)
 * and passes with round 2's; bench/calibration.md has the whole picture.
 */
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { median } from "simple-statistics";
import { MODELS } from "../../src/catalog/models.js";
import { estimate } from "../../src/estimate.js";
import { loadMaxThroughputPoints } from "../../src/estimate-checks.js";
import { activationsGb, runtimeGb, weightBytes } from "../../src/inference/deployment.js";
import { cloneCalibration, CURRENT_CALIBRATION, evaluate, loadCalibrationPoints } from "../../src/inference/latency/calibration.js";
import { readRecords } from "../../src/workload/datafiles.js";

const DATA = fileURLToPath(new URL("../../bench/calibration-data", import.meta.url));
const signed = (predicted: number, measured: number) => (predicted - measured) / measured;

describe("calibration round 2: the biases of round 1", () => {
  const maxThroughput = loadMaxThroughputPoints(DATA).points.filter((p) => p.source.startsWith("TensorRT-LLM 0.14, max throughput"));
  const measured = (label: string) => maxThroughput.find((p) => p.label === label)!;

  it("prices tensor parallelism over PCIe at the measured PCIe/NVLink throughput ratio at TP4 and TP8 (A100, TensorRT-LLM 0.14)", () => {
    // Round 1 gave 0.68 and 0.48 where the engine measured about 0.62 and 0.36: PCIe was too cheap.
    for (const tp of [4, 8]) {
      const measuredRatios: number[] = [];
      const modelRatios: number[] = [];
      for (const pcie of maxThroughput.filter((p) => p.label.startsWith(`llama-3.1-70b a100-pcie-80gb fp16 TP${tp} `))) {
        const sxm = measured(pcie.label.replace("a100-pcie-80gb", "a100-sxm-80gb"));
        measuredRatios.push(pcie.measured / sxm.measured);
        modelRatios.push(pcie.predict(CURRENT_CALIBRATION) / sxm.predict(CURRENT_CALIBRATION));
      }
      expect(measuredRatios.length).toBeGreaterThanOrEqual(8);
      expect(Math.abs(median(modelRatios) - median(measuredRatios))).toBeLessThan(0.06);
    }
  });

  it("holds back the memory TensorRT-LLM holds besides weights and KV cache, growing with the tensor-parallel group", () => {
    // "GPU Peak Memory Usage" of 85 published runs, less weights, the run's KV cache and activations.
    // Round 1 held back a flat 1 GB: 2-5 GB too little at TP2 and above.
    const dli = readRecords(`${DATA}/trtllm_v0.9_low_batch_dli.csv`);
    const names: Record<string, string> = { "LLaMA v2 7B": "llama-2-7b", "LLaMA v2 70B": "llama-2-70b", "Mistral 7B": "mistral-7b", "GPTJ 6B": "gpt-j-6b", "Falcon 180B": "falcon-180b" };
    const errors: number[] = [];
    const flatErrors: number[] = [];
    for (const row of dli.rows) {
      const a = MODELS[names[String(row["Model"])]];
      const tp = Number(row["Tensor Model Parallel Size"]);
      if (tp < 2) continue;
      const precision = row["Precision"] === "FP8" ? "fp8" : "fp16";
      const batch = Number(row["Batch Size"]);
      const isl = Number(row["Input Token Length"]);
      const osl = Number(row["Output Token Length"]);
      const kvGb = (batch * (isl + osl) * a.layers * 2 * Math.max(1, a.kvHeads / tp) * a.headDim * (precision === "fp8" ? 1 : 2)) / 1e9;
      const options = { stack: "trtllm-0.9" as const, maxBatchedTokens: batch * isl, maxNumSeqs: batch, blockSize: 64, gpuMemoryUtilization: 0.9, kvCacheFreeFraction: 0.9 };
      const heldGb = weightBytes(a, precision) / tp / 1e9 + activationsGb(a, tp, options) + runtimeGb(tp);
      const peakGb = Number(row["GPU Peak Memory Usage (GB)"]);
      errors.push(Math.abs(heldGb + kvGb - peakGb));
      flatErrors.push(Math.abs(heldGb - runtimeGb(tp) + 1 + kvGb - peakGb));
    }
    expect(errors.length).toBeGreaterThan(35);
    expect(median(errors)).toBeLessThan(1.5);
    expect(median(flatErrors)).toBeGreaterThan(2 * median(errors));
  });

  it("leaves a memory-tight 70B FP16 on two H100s the KV cache that TensorRT-LLM 0.14's throughput shows", () => {
    // 10-15 GB of KV cache per GPU: round 1 came out 16 % fast (a fifth more KV cache than the engine had);
    // with 0.14's own overheads it is about 9 % slow.
    const errors = maxThroughput.filter((p) => p.label.startsWith("llama-3.1-70b h100-sxm fp16 TP2 ")).map((p) => signed(p.predict(CURRENT_CALIBRATION), p.measured));
    expect(errors.length).toBeGreaterThanOrEqual(8);
    expect(Math.abs(median(errors))).toBeLessThan(0.1);
    const kv = estimate({ gpu: "h100-sxm", model: "llama-3.1-70b", precision: "fp16", tp: 2, isl: 1000, osl: 1000, mode: { kind: "batch", size: 1 } }).detail;
    expect(Number(kv.kv_cache_gb_per_gpu)).toBeGreaterThan(8);
    expect(Number(kv.kv_cache_gb_per_gpu)).toBeLessThan(10);
  });

  it("does not charge small models on Hopper too much per sequence at large batches (static batches of 896-1,024)", () => {
    // GPT-J and Llama-2-7B FP8, 128/128: round 1 was 14-33 % slow, its 19 µs per sequence held up by
    // far-off points under squared error.
    const { points } = loadCalibrationPoints(DATA);
    const large = evaluate(
      points.filter((p) => p.source === "TensorRT-LLM 0.9" && /^(gpt-j-6b|llama-2-7b) h[12]00-sxm fp8 TP1 128\/128 batch (896|1024)$/.test(p.label)),
      CURRENT_CALIBRATION,
    );
    expect(large.length).toBe(4);
    const errors = large.map((r) => signed(r.predicted, r.point.measured));
    expect(median(errors)).toBeGreaterThan(-0.2);
    expect(Math.min(...errors)).toBeGreaterThan(-0.3);
    expect(CURRENT_CALIBRATION.stacks["trtllm-0.9"].sequenceUs).toBeLessThan(16);
  });

  it("leaves Falcon-180B's rows past its 2,048-token context out of the fit, with the reason", () => {
    const { points } = loadCalibrationPoints(DATA);
    const beyond = points.filter((p) => /^falcon-180b .* (\d+)\/(\d+)/.test(p.label) && p.label.match(/ (\d+)\/(\d+)/)!.slice(1).reduce((s, x) => s + Number(x), 0) > 2048);
    expect(beyond.length).toBeGreaterThan(5);
    for (const p of beyond) expect(p.excluded).toMatch(/past its trained context/);
    // Its rows within the context stay in.
    expect(points.some((p) => p.label.startsWith("falcon-180b") && !p.excluded)).toBe(true);
  });

  it("tells TensorRT-LLM versions apart: 1.0 as much faster than 0.14 as their own tables measure", () => {
    // Round 2 priced every version with 0.9's overheads, so the model saw no difference (1.00x) where the
    // two tables measure about 1.08x on the runs both have.
    const all = loadMaxThroughputPoints(DATA).points;
    const key = (label: string) => label.replace("llama-3.3-70b", "llama-3.1-70b");
    const older = new Map(all.filter((p) => p.stack === "trtllm-0.14").map((p) => [key(p.label), p]));
    const pairs = all.filter((p) => p.stack === "trtllm-1.0" && older.has(key(p.label))).map((p) => [older.get(key(p.label))!, p] as const);
    expect(pairs.length).toBeGreaterThanOrEqual(30);
    const measured = median(pairs.map(([o, n]) => n.measured / o.measured));
    const modelled = median(pairs.map(([o, n]) => n.predict(CURRENT_CALIBRATION) / o.predict(CURRENT_CALIBRATION)));
    expect(measured).toBeGreaterThan(1.04);
    expect(Math.abs(modelled - measured)).toBeLessThan(0.03);
  });

  it("predicts the held-out TensorRT-LLM 1.0 configurations better with 1.0's own overheads than with 0.9's", () => {
    const heldOut = loadMaxThroughputPoints(DATA).points.filter((p) => p.stack === "trtllm-1.0" && p.checkOnly);
    expect(heldOut.length).toBeGreaterThanOrEqual(20);
    const asRound2 = cloneCalibration(CURRENT_CALIBRATION);
    asRound2.stacks["trtllm-1.0"] = { ...CURRENT_CALIBRATION.stacks["trtllm-0.9"] };
    const own = median(evaluate(heldOut, CURRENT_CALIBRATION).map((r) => r.ape));
    const before = median(evaluate(heldOut, asRound2).map((r) => r.ape));
    expect(own).toBeLessThan(before - 0.5);
    expect(own).toBeLessThan(8);
  });
});
