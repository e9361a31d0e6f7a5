/**
 * Two report.json side by side: the headline metrics of A and B, B - A, and that difference as a
 * percentage of A, with which way is better for each metric (latency, errors, cost and energy lower;
 * throughput, availability, SLO attainment, revenue and margin higher) and, given a tolerance, which
 * metrics got worse by more than it. Then each threshold's verdict in both.
 */
import { OUTCOMES } from "../requests/outcomes.js";
import type { Report } from "./json.js";
import type { ThresholdResult } from "../metrics/thresholds.js";
import { count, percent, percentPoints, seconds, thresholdReading, usd } from "./format.js";
import { escapeMarkdown, markdownCode } from "./markdown.js";

export type Better = "lower" | "higher" | null;
type Unit = "s" | "count" | "ratio" | "per_s" | "pct" | "fraction" | "usd" | "kwh" | "kg" | "kw";

interface MetricSpec {
  section: string;
  label: string;
  /** where the value is in report.json */
  key: (string | number)[];
  unit: Unit;
  better: Better;
}

export interface MetricComparison {
  section: string;
  label: string;
  /** report.json path, dotted */
  key: string;
  unit: Unit;
  better: Better;
  /** null where that report has no value (no data, or no such region) */
  a: number | null;
  b: number | null;
  /** B - A */
  diff: number | null;
  /** 100 x (B - A) / |A|; 0 when both are 0, null when A is 0 and B is not (or a value is missing) */
  pct: number | null;
  /** "worse" and "better" follow `better`; null where it has no direction or a value is missing */
  change: "better" | "worse" | "same" | null;
  /** worse by more than the tolerance (from 0 to anything worse counts as infinitely worse) */
  regression: boolean;
}

export interface ThresholdComparison {
  metric: string;
  expression: string;
  a: { ok: boolean; actual: number | null; reading: string } | null;
  b: { ok: boolean; actual: number | null; reading: string } | null;
}

export interface ReportSide {
  file: string;
  scenario: string;
  seed: number;
}

export interface Comparison {
  a: ReportSide;
  b: ReportSide;
  /** --fail-on-regression; null when not given */
  fail_on_regression_pct: number | null;
  metrics: MetricComparison[];
  thresholds: ThresholdComparison[];
  /** labels of the metrics that got worse by more than the tolerance */
  regressions: string[];
}

const LATENCY = [
  ["ttft_s", "TTFT"],
  ["tbt_s", "time between tokens"],
  ["e2e_s", "end to end"],
] as const;
/** Every outcome but success, from the outcome table (a new outcome is compared as soon as it is a row there). */
const ERROR_OUTCOMES = OUTCOMES.filter((o) => o.name !== "ok").map((o) => o.key);

function regionsOf(report: Report): string[] {
  return Object.keys(report.availability?.by_region ?? {});
}

