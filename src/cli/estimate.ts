/** `fleetsim estimate`: one latency-model point as JSON, or a CSV of points. */
import { readRecords, DataFileError } from "../workload/datafiles.js";
import { estimate, EstimateError, type EstimateInput, type EstimateMode, type EstimateResult } from "../estimate.js";
import type { Precision } from "../catalog/precisions.js";
import { STACK_NAMES, type StackName } from "../inference/latency/efficiency.js";
import { csvLine } from "../report/csv.js";
import { roundNumbers, significant } from "../report/round.js";
import { writeWhole } from "../report/write.js";
import { UsageError } from "./errors.js";
import { LIMITS } from "../scenario/limits.js";
import { printOut, printErr } from "./terminal.js";

export interface EstimateOptions {
  gpu?: string;
  model?: string;
  precision: string;
  tp: number;
  pp: number;
  isl?: number;
  osl?: number;
  batch?: number;
  concurrency?: number;
  maxThroughput: boolean;
  stack?: StackName;
  draftModel?: string;
  draftTokens?: number;
  acceptanceRate?: number;
  points?: string;
  out?: string;
}

/** What each point reports, in this order: the JSON's leading fields and the CSV's added columns. */
const OUTPUT_COLUMNS = ["ttft_ms", "tbt_ms", "e2e_ms", "output_tokens_per_s", "ttft_p99_ms", "e2e_p99_ms", "kv_cache_tokens"] as const;
/** The CSV's last column: why a row could not be estimated (empty when it was). */
const ERROR_COLUMN = "error";

function modeOf(batch: number | undefined, concurrency: number | undefined, maxThroughput: boolean): EstimateMode | string {
  const given = [batch !== undefined, concurrency !== undefined, maxThroughput].filter(Boolean).length;
  if (given !== 1) return "give exactly one of --batch N, --concurrency N or --max-throughput";
  if (batch !== undefined) return Number.isInteger(batch) && batch >= 1 ? { kind: "batch", size: batch } : `batch: expected an integer >= 1, got ${batch}`;
  if (concurrency !== undefined) return Number.isInteger(concurrency) && concurrency >= 1 ? { kind: "concurrency", users: concurrency } : `concurrency: expected an integer >= 1, got ${concurrency}`;
  return { kind: "max_throughput" };
}

export function estimateCommand(o: EstimateOptions): void {
  if (o.points) {
    estimatePoints(o.points, o.out, o.stack);
    return;
  }
  const missing = (["gpu", "model", "isl", "osl"] as const).filter((k) => o[k] === undefined);
  if (missing.length > 0) throw new UsageError(`estimate needs ${missing.map((m) => `--${m}`).join(", ")} (or --points FILE)`);
  const mode = modeOf(o.batch, o.concurrency, o.maxThroughput);
  if (typeof mode === "string") throw new UsageError(mode);
  const input: EstimateInput = { gpu: o.gpu!, model: o.model!, precision: o.precision as Precision, tp: o.tp, pp: o.pp, isl: o.isl!, osl: o.osl!, mode, stack: o.stack, speculative: speculativeOf(o) };
  let result;
  try {
    result = estimate(input);
  } catch (error) {
    if (error instanceof EstimateError) throw new UsageError(error.message);
    throw error;
  }
  const out = {
    gpu: input.gpu,
    model: input.model,
    precision: input.precision,
    tp: input.tp,
    pp: input.pp,
    isl: input.isl,
    osl: input.osl,
    mode: mode.kind,
    ...Object.fromEntries(OUTPUT_COLUMNS.map((c) => [c, result[c]])),
    ...result.detail,
  };
  printOut(JSON.stringify(roundNumbers(out), null, 2) + "\n");
}

/** --draft-model, --draft-tokens and --acceptance-rate: all three or none. */
function speculativeOf(o: EstimateOptions): EstimateInput["speculative"] {
  const given = [o.draftModel, o.draftTokens, o.acceptanceRate].filter((x) => x !== undefined).length;
  if (given === 0) return undefined;
  if (given < 3) throw new UsageError("speculative decoding needs --draft-model, --draft-tokens and --acceptance-rate together");
  if (!Number.isInteger(o.draftTokens) || o.draftTokens! < 1 || o.draftTokens! > LIMITS.draftTokens.max) throw new UsageError(`--draft-tokens: expected an integer from 1 to ${LIMITS.draftTokens.max}, got ${o.draftTokens}`);
  if (!(o.acceptanceRate! >= 0 && o.acceptanceRate! <= 1)) throw new UsageError(`--acceptance-rate: expected a probability from 0 to 1, got ${o.acceptanceRate}`);
  return { draftModel: o.draftModel!, tokens: o.draftTokens!, acceptanceRate: o.acceptanceRate! };
}

