/** timeseries.csv: one row per report interval. */
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
