/**
 * Pass/fail thresholds, k6 style: `{ ttft: ["p(99) < 2s"], error_rate: ["rate < 0.001"] }`, parsed once
 * (when the scenario is validated) into typed expressions that the report evaluates.
 *
 * Grammar of one expression (k6's metrics/thresholds_parser.go, cut down to what we report):
 *
 *   threshold  = statistic operator bound                 (blanks allowed around each part)
 *   statistic  = "p(" percentile ")" | "avg" | "med" | "max" | "rate" | "value"
 *   percentile = "50" | "90" | "95" | "99" | "99.9"        (the columns a DistributionSummary has)
 *   operator   = "<" | "<=" | ">" | ">=" | "=="
 *   bound      = number "%"                                (a percentage: "99.9%")
 *              | duration                                 (seconds: "2s", "250ms", "1m30s")
 *              | number                                   (in the metric's own unit)
 *
 * A distribution metric takes p(N), avg, med or max; a single-value metric takes rate or value.
 * Each metric has one unit (THRESHOLD_UNITS): a percentage bound is read in it ("rate < 0.1%" on a
 * fraction is 0.001, "value >= 99.9%" on percent points is 99.9), a duration only bounds a time, and a
 * bound in a unit the metric is not in is refused rather than compared as a bare number.
 */
import { parseDurationSeconds } from "../scenario/units.js";
import type { DistributionSummary } from "./sketch.js";

/** The one list of metrics a threshold may name, and whether each is a latency distribution or a single value. */
export const THRESHOLD_METRICS = {
  ttft: "distribution",
  tbt: "distribution",
  tpot: "distribution",
  e2e: "distribution",
  queue: "distribution",
  error_rate: "value",
  availability: "value",
  slo_attainment: "value",
  goodput: "value",
  margin_pct: "value",
  cost_per_mtok: "value",
} as const;
export type ThresholdMetric = keyof typeof THRESHOLD_METRICS;

/**
 * The unit each metric's reading is in: seconds, a fraction (0.001), percent points (99.9), requests
 * per second, or US dollars (per million tokens). Bounds are read, and readings printed, in it.
 */
export const THRESHOLD_UNITS = {
  ttft: "s",
  tbt: "s",
  tpot: "s",
  e2e: "s",
  queue: "s",
  error_rate: "fraction",
  availability: "pct",
  slo_attainment: "fraction",
  goodput: "per_s",
  margin_pct: "pct",
  cost_per_mtok: "usd",
} as const satisfies Record<ThresholdMetric, string>;
export type ThresholdUnit = (typeof THRESHOLD_UNITS)[ThresholdMetric];
type MetricKind = (typeof THRESHOLD_METRICS)[ThresholdMetric];

/** What the report supplies for each metric: a distribution's summary or a single value (null without data). */
export type MetricReadings = {
  [M in ThresholdMetric]: (typeof THRESHOLD_METRICS)[M] extends "distribution" ? DistributionSummary : number | null;
};

type Statistic = "p" | "avg" | "med" | "max" | "rate" | "value";
type Operator = "<" | "<=" | ">" | ">=" | "==";

/** The DistributionSummary column each percentile reads. */
const PERCENTILE_COLUMNS = { "50": "p50", "90": "p90", "95": "p95", "99": "p99", "99.9": "p999" } as const;
type Percentile = keyof typeof PERCENTILE_COLUMNS;
const STATISTIC_COLUMNS = { avg: "mean", med: "p50", max: "max" } as const;

const STATISTICS_OF: Record<MetricKind, readonly Statistic[]> = { distribution: ["p", "avg", "med", "max"], value: ["rate", "value"] };

export interface ThresholdExpression {
  /** the text as written, echoed in report.json */
  source: string;
  metric: ThresholdMetric;
  statistic: Statistic;
  percentile: Percentile | null;
  /** the DistributionSummary column read, for a distribution metric */
  column: keyof DistributionSummary | null;
  operator: Operator;
  /** in the metric's unit (THRESHOLD_UNITS): "0.1%" on a fraction is 0.001, "2s" on a time is 2 */
  bound: number;
  /** how the bound was written: "%" for percent, "s" for a duration with a unit, "" for a bare number */
  unit: "%" | "s" | "";
}

/** An expression the parser could not read, with the reason. */
export interface ThresholdProblem {
  source: string;
  problem: string;
}

export type ParsedThreshold = ThresholdExpression | ThresholdProblem;

export interface ThresholdResult {
  expression: string;
  actual: number | null;
  ok: boolean;
}

const EXPRESSION = /^\s*(p\(\s*(\d+(?:\.\d+)?)\s*\)|avg|med|max|rate|value)\s*(<=|>=|<|>|==)\s*(\S+)\s*$/;

function parseBound(text: string): { bound: number; unit: ThresholdExpression["unit"] } | undefined {
  if (text.endsWith("%")) {
    const n = Number(text.slice(0, -1));
    return text.length > 1 && Number.isFinite(n) ? { bound: n, unit: "%" } : undefined;
  }
  const seconds = parseDurationSeconds(text);
  return seconds === undefined ? undefined : { bound: seconds, unit: /[a-zµ]/i.test(text) ? "s" : "" };
}

