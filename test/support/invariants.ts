/**
 * The invariants of src/INVARIANTS.md as checks on a finished run: its report, its time series and
 * the record of every request (`onRequestEnd`). Used on the example scenarios
 * (test/validation/invariants.test.ts) and on random ones (test/validation/properties.test.ts).
 * Each check throws (vitest's expect) with what broke; the numbers in the comments are INVARIANTS.md's.
 *
 * The invariants a report cannot show (KV blocks, GPU slots, desired within bounds, a GPU held twice,
 * legal request and replica transitions) are asserted inside the run: run with `debugChecks`.
 */
import { expect } from "vitest";
import type { Report, RequestRecord, Result, SimulationOptions } from "../../src/index.js";
import { OUTCOMES } from "../../src/requests/outcomes.js";

type Counts = Report["requests"];
type Group = { requests: Counts; latency: Report["latency"] };

/** Every outcome report.json counts, listed by hand so that a key missing from the report fails the test. */
export const outcomesSum = (r: Counts) =>
  r.completed + r.invalid + r.unauthorized + r.blocked + r.throttled + r.rejected + r.failed + r.timed_out + r.in_flight_at_end + (r.expired ?? 0);

/** Sums of report numbers are of values rounded to 10 significant digits: compare them to that. */
function near(actual: number, expected: number, what: string, scale = Math.max(Math.abs(actual), Math.abs(expected))): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-8 * scale + 1e-9);
}

const sum = (values: Iterable<number>) => {
  let total = 0;
  for (const v of values) total += v;
  return total;
};

/**
 * What the checks need from each request as it ends, gathered on the fly (a long run ends millions):
 * counts by outcome, causality and residency breaches, exact sums and maxima, tokens per model.
 */
export class RequestTally {
  /** requests that ended, by measured (1) or not (0), by outcome */
  readonly ended = [new Array<number>(OUTCOMES.length).fill(0), new Array<number>(OUTCOMES.length).fill(0)];
  readonly serials = new Set<number>();
  /** first few requests that broke causality */
  readonly broken: string[] = [];
  /** "tenant/region" of every completed request */
  readonly servedIn = new Set<string>();
  readonly okSum = { e2e_s: 0, ttft_s: 0 };
  readonly okMax = { e2e_s: -Infinity, ttft_s: -Infinity };
  /** per model: gaps between tokens (output - 1) of measured completed requests */
  readonly gaps: number[] = [];
  /** per model: (first token, end, output tokens) of every completed request, warm-up ones too */
  readonly answered: number[][] = [];
  /** requests (warm-up ones too) that ended in a server error */
  serverErrors = 0;
  firstArrivalS = Infinity;
  lastArrivalS = -Infinity;

  add(r: RequestRecord): void {
    this.ended[r.measured ? 1 : 0][r.outcome]++;
    this.serials.add(r.serial);
    this.firstArrivalS = Math.min(this.firstArrivalS, r.arrival_s);
    this.lastArrivalS = Math.max(this.lastArrivalS, r.arrival_s);
    if (OUTCOMES[r.outcome].serverError) this.serverErrors++;
    const started = !Number.isNaN(r.queue_s);
    if (started && !(r.queue_s >= 0)) this.breach(`request ${r.serial}: queue ${r.queue_s}`);
    if (r.outcome !== 0) {
      if (!Number.isNaN(r.e2e_s)) this.breach(`request ${r.serial}: outcome ${OUTCOMES[r.outcome].key} with an e2e ${r.e2e_s}`);
      return;
    }
    // Time queued (all attempts, a preempted sequence's wait to resume included) is part of the time in the system.
    if (!(started && r.queue_s <= r.e2e_s + 1e-9 && r.first_token_at_s <= r.end_at_s && r.ttft_s <= r.e2e_s + 1e-9 && Number.isFinite(r.e2e_s))) {
      this.breach(`request ${r.serial}: queue ${r.queue_s}, ttft ${r.ttft_s}, e2e ${r.e2e_s}`);
    }
    this.servedIn.add(`${r.tenant}/${r.region}`);
    (this.answered[r.model] ??= []).push(r.first_token_at_s, r.end_at_s, r.output_tokens);
    if (!r.measured) return;
    for (const metric of ["e2e_s", "ttft_s"] as const) {
      this.okSum[metric] += r[metric];
      this.okMax[metric] = Math.max(this.okMax[metric], r[metric]);
    }
    this.gaps[r.model] = (this.gaps[r.model] ?? 0) + Math.max(0, r.output_tokens - 1);
  }

