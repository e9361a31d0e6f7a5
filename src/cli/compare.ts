/**
 * `fleetsim compare A B`: two report.json side by side, Markdown (for a pull-request comment) or JSON.
 * Exit 0, or 99 with --fail-on-regression PCT when a metric got worse by more than PCT percent of A;
 * 2 when a file is missing or not a fleetsim report.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { writeWhole } from "../report/index.js";
import { REPORT_SCHEMA_VERSION, type Report } from "../report/json.js";
import { compareReports, comparisonMarkdown } from "../report/compare.js";
import { exitCodes, UsageError } from "./errors.js";
import { printOut, printErr } from "./terminal.js";

export interface CompareOptions {
  a: string;
  b: string;
  format: "md" | "json";
  out?: string;
  failOnRegression?: number;
}

/** The sections every report.json has; a file without them is something else. */
const REQUIRED = ["scenario", "requests", "latency", "throughput", "availability", "cost", "margin", "energy", "thresholds"] as const;

/** Reads a report.json (or the report.json in a folder), refusing what is not one with a clear reason. */
export function readReport(path: string): { file: string; report: Report } {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "report.json") : path;
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: ${code === "ENOENT" ? "file not found" : `cannot read (${code})`}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not JSON (${(error as Error).message})`);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) throw new UsageError(`${file}: not a fleetsim report (expected a JSON object)`);
  const record = data as Record<string, unknown>;
  if (typeof record.schema_version !== "number") throw new UsageError(`${file}: not a fleetsim report (no schema_version)`);
  if (record.schema_version !== REPORT_SCHEMA_VERSION) {
    throw new UsageError(`${file}: report schema version ${record.schema_version}; this fleetsim reads version ${REPORT_SCHEMA_VERSION}`);
  }
  const missing = REQUIRED.filter((key) => record[key] === null || typeof record[key] !== "object");
  if (missing.length > 0) throw new UsageError(`${file}: not a fleetsim report (missing ${missing.join(", ")})`);
  return { file, report: data as Report };
}

export function compareCommand(options: CompareOptions): number {
  const tolerance = options.failOnRegression ?? null;
  if (tolerance !== null && !(Number.isFinite(tolerance) && tolerance >= 0)) {
    throw new UsageError(`--fail-on-regression takes a percentage of at least 0, got ${options.failOnRegression}`);
  }
  const a = readReport(options.a);
  const b = readReport(options.b);
  const comparison = compareReports(a.report, b.report, { a: a.file, b: b.file }, tolerance);
  const text = options.format === "json" ? JSON.stringify(comparison, null, 2) + "\n" : comparisonMarkdown(comparison);
  if (options.out) {
    writeWhole(options.out, text);
    printErr(`wrote ${options.out}\n`);
  } else {
    printOut(text);
  }
  if (comparison.regressions.length > 0) {
    printErr(`${comparison.regressions.length} metric(s) got worse by more than ${tolerance} %: ${comparison.regressions.join(", ")}\n`);
    return exitCodes.thresholdFailed;
  }
  return exitCodes.ok;
}
