/** Same scenario + seed = same bytes; a different seed = different numbers; streams are independent. */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, simulate, type RequestRecord, type ScenarioInput } from "../../src/index.js";
import { runCli } from "../support/cli.js";

function twoTenantScenario(withSecond: boolean, seed = 5): ScenarioInput {
  return {
    version: 1,
    name: "determinism",
    seed,
    duration: 2000,
    models: [
      { name: "a", engine: { kind: "queue", concurrency: 2, service_time: { dist: "lognormal", mean: 0.5, cv: 2 } }, replicas: { initial: 3 }, router: { kind: "power_of_two" } },
      { name: "b", engine: { kind: "queue", service_time: { dist: "exponential", mean: 0.2 } }, replicas: { initial: 2 } },
    ],
    workload: {
      tenants: [
        { name: "first", model: "a", arrival: { kind: "gamma", rate_per_s: 4, cv: 2.5 } },
        ...(withSecond ? [{ name: "second", model: "a", arrival: { kind: "poisson" as const, rate_per_s: 3 } }] : []),
      ],
    },
  };
}

function requestsOf(scenario: ScenarioInput, tenant: number): RequestRecord[] {
  const records: RequestRecord[] = [];
  simulate(scenario, { onRequestEnd: (r) => r.tenant === tenant && records.push(r) });
  return records.sort((x, y) => x.serial - y.serial); // creation order
}

describe("determinism", () => {
  it("writes byte-identical reports for the same scenario and seed", () => {
    const dir = mkdtempSync(join(tmpdir(), "fleetsim-det-"));
    for (const out of ["one", "two"]) {
      const { code } = runCli(["run", "scenarios/mmc.yaml", "--set", "duration=3000s", "--out", join(dir, out), "--quiet"]);
      expect(code).toBe(0);
    }
    for (const file of ["report.json", "timeseries.csv", "summary.md", "report.html"]) {
      expect(readFileSync(join(dir, "two", file)).equals(readFileSync(join(dir, "one", file))), file).toBe(true);
    }
  });

  it("stays byte-identical with regions, failures, outages and retries", () => {
    const run = () => JSON.stringify(simulate(loadScenarioFile("scenarios/az-outage-3az.yaml", { sets: ["duration=3h", "faults[1]={kind: server_failures, mtbf: 2h, mttr: 30m}"] })).report);
    const first = run();
    expect(JSON.parse(first).events.length).toBeGreaterThan(2);
    expect(run()).toBe(first);
  });

  it.each(["retry-storm.yaml", "noisy-neighbour.yaml", "residency-outage.yaml"])(
    "stays byte-identical through the gateway, backoffs, attempt timeouts and regional routing (%s)",
    (file) => {
      const run = () => JSON.stringify(simulate(loadScenarioFile(`scenarios/${file}`)).report);
      expect(run()).toBe(run());
    },
  );

  it("gives the same report object for the same seed, and different numbers for another seed", () => {
    const a = JSON.stringify(simulate(twoTenantScenario(true)).report);
    expect(JSON.stringify(simulate(twoTenantScenario(true)).report)).toBe(a);
    const other = simulate(twoTenantScenario(true, 6)).report;
    expect(JSON.stringify(other)).not.toBe(a);
    expect(other.latency.e2e_s.mean).not.toBe(JSON.parse(a).latency.e2e_s.mean);
  });

  it("leaves the first tenant's arrival times and token lengths unchanged when a second tenant is added", () => {
    const alone = requestsOf(twoTenantScenario(false), 0);
    const together = requestsOf(twoTenantScenario(true), 0);
    expect(alone.length).toBeGreaterThan(7000);
    expect(together.map((r) => r.arrival_s)).toEqual(alone.map((r) => r.arrival_s));
    expect(together.map((r) => r.input_tokens)).toEqual(alone.map((r) => r.input_tokens));
    // ...while its latencies do change, because it now shares the replicas.
    expect(together.map((r) => r.e2e_s)).not.toEqual(alone.map((r) => r.e2e_s));
  });
});