  get generated(): number {
    return sum(this.ended[0]) + sum(this.ended[1]);
  }

  private breach(text: string): void {
    if (this.broken.length < 5) this.broken.push(text);
  }
}

/** Options for simulate() that tally every request and run the in-run checks (`debugChecks`). */
export function recording(extra: SimulationOptions = {}): { options: SimulationOptions; tally: RequestTally } {
  const tally = new RequestTally();
  return { options: { debugChecks: true, ...extra, onRequestEnd: (r) => tally.add(r) }, tally };
}

function groupsOf(report: Report): [string, Group][] {
  return [
    ["(all)", report],
    ...Object.entries(report.by_tenant).map(([k, g]): [string, Group] => [`by_tenant.${k}`, g]),
    ...Object.entries(report.by_model).map(([k, g]): [string, Group] => [`by_model.${k}`, g]),
    ...Object.entries(report.by_region).map(([k, g]): [string, Group] => [`by_region.${k}`, g]),
  ];
}

/**
 * Keys whose values may be negative: a loss is a negative margin, and a rollout that released the old
 * fleet early took server-hours off the bill. Everything else is a time, a count, a rate, energy or money spent.
 */
const MAY_BE_NEGATIVE = /^(margin\.gross_(usd|pct)|by_model\.[^.]+\.cold_starts\.gpu_hours_saved|rollouts\.[^.]+\.[^.]+\.extra_(gpu_hours|cost_usd))$/;

/** No NaN or infinity anywhere in report.json or the time series, and no negative time, count, rate, energy or cost. */
export function checkNumbers(result: Result): void {
  const bad: string[] = [];
  const visit = (value: unknown, path: string) => {
    if (typeof value === "number") {
      if (!Number.isFinite(value)) bad.push(`${path} = ${value}`);
      else if (value < 0 && !MAY_BE_NEGATIVE.test(path)) bad.push(`${path} = ${value} < 0`);
    } else if (Array.isArray(value)) value.forEach((v) => visit(v, `${path}[]`));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) visit(v, path ? `${path}.${k}` : k);
  };
  visit(result.report, "");
  result.timeseries.forEach((row, i) => {
    for (const [column, value] of Object.entries(row)) {
      if (value !== null && typeof value === "number" && !(Number.isFinite(value) && value >= 0)) bad.push(`timeseries row ${i} ${column} = ${value}`);
    }
  });
  expect(bad.slice(0, 10), "numbers that are NaN, infinite or negative").toEqual([]);
}

/** 4: outcomes add up to arrivals in total and per tenant, model and region; each grouping adds up to the total; at least one attempt each. */
export function checkConservation(report: Report): void {
  expect(outcomesSum(report.requests), "outcomes = arrived").toBe(report.requests.arrived);
  for (const groups of [report.by_tenant, report.by_model, report.by_region]) {
    for (const [name, g] of Object.entries(groups)) expect(outcomesSum(g.requests), `${name}: outcomes = arrived`).toBe(g.requests.arrived);
    for (const key of ["arrived", ...OUTCOMES.map((o) => o.key), "attempts"] as const) {
      // `expired` is reported only where tenants run batch jobs: absent counts as 0 everywhere.
      expect(sum(Object.values(groups).map((g) => g.requests[key] ?? 0)), `groups' ${key} add up`).toBe(report.requests[key] ?? 0);
    }
  }
  for (const [name, g] of groupsOf(report)) expect(g.requests.attempts, `${name}: attempts >= arrived`).toBeGreaterThanOrEqual(g.requests.arrived);
  expect(report.run.requests_generated, "generated = arrived + warm-up").toBe(report.requests.arrived + report.run.warmup_requests_excluded);
}

