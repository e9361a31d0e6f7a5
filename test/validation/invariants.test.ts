/** The invariants of src/INVARIANTS.md, checked on every example scenario. */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, simulate, type Report } from "../../src/index.js";
import { REPO_ROOT } from "../support/cli.js";

const SCENARIOS = readdirSync(join(REPO_ROOT, "scenarios")).filter((f) => f.endsWith(".yaml"));
/** Long scenarios are cut to this much simulated time to keep the suite fast; the checks do not depend on length. */
const MAX_DURATION_S = 4 * 3600;
/** Scenarios too busy for even that (bedrock-day: about 10 M requests a day, a minute or more per 4 hours): their cut. */
const MAX_DURATION_S_OF: Record<string, number> = { "bedrock-day.yaml": 20 * 60 };

type Counts = Report["requests"];
/** Every outcome report.json counts, listed by hand so that a key missing from the report fails the test. */
const outcomesSum = (r: Counts) =>
  r.completed + r.invalid + r.unauthorized + r.blocked + r.throttled + r.rejected + r.failed + r.timed_out + r.in_flight_at_end;

describe.each(SCENARIOS)("invariants of scenarios/%s", (file) => {
  const path = join(REPO_ROOT, "scenarios", file);
  const probe = loadScenarioFile(path);
  const sets: string[] = [];
  const maxS = MAX_DURATION_S_OF[file] ?? MAX_DURATION_S;
  if (probe.scenario.duration > maxS) {
    // Cut to the limit, with what must fit inside the run cut too: the warm-up, a predictive autoscaler's
    // season, and an outage (moved to the middle of the cut run, so the checks still see one).
    sets.push(`duration=${maxS}`);
    if (probe.scenario.warmup >= maxS / 2) sets.push("warmup=0");
    probe.scenario.models.forEach((m, i) => {
      if (m.autoscaler?.kind === "predictive" && m.autoscaler.season >= maxS) sets.push(`models[${i}].autoscaler.season=${maxS / 4}`);
    });
    probe.scenario.faults.forEach((f, i) => {
      if ("at" in f && f.at >= maxS) sets.push(`faults[${i}].at=${maxS / 2}`, `faults[${i}].duration=${Math.min(f.duration, maxS / 4)}`);
    });
  }
  const causalityViolations: string[] = [];
  const result = simulate(loadScenarioFile(path, { sets }), {
    onRequestEnd: (r) => {
      if (r.outcome !== 0) return;
      if (!(r.queue_s >= 0 && r.queue_s <= r.ttft_s + 1e-9 && r.ttft_s <= r.e2e_s + 1e-9)) {
        causalityViolations.push(`request ${r.serial}: queue ${r.queue_s}, ttft ${r.ttft_s}, e2e ${r.e2e_s}`);
      }
    },
  });
  const report = result.report;

  it("conserves requests: outcomes add up to arrivals, per group and in total", () => {
    expect(report.requests.arrived).toBeGreaterThan(0);
    expect(outcomesSum(report.requests)).toBe(report.requests.arrived);
    for (const groups of [report.by_tenant, report.by_model, report.by_region]) {
      let arrived = 0;
      for (const g of Object.values(groups)) {
        expect(outcomesSum(g.requests)).toBe(g.requests.arrived);
        arrived += g.requests.arrived;
      }
      expect(arrived).toBe(report.requests.arrived);
    }
    expect(report.run.requests_generated).toBe(report.requests.arrived + report.run.warmup_requests_excluded);
  });

  it("makes at least one attempt per request, in every group", () => {
    for (const g of [report, ...Object.values(report.by_tenant), ...Object.values(report.by_region)]) {
      expect(g.requests.attempts).toBeGreaterThanOrEqual(g.requests.arrived);
    }
  });

  it("keeps every request causal: queue <= TTFT <= E2E", () => {
    expect(causalityViolations.slice(0, 5)).toEqual([]);
  });

  it("counts exactly the completed requests in the end-to-end distribution", () => {
    expect(report.latency.e2e_s.count).toBe(report.requests.completed);
    expect(report.latency.ttft_s.count).toBe(report.requests.completed);
  });

  it("satisfies Little's law within 5 %", () => {
    const L = report.occupancy.mean_in_system;
    const lambdaW = report.throughput.requests_per_s * report.latency.e2e_s.mean!;
    // Timed-out and rejected requests also spend time in the system; count their share only when there are none.
    if (report.requests.completed === report.requests.arrived) expect(Math.abs(L / lambdaW - 1)).toBeLessThan(0.05);
    else expect(L).toBeGreaterThan(0);
  });
});
