/**
 * Request traces: the Azure LLM inference CSV (TIMESTAMP, ContextTokens, GeneratedTokens) and the
 * Mooncake JSON Lines format ({timestamp ms, input_length, output_length, hash_ids}), read into columns.
 */
import { DataFileError, numberField, type Records } from "./datafiles.js";

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

const AZURE_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?$/;

/** Seconds since the epoch for "2023-11-16 18:15:46.6805900" (7 fractional digits kept exactly enough). */
function azureSeconds(records: Records, index: number): number {
  const raw = String(records.rows[index]["TIMESTAMP"] ?? "");
  const m = AZURE_TIMESTAMP.exec(raw.trim());
  if (!m) {
    throw new DataFileError(records.file, records.lines[index], `column TIMESTAMP: expected "YYYY-MM-DD HH:MM:SS.fffffff", got ${JSON.stringify(raw)}`);
  }
  const whole = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
  return whole + (m[7] ? Number(m[7]) : 0);
}

export function detectTraceFormat(records: Records): TraceFormat | undefined {
  const first = records.rows[0];
  if (!first) return undefined;
  if ("TIMESTAMP" in first) return "azure";
  if ("timestamp" in first && "input_length" in first) return "mooncake";
  return undefined;
}

export function parseTrace(records: Records, format: TraceFormat | undefined): Trace {
  const kind = format ?? detectTraceFormat(records);
  if (!kind) {
    throw new DataFileError(records.file, records.lines[0], "unknown trace format: expected Azure columns TIMESTAMP,ContextTokens,GeneratedTokens or Mooncake keys timestamp,input_length,output_length");
  }
  const n = records.rows.length;
  if (n === 0) throw new DataFileError(records.file, undefined, "the trace has no requests");
  const times = new Float64Array(n);
  const inputTokens = new Int32Array(n);
  const outputTokens = new Int32Array(n);
  const hashIds: Int32Array[] | undefined = kind === "mooncake" ? new Array(n) : undefined;
  const count = { integer: true, min: 0 };
  for (let i = 0; i < n; i++) {
    if (kind === "azure") {
      times[i] = azureSeconds(records, i);
      inputTokens[i] = numberField(records, i, "ContextTokens", count);
      outputTokens[i] = numberField(records, i, "GeneratedTokens", count);
    } else {
      times[i] = numberField(records, i, "timestamp", { min: 0 }) / 1000;
      inputTokens[i] = numberField(records, i, "input_length", count);
      outputTokens[i] = numberField(records, i, "output_length", count);
      const ids = records.rows[i]["hash_ids"];
      if (ids !== undefined && (!Array.isArray(ids) || !ids.every((x) => Number.isInteger(x)))) {
        throw new DataFileError(records.file, records.lines[i], "hash_ids: expected an array of integers");
      }
      hashIds![i] = Int32Array.from((ids as number[] | undefined) ?? []);
    }
  }
  // Traces merged from several front ends can be slightly out of order; replay them in time order.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a] - times[b] || a - b);
  const t0 = times[order[0]];
  const arrivalS = Float64Array.from(order, (i) => times[i] - t0);
  return {
    arrivalS,
    inputTokens: Int32Array.from(order, (i) => inputTokens[i]),
    outputTokens: Int32Array.from(order, (i) => outputTokens[i]),
    hashIds: hashIds && order.map((i) => hashIds[i]),
    spanS: arrivalS[n - 1],
  };
}