/** 6: each latency distribution counts exactly the requests it describes; quantiles are ordered and within the exact maximum. */
export function checkDistributions(report: Report): void {
  for (const [name, g] of groupsOf(report)) {
    const { completed, arrived } = g.requests;
    expect(g.latency.e2e_s.count, `${name}: e2e count = completed`).toBe(completed);
    expect(g.latency.ttft_s.count, `${name}: ttft count = completed`).toBe(completed);
    expect(g.latency.tpot_s.count, `${name}: tpot count <= completed`).toBeLessThanOrEqual(completed);
    // Every completed request started service; a request that started may still have failed.
    expect(g.latency.queue_s.count, `${name}: queue count`).toBeGreaterThanOrEqual(completed);
    expect(g.latency.queue_s.count, `${name}: queue count`).toBeLessThanOrEqual(arrived);
    for (const [metric, d] of Object.entries(g.latency)) {
      if (d.count === 0) {
        expect(d.mean, `${name} ${metric}: no values, no mean`).toBeNull();
        continue;
      }
      const quantiles = [d.p50!, d.p90!, d.p95!, d.p99!, d.p999!, d.max!];
      for (let i = 1; i < quantiles.length; i++) expect(quantiles[i], `${name} ${metric}: quantiles in order`).toBeGreaterThanOrEqual(quantiles[i - 1]);
      expect(d.mean!, `${name} ${metric}: mean <= max`).toBeLessThanOrEqual(d.max! * (1 + 1e-9));
    }
  }
}

/**
 * 7: Little's law, L = lambda W, in the cohort form that holds however overloaded the run: L is the
 * window's requests in the system (or queued), integrated over the whole run, drain included, over the
 * window's length (`occupancy.window_requests`, from the recorder's levels); lambda = arrived / window;
 * W their mean time in the system (end-to-end less the network round trip the occupancy does not
 * see) or queued (`queue_s`, from the request table's state times). Two sources, so the check is real;
 * they agree to `relativeTolerance` (the report's rounding). Exact only when every request completed
 * (the others' time in the system has no latency entry): otherwise L is at least the completed ones' share.
 */
export function checkLittlesLaw(report: Report, relativeTolerance = 0.02): void {
  const { arrived, completed } = report.requests;
  const cohort = report.occupancy.window_requests;
  if (completed === 0) return;
  const perS = completed / report.run.window_s;
  const inSystem = perS * (report.latency.e2e_s.mean! - report.latency.network_s.mean!);
  const queued = perS * report.latency.queue_s.mean!;
  if (completed === arrived) {
    expect(Math.abs(cohort.mean_in_system - inSystem), `Little's law: L ${cohort.mean_in_system} vs lambda W ${inSystem}`).toBeLessThanOrEqual(relativeTolerance * inSystem + 1e-9);
    expect(Math.abs(cohort.mean_queued - queued), `Little's law, queue: Lq ${cohort.mean_queued} vs lambda Wq ${queued}`).toBeLessThanOrEqual(relativeTolerance * queued + 1e-9);
  } else {
    expect(cohort.mean_in_system, "Little's law: L >= the completed requests' share").toBeGreaterThanOrEqual(inSystem * (1 - 1e-6));
    expect(cohort.mean_queued, "Little's law, queue: Lq >= the completed requests' share").toBeGreaterThanOrEqual(queued * (1 - 1e-6));
  }
}

/**
 * 4, 5, 6, 14 from the requests themselves: the measured ones are exactly those counted, outcome by
 * outcome, and every generated request ended once; every request is causal (arrival <= service start
 * <= first token <= last token); the exact means and maxima are those of the requests; no request is
 * served in a region its tenant's residency leaves out.
 */
export function checkRequests(result: Result, tally: RequestTally): void {
  const { report, run } = result;
  OUTCOMES.forEach((o, i) => expect(tally.ended[1][i], `measured requests ending ${o.key}`).toBe(report.requests[o.key] ?? 0));
  expect(tally.generated, "every generated request ended").toBe(report.run.requests_generated);
  expect(tally.serials.size, "each request ended once").toBe(tally.generated);
  if (tally.generated > 0) {
    expect(tally.firstArrivalS, "first arrival").toBeGreaterThanOrEqual(0);
    expect(tally.lastArrivalS, "last arrival").toBeLessThanOrEqual(run.scenario.duration);
  }
  expect(tally.broken, "causality").toEqual([]);

  const regions = run.topology.regions.map((r) => r.name);
  const outside: string[] = [];
  for (const pair of tally.servedIn) {
    const [tenant, region] = pair.split("/").map(Number);
    const allowed = run.scenario.workload.tenants[tenant].routing.allowed_regions;
    if (allowed && !allowed.includes(regions[region])) outside.push(`${run.scenario.workload.tenants[tenant].name} served in ${regions[region]}`);
  }
  expect(outside, "residency").toEqual([]);

  const completed = report.requests.completed;
  if (completed > 0) {
    for (const metric of ["e2e_s", "ttft_s"] as const) {
      near(report.latency[metric].mean!, tally.okSum[metric] / completed, `${metric} mean`);
      near(report.latency[metric].max!, tally.okMax[metric], `${metric} max`);
    }
  }
}

