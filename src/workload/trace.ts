/**
 * Request traces: the Azure LLM inference CSV (TIMESTAMP, ContextTokens, GeneratedTokens) and the
 * Mooncake JSON Lines format ({timestamp ms, input_length, output_length, hash_ids}), read into columns.
 */
import { Column, DataFileError, numberIn, quoteCell, scanRows, type Row } from "./datafiles.js";
import { formatLimit, LIMITS } from "../scenario/limits.js";

export type TraceFormat = "azure" | "mooncake";

export interface Trace {
  /** Arrival offsets in seconds from the first request, non-decreasing. */
  readonly arrivalS: Float64Array;
  readonly inputTokens: Int32Array;
  readonly outputTokens: Int32Array;
  /** Mooncake: hashes of the request's 512-token prompt blocks (equal ids = shareable KV blocks). */
  readonly hashIds?: Int32Array[];
  /** Seconds between the first and the last arrival. */
  readonly spanS: number;
}

/**
 * The range of a trace's hash ids, widened to take in 0: its prefix-cache keys are numbered from the
 * smallest (one key per id between), so validation and the tenant's source count them alike.
 */
export function hashIdRange(hashIds: readonly Int32Array[]): { min: number; max: number } {
  let min = 0;
  let max = -1;
  for (const ids of hashIds) {
    for (let k = 0; k < ids.length; k++) {
      if (ids[k] < min) min = ids[k];
      if (ids[k] > max) max = ids[k];
    }
  }
  return { min, max };
}

const AZURE_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?$/;

const AZURE_COLUMNS = ["TIMESTAMP", "ContextTokens", "GeneratedTokens"] as const;
const MOONCAKE_KEYS = ["timestamp", "input_length", "output_length"] as const;

/**
 * Seconds since the epoch for "2023-11-16 18:15:46.6805900" (7 fractional digits kept exactly enough).
 * The minute's start is computed once per minute of the trace: rows come in time order, mostly.
 */
function azureClock(file: string) {
  let minute = "";
  let minuteS = 0;
  return (line: number, raw: unknown): number => {
    const text = String(raw ?? "").trim();
    const m = AZURE_TIMESTAMP.exec(text);
    if (!m) throw new DataFileError(file, line, `column TIMESTAMP: expected "YYYY-MM-DD HH:MM:SS.fffffff", got ${raw === undefined ? "nothing (missing column)" : quoteCell(raw)}`);
    if (text.slice(0, 16) !== minute) {
      minute = text.slice(0, 16);
      minuteS = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], 0) / 1000;
    }
    const whole = minuteS + +m[6];
    return whole + (m[7] ? Number(m[7]) : 0);
  };
}

/** The format of a trace from its first row's columns (or keys). */
export function detectTraceFormat(first: Row | readonly string[] | undefined): TraceFormat | undefined {
  if (!first) return undefined;
  const has = (name: string) => (Array.isArray(first) ? first.includes(name) : name in (first as Row));
  if (has("TIMESTAMP")) return "azure";
  if (has("timestamp") && has("input_length")) return "mooncake";
  return undefined;
}

const UNKNOWN_FORMAT = "unknown trace format: expected Azure columns TIMESTAMP,ContextTokens,GeneratedTokens or Mooncake keys timestamp,input_length,output_length";

/**
 * Reads a trace file into columns, streaming it: memory is the columns (16 bytes a row, plus the hash
 * ids of Mooncake rows), never the file's text or a JavaScript object per row.
 */
