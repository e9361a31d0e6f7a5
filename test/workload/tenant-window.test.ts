/** A tenant's `start` and `stop`: it sends requests only in [start, stop), its arrival process keeping absolute time. */
import { describe, expect, it } from "vitest";
import { simulate, type RequestRecord, type ScenarioInput } from "../../src/index.js";

const SERVICE = { name: "svc", engine: { kind: "queue", concurrency: 8, service_time: { dist: "fixed", value: 0.5 } }, replicas: { initial: 2 } } as const;

function run(tenants: Record<string, unknown>[], durationS = 100) {
  const scenario = { version: 1, name: "window", seed: 3, duration: durationS, models: [SERVICE], workload: { tenants } } as ScenarioInput;
  const records: RequestRecord[] = [];
  const result = simulate(scenario, { onRequestEnd: (r) => records.push(r) });
  const arrivalsOf = (tenant: number) => records.filter((r) => r.tenant === tenant).map((r) => r.arrival_s).sort((a, b) => a - b);
  return { result, records, arrivalsOf };
}

describe("tenant start and stop", () => {
  it("an open-loop tenant's requests arrive only in [start, stop); another tenant's are untouched", () => {
    const { result, records, arrivalsOf } = run([
      { name: "windowed", model: "svc", arrival: { kind: "poisson", rate_per_s: 10 }, start: "20s", stop: "50s" },
      { name: "always", model: "svc", arrival: { kind: "poisson", rate_per_s: 2 } },
    ]);
    const windowed = arrivalsOf(0);
    expect(windowed[0]).toBeGreaterThanOrEqual(20);
    expect(windowed[windowed.length - 1]).toBeLessThan(50);
    expect(Math.abs(windowed.length - 300)).toBeLessThan(4 * Math.sqrt(300)); // 10/s for 30 s, a Poisson count
    const always = arrivalsOf(1);
    expect(always[0]).toBeLessThan(20);
    expect(always[always.length - 1]).toBeGreaterThan(50);
    // Arrivals dropped before the start made no request: every generated request reached the end, with serials 0..n-1.
    expect(result.run.generated).toBe(records.length);
    expect(records.map((r) => r.serial).sort((a, b) => a - b)).toEqual(records.map((_, i) => i));
    expect(result.report.requests.arrived).toBe(records.length);
  });

  it("a rate schedule keeps its absolute times: a tenant starting at 60 s on a schedule that steps down at 60 s sends the later rate", () => {
    const rates = [
      { at: "0s", rate_per_s: 50 },
      { at: "60s", rate_per_s: 5 },
    ];
    const { arrivalsOf } = run([{ name: "late", model: "svc", arrival: { kind: "piecewise", rates }, start: "60s" }], 160);
    const arrivals = arrivalsOf(0);
    expect(arrivals[0]).toBeGreaterThanOrEqual(60);
    expect(Math.abs(arrivals.length - 500)).toBeLessThan(4 * Math.sqrt(500)); // 5/s for 100 s, not 50/s
  });

  it("stop combines with the run's end: arrivals end at the earlier of the two", () => {
    const { arrivalsOf } = run([{ name: "t", model: "svc", arrival: { kind: "constant", rate_per_s: 1 }, start: "10s", stop: "1h" }], 30);
    // Constant arrivals at 1, 2, ... s: those in [10, 30).
    expect(arrivalsOf(0)).toEqual(Array.from({ length: 20 }, (_, i) => 10 + i));
  });

  it("closed-loop users start at start (plus their ramp-up offset) and send nothing at or after stop", () => {
    const arrival = { kind: "closed_loop", concurrency: 3, ramp_up: "3s", think_time: { dist: "fixed", value: 1 } };
    const { arrivalsOf } = run([{ name: "users", model: "svc", arrival, start: "30s", stop: "40s" }]);
    // User u sends at 30 + u s, then every 1.5 s (0.5 s of service, 1 s of thought) while before 40 s: 7 + 6 + 6 requests.
    const expected = [0, 1, 2].flatMap((u) => Array.from({ length: 7 }, (_, k) => 30 + u + 1.5 * k).filter((t) => t < 40)).sort((a, b) => a - b);
    expect(arrivalsOf(0)).toEqual(expected);
  });

  it("a tenant that starts after the run ends sends nothing", () => {
    const { records, result } = run([{ name: "never", model: "svc", arrival: { kind: "poisson", rate_per_s: 1000 }, start: "1d" }], 10);
    expect(records).toEqual([]);
    expect(result.run.generated).toBe(0);
  });
});