/**
 * 9: tokens counted once. Every gap between two tokens of a measured request is counted once, so a
 * model's gaps are at least those of its completed requests (output tokens - 1 each), and exactly
 * those when no measured request lost tokens to an abandoned attempt or an unfinished one.
 */
export function checkTokens(result: Result, tally: RequestTally): void {
  const { report, run } = result;
  run.scenario.models.forEach((model, m) => {
    if (model.engine.kind !== "continuous_batching") return;
    const gaps = tally.gaps[m] ?? 0;
    const counted = report.by_model[model.name].latency.tbt_s.count;
    const g = report.by_model[model.name].requests;
    const draft = model.engine.speculative;
    if (draft) {
      // A speculative step is one gap however many tokens it emits (1 to k + 1).
      const whole = g.completed === g.arrived && g.attempts === g.arrived;
      expect(counted, `${model.name}: token gaps <= sum of (output - 1)`).toBeLessThanOrEqual(whole ? gaps : Infinity);
      expect(counted, `${model.name}: token gaps >= sum of (output - 1) / (k + 1)`).toBeGreaterThanOrEqual(Math.floor(gaps / (draft.draft_tokens + 1)));
    } else if (g.completed === g.arrived && g.attempts === g.arrived) expect(counted, `${model.name}: token gaps = sum of (output - 1)`).toBe(gaps);
    else expect(counted, `${model.name}: token gaps >= sum of (output - 1) of completed requests`).toBeGreaterThanOrEqual(gaps);
    // Output tokens in the window, placed as the report places them: the first at the first token, the
    // rest evenly up to the end.
    const { warmup, duration } = run.scenario;
    const answered = tally.answered[m] ?? [];
    let inWindow = 0;
    for (let i = 0; i < answered.length; i += 3) {
      const [first, end, output] = [answered[i], answered[i + 1], answered[i + 2]];
      if (first >= warmup && first <= duration) inWindow++;
      if (output > 1) inWindow += end > first ? ((output - 1) * Math.max(0, Math.min(end, duration) - Math.max(first, warmup))) / (end - first) : end >= warmup && end <= duration ? output - 1 : 0;
    }
    near(report.by_model[model.name].throughput.output_tokens_per_s * (duration - warmup), inWindow, `${model.name}: output tokens in the window`, Math.max(1, inWindow));
  });
}

/** 11: energy integrated per AZ adds up by region and in total; facility energy is IT energy times a PUE of at least 1. */
export function checkEnergy(report: Report): void {
  const e = report.energy;
  for (const key of ["it_kwh", "facility_kwh"] as const) {
    near(sum(Object.values(e.by_region).map((r) => r[key])), e[key], `energy.by_region ${key}`);
    near(sum(Object.values(e.by_az).map((a) => a[key])), e[key], `energy.by_az ${key}`);
  }
  near(sum(Object.values(e.by_region).map((r) => r.electricity_usd)), e.electricity_usd, "energy.by_region electricity_usd");
  expect(e.facility_kwh, "facility >= IT energy").toBeGreaterThanOrEqual(e.it_kwh * (1 - 1e-9));
  expect(e.peak_facility_kw, "facility peak >= IT peak").toBeGreaterThanOrEqual(e.peak_it_kw * (1 - 1e-9));
}

