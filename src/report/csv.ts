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

/**
 * A text field that a spreadsheet would run as a formula (`=cmd|...`, `+`, `-`, `@`, or a tab or
 * carriage return before one) gets a leading `'`, the defence OWASP gives for CSV injection
 * (https://owasp.org/www-community/attacks/CSV_Injection); numbers (`-0.5`, `+3`, `1e-3`) are left as
 * they are.
 */
export function csvSafe(field: string): string {
  return /^[=+\-@\t\r]/.test(field) && !Number.isFinite(Number(field)) ? `'${field}` : field;
}

/** One CSV line (RFC 4180): a field holding a comma, a quote or a line break is quoted, its quotes doubled; formulas are defused (`csvSafe`). */
export function csvLine(fields: readonly string[]): string {
  return fields
    .map(csvSafe)
    .map((f) => (/[",\r\n]/.test(f) ? `"${f.replaceAll('"', '""')}"` : f))
    .join(",");
}
