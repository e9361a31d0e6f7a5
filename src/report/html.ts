import type { TimeSeriesRow } from "../metrics/timeseries.js";
import type { Report } from "./json.js";

export function htmlReport(report: Report, _rows: TimeSeriesRow[]): string {
  return `<!doctype html><title>${report.scenario.name}</title><pre>${JSON.stringify(report, null, 2)}</pre>\n`;
}
