/**
 * The invariants of src/INVARIANTS.md, checked on every example scenario (every scenarios/*.yaml,
 * so a new one is covered as soon as it lands), with the in-run checks on (`debugChecks`: KV blocks,
 * GPU slots, desired counts within bounds, no GPU held twice, legal request and replica moves).
 * The checks themselves are in test/support/invariants.ts, shared with the random-scenario property test.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, simulate, type Scenario } from "../../src/index.js";
import { REPO_ROOT } from "../support/cli.js";
import {
  checkAvailability,
  checkConservation,
  checkDistributions,
  checkEnergy,
  checkFleet,
  checkLittlesLaw,
  checkMoney,
  checkNumbers,
  checkRequests,
  checkTokens,
  recording,
} from "../support/invariants.js";

const SCENARIOS = readdirSync(join(REPO_ROOT, "scenarios")).filter((f) => f.endsWith(".yaml"));
/** Long scenarios are cut to this much simulated time to keep the suite fast; the checks do not depend on length. */
const MAX_DURATION_S = 4 * 3600;
/** Scenarios too busy even for the arrival cap with debugChecks on (bedrock-day: about 10 M requests a day): their cut. */
const MAX_DURATION_S_OF: Record<string, number> = { "bedrock-day.yaml": 20 * 60 };
/** ...and busy ones to about this many arrivals (of their rate-driven tenants), so a day of heavy traffic costs minutes, not hours. */
const MAX_ARRIVALS = 1_000_000;

/** Requests per second the scenario's tenants send on average, where their arrival process says (closed loops and traces do not). */
function meanArrivalRate(s: Scenario): number {
  let rate = 0;
  for (const t of s.workload.tenants) {
    const a = t.arrival;
    if (a.kind === "poisson" || a.kind === "constant" || a.kind === "gamma") rate += a.rate_per_s;
    else if (a.kind === "diurnal") rate += a.mean_rate_per_s;
    else if (a.kind === "piecewise") rate += Math.max(...a.rates.map((p) => p.rate_per_s));
  }
  return rate;
}

/**
 * `--set`s that cut a scenario to the limits, with what must fit inside the run cut too: the warm-up,
 * a predictive autoscaler's season, and outages and rollouts that would start after the new end
 * (moved to the same share of the shorter run).
 */
function shortened(s: Scenario, maxS: number): string[] {
  const rate = meanArrivalRate(s);
  const limitS = Math.min(maxS, rate > 0 ? Math.max(600, Math.floor(MAX_ARRIVALS / rate / 60) * 60) : Infinity);
  if (s.duration <= limitS) return [];
  const sets = [`duration=${limitS}`];
  if (s.warmup >= limitS / 2) sets.push("warmup=0");
  const scaled = (atS: number) => Math.floor((atS * limitS) / s.duration);
  s.models.forEach((m, i) => {
    if (m.autoscaler?.kind === "predictive" && m.autoscaler.season >= limitS) sets.push(`models[${i}].autoscaler.season=${limitS / 4}`);
    if (m.rollout && m.rollout.at >= limitS) sets.push(`models[${i}].rollout.at=${scaled(m.rollout.at)}`);
  });
  s.faults.forEach((f, i) => {
    if ((f.kind === "az_outage" || f.kind === "region_outage") && f.at >= limitS) sets.push(`faults[${i}].at=${scaled(f.at)}`);
  });
  return sets;
}

describe.each(SCENARIOS)("invariants of scenarios/%s", (file) => {
  const path = join(REPO_ROOT, "scenarios", file);
  const sets = shortened(loadScenarioFile(path).scenario, MAX_DURATION_S_OF[file] ?? MAX_DURATION_S);
  const { options, tally } = recording();
  // debugChecks (on in `recording`) throws inside the run on a broken KV, GPU-slot, bound or transition invariant.
  const result = simulate(loadScenarioFile(path, { sets }), options);
  const report = result.report;

  it("conserves requests: outcomes add up to arrivals, per group and in total, and each request makes an attempt", () => {
    expect(report.requests.arrived).toBeGreaterThan(0);
    checkConservation(report);
  });

  it("ends every request once, causally (queue <= E2E, TTFT <= E2E), inside its residency, as the report counts it", () => {
    checkRequests(result, tally);
  });

  it("counts exactly the requests each latency distribution describes, with ordered quantiles", () => {
    checkDistributions(report);
  });

  it("counts every token gap once", () => {
    checkTokens(result, tally);
  });

  it("writes no NaN, infinity or negative time, count, energy or cost", () => {
    checkNumbers(result);
  });

  it("adds up energy, money and GPU-hours, and keeps autoscalers within their bounds", () => {
    checkEnergy(report);
    checkMoney(report);
    checkFleet(result);
  });

  it("counts availability by API call: client errors never lower uptime", () => {
    checkAvailability(result, tally);
  });

  it("satisfies Little's law within 2 %, for the system and the queue alone, in the cohort form", () => {
    checkLittlesLaw(report, 0.02);
  });
});
