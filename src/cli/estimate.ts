/** `fleetsim estimate`: one latency-model point as JSON, or a CSV of points. */
import { readRecords, DataFileError } from "../workload/datafiles.js";
import { estimate, EstimateError, type EstimateInput, type EstimateMode } from "../estimate.js";
import type { Precision } from "../catalog/precisions.js";
import { StagedFiles } from "../report/write.js";
import { UsageError } from "./errors.js";
import { basename, dirname } from "node:path";

export interface EstimateOptions {
  gpu?: string;
  model?: string;
  precision: string;
  tp: number;
  isl?: number;
  osl?: number;
  batch?: number;
  concurrency?: number;
  maxThroughput: boolean;
  stack?: "trtllm" | "vllm-2023";
  points?: string;
  out?: string;
}

const OUTPUT_COLUMNS = ["ttft_ms", "tbt_ms", "e2e_ms", "output_tokens_per_s"] as const;

function round(x: number): number {
  return Number(x.toPrecision(6));
}

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
  const input: EstimateInput = { gpu: o.gpu!, model: o.model!, precision: o.precision as Precision, tp: o.tp, isl: o.isl!, osl: o.osl!, mode, stack: o.stack };
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
    isl: input.isl,
    osl: input.osl,
    mode: mode.kind,
    ...Object.fromEntries(OUTPUT_COLUMNS.map((c) => [c, round(result[c])])),
    ...result.detail,
  };
  process.stdout.write(JSON.stringify(out, null, 2) + "\n");
}

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
  if (missing.length > 0) throw new UsageError(`${file}: missing column(s) ${missing.join(", ")} (expected gpu,model,precision,tp,isl,osl and one of batch, concurrency, max_throughput)`);
  const inputColumns = header;
  const lines = [[...inputColumns, ...OUTPUT_COLUMNS].join(",")];
  records.rows.forEach((row, i) => {
    const where = `${file} line ${records.lines[i]}`;
    const text = (c: string) => String(row[c] ?? "").trim();
    const int = (c: string) => {
      const v = text(c);
      if (v === "") return undefined;
      const n = Number(v);
      if (!Number.isInteger(n)) throw new UsageError(`${where}: column ${c}: expected an integer, got ${JSON.stringify(v)}`);
      return n;
    };
    const flag = text("max_throughput").toLowerCase();
    const mode = modeOf(int("batch"), int("concurrency"), flag === "1" || flag === "true" || flag === "yes");
    if (typeof mode === "string") throw new UsageError(`${where}: ${mode.replace(/--(\w+)(-throughput)?/g, (m) => m.slice(2).replace("-", "_"))}`);
    const input: EstimateInput = { gpu: text("gpu"), model: text("model"), precision: text("precision") as Precision, tp: int("tp") ?? 1, isl: int("isl") ?? NaN, osl: int("osl") ?? NaN, mode, stack };
    let result;
    try {
      result = estimate(input);
    } catch (error) {
      if (error instanceof EstimateError) throw new UsageError(`${where}: ${error.message}`);
      throw error;
    }
    lines.push([...inputColumns.map((c) => text(c)), ...OUTPUT_COLUMNS.map((c) => String(round(result[c])))].join(","));
  });
  const csv = lines.join("\n") + "\n";
  if (!out) {
    process.stdout.write(csv);
    return;
  }
  const files = new StagedFiles(dirname(out));
  files.write(basename(out), csv);
  files.commit();
}
