/** CSV output: timeseries.csv (one row per report interval), and lines quoted as RFC 4180 says. */
import type { TimeSeriesRow } from "../metrics/timeseries.js";

function cell(value: number | null | undefined): string {
  if (value === null || value === undefined) return "";
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(8)));
}

export function timeSeriesCsv(rows: readonly TimeSeriesRow[]): string {
  if (rows.length === 0) return "";
  const columns = Object.keys(rows[0]) as (keyof TimeSeriesRow)[];
  const lines = [columns.join(",")];
  for (const row of rows) lines.push(columns.map((c) => cell(row[c])).join(","));
  return lines.join("\n") + "\n";
}

/** One CSV line (RFC 4180): a field holding a comma, a quote or a line break is quoted, its quotes doubled. */
export function csvLine(fields: readonly string[]): string {
  return fields.map((f) => (/[",\r\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f)).join(",");
}
