/** Thresholds are parsed once into typed expressions, then evaluated against the report's readings. */
import { describe, expect, it } from "vitest";
import { evaluateThreshold, isThresholdProblem, parseThreshold, type MetricReadings, type ThresholdExpression } from "../../src/metrics/thresholds.js";
import type { DistributionSummary } from "../../src/metrics/sketch.js";
import { thresholdReading } from "../../src/report/format.js";

const dist = (d: Partial<DistributionSummary>): DistributionSummary => ({ count: 100, mean: 1, p50: 1, p90: 1, p95: 1, p99: 1, p999: 1, max: 1, ...d });
const readings: MetricReadings = {
  ttft: dist({ mean: 0.2, p50: 0.15, p99: 0.9, p999: 3, max: 5 }),
  tbt: dist({}),
  tpot: dist({}),
  e2e: dist({ p99: null }),
  queue: dist({}),
  error_rate: 0.0005,
  availability: 99.95,
  slo_attainment: null,
  goodput: 10,
  margin_pct: 12,
  cost_per_mtok: 1.5,
};

function parsed(metric: string, text: string): ThresholdExpression {
  const t = parseThreshold(metric, text);
  if (isThresholdProblem(t)) throw new Error(t.problem);
  return t;
}

describe("threshold parser", () => {
  it("reads p(99.9) from the p999 column, not p99", () => {
    const t = parsed("ttft", "p(99.9) < 2s");
    expect(t.column).toBe("p999");
    expect(evaluateThreshold(t, readings)).toEqual({ expression: "p(99.9) < 2s", actual: 3, ok: false });
    expect(evaluateThreshold(parsed("ttft", "p(99) < 2s"), readings)).toEqual({ expression: "p(99) < 2s", actual: 0.9, ok: true });
  });

  it("compares a bound written in ms in seconds", () => {
    const t = parsed("ttft", "avg <= 250ms");
    expect(t).toMatchObject({ statistic: "avg", column: "mean", operator: "<=", bound: 0.25, unit: "s" });
    expect(evaluateThreshold(t, readings).ok).toBe(true); // 0.2 s <= 0.25 s
    expect(evaluateThreshold(parsed("ttft", "avg <= 150ms"), readings).ok).toBe(false);
  });

  it("keeps a percentage in percent points: availability 99.95 passes value >= 99.9%", () => {
    const t = parsed("availability", "value >= 99.9%");
    expect(t).toMatchObject({ bound: 99.9, unit: "%", column: null });
    expect(evaluateThreshold(t, readings).ok).toBe(true);
  });

  it("reads med as p50 and max as max; a bare number is a bare number", () => {
    expect(evaluateThreshold(parsed("ttft", "med < 0.16"), readings)).toMatchObject({ actual: 0.15, ok: true });
    expect(parsed("ttft", "max > 4")).toMatchObject({ column: "max", bound: 4, unit: "" });
    expect(evaluateThreshold(parsed("ttft", "max > 4"), readings).ok).toBe(true);
  });

  it("fails a threshold without data instead of passing it", () => {
    expect(evaluateThreshold(parsed("e2e", "p(99) < 10s"), readings)).toEqual({ expression: "p(99) < 10s", actual: null, ok: false });
    expect(evaluateThreshold(parsed("slo_attainment", "value > 0.9"), readings)).toEqual({ expression: "value > 0.9", actual: null, ok: false });
  });

  it("says what is wrong with an expression it cannot read", () => {
    const problem = (metric: string, text: string) => {
      const t = parseThreshold(metric, text);
      return isThresholdProblem(t) ? t.problem : undefined;
    };
    expect(problem("latency", "avg < 1s")).toMatch(/^unknown metric 'latency' \(expected one of: ttft, tbt, tpot, e2e, queue, error_rate/);
    expect(problem("ttft", "p(97) < 2s")).toMatch(/p\(97\) is not reported/);
    expect(problem("error_rate", "p(99) < 0.1")).toBe("error_rate is a single value: use rate or value, not p");
    expect(problem("e2e", "rate < 1")).toBe("e2e is a distribution: use p(N), avg, med or max, not rate");
    expect(problem("ttft", "p(99) << 2s")).toMatch(/^cannot read "p\(99\) << 2s"/);
    expect(problem("ttft", "avg < 2x")).toMatch(/^cannot read the bound "2x"/);
    expect(problem("ttft", "p(99) < 2s")).toBeUndefined();
  });
});

describe("threshold units", () => {
  it("reads a percentage in the metric's unit: rate < 0.1% on a fraction is 0.001, value >= 95% on slo_attainment is 0.95", () => {
    expect(parsed("error_rate", "rate < 0.1%")).toMatchObject({ bound: 0.001, unit: "%" });
    expect(evaluateThreshold(parsed("error_rate", "rate < 0.1%"), readings).ok).toBe(true); // 0.0005 < 0.001
    expect(evaluateThreshold(parsed("error_rate", "rate < 0.01%"), readings).ok).toBe(false);
    expect(parsed("slo_attainment", "value >= 95%")).toMatchObject({ bound: 0.95 });
    expect(parsed("margin_pct", "value > 10%")).toMatchObject({ bound: 10 });
  });

  it("refuses a bound in a unit the metric is not in instead of comparing a bare number", () => {
    const problem = (metric: string, text: string) => {
      const t = parseThreshold(metric, text);
      return isThresholdProblem(t) ? t.problem : undefined;
    };
    expect(problem("ttft", "p(99) < 50%")).toBe('ttft is a time: write a duration (2s, 250ms) or a number of seconds, not "50%"');
    expect(problem("availability", "value >= 2s")).toMatch(/^availability is in percent/);
    expect(problem("cost_per_mtok", "value < 5%")).toMatch(/^cost_per_mtok is in US dollars/);
    expect(problem("error_rate", "rate < 1ms")).toMatch(/^error_rate is a fraction/);
  });

  it("prints a reading as k6 does, with its unit", () => {
    const reading = (metric: string, expression: string, actual: number | null) => thresholdReading(metric, { expression, actual, ok: true });
    expect(reading("ttft", "p(99) < 60s", 51.2)).toBe("p(99)=51.2s");
    expect(reading("ttft", "avg < 1s", 0.2478270574)).toBe("avg=247.8ms");
    expect(reading("tbt", "p(99.9) < 1s", 0.000812)).toBe("p(99.9)=812µs");
    expect(reading("error_rate", "rate < 0.01", 0.0012)).toBe("rate=0.12%");
    expect(reading("availability", "value >= 99.9%", 99.95)).toBe("value=99.95%");
    expect(reading("availability", "value >= 99.9%", 99.99995)).toBe("value=99.99995%");
    expect(reading("slo_attainment", "value >= 0.9", 0.985)).toBe("value=98.5%");
    expect(reading("goodput", "value > 5", 12.345)).toBe("value=12.35/s");
    expect(reading("cost_per_mtok", "value < 2", 1.650743307)).toBe("value=$1.651");
    expect(reading("e2e", "p(99) < 10s", null)).toBe("p(99)=no data");
  });
});
