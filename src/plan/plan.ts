/**
 * `fleetsim plan`: the smallest value of one scenario field (replicas, servers per AZ, ...) for which
 * every threshold passes in every seed, found by bisection (search.ts), for the scenario as it is or
 * for each of several candidate configurations, and the cost at that value. The cheapest candidate
 * per million output tokens is the answer (Vidur's capacity search does the same across GPU, TP and
 * scheduler choices).
 *
 * Costs are over the measurement window (duration - warmup), the report's own basis:
 *   cost_usd                  report cost.total_usd, mean over the seeds
 *   cost_per_output_mtok_usd  sum of cost.total_usd / (sum of output tokens / 1e6), output tokens being
 *                             throughput.output_tokens_per_s x window seconds
 *   cost_per_mtok_usd         the same per million tokens in and out: report margin.cost_per_mtok_usd's basis
 */
import { simulate, type Report } from "../index.js";
import { loadScenarioFile, type LoadedScenario } from "../scenario/load.js";
import { ScenarioError, formatPath, parsePath, type PathSegment } from "../scenario/issues.js";
import type { ThresholdResult } from "../metrics/thresholds.js";
import { countThresholds } from "../metrics/thresholds.js";
import type { Candidate } from "./candidates.js";
import { smallestPassing, valueGrid, type GridSpec } from "./search.js";

export const PLAN_SCHEMA_VERSION = 1;

export interface PlanOptions {
  scenario: string;
  /** field path to vary, e.g. models[0].replicas.initial */
  vary: string;
  min: number;
  max: number;
  step?: number;
  /** seeds tried at each value: seed, seed + 1, ... (default 1) */
  seeds?: number;
  /** first seed (default: the scenario's) */
  seed?: number;
  sets?: readonly string[];
  /** configurations to compare; none: the scenario as it is */
  candidates?: readonly Candidate[];
  /** folders the scenario's data files may come from besides its own (`--data-dir`) */
  dataDirs?: readonly string[];
}

/** What one simulation gave. */
export interface TriedRun {
  /** the candidate's name; null without --candidates */
  candidate: string | null;
  value: number;
  seed: number;
  passed: boolean;
  /** report.json's thresholds: metric -> [{ expression, actual, ok }] */
  thresholds: Record<string, ThresholdResult[]>;
  cost_usd: number;
  /** tokens served in the window: throughput x (duration - warmup) */
  input_tokens: number;
  output_tokens: number;
  cost_per_output_mtok_usd: number | null;
  cost_per_mtok_usd: number | null;
  /** server types without a price: their servers cost nothing here, so the cost is too low */
  unpriced_server_types: string[];
}

/** The answer for one candidate (or the scenario as it is). */
export interface CandidateAnswer {
  candidate: string | null;
  /** the candidate's `set`, as written */
  set: Record<string, unknown>;
  /** the smallest passing value; null when even max fails */
  value: number | null;
  /** the largest value tried below it that failed (the answer is within one step of it); null when the answer is min */
  failed_below: number | null;
  /** at the answer, over its seeds (see the file header); null without an answer */
  cost_usd: number | null;
  cost_per_output_mtok_usd: number | null;
  cost_per_mtok_usd: number | null;
  unpriced_server_types: string[];
  /** without an answer: the thresholds that failed at max ("ttft: p(99) < 2s") */
  failing_at_max: string[];
  simulations: number;
}

export interface BestAnswer {
  /** with --candidates only */
  candidate?: string;
  path: string;
  value: number;
  cost_usd: number;
  cost_per_mtok_usd: number | null;
  cost_per_output_mtok_usd: number | null;
}

export interface PlanResult {
  schema_version: number;
  scenario: { file: string; name: string };
  vary: { path: string; min: number; max: number; step: number | null; integer: boolean; values: number };
  seeds: number[];
  sets: string[];
  best: BestAnswer | null;
  candidates: CandidateAnswer[];
  tried: TriedRun[];
}

/** Thrown for a plan that cannot be run as asked (an option, the field, a scenario without thresholds). */
export class PlanInputError extends Error {}

/** Hooks for progress: told about every simulation as it ends. */
export interface PlanProgress {
  onRun?(run: TriedRun, cached: boolean): void;
}

const BASELINE: Candidate = { name: "", set: {}, sets: [] };

