/**
 * Figures that must stay true where planners look hardest: an overloaded fleet, a fault at the end of
 * a run, a short CI run (issue 22). Each case has its hand figure beside it.
 */
import { describe, expect, it } from "vitest";
import { simulate, type ScenarioInput } from "../../src/index.js";

/** `c` single-slot queue replicas behind one central queue holding at most `maxQueue` waiting requests. */
function lossSystem(c: number, ratePerS: number, maxQueue: number, extra: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    version: 1,
    name: "loss",
    seed: 4,
    duration: "4000s",
    warmup: "200s",
    models: [{ name: "svc", engine: { kind: "queue", concurrency: 1, service_time: { dist: "exponential", mean: "1s" } }, replicas: { initial: c }, router: { kind: "central_queue", max_queue: maxQueue } }],
    workload: { tenants: [{ name: "t", model: "svc", arrival: { kind: "poisson", rate_per_s: ratePerS } }] },
    ...extra,
  } as ScenarioInput;
}

describe("SLO attainment is a share of every request, not of those completed", () => {
  it("an Erlang loss system that refuses 8/13 of its requests meets the SLO for 5/13, and a 95 % gate fails", () => {
    // Erlang B with c = 2 and a = 4 erlangs: B = (a^2 / 2) / (1 + a + a^2 / 2) = 8 / 13.
    const { report } = simulate(lossSystem(2, 4, 0, { slo: { ttft: "1h", tpot: "1h" }, thresholds: { slo_attainment: ["value >= 95%"] } }));
    const arrived = report.requests.arrived;
    expect(report.requests.rejected / arrived).toBeCloseTo(8 / 13, 1);
    // Every completed request met the (loose) objectives; the refused ones are misses.
    expect(report.availability.slo_attainment).toBeCloseTo(report.requests.completed / arrived, 8);
    expect(report.availability.slo_attainment!).toBeLessThan(0.45);
    expect(report.thresholds_ok).toBe(false);
  });
});

describe("uptime counts every 5-minute interval the window touches", () => {
  it("a 9-minute run down from minute 5 is 55.6 % up (the cut interval weighs 0.8), and a 99.9 % gate fails", () => {
    const input: ScenarioInput = {
      version: 1,
      name: "late-outage",
      seed: 3,
      duration: "9m",
      regions: [{ name: "r", geo: "g", azs: [{ name: "r-a", servers: { type: "p5.48xlarge", count: 1 } }] }],
      models: [{ name: "m", model: "llama-3.1-8b", replicas: { initial: 2 }, engine: { kind: "continuous_batching" } }],
      workload: { tenants: [{ name: "t", model: "m", arrival: { kind: "poisson", rate_per_s: 4 } }] },
      faults: [{ kind: "az_outage", az: "r-a", at: "5m", duration: "30m" }],
      thresholds: { availability: ["value >= 99.9%"] },
    } as ScenarioInput;
    const { report } = simulate(input);
    const up = report.availability.by_region.r;
    // Interval [0, 5 min) has no errors; [5, 9 min), 0.8 of an interval, errs on every call.
    expect(up.intervals).toBeCloseTo(1.8, 12);
    expect(up.uptime_pct).toBeCloseTo(100 * (1 - 0.8 / 1.8), 6);
    expect(up.sla_credit_pct).toBe(100);
    expect(report.thresholds_ok).toBe(false);
  });
});