const UNIT_WORDS: Record<ThresholdUnit, string> = {
  s: "a time: write a duration (2s, 250ms) or a number of seconds",
  fraction: 'a fraction: write a number (0.001) or a percentage ("0.1%")',
  pct: 'in percent: write a percentage ("99.9%") or a number of percent points',
  per_s: "in requests per second: write a number",
  usd: "in US dollars: write a number",
};

/** The bound in the metric's unit, or why the way it is written does not fit the metric. */
function boundInUnit(metric: ThresholdMetric, written: { bound: number; unit: ThresholdExpression["unit"] }, text: string): number | string {
  const unit = THRESHOLD_UNITS[metric];
  const refuse = `${metric} is ${UNIT_WORDS[unit]}, not ${JSON.stringify(text)}`;
  if (written.unit === "%") return unit === "fraction" ? written.bound / 100 : unit === "pct" ? written.bound : refuse;
  if (written.unit === "s") return unit === "s" ? written.bound : refuse;
  return written.bound;
}

function isMetric(name: string): name is ThresholdMetric {
  return Object.hasOwn(THRESHOLD_METRICS, name);
}

/** Reads one expression for a metric; a problem says what is wrong in words a scenario author acts on. */
export function parseThreshold(metric: string, source: string): ParsedThreshold {
  const fail = (problem: string): ThresholdProblem => ({ source, problem });
  if (!isMetric(metric)) return fail(`unknown metric '${metric}' (expected one of: ${Object.keys(THRESHOLD_METRICS).join(", ")})`);
  const kind = THRESHOLD_METRICS[metric];
  const m = EXPRESSION.exec(source);
  if (!m) return fail(`cannot read ${JSON.stringify(source)}: expected e.g. "p(99) < 2s", "avg < 500ms", "rate < 0.001", "value >= 99.9%"`);
  const statistic = (m[1].startsWith("p(") ? "p" : m[1]) as Statistic;
  if (!STATISTICS_OF[kind].includes(statistic)) {
    return fail(kind === "distribution" ? `${metric} is a distribution: use p(N), avg, med or max, not ${statistic}` : `${metric} is a single value: use rate or value, not ${statistic}`);
  }
  const percentile = statistic === "p" ? m[2] : null;
  if (percentile !== null && !Object.hasOwn(PERCENTILE_COLUMNS, percentile)) return fail(`p(${percentile}) is not reported: use p(50), p(90), p(95), p(99) or p(99.9)`);
  const written = parseBound(m[4]);
  if (written === undefined) return fail(`cannot read the bound ${JSON.stringify(m[4])}: a number, a duration ("2s") or a percentage ("99.9%")`);
  const bound = boundInUnit(metric, written, m[4]);
  if (typeof bound === "string") return fail(bound);
  const column =
    kind === "value" ? null : percentile !== null ? PERCENTILE_COLUMNS[percentile as Percentile] : STATISTIC_COLUMNS[statistic as keyof typeof STATISTIC_COLUMNS];
  return { source, metric, statistic, percentile: percentile as Percentile | null, column, operator: m[3] as Operator, bound, unit: written.unit };
}

/** Parses every expression of a scenario's `thresholds:`, keeping metrics and expressions in their order. */
export function parseThresholds(written: Record<string, string[]>): Record<string, ParsedThreshold[]> {
  return Object.fromEntries(Object.entries(written).map(([metric, sources]) => [metric, sources.map((source) => parseThreshold(metric, source))]));
}

/** How many expressions a scenario's `thresholds:` holds (a metric with an empty list holds none). */
export function countThresholds(thresholds: Record<string, readonly unknown[]>): number {
  return Object.values(thresholds).reduce((n, list) => n + list.length, 0);
}

export function isThresholdProblem(parsed: ParsedThreshold): parsed is ThresholdProblem {
  return "problem" in parsed;
}

function compare(actual: number, operator: Operator, bound: number): boolean {
  switch (operator) {
    case "<":
      return actual < bound;
    case "<=":
      return actual <= bound;
    case ">":
      return actual > bound;
    case ">=":
      return actual >= bound;
    case "==":
      return actual === bound;
  }
}

/** Reads the expression's statistic from the readings and compares it with the bound; no data fails. */
export function evaluateThreshold(t: ThresholdExpression, readings: MetricReadings): ThresholdResult {
  const reading = readings[t.metric];
  const actual = t.column !== null ? (reading as DistributionSummary)[t.column] : ((reading as number | null) ?? null);
  if (actual === null) return { expression: t.source, actual, ok: false };
  return { expression: t.source, actual, ok: compare(actual, t.operator, t.bound) };
}

/** Evaluates every threshold of a validated scenario; an unparsed one means validation was skipped. */
export function evaluateThresholds(thresholds: Record<string, ParsedThreshold[]>, readings: MetricReadings): Record<string, ThresholdResult[]> {
  const results: Record<string, ThresholdResult[]> = {};
  for (const [metric, parsed] of Object.entries(thresholds)) {
    results[metric] = parsed.map((t) => {
      if (isThresholdProblem(t)) throw new Error(`threshold ${metric}: ${t.problem}`);
      return evaluateThreshold(t, readings);
    });
  }
  return results;
}