/** A row of a points file that cannot be estimated as written. */
class RowError extends Error {}

/** The estimate input a row of a points file describes. */
function rowInput(row: Record<string, unknown>, stack: EstimateOptions["stack"]): EstimateInput {
  const text = (c: string) => String(row[c] ?? "").trim();
  const int = (c: string) => {
    const v = text(c);
    if (v === "") return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new RowError(`column ${c}: expected an integer, got ${JSON.stringify(v)}`);
    return n;
  };
  const named = text("stack");
  if (named !== "" && !(STACK_NAMES as readonly string[]).includes(named)) throw new RowError(`column stack: unknown stack ${JSON.stringify(named)}. Known: ${STACK_NAMES.join(", ")}`);
  const flag = text("max_throughput").toLowerCase();
  const mode = modeOf(int("batch"), int("concurrency"), flag === "1" || flag === "true" || flag === "yes");
  if (typeof mode === "string") throw new RowError(mode.replace(/--(\w+)(-throughput)?/g, (m) => m.slice(2).replace("-", "_")));
  return { gpu: text("gpu"), model: text("model"), precision: text("precision") as Precision, tp: int("tp") ?? 1, pp: int("pp") ?? 1, isl: int("isl") ?? NaN, osl: int("osl") ?? NaN, mode, stack: named === "" ? stack : (named as StackName) };
}

/**
 * Estimates every row of a points file (CSV or JSON Lines) and writes a CSV: one row per input row, in
 * order, its input columns followed by the estimate's, and an `error` column saying why a row could not
 * be estimated (its other estimate columns left empty) instead of giving up on the file.
 */
function estimatePoints(file: string, out: string | undefined, stack: EstimateOptions["stack"]): void {
  let records;
  try {
    records = readRecords(file);
  } catch (error) {
    if (error instanceof DataFileError) throw new UsageError(error.message);
    throw error;
  }
  const header = records.rows.length > 0 ? Object.keys(records.rows[0]) : [];
  const required = ["gpu", "model", "precision", "tp", "isl", "osl"];
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length > 0) throw new UsageError(`${file}: missing column(s) ${missing.join(", ")} (expected gpu,model,precision,tp,isl,osl, optionally pp and stack, and one of batch, concurrency, max_throughput)`);
  // An earlier output file can be fed back in: its estimate columns are replaced, not repeated.
  const produced = new Set<string>([...OUTPUT_COLUMNS, ERROR_COLUMN]);
  const inputColumns = header.filter((c) => !produced.has(c));
  const lines = [csvLine([...inputColumns, ...OUTPUT_COLUMNS, ERROR_COLUMN])];
  const failed: string[] = [];
  const internal: string[] = [];
  records.rows.forEach((row, i) => {
    let result: EstimateResult | undefined;
    let error = "";
    try {
      result = estimate(rowInput(row, stack));
    } catch (e) {
      if (!(e instanceof RowError || e instanceof EstimateError)) internal.push(`${file} line ${records.lines[i]}: ${(e as Error)?.message ?? e}`);
      error = e instanceof RowError || e instanceof EstimateError ? e.message : `internal error: ${(e as Error)?.message ?? e}`;
      failed.push(`${file} line ${records.lines[i]}: ${error}`);
    }
    const estimated = OUTPUT_COLUMNS.map((c) => (result ? String(significant(result[c])) : ""));
    lines.push(csvLine([...inputColumns.map((c) => String(row[c] ?? "")), ...estimated, error]));
  });
  const csv = lines.join("\n") + "\n";
  if (!out) printOut(csv);
  else writeWhole(out, csv);
  if (failed.length > 0) printErr(`fleetsim: ${failed.length} of ${records.rows.length} points not estimated (see the error column):\n${failed.map((f) => `  ${f}\n`).join("")}`);
  // Every row was written; a bug in one still ends the command as an internal error.
  if (internal.length > 0) throw new Error(`${internal.length} point(s) failed unexpectedly; first: ${internal[0]}`);
}