/** The metrics compared, in the order shown; regions are those of either report. */
function metricSpecs(a: Report, b: Report): MetricSpec[] {
  const regions = [...new Set([...regionsOf(a), ...regionsOf(b)])];
  return [
    ...LATENCY.flatMap(([key, name]) =>
      (["p50", "p90", "p99"] as const).map((p): MetricSpec => ({ section: "Latency", label: `${name} ${p}`, key: ["latency", key, p], unit: "s", better: "lower" })),
    ),
    { section: "Throughput", label: "requests/s", key: ["throughput", "requests_per_s"], unit: "per_s", better: "higher" },
    { section: "Throughput", label: "input tokens/s", key: ["throughput", "input_tokens_per_s"], unit: "per_s", better: "higher" },
    { section: "Throughput", label: "output tokens/s", key: ["throughput", "output_tokens_per_s"], unit: "per_s", better: "higher" },
    { section: "Outcomes", label: "arrived", key: ["requests", "arrived"], unit: "count", better: null },
    { section: "Outcomes", label: "completed", key: ["requests", "completed"], unit: "count", better: "higher" },
    ...ERROR_OUTCOMES.map((o): MetricSpec => ({ section: "Outcomes", label: o.replace(/_/g, " "), key: ["requests", o], unit: "count", better: "lower" })),
    { section: "Outcomes", label: "attempts per request", key: ["requests", "retry_amplification"], unit: "ratio", better: "lower" },
    ...regions.map((r): MetricSpec => ({ section: "Availability", label: `uptime ${r}`, key: ["availability", "by_region", r, "uptime_pct"], unit: "pct", better: "higher" })),
    { section: "Availability", label: "SLO attainment", key: ["availability", "slo_attainment"], unit: "fraction", better: "higher" },
    { section: "Availability", label: "goodput (requests/s)", key: ["availability", "goodput_per_s"], unit: "per_s", better: "higher" },
    { section: "Money", label: "cost", key: ["cost", "total_usd"], unit: "usd", better: "lower" },
    { section: "Money", label: "cost per M tokens (in+out)", key: ["margin", "cost_per_mtok_usd"], unit: "usd", better: "lower" },
    { section: "Money", label: "revenue", key: ["revenue", "total_usd"], unit: "usd", better: "higher" },
    { section: "Money", label: "gross margin", key: ["margin", "gross_usd"], unit: "usd", better: "higher" },
    { section: "Money", label: "gross margin %", key: ["margin", "gross_pct"], unit: "pct", better: "higher" },
    { section: "Energy", label: "IT energy", key: ["energy", "it_kwh"], unit: "kwh", better: "lower" },
    { section: "Energy", label: "facility energy", key: ["energy", "facility_kwh"], unit: "kwh", better: "lower" },
    { section: "Energy", label: "peak facility power", key: ["energy", "peak_facility_kw"], unit: "kw", better: "lower" },
    { section: "Energy", label: "carbon", key: ["energy", "carbon_kg"], unit: "kg", better: "lower" },
  ];
}