function readPath(value: unknown, path: readonly PathSegment[]): unknown {
  let node = value;
  for (const segment of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function windowSeconds(report: Report): number {
  return report.scenario.duration_s - report.scenario.warmup_s;
}

function runOf(candidate: string | null, value: number, seed: number, report: Report): TriedRun {
  const windowS = windowSeconds(report);
  // The report gives rates rounded to 10 digits; times the window they are the counts to within a token.
  const inputTokens = Math.round(report.throughput.input_tokens_per_s * windowS);
  const outputTokens = Math.round(report.throughput.output_tokens_per_s * windowS);
  const tokens = inputTokens + outputTokens;
  const cost = report.cost.total_usd;
  return {
    candidate,
    value,
    seed,
    passed: report.thresholds_ok,
    thresholds: report.thresholds,
    cost_usd: cost,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cost_per_output_mtok_usd: outputTokens > 0 ? cost / (outputTokens / 1e6) : null,
    cost_per_mtok_usd: tokens > 0 ? cost / (tokens / 1e6) : null,
    unpriced_server_types: report.cost.unpriced_server_types,
  };
}

function failingThresholds(run: TriedRun): string[] {
  return Object.entries(run.thresholds).flatMap(([metric, results]) => results.filter((r) => !r.ok).map((r) => `${metric}: ${r.expression}`));
}

/** Costs at an answer, pooled over its seeds' runs. */
function costAt(runs: readonly TriedRun[]) {
  const cost = runs.reduce((s, r) => s + r.cost_usd, 0);
  const output = runs.reduce((s, r) => s + r.output_tokens, 0);
  const tokens = runs.reduce((s, r) => s + r.input_tokens + r.output_tokens, 0);
  return {
    cost_usd: cost / runs.length,
    cost_per_output_mtok_usd: output > 0 ? cost / (output / 1e6) : null,
    cost_per_mtok_usd: tokens > 0 ? cost / (tokens / 1e6) : null,
  };
}

/** Cheapest first: by cost per million output tokens, then cost; answers with every server priced before those without. */
function cheaper(a: CandidateAnswer, b: CandidateAnswer): number {
  const unpriced = Number(a.unpriced_server_types.length > 0) - Number(b.unpriced_server_types.length > 0);
  if (unpriced !== 0) return unpriced;
  const perToken = (a.cost_per_output_mtok_usd ?? Infinity) - (b.cost_per_output_mtok_usd ?? Infinity);
  if (perToken !== 0 && !Number.isNaN(perToken)) return perToken;
  return (a.cost_usd ?? Infinity) - (b.cost_usd ?? Infinity);
}

/** The grid for a candidate: by --step, or integers when the field (or, where the scenario does not give it, min and max) is an integer. */
function gridFor(options: PlanOptions, current: unknown): { values: number[]; integer: boolean } {
  const { min, max, step, vary } = options;
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new PlanInputError("--min and --max must be numbers");
  if (min > max) throw new PlanInputError(`--min ${min} is above --max ${max}`);
  if (step !== undefined) {
    if (!(step > 0)) throw new PlanInputError(`--step must be above 0, got ${step}`);
    return { values: gridOrRefuse({ min, max, step }), integer: false };
  }
  if (typeof current === "number" && !Number.isInteger(current)) {
    throw new PlanInputError(`${vary} is ${current} in the scenario, not an integer: give --step (the resolution to search to)`);
  }
  if (!Number.isInteger(min) || !Number.isInteger(max)) {
    throw new PlanInputError(
      typeof current === "number"
        ? `${vary} is an integer (${current} in the scenario): give integer --min and --max, or --step to search a finer grid`
        : `--min ${min} and --max ${max} are not both integers: give --step (the resolution to search to)`,
    );
  }
  return { values: gridOrRefuse({ min, max }), integer: true };
}

function gridOrRefuse(spec: GridSpec): number[] {
  try {
    return valueGrid(spec);
  } catch (error) {
    if (error instanceof RangeError) throw new PlanInputError(`too fine a grid: ${error.message}`);
    throw error;
  }
}

/** Says which candidate a `--set` problem came from. */
function blameCandidate(error: unknown, candidate: Candidate, label: string): unknown {
  if (!(error instanceof ScenarioError) || candidate.sets.length === 0) return error;
  const own = new Set(candidate.sets.map((text) => `--set ${text}`));
  return new ScenarioError(error.issues.map((issue) => (own.has(issue.file) ? { ...issue, file: `${issue.file} (${label})` } : issue)));
}

export function planCapacity(options: PlanOptions, progress: PlanProgress = {}): PlanResult {
  const path = parsePath(options.vary);
  if (!path) throw new PlanInputError(`--vary: malformed field path ${JSON.stringify(options.vary)} (expected e.g. models[0].replicas.initial)`);
  const varyPath = formatPath(path);
  const seedCount = options.seeds ?? 1;
  if (!Number.isInteger(seedCount) || seedCount < 1) throw new PlanInputError(`--seeds must be a whole number of at least 1, got ${seedCount}`);
  const sets = [...(options.sets ?? [])];
  const withCandidates = options.candidates !== undefined;
  const candidates = options.candidates ?? [BASELINE];
  const nameOf = (c: Candidate) => (withCandidates ? c.name : null);
  const labelOf = (c: Candidate) => `candidate '${c.name}'`;

  const load = (candidate: Candidate, extra: string[], seed?: number): LoadedScenario => {
    try {
      return loadScenarioFile(options.scenario, { sets: [...sets, ...candidate.sets, ...extra], seed, dataDirs: options.dataDirs });
    } catch (error) {
      throw blameCandidate(error, candidate, labelOf(candidate));
    }
  };

  // Everything that can be wrong is found before the first simulation: the field, the bounds, thresholds.
  const base = load(BASELINE, [], options.seed);
  const firstSeed = base.scenario.seed;
  const seeds = Array.from({ length: seedCount }, (_, i) => firstSeed + i);
  const grids = candidates.map((candidate) => {
    const loaded = withCandidates ? load(candidate, []) : base;
    const where = withCandidates ? ` (${labelOf(candidate)})` : "";
    for (const own of Object.keys(candidate.set)) {
      if (formatPath(parsePath(own) ?? []) === varyPath) throw new PlanInputError(`${labelOf(candidate)} sets ${own}, the field --vary searches`);
    }
    if (countThresholds(loaded.scenario.thresholds) === 0) {
      throw new PlanInputError(
        `${options.scenario}: the scenario has no thresholds${where}, so no value can pass or fail: add a \`thresholds:\` section (e.g. ttft: ["p(99) < 2s"]) for plan to meet`,
      );
    }
    const grid = gridFor(options, readPath(loaded.scenario, path));
    // The ends and one step in: a field that refuses the grid's values (a fraction of a replica) says so now.
    for (const value of new Set([grid.values[0], grid.values[1] ?? grid.values[0], grid.values[grid.values.length - 1]])) {
      load(candidate, [`${varyPath}=${value}`]);
    }
    return grid;
  });

  const tried: TriedRun[] = [];
  const cache = new Map<string, TriedRun>();
  const simulateAt = (c: number, value: number, seed: number): TriedRun => {
    const key = `${c}\u0000${value}\u0000${seed}`;
    const known = cache.get(key);
    if (known) {
      progress.onRun?.(known, true);
      return known;
    }
    const loaded = load(candidates[c], [`${varyPath}=${value}`], seed);
    const run = runOf(nameOf(candidates[c]), value, seed, simulate(loaded).report);
    cache.set(key, run);
    tried.push(run);
    progress.onRun?.(run, false);
    return run;
  };
  /** Every seed passes; stops at the first that fails. */
  const passesAll = (c: number, value: number): boolean => seeds.every((seed) => simulateAt(c, value, seed).passed);

  const answers: CandidateAnswer[] = candidates.map((candidate, c) => {
    const { values } = grids[c];
    const outcome = smallestPassing(values, (value) => passesAll(c, value));
    const own = tried.filter((r) => r.candidate === nameOf(candidate));
    const answer: CandidateAnswer = {
      candidate: nameOf(candidate),
      set: candidate.set,
      value: null,
      failed_below: outcome.failedBelow === null ? null : values[outcome.failedBelow],
      cost_usd: null,
      cost_per_output_mtok_usd: null,
      cost_per_mtok_usd: null,
      unpriced_server_types: [],
      failing_at_max: [],
      simulations: own.length,
    };
    if (outcome.index === null) {
      const max = values[values.length - 1];
      const failed = own.find((r) => r.value === max && !r.passed);
      return { ...answer, failing_at_max: failed ? failingThresholds(failed) : [] };
    }
    const value = values[outcome.index];
    const atAnswer = seeds.map((seed) => cache.get(`${c}\u0000${value}\u0000${seed}`)!);
    const unpriced = [...new Set(atAnswer.flatMap((r) => r.unpriced_server_types))].sort();
    return { ...answer, value, ...costAt(atAnswer), unpriced_server_types: unpriced };
  });

  const ranked = answers.filter((a) => a.value !== null).sort(cheaper);
  const winner = ranked[0];
  const best: BestAnswer | null = winner
    ? {
        ...(withCandidates ? { candidate: winner.candidate! } : {}),
        path: varyPath,
        value: winner.value!,
        cost_usd: winner.cost_usd!,
        cost_per_mtok_usd: winner.cost_per_mtok_usd,
        cost_per_output_mtok_usd: winner.cost_per_output_mtok_usd,
      }
    : null;
  return {
    schema_version: PLAN_SCHEMA_VERSION,
    scenario: { file: options.scenario, name: base.scenario.name },
    vary: {
      path: varyPath,
      min: options.min,
      max: options.max,
      step: options.step ?? null,
      integer: grids[0].integer,
      values: grids[0].values.length,
    },
    seeds,
    sets,
    best,
    candidates: answers,
    tried,
  };
}
