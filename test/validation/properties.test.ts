/**
 * Property tests over random valid scenarios (fast-check): each run must finish without an error,
 * with every in-run check on (`debugChecks`: KV blocks, GPU slots, desired within bounds, no GPU held
 * twice, legal request and replica moves), and its report, time series and requests must satisfy the
 * invariants of src/INVARIANTS.md (test/support/invariants.ts): no NaN, infinity or negative time,
 * every request accounted for, causality, exact counts and means, tokens counted once, residency,
 * energy, money and GPU-hours adding up. Every fifth scenario is run twice and must give the same
 * bytes; every fourth is run again with ties shuffled (`shuffleTies`), which must keep every invariant
 * (and, every eighth, reproduce); every tenth is run again with one more tenant, whose arrival must
 * leave the first tenant's arrivals and lengths untouched.
 *
 * Reproducible: fast-check's seed is fixed (FLEETSIM_PROPERTY_SEED overrides it; FLEETSIM_PROPERTY_RUNS
 * the number of scenarios; FLEETSIM_PROPERTY_COVERAGE=1 prints how often each kind ran), and a failure
 * prints the seed, the shrunk blueprint and the scenario as JSON.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulate, type RequestRecord, type Result, type ScenarioInput } from "../../src/index.js";
import { timeSeriesCsv } from "../../src/report/csv.js";
import { summaryMarkdown } from "../../src/report/markdown.js";
import { OUTCOMES } from "../../src/requests/outcomes.js";
import { ArrivalSchema, EngineSchema, RouterKinds } from "../../src/scenario/schema.js";
import { FaultSchema } from "../../src/scenario/schema/faults.js";
import { AutoscalerSchema, RolloutSchema } from "../../src/scenario/schema/scaling.js";
import { timeDistribution, tokenDistribution } from "../../src/scenario/fields.js";
import { checkLittlesLaw, checkRun, recording } from "../support/invariants.js";
import { buildScenario, scenarioBlueprint, writeDataFiles, type ScenarioBlueprint } from "../support/random-scenario.js";

const SEED = Number(process.env.FLEETSIM_PROPERTY_SEED ?? 20_240_613);
const RUNS = Number(process.env.FLEETSIM_PROPERTY_RUNS ?? 200);

const dataDir = mkdtempSync(join(tmpdir(), "fleetsim-props-"));
writeDataFiles(dataDir);

/** The files a user would get, as bytes (report.html is left out: it is drawn from these two, and slow). */
const reportBytes = (r: Result) => [JSON.stringify(r.report, null, 2), summaryMarkdown(r.report), timeSeriesCsv(r.timeseries)].join("\n\u0000\n");

/** What the run exercised, to show the generator covers each kind at least once over the runs. */
class Coverage {
  readonly seen = new Map<string, number>();
  note(feature: string, when = true): void {
    if (when) this.seen.set(feature, (this.seen.get(feature) ?? 0) + 1);
  }
  missing(features: readonly string[]): string[] {
    return features.filter((f) => !this.seen.has(f));
  }
}

