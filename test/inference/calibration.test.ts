/** The latency model stays calibrated: median error at most 15 % on each published source (bench/calibration.md). */
import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { CURRENT_CALIBRATION, evaluate, loadCalibrationPoints, summarize } from "../../src/inference/latency/calibration.js";

const DATA = fileURLToPath(new URL("../../bench/calibration-data", import.meta.url));

describe("latency-model calibration", () => {
  const { points, skipped } = loadCalibrationPoints(DATA);
  const summary = summarize(evaluate(points, CURRENT_CALIBRATION));

  it("uses the points of all six published sources", () => {
    const sources = new Set(points.map((p) => p.source));
    expect([...sources].sort()).toEqual([
      "NIM 1.8 (TensorRT-LLM), one user",
      "Splitwise (vLLM)",
      "TensorRT-LLM 0.9",
      "TensorRT-LLM 0.9, batches of 1-8",
      "Vidur MLP profiles",
      "Vidur all-reduce",
    ]);
    expect(points.length).toBeGreaterThan(800);
    // Only rows of models or GPUs outside the catalog, or cross-server collectives, are skipped.
    for (const s of skipped) expect(s.reason).toMatch(/not in the catalog|cross servers/);
  });

  it.each(["Vidur MLP profiles", "Vidur all-reduce", "Splitwise (vLLM)", "TensorRT-LLM 0.9", "TensorRT-LLM 0.9, batches of 1-8", "NIM 1.8 (TensorRT-LLM), one user"])(
    "has a median error of at most 15 %% on %s",
    (source) => {
      const s = summary.find((x) => x.source === source && x.metric === "all")!;
      expect(s.medianApe).toBeLessThanOrEqual(15);
    },
  );

  it("holds the NIM serving benchmark out of the fit, as a check on it", () => {
    const nim = points.filter((p) => p.source === "NIM 1.8 (TensorRT-LLM), one user");
    expect(nim.length).toBe(2);
    for (const p of nim) expect(p.checkOnly).toBeDefined();
  });
});