export function readTrace(path: string, shownAs: string, format: TraceFormat | undefined): Trace {
  const times = new Column((n) => new Float64Array(n));
  const inputTokens = new Column((n) => new Int32Array(n));
  const outputTokens = new Column((n) => new Int32Array(n));
  const ids = new Column((n) => new Int32Array(n));
  const idStarts = new Column((n) => new Int32Array(n));
  let kind = format;
  const tokens = { integer: true, min: 0, max: LIMITS.tokens.max };
  const checkColumns = (present: (name: string) => boolean, line: number, what: string) => {
    const expected = kind === "azure" ? AZURE_COLUMNS : MOONCAKE_KEYS;
    const missing = expected.filter((name) => !present(name));
    if (missing.length > 0) throw new DataFileError(shownAs, line, `missing ${what} ${missing.join(", ")} (a${kind === "azure" ? "n Azure" : " Mooncake"} trace has ${expected.join(", ")})`);
  };
  let first = true;
  const azureSeconds = azureClock(shownAs);
  scanRows(path, shownAs, {
    onHeader(columns, line) {
      kind ??= detectTraceFormat(columns);
      if (!kind) throw new DataFileError(shownAs, line, UNKNOWN_FORMAT);
      checkColumns((name) => columns.includes(name), line, "column(s)");
    },
    onRow(row, line) {
      if (first) {
        kind ??= detectTraceFormat(row);
        if (!kind) throw new DataFileError(shownAs, line, UNKNOWN_FORMAT);
        first = false;
      }
      if (kind === "azure") {
        times.push(azureSeconds(line, row["TIMESTAMP"]));
        inputTokens.push(numberIn(shownAs, line, row, "ContextTokens", tokens));
        outputTokens.push(numberIn(shownAs, line, row, "GeneratedTokens", tokens));
        return;
      }
      checkColumns((name) => row[name] !== undefined, line, "key(s)");
      times.push(numberIn(shownAs, line, row, "timestamp", { min: 0 }) / 1000);
      inputTokens.push(numberIn(shownAs, line, row, "input_length", tokens));
      outputTokens.push(numberIn(shownAs, line, row, "output_length", tokens));
      const hashIds = row["hash_ids"];
      idStarts.push(ids.length);
      if (hashIds === undefined) return;
      if (!Array.isArray(hashIds) || !hashIds.every((x) => Number.isInteger(x) && Math.abs(x) <= 0x7fffffff)) {
        throw new DataFileError(shownAs, line, "hash_ids: expected a list of integers (32-bit)");
      }
      if (hashIds.length > LIMITS.hashIdsPerRow.max) {
        throw new DataFileError(shownAs, line, `hash_ids: ${hashIds.length} ids, more than ${formatLimit(LIMITS.hashIdsPerRow.max)} (the limit on ${LIMITS.hashIdsPerRow.what}: ${formatLimit(LIMITS.tokens.max)} tokens in blocks of 512)`);
      }
      for (const id of hashIds) ids.push(id);
    },
  });
  const n = times.length;
  if (n === 0) throw new DataFileError(shownAs, undefined, "the trace has no requests (no data rows)");
  return ordered(times.values(), inputTokens.values(), outputTokens.values(), kind === "mooncake" ? { ids: ids.values(), starts: idStarts.values() } : undefined);
}

/** The trace in time order (traces merged from several front ends can be slightly out of order). */
function ordered(times: Float64Array, inputTokens: Int32Array, outputTokens: Int32Array, hashes: { ids: Int32Array; starts: Int32Array } | undefined): Trace {
  const n = times.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = times[i] >= times[i - 1];
  const order = sorted ? undefined : new Int32Array(n).map((_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
  const at = (i: number) => (order ? order[i] : i);
  const t0 = times[at(0)];
  const arrivalS = new Float64Array(n);
  for (let i = 0; i < n; i++) arrivalS[i] = times[at(i)] - t0;
  const permute = (column: Int32Array) => (order ? column.map((_, i) => column[order[i]]) : column);
  let hashIds: Int32Array[] | undefined;
  if (hashes) {
    // One buffer for every row's ids; each row's list is a view of it.
    const { ids, starts } = hashes;
    const end = (row: number) => (row + 1 < n ? starts[row + 1] : ids.length);
    hashIds = new Array(n);
    for (let i = 0; i < n; i++) hashIds[i] = ids.subarray(starts[at(i)], end(at(i)));
  }
  return { arrivalS, inputTokens: permute(inputTokens), outputTokens: permute(outputTokens), hashIds, spanS: arrivalS[n - 1] };
}
