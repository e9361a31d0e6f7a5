/**
 * sweep.csv: one row per cell in cell order: `cell`, one column per axis (named by its path), `seed`,
 * the headline metrics (report.json keys flattened with dots), one column per threshold verdict
 * (`threshold.<metric>[<i>]`), then `error`. Built from the cell files alone, so a sweep run on any
 * number of workers or shards writes the same bytes.
 */
import type { Report } from "../report/json.js";
import type { Axis } from "./grid.js";
import type { CellRecord } from "./store.js";
import { csvLine } from "../report/csv.js";

/**
 * The report keys a capacity planner compares across a grid: load and its outcomes, the latency
 * tail, throughput, the SLO, money, energy and GPU-hours. Fixed, so every sweep's CSV has the same
 * columns; the full report of each cell is in its cells/<index>.json.
 */
export const HEADLINE_METRICS = [
  "requests.arrived",
  "requests.completed",
  "requests.rejected",
  "requests.failed",
  "requests.timed_out",
  "latency.ttft_s.p50",
  "latency.ttft_s.p99",
  "latency.tpot_s.p99",
  "latency.e2e_s.p99",
  "throughput.requests_per_s",
  "throughput.output_tokens_per_s",
  "availability.slo_attainment",
  "availability.goodput_per_s",
  "fleet.gpu_hours.paid",
  "cost.total_usd",
  "margin.gross_pct",
  "margin.cost_per_mtok_usd",
  "energy.facility_kwh",
] as const;

/** What one cell contributes to the table and the charts. */
export interface SweepRow {
  cell: number;
  /** the cell's value of each axis, in axis order */
  labels: string[];
  seed: number;
  /** in HEADLINE_METRICS order; null without data (or when the cell failed) */
  metrics: (number | null)[];
  /** `<metric>[<i>]` -> ok */
  thresholds: [string, boolean][];
  error: string | null;
}

/** A number at a dotted report path, or null (missing, null, or not a number). */
export function reportValue(report: Report, dotted: string): number | null {
  let node: unknown = report;
  for (const key of dotted.split(".")) {
    if (node === null || typeof node !== "object") return null;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === "number" ? node : null;
}

export function rowOf(record: CellRecord, axes: readonly Axis[]): SweepRow {
  const report = record.report;
  return {
    cell: record.cell,
    labels: axes.map((axis) => record.values[axis.path] ?? ""),
    seed: record.seed,
    metrics: HEADLINE_METRICS.map((metric) => (report ? reportValue(report, metric) : null)),
    thresholds: report ? Object.entries(report.thresholds).flatMap(([metric, results]) => results.map((r, i): [string, boolean] => [`${metric}[${i}]`, r.ok])) : [],
    error: record.error,
  };
}


/** The table; `rows` in cell order. Threshold columns in the order first met along the rows. */
export function sweepCsv(axes: readonly Axis[], rows: readonly SweepRow[]): string {
  const thresholdColumns: string[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    for (const [name] of row.thresholds) {
      if (!seen.has(name)) {
        seen.add(name);
        thresholdColumns.push(name);
      }
    }
  }
  const header = ["cell", ...axes.map((a) => a.path), "seed", ...HEADLINE_METRICS, ...thresholdColumns.map((t) => `threshold.${t}`), "error"];
  let out = csvLine(header) + "\n";
  for (const row of rows) {
    const verdicts = new Map(row.thresholds);
    out += csvLine([
      String(row.cell),
      ...row.labels,
      String(row.seed),
      ...row.metrics.map((v) => (v === null ? "" : String(v))),
      ...thresholdColumns.map((t) => (verdicts.has(t) ? String(verdicts.get(t)) : "")),
      row.error ?? "",
    ]) + "\n";
  }
  return out;
}
