/**
 * Pass/fail thresholds, k6 style: `{ ttft: ["p(99) < 2s"], error_rate: ["rate < 0.001"] }`.
 * A metric is a latency distribution (ttft, tbt, tpot, e2e, queue), whose statistics are p(N),
 * avg, med, min-free max; or a single value (error_rate, availability, slo_attainment, goodput,
 * margin_pct, cost_per_mtok) read with `rate` or `value`. Values may carry units: "2s", "250ms", "99.9%".
 */
import { parseDurationSeconds } from "../scenario/units.js";
import type { DistributionSummary } from "./sketch.js";

export interface ThresholdResult {
  expression: string;
  actual: number | null;
  ok: boolean;
}

export const DISTRIBUTION_METRICS = ["ttft", "tbt", "tpot", "e2e", "queue"] as const;
export const VALUE_METRICS = ["error_rate", "availability", "slo_attainment", "goodput", "margin_pct", "cost_per_mtok"] as const;

const EXPRESSION = /^\s*(p\(\s*(\d+(?:\.\d+)?)\s*\)|avg|med|max|rate|value)\s*(<=|>=|<|>|==)\s*(\S+)\s*$/;

/** Checks an expression's form; returns a message if it is not one this module evaluates. */
export function checkThreshold(metric: string, expression: string): string | undefined {
  const isDistribution = (DISTRIBUTION_METRICS as readonly string[]).includes(metric);
  const isValue = (VALUE_METRICS as readonly string[]).includes(metric);
  if (!isDistribution && !isValue) return `unknown metric '${metric}' (expected one of: ${[...DISTRIBUTION_METRICS, ...VALUE_METRICS].join(", ")})`;
  const m = EXPRESSION.exec(expression);
  if (!m) return `cannot read ${JSON.stringify(expression)}: expected e.g. "p(99) < 2s", "avg < 500ms", "rate < 0.001", "value >= 99.9%"`;
  const stat = m[1].startsWith("p(") ? "p" : m[1];
  if (isDistribution && !["p", "avg", "med", "max"].includes(stat)) return `${metric} is a distribution: use p(N), avg, med or max, not ${stat}`;
  if (isValue && !["rate", "value"].includes(stat)) return `${metric} is a single value: use rate or value, not ${stat}`;
  if (stat === "p" && !["50", "90", "95", "99", "99.9"].includes(m[2])) return `p(${m[2]}) is not reported: use p(50), p(90), p(95), p(99) or p(99.9)`;
  if (parseBound(m[4]) === undefined) return `cannot read the bound ${JSON.stringify(m[4])}: a number, a duration ("2s") or a percentage ("99.9%")`;
  return undefined;
}

function parseBound(text: string): number | undefined {
  if (text.endsWith("%")) {
    const n = Number(text.slice(0, -1));
    return Number.isFinite(n) ? n : undefined;
  }
  return parseDurationSeconds(text);
}

function statOf(d: DistributionSummary, stat: string, percentile?: string): number | null {
  if (stat === "avg") return d.mean;
  if (stat === "med") return d.p50;
  if (stat === "max") return d.max;
  const key = ({ "50": "p50", "90": "p90", "95": "p95", "99": "p99", "99.9": "p999" } as const)[percentile as "50"];
  return d[key];
}

export function evaluateThreshold(expression: string, read: { distribution?: DistributionSummary; value?: number | null }): ThresholdResult {
  const m = EXPRESSION.exec(expression)!;
  const stat = m[1].startsWith("p(") ? "p" : m[1];
  const actual = read.distribution ? statOf(read.distribution, stat, m[2]) : (read.value ?? null);
  const bound = parseBound(m[4])!;
  if (actual === null) return { expression, actual, ok: false };
  const ok = m[3] === "<" ? actual < bound : m[3] === "<=" ? actual <= bound : m[3] === ">" ? actual > bound : m[3] === ">=" ? actual >= bound : actual === bound;
  return { expression, actual, ok };
}