function noteScenario(coverage: Coverage, s: ScenarioInput, result: Result): void {
  const scenario = result.run.scenario;
  coverage.note(`regions:${scenario.regions ? "explicit" : "implicit"}`);
  for (const m of scenario.models) {
    coverage.note(`engine:${m.engine.kind}`);
    coverage.note(`router:${m.router.kind}`);
    if (m.autoscaler) coverage.note(`autoscaler:${m.autoscaler.kind}`);
    if (m.rollout) coverage.note(`rollout:${m.rollout.strategy}`);
    if (m.engine.kind === "queue") coverage.note(`service_time:${m.engine.service_time.dist}`);
  }
  for (const t of scenario.workload.tenants) {
    coverage.note(`arrival:${t.arrival.kind}`);
    if (t.input_tokens) coverage.note(`input_tokens:${t.input_tokens.dist}`);
    coverage.note("retries", t.retries !== undefined || t.retry !== undefined);
    coverage.note("residency", t.routing.allowed_regions !== undefined);
    coverage.note(`routing:${t.routing.mode}`);
  }
  for (const f of scenario.faults) coverage.note(`fault:${f.kind}`);
  coverage.note("gateway:overhead", JSON.stringify(s.gateway?.overhead ?? 0) !== "0");
  coverage.note("gateway:rate_limits", scenario.gateway.rate_limits !== undefined);
  coverage.note("gateway:quotas", Object.keys(scenario.gateway.quotas).length > 0);
  coverage.note("gateway:waf", scenario.gateway.waf !== undefined);
  const r = result.report;
  for (const o of OUTCOMES) coverage.note(`outcome:${o.key}`, (r.requests[o.key] ?? 0) > 0);
  coverage.note("preemptions", Object.values(r.by_model).some((m) => m.replicas_detail.some((d) => d.preemptions > 0)));
  coverage.note("prefix_cache_hits", Object.values(r.by_model).some((m) => m.replicas_detail.some((d) => d.prefix_cache_hits > 0)));
  coverage.note("speculative_steps", Object.values(r.by_model).some((m) => (m.speculative_decoding?.steps ?? 0) > 0));
  coverage.note("kv_transfers", Object.values(r.by_model).some((m) => (m.kv_transfer?.count ?? 0) > 0));
  coverage.note("offload_host_hits", Object.values(r.by_model).some((m) => (m.prefix_cache_hits_by_tier?.host ?? 0) > 0));
  coverage.note("scale_outs", Object.values(r.scaling).some((regions) => Object.values(regions).some((x) => x.scale_outs > 0)));
  coverage.note("by_tier", r.by_tier !== undefined);
  coverage.note("billed_cache_reads", Object.values(r.by_model).some((m) => (m.prompt_cache?.read_tokens ?? 0) > 0));
  coverage.note("reserved_answers", Object.values(r.reserved ?? {}).some((x) => x.answered_reserved > 0));
  coverage.note("model_limit_throttles", (r.gateway.throttled_attempts.by_limit.model_tokens_per_min ?? 0) + (r.gateway.throttled_attempts.by_limit.model_requests_per_min ?? 0) > 0);
  coverage.note("cold_starts", Object.values(r.by_model).some((m) => (m.cold_starts?.count ?? 0) > 0));
  coverage.note("pool_scale_outs", Object.values(r.scaling).some((regions) => Object.values(regions).some((x) => (x.pools?.prefill.scale_outs ?? 0) + (x.pools?.decode.scale_outs ?? 0) > 0)));
  coverage.note("scale_ins", Object.values(r.scaling).some((regions) => Object.values(regions).some((x) => x.scale_ins > 0)));
  coverage.note("rolled_back", Object.values(r.rollouts).some((regions) => Object.values(regions).some((x) => x.outcome === "rolled_back")));
  coverage.note("rollout_completed", Object.values(r.rollouts).some((regions) => Object.values(regions).some((x) => x.outcome === "completed")));
}

/** The values of a discriminated union's tag: what the schema offers, so a kind added there fails this test until the generator draws it. */
const kindsOf = (union: { options: readonly { shape: Record<string, unknown> }[] }, tag = "kind") =>
  union.options.map((option) => (option.shape[tag] as { value: string }).value);

const EXPECTED_COVERAGE = [
  "regions:explicit",
  "regions:implicit",
  ...kindsOf(EngineSchema).map((k) => `engine:${k}`),
  ...RouterKinds.map((k) => `router:${k}`),
  ...kindsOf(AutoscalerSchema).map((k) => `autoscaler:${k}`),
  ...RolloutSchema.shape.strategy.options.map((k) => `rollout:${k}`),
  ...kindsOf(ArrivalSchema).map((k) => `arrival:${k}`),
  ...kindsOf(tokenDistribution(""), "dist").map((k) => `input_tokens:${k}`),
  ...kindsOf(timeDistribution(""), "dist").map((k) => `service_time:${k}`),
  ...kindsOf(FaultSchema).map((k) => `fault:${k}`),
  "gateway:overhead",
  "gateway:rate_limits",
  "gateway:quotas",
  "gateway:waf",
  "retries",
  "residency",
  "routing:weighted",
  "routing:least_loaded",
  ...OUTCOMES.map((o) => `outcome:${o.key}`),
  "preemptions",
  "prefix_cache_hits",
  "speculative_steps",
  "offload_host_hits",
  "kv_transfers",
  "scale_outs",
  "scale_ins",
  "pool_scale_outs",
  "cold_starts",
  "by_tier",
  "billed_cache_reads",
  "reserved_answers",
  "model_limit_throttles",
  "rolled_back",
  "rollout_completed",
];


