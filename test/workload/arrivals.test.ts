import { describe, expect, it } from "vitest";
import { RandomStreams } from "../../src/engine/index.js";
import { makeArrivalProcess, spreadTiedTimes } from "../../src/workload/arrivals.js";
import { readTrace } from "../../src/workload/trace.js";
import { TRACES } from "../support/data.js";

const rng = (name: string) => new RandomStreams(11).get(name);

function arrivalsUntil(process: { next(): number }, endS: number): number[] {
  const times: number[] = [];
  for (let t = process.next(); t < endS; t = process.next()) times.push(t);
  return times;
}

function gapStats(times: number[]) {
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  const sd = Math.sqrt(gaps.reduce((s, g) => s + (g - mean) ** 2, 0) / gaps.length);
  return { mean, cv: sd / mean };
}

describe("arrival processes", () => {
  it("poisson: rate and exponential gaps (CV 1)", () => {
    const times = arrivalsUntil(makeArrivalProcess({ kind: "poisson", rate_per_s: 50 }, rng("p")), 4000);
    // 200,000 expected; the count's standard deviation is sqrt(200,000) = 447, i.e. 0.22 %.
    expect(Math.abs(times.length / 200_000 - 1)).toBeLessThan(0.01);
    expect(Math.abs(gapStats(times).cv - 1)).toBeLessThan(0.02);
  });

  it("constant: exactly evenly spaced", () => {
    const times = arrivalsUntil(makeArrivalProcess({ kind: "constant", rate_per_s: 4 }, rng("c")), 10);
    expect(times).toEqual(Array.from({ length: 39 }, (_, i) => (i + 1) / 4));
  });

  it("gamma: the requested rate and coefficient of variation of the gaps", () => {
    for (const cv of [0.5, 3]) {
      const times = arrivalsUntil(makeArrivalProcess({ kind: "gamma", rate_per_s: 20, cv }, rng(`g${cv}`)), 10_000);
      const stats = gapStats(times);
      expect(Math.abs(stats.mean * 20 - 1)).toBeLessThan(0.03);
      expect(Math.abs(stats.cv / cv - 1)).toBeLessThan(0.03);
    }
  });

  it("diurnal: the hourly counts follow the day curve, peaking at peak_at", () => {
    const spec = { kind: "diurnal" as const, mean_rate_per_s: 10, peak_to_trough: 3, peak_at: 15 * 3600, period: 86_400 };
    const times = arrivalsUntil(makeArrivalProcess(spec, rng("d")), 86_400);
    const perHour = new Array(24).fill(0);
    for (const t of times) perHour[Math.floor(t / 3600)]++;
    const a = (3 - 1) / (3 + 1);
    for (let h = 0; h < 24; h++) {
      // Integral of mean * (1 + a cos(2 pi (t - peak) / period)) over the hour.
      const w = (2 * Math.PI) / 86_400;
      const expected = 10 * (3600 + (a / w) * (Math.sin(w * ((h + 1) * 3600 - spec.peak_at)) - Math.sin(w * (h * 3600 - spec.peak_at))));
      expect(Math.abs(perHour[h] - expected)).toBeLessThan(5 * Math.sqrt(expected)); // 5 sigma of a Poisson count
    }
    expect(perHour.indexOf(Math.max(...perHour))).toBeGreaterThanOrEqual(14);
    expect(perHour.indexOf(Math.max(...perHour))).toBeLessThanOrEqual(15);
    expect(Math.abs(times.length / 864_000 - 1)).toBeLessThan(0.01);
  });
});