function valueAt(report: unknown, key: readonly (string | number)[]): number | null {
  let node = report;
  for (const segment of key) {
    if (node === null || typeof node !== "object") return null;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return typeof node === "number" && Number.isFinite(node) ? node : null;
}

/** B - A as a percentage of A: 0 when both are 0, null when A is 0 and B is not. */
export function percentChange(a: number, b: number): number | null {
  if (a === 0) return b === 0 ? 0 : null;
  return (100 * (b - a)) / Math.abs(a);
}

function compareMetric(spec: MetricSpec, ra: Report, rb: Report, tolerancePct: number | null): MetricComparison {
  const a = valueAt(ra, spec.key);
  const b = valueAt(rb, spec.key);
  const both = a !== null && b !== null;
  const diff = both ? b - a : null;
  const pct = both ? percentChange(a, b) : null;
  let change: MetricComparison["change"] = null;
  if (both && spec.better !== null) change = diff === 0 ? "same" : (diff! < 0) === (spec.better === "lower") ? "better" : "worse";
  const regression = tolerancePct !== null && change === "worse" && (pct === null || Math.abs(pct) > tolerancePct);
  return { section: spec.section, label: spec.label, key: spec.key.join("."), unit: spec.unit, better: spec.better, a, b, diff, pct, change, regression };
}

function thresholdRows(a: Report, b: Report): ThresholdComparison[] {
  const rows = new Map<string, ThresholdComparison>();
  const add = (report: Report, side: "a" | "b") => {
    for (const [metric, results] of Object.entries(report.thresholds ?? {}) as [string, ThresholdResult[]][]) {
      for (const r of results) {
        const id = `${metric}\u0000${r.expression}`;
        const row = rows.get(id) ?? { metric, expression: r.expression, a: null, b: null };
        row[side] = { ok: r.ok, actual: r.actual, reading: thresholdReading(metric, r) };
        rows.set(id, row);
      }
    }
  };
  add(a, "a");
  add(b, "b");
  return [...rows.values()];
}

export function compareReports(a: Report, b: Report, files: { a: string; b: string }, tolerancePct: number | null = null): Comparison {
  const metrics = metricSpecs(a, b).map((spec) => compareMetric(spec, a, b, tolerancePct));
  const side = (report: Report, file: string): ReportSide => ({ file, scenario: report.scenario.name, seed: report.scenario.seed });
  return {
    a: side(a, files.a),
    b: side(b, files.b),
    fail_on_regression_pct: tolerancePct,
    metrics,
    thresholds: thresholdRows(a, b),
    regressions: metrics.filter((m) => m.regression).map((m) => m.label),
  };
}

const sig = (x: number, digits = 4) => Number(x.toPrecision(digits)).toLocaleString("en-US", { maximumFractionDigits: 20 });

/** A value in its unit, as summary.md writes it. */
function formatValue(value: number | null, unit: Unit): string {
  if (value === null) return "–";
  switch (unit) {
    case "s":
      return value < 0 ? `-${seconds(-value)}` : seconds(value);
    case "count":
      return count(value);
    case "ratio":
      return sig(value);
    case "per_s":
      return `${sig(value)}/s`;
    case "pct":
      return percentPoints(value, 3);
    case "fraction":
      return percent(value, 2);
    case "usd":
      return usd(value);
    case "kwh":
      return `${sig(value)} kWh`;
    case "kg":
      return `${sig(value)} kg`;
    case "kw":
      return `${sig(value)} kW`;
  }
}

/** B - A, signed; a difference of percentages is in percentage points. */
function formatDiff(diff: number | null, unit: Unit): string {
  if (diff === null) return "–";
  if (diff === 0) return "0";
  const sign = diff > 0 ? "+" : "-";
  const abs = Math.abs(diff);
  if (unit === "pct") return `${sign}${abs.toFixed(3)} pp`;
  if (unit === "fraction") return `${sign}${(100 * abs).toFixed(2)} pp`;
  return `${sign}${formatValue(abs, unit)}`;
}

function formatPct(m: MetricComparison): string {
  if (m.pct === null) return m.diff === null ? "–" : "new";
  if (m.pct === 0) return "0 %";
  const digits = Math.abs(m.pct) < 1 ? 2 : 1;
  return `${m.pct > 0 ? "+" : ""}${m.pct.toFixed(digits)} %`;
}

function verdict(m: MetricComparison): string {
  if (m.regression) return "**regression**";
  return m.change === "better" || m.change === "worse" ? m.change : "";
}

function sideCell(side: ThresholdComparison["a"]): string {
  return side === null ? "–" : `${side.ok ? "✓ pass" : "✗ **FAIL**"} (${escapeMarkdown(side.reading)})`;
}

// Everything from the two reports is escaped: a report compared in CI may come from a pull request.
const cell = (text: string) => escapeMarkdown(text);
const code = (text: string) => markdownCode(text, { tableCell: true });

/** Markdown fit for a pull-request comment: who is compared, a table per section, the thresholds, the verdict. */
export function comparisonMarkdown(c: Comparison): string {
  const lines = [
    "## fleetsim compare",
    "",
    "| | A | B |",
    "|---|---|---|",
    `| report | ${code(c.a.file)} | ${code(c.b.file)} |`,
    `| scenario | ${cell(c.a.scenario)} (seed ${c.a.seed}) | ${cell(c.b.scenario)} (seed ${c.b.seed}) |`,
    "",
  ];
  const sections = [...new Set(c.metrics.map((m) => m.section))];
  for (const section of sections) {
    lines.push(`### ${cell(section)}`, "", "| metric | A | B | B − A | % of A | |", "|---|--:|--:|--:|--:|---|");
    for (const m of c.metrics.filter((x) => x.section === section)) {
      lines.push(`| ${cell(m.label)} | ${formatValue(m.a, m.unit)} | ${formatValue(m.b, m.unit)} | ${formatDiff(m.diff, m.unit)} | ${formatPct(m)} | ${verdict(m)} |`);
    }
    lines.push("");
  }
  if (c.thresholds.length > 0) {
    lines.push("### Thresholds", "", "| threshold | A | B |", "|---|---|---|");
    for (const t of c.thresholds) lines.push(`| ${code(`${t.metric}: ${t.expression}`)} | ${sideCell(t.a)} | ${sideCell(t.b)} |`);
    lines.push("");
  }
  const tolerance = c.fail_on_regression_pct;
  if (tolerance !== null) {
    lines.push(
      c.regressions.length === 0
        ? `No metric got worse by more than ${tolerance} %.`
        : `**${c.regressions.length} metric${c.regressions.length === 1 ? "" : "s"} got worse by more than ${tolerance} %:** ${c.regressions.map(cell).join(", ")}.`,
      "",
    );
  }
  lines.push("Lower is better for latency, errors, cost and energy; higher for throughput, availability, SLO attainment, revenue and margin. % of A is (B − A) / |A|.");
  return lines.join("\n") + "\n";
}
