/** Every request ends in exactly one outcome, and the report's counts add up. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { simulate, type ScenarioInput } from "../../src/index.js";
import { runCli } from "../support/cli.js";
import { overloaded } from "../support/scenarios.js";
import { RandomStreams } from "../../src/engine/index.js";
import { DataFiles } from "../../src/workload/datafiles.js";
import { makeSampler } from "../../src/workload/distributions.js";


describe("request outcomes", () => {
  it("adds up: arrived = completed + rejected + timed out + in flight, per tenant and in total", () => {
    const report = simulate(overloaded()).report;
    const r = report.requests;
    expect(r.rejected).toBeGreaterThan(100);
    expect(r.timed_out).toBeGreaterThan(10);
    expect(r.completed + r.throttled + r.rejected + r.failed + r.timed_out + r.in_flight_at_end).toBe(r.arrived);
    const t = report.by_tenant.t.requests;
    expect(t).toEqual(r);
    expect(report.latency.e2e_s.count).toBe(r.completed);
    expect(report.latency.e2e_s.max!).toBeLessThanOrEqual(3);
  });

  it("times out exactly the requests an independent FIFO recurrence says", () => {
    // One slot, Poisson arrivals, exponential service, 2 s client timeout. For a FIFO single server
    // the outcome of request k follows from the time F the server frees up (all in whole microseconds):
    //   start = max(arrival, F); if start >= arrival + T it gave up while queued (F unchanged);
    //   else if start + S > arrival + T it gave up in service (F = arrival + T); else ok (F = start + S).
    // S is regenerated from the model's named service-time stream, drawn once per request in arrival order.
    const T = 2_000_000;
    const scenario: ScenarioInput = {
      version: 1,
      name: "timeouts",
      seed: 9,
      duration: 2000,
      models: [{ name: "svc", engine: { kind: "queue", service_time: { dist: "exponential", mean: 0.8 } }, router: { kind: "central_queue" } }],
      workload: { tenants: [{ name: "t", model: "svc", arrival: { kind: "poisson", rate_per_s: 1 }, timeout: 2 }] },
    };
    const records: { arrivalUs: number; ok: boolean; e2eUs: number }[] = [];
    simulate(scenario, { onRequestEnd: (r) => records.push({ arrivalUs: Math.round(r.arrival_s * 1e6), ok: r.outcome === 0, e2eUs: Math.round(r.e2e_s * 1e6) }) });
    records.sort((a, b) => a.arrivalUs - b.arrivalUs);

    const service = makeSampler({ dist: "exponential", mean: 0.8 }, new RandomStreams(9).get("models/svc/service_time"), new DataFiles("."));
    let free = 0;
    const expected = records.map(({ arrivalUs }) => {
      const S = Math.round(service() * 1e6);
      const start = Math.max(arrivalUs, free);
      if (start >= arrivalUs + T) return { ok: false, e2eUs: NaN };
      if (start + S > arrivalUs + T) {
        free = arrivalUs + T;
        return { ok: false, e2eUs: NaN };
      }
      free = start + S;
      return { ok: true, e2eUs: start + S - arrivalUs };
    });
    expect(records.map((r) => r.ok)).toEqual(expected.map((e) => e.ok));
    expect(records.filter((r) => r.ok).map((r) => r.e2eUs)).toEqual(expected.filter((e) => e.ok).map((e) => e.e2eUs));
    const timedOut = records.filter((r) => !r.ok).length;
    expect(timedOut).toBeGreaterThan(100);
    expect(records.length - timedOut).toBeGreaterThan(1000);
  });

  it("counts what is still running at the drain limit as in flight", () => {
    const report = simulate(overloaded({ drain: 0 })).report;
    expect(report.requests.in_flight_at_end).toBeGreaterThan(0);
    const r = report.requests;
    expect(r.completed + r.rejected + r.timed_out + r.in_flight_at_end).toBe(r.arrived);
  });
});

describe("report files", () => {
  it("leaves an existing report untouched when a run fails, and replaces it whole when one succeeds", () => {
    const dir = mkdtempSync(join(tmpdir(), "fleetsim-atomic-"));
    const out = join(dir, "out");
    mkdirSync(out);
    writeFileSync(join(out, "report.json"), "previous");
    writeFileSync(join(dir, "bad.yaml"), "version: 1\nname: x\nduration: nope\n");
    expect(runCli(["run", join(dir, "bad.yaml"), "--out", out]).code).toBe(2);
    expect(readFileSync(join(out, "report.json"), "utf8")).toBe("previous");

    const ok = runCli(["run", "scenarios/mmc.yaml", "--set", "duration=500s", "--set", "warmup=0", "--set", "report.requests_csv=true", "--out", out, "--quiet"]);
    expect(ok.code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report.scenario.name).toBe("mmc-validation");
    expect(readdirSync(out).sort()).toEqual(["report.html", "report.json", "requests.csv", "summary.md", "timeseries.csv"]);
    const rows = readFileSync(join(out, "requests.csv"), "utf8").trim().split("\n");
    expect(rows.length - 1).toBe(report.requests.arrived);
    expect(existsSync(join(out, "report.json.tmp"))).toBe(false);
  });
});