describe("piecewise arrivals", () => {
  const piecewise = (rates: [number, number][]) => ({ kind: "piecewise" as const, rates: rates.map(([at, rate_per_s]) => ({ at, rate_per_s })) });

  it("sends rate x length requests in each piece, none in a pause, within 4 standard deviations", () => {
    const spec = piecewise([[0, 2], [3600, 20], [7200, 0], [9000, 5]]);
    const times = arrivalsUntil(makeArrivalProcess(spec, rng("pw")), 12_600);
    const edges = [0, 3600, 7200, 9000, 12_600];
    const expected = [7200, 72_000, 0, 18_000];
    expected.forEach((mean, k) => {
      const count = times.filter((t) => t >= edges[k] && t < edges[k + 1]).length;
      if (mean === 0) expect(count).toBe(0);
      else expect(Math.abs(count - mean)).toBeLessThan(4 * Math.sqrt(mean)); // a Poisson count: sd = sqrt(mean)
    });
  });

  it("sends nothing before the first piece, nor during a first piece of rate 0", () => {
    const late = arrivalsUntil(makeArrivalProcess(piecewise([[5, 10]]), rng("late")), 100);
    expect(late[0]).toBeGreaterThanOrEqual(5);
    const paused = arrivalsUntil(makeArrivalProcess(piecewise([[0, 0], [10, 10]]), rng("paused")), 100);
    expect(paused[0]).toBeGreaterThanOrEqual(10);
    expect(Math.abs(paused.length - 900)).toBeLessThan(4 * 30);
  });

  it("the first arrival after a boundary is an exponential gap at the new rate (memorylessness), not the rest of an old gap", () => {
    // 0.1/s before 10 s, 10/s after: the wait from 10 s to the next arrival has mean 0.1 s however the first piece went.
    // A process that carried a gap drawn at 0.1/s across the boundary would wait about 10 s.
    const runs = 4000;
    let sumS = 0;
    for (let k = 0; k < runs; k++) {
      const process = makeArrivalProcess(piecewise([[0, 0.1], [10, 10]]), rng(`boundary${k}`));
      let t = process.next();
      while (t < 10) t = process.next();
      sumS += t - 10;
    }
    // Mean of 4000 exponentials of mean 0.1: standard error 0.1 / sqrt(4000) = 0.0016 s.
    expect(Math.abs(sumS / runs - 0.1)).toBeLessThan(4 * (0.1 / Math.sqrt(runs)));
  });

  it("ends after a last piece of rate 0", () => {
    const process = makeArrivalProcess(piecewise([[0, 5], [10, 0]]), rng("ends"));
    const times = arrivalsUntil(process, Infinity);
    expect(times.length).toBeGreaterThan(20);
    expect(times.every((t) => t < 10)).toBe(true);
    expect(process.next()).toBe(Infinity);
  });

  it("gives the same times for the same stream and different ones for another", () => {
    const spec = piecewise([[0, 3], [60, 30], [120, 1]]);
    const first = arrivalsUntil(makeArrivalProcess(spec, rng("same")), 300);
    expect(arrivalsUntil(makeArrivalProcess(spec, rng("same")), 300)).toEqual(first);
    expect(arrivalsUntil(makeArrivalProcess(spec, rng("other")), 300)).not.toEqual(first);
  });
});

describe("trace replay", () => {
  const azure = readTrace(`${TRACES}/AzureLLMInferenceTrace_conv.csv`, "AzureLLMInferenceTrace_conv.csv", "azure");

  it("reads the Azure conversation trace: 19,366 requests over 3,501.7 s with their token counts", () => {
    expect(azure.arrivalS.length).toBe(19_366);
    expect(azure.spanS).toBeCloseTo(3501.7, 0);
    expect([azure.inputTokens[0], azure.outputTokens[0]]).toEqual([374, 44]);
    // Second row is 2023-11-16 18:15:50.9951690, first 18:15:46.6805900.
    expect(azure.arrivalS[1]).toBeCloseTo(4.314579, 6);
    const meanInput = azure.inputTokens.reduce((s, x) => s + x, 0) / azure.inputTokens.length;
    expect(meanInput).toBeCloseTo(1154.7, 1); // as the data README states
  });

  it("replays faster with speedup and starts over with loop", () => {
    const spec = { kind: "trace" as const, file: "", speedup: 2, loop: true, spread_ties: false };
    const process = makeArrivalProcess(spec, rng("t"), azure);
    const first = [process.next(), process.next()];
    expect(first[1]).toBeCloseTo(azure.arrivalS[1] / 2, 9);
    for (let i = 2; i < 19_366; i++) process.next();
    const looped = process.next();
    expect(process.traceRow).toBe(0);
    // One cycle lasts the span plus one mean gap, halved by the speedup.
    expect(looped).toBeCloseTo((azure.spanS * 19_366) / 19_365 / 2, 6);
    const once = makeArrivalProcess({ ...spec, loop: false }, rng("t"), azure);
    expect(arrivalsUntil(once, Infinity).length).toBe(19_366);
  });

  it("keeps Mooncake's prefix-block hashes and spreads its quantised timestamps", () => {
    const mooncake = readTrace(`${TRACES}/conversation_trace.jsonl.gz`, "conversation_trace.jsonl.gz", undefined);
    expect(mooncake.arrivalS.length).toBe(12_031);
    expect(Array.from(mooncake.hashIds![0])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect([mooncake.inputTokens[0], mooncake.outputTokens[0]]).toEqual([6758, 500]);
    const spread = spreadTiedTimes(Float64Array.from([0, 0, 0, 3, 6, 6]));
    expect(Array.from(spread)).toEqual([0, 1, 2, 3, 6, 7.2]);
  });
});