/** Tenant 0's arrivals and lengths, in time order. */
function firstTenantRequests(scenario: ScenarioInput): [number, number, number][] {
  const seen: [number, number, number][] = [];
  simulate(scenario, { baseDir: dataDir, onRequestEnd: (r: RequestRecord) => r.tenant === 0 && seen.push([r.arrival_s, r.input_tokens, r.output_tokens]) });
  return seen.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
}

function runProperty(bp: ScenarioBlueprint, coverage: Coverage): void {
  const scenario = buildScenario(bp);
  try {
    const { options, tally } = recording();
    const result = simulate(scenario, { ...options, baseDir: dataDir });
    checkRun(result, tally);
    // The cohort form has no edge effects: random short runs hold it as tightly as the examples.
    checkLittlesLaw(result.report, 0.02);
    noteScenario(coverage, scenario, result);

    if (bp.seed % 5 === 0) {
      // Determinism: a second run, without the per-request hook or the checks, gives the same bytes.
      expect(reportBytes(simulate(scenario, { baseDir: dataDir })), "same scenario and seed, same bytes").toBe(reportBytes(result));
      coverage.note("ran twice");
    }
    if (bp.seed % 4 === 2) {
      // Ties in a seeded random order: every invariant still holds, and the run still reproduces.
      const shuffled = recording({ shuffleTies: true });
      const once = simulate(scenario, { ...shuffled.options, baseDir: dataDir });
      checkRun(once, shuffled.tally);
      expect(once.report.run.shuffled_ties).toBe(true);
      if (bp.seed % 8 === 2) expect(reportBytes(simulate(scenario, { baseDir: dataDir, shuffleTies: true })), "shuffled ties, same bytes").toBe(reportBytes(once));
      coverage.note("shuffled ties");
    }
    const first = result.run.scenario.workload.tenants[0];
    if (bp.seed % 10 === 1 && first.arrival.kind !== "closed_loop") {
      // Stream independence: one more tenant leaves the first one's arrivals and lengths as they were.
      const extra = { name: "zz-extra", model: first.model, arrival: { kind: "poisson", rate_per_s: 0.5 } };
      const wider = { ...scenario, workload: { tenants: [...(scenario.workload?.tenants ?? []), extra] } } as ScenarioInput;
      expect(firstTenantRequests(wider), "tenant 0's requests with another tenant added").toEqual(firstTenantRequests(scenario));
      coverage.note("stream independence");
    }
  } catch (error) {
    const e = error as Error;
    e.message = `${e.message}\n\nscenario (JSON; data files from test/support/random-scenario.ts writeDataFiles):\n${JSON.stringify(scenario)}`;
    throw e;
  }
}

describe("random valid scenarios (fast-check)", () => {
  it(`${RUNS} scenarios run without error, satisfy every invariant and reproduce byte for byte (seed ${SEED})`, () => {
    const coverage = new Coverage();
    fc.assert(
      fc.property(scenarioBlueprint, (bp) => runProperty(bp, coverage)),
      // Shrinking re-runs simulations: give it a bounded time, then report what it has.
      { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: 300_000, markInterruptAsFailure: true },
    );
    if (process.env.FLEETSIM_PROPERTY_COVERAGE) console.log(Object.fromEntries([...coverage.seen].sort()));
    if (RUNS >= 200) expect(coverage.missing(EXPECTED_COVERAGE), "kinds no random scenario exercised").toEqual([]);
    expect(coverage.seen.get("ran twice") ?? 0).toBeGreaterThanOrEqual(RUNS / 10);
    expect(coverage.seen.get("stream independence") ?? 0).toBeGreaterThanOrEqual(RUNS / 40);
    expect(coverage.seen.get("shuffled ties") ?? 0).toBeGreaterThanOrEqual(RUNS / 8);
  }, 600_000);
});
