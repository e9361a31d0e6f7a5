import { describe, expect, it } from "vitest";
import { RandomStreams } from "../../src/engine/index.js";
import { DataFiles } from "../../src/workload/datafiles.js";
import { makeSampler } from "../../src/workload/distributions.js";
import { TRACES } from "../support/data.js";

const data = new DataFiles(TRACES);

function sample(spec: Parameters<typeof makeSampler>[0], n = 200_000) {
  const draw = makeSampler(spec, new RandomStreams(3).get(JSON.stringify(spec)), data);
  const xs = Float64Array.from({ length: n }, draw);
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n);
  return { xs, mean, cv: sd / mean, min: xs.reduce((a, b) => Math.min(a, b)), max: xs.reduce((a, b) => Math.max(a, b)) };
}

describe("distributions", () => {
  it.each([
    ["exponential", { dist: "exponential", mean: 2 }, 2, 1],
    ["lognormal", { dist: "lognormal", mean: 1155, cv: 0.96 }, 1155, 0.96],
    ["gamma (cv < 1)", { dist: "gamma", mean: 5, cv: 0.5 }, 5, 0.5],
    ["gamma (cv > 1)", { dist: "gamma", mean: 5, cv: 2 }, 5, 2],
    ["weibull (shape 1.5)", { dist: "weibull", mean: 3, shape: 1.5 }, 3, 0.6790],
  ] as const)("%s has the requested mean and CV", (_name, spec, mean, cv) => {
    const s = sample(spec as never);
    expect(Math.abs(s.mean / mean - 1)).toBeLessThan(0.02);
    expect(Math.abs(s.cv / cv - 1)).toBeLessThan(0.04);
  });

  it("uniform stays in [min, max) with the midpoint as mean", () => {
    const s = sample({ dist: "uniform", min: 10, max: 30 });
    expect(s.min).toBeGreaterThanOrEqual(10);
    expect(s.max).toBeLessThan(30);
    expect(s.mean).toBeCloseTo(20, 0);
  });

  it("clamps to min and max", () => {
    const s = sample({ dist: "exponential", mean: 100, min: 20, max: 150 });
    expect(s.min).toBe(20);
    expect(s.max).toBe(150);
    // P(X > 150) = e^-1.5 = 0.2231 of the samples sit exactly at the max.
    expect(s.xs.filter((x) => x === 150).length / s.xs.length).toBeCloseTo(Math.exp(-1.5), 2);
  });

  it("empirical resamples a trace column (Azure conversation prompts, mean 1,154.7)", () => {
    const s = sample({ dist: "empirical", file: "AzureLLMInferenceTrace_conv.csv", column: "ContextTokens", scale: 1 });
    expect(Math.abs(s.mean / 1154.7 - 1)).toBeLessThan(0.02);
    expect(s.max).toBeLessThanOrEqual(14_050);
  });
});