/** 12: cost items add up to the total (regions' shares plus the items no region owns); revenue adds up three ways; margin = revenue - cost. */
export function checkMoney(report: Report): void {
  const { cost, revenue, margin } = report;
  const items = cost.items as Record<string, number>;
  near(sum(Object.values(items)), cost.total_usd, "cost items");
  // Regions own their servers, electricity and SLA credits; other items and provider shares belong to none.
  const regional = new Set(["gpu_servers_on_demand", "gpu_servers_owned", "electricity", "sla_credits"]);
  const unowned = sum(Object.entries(items).filter(([k]) => !regional.has(k)).map(([, v]) => v));
  near(sum(Object.values(cost.by_region)) + unowned, cost.total_usd, "cost by region + unowned items", Math.max(1, cost.total_usd));
  for (const split of ["by_model", "by_region", "by_tenant"] as const) near(sum(Object.values(revenue[split])), revenue.total_usd, `revenue ${split}`);
  near(margin.gross_usd, revenue.total_usd - cost.total_usd, "margin = revenue - cost", Math.max(revenue.total_usd, cost.total_usd));
}

/**
 * 19 (and 10, 17 as the report sees them): GPU-hours paid = the sum over states; the states'
 * time averages times the paid period (the window, warm-up to duration) are those hours; no model holds
 * more GPU-hours than were paid; autoscalers ended within their bounds (a schedule's own bounds are
 * checked in the run).
 */
export function checkFleet(result: Result): void {
  const { report } = result;
  const hours = report.fleet.gpu_hours;
  near(sum(Object.values(hours.by_state)), hours.paid, "GPU-hours by state = paid", Math.max(1, hours.paid));
  near(hours.not_serving, hours.paid - hours.by_state.serving, "not serving = paid - serving", Math.max(1, hours.paid));
  const paidPeriodH = report.run.window_s / 3600;
  for (const [state, mean] of Object.entries(report.fleet.gpu_states_mean)) {
    near(mean * paidPeriodH, hours.by_state[state as keyof typeof hours.by_state], `GPUs ${state}: mean x hours`, Math.max(1, hours.paid));
  }
  expect(sum(Object.values(hours.by_model)), "GPU-hours held by models <= paid").toBeLessThanOrEqual(hours.paid * (1 + 1e-8) + 1e-9);
  for (const [model, regions] of Object.entries(report.scaling)) {
    // A schedule puts its own bounds in force (debugChecks holds the count to those during the run).
    const scheduled = result.run.scenario.models.find((m) => m.name === model)?.autoscaler?.kind === "scheduled";
    for (const [region, s] of Object.entries(regions)) {
      if (!scheduled) {
        expect(s.desired_at_end, `${model}/${region}: desired >= min`).toBeGreaterThanOrEqual(s.min);
        expect(s.desired_at_end, `${model}/${region}: desired <= max`).toBeLessThanOrEqual(s.max);
      }
      expect(s.lead_time_s.count, `${model}/${region}: launched replicas that served <= launched`).toBeLessThanOrEqual(s.replicas_launched);
    }
  }
}

/**
 * 15: availability by API call. Uptime is a percentage and an error rate a share; when no attempt of
 * any request (warm-up ones included) ended in a server error, every uptime is 100 %: client errors
 * (400, 403, 429) never lower it. Without retries each request is one attempt, so the requests tell.
 */
export function checkAvailability(result: Result, tally: RequestTally): void {
  const a = result.report.availability;
  for (const [name, u] of [...Object.entries(a.by_region), ...Object.entries(a.by_tenant)]) {
    expect(u.uptime_pct, `${name}: uptime`).toBeLessThanOrEqual(100);
    expect(u.error_rate, `${name}: error rate`).toBeLessThanOrEqual(1);
  }
  const tenants = result.run.scenario.workload.tenants;
  const oneAttemptEach = tenants.every((t) => (t.retries ?? 0) === 0 && t.retry === undefined && t.attempt_timeout === undefined);
  if (oneAttemptEach && tally.serverErrors === 0) {
    for (const [name, u] of [...Object.entries(a.by_region), ...Object.entries(a.by_tenant)]) expect(u.uptime_pct, `${name}: uptime without server errors`).toBe(100);
  }
}

/** Every check that needs only the run: report-level conservation, distributions, numbers, tokens, energy, money and the fleet. */
export function checkRun(result: Result, tally: RequestTally): void {
  checkNumbers(result);
  checkConservation(result.report);
  checkDistributions(result.report);
  checkRequests(result, tally);
  checkTokens(result, tally);
  checkEnergy(result.report);
  checkMoney(result.report);
  checkFleet(result);
  checkAvailability(result, tally);
}
