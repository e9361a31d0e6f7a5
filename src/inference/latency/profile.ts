/**
 * A measured profile instead of the roofline: a CSV of iteration times, interpolated. Prefill rows
 * give time against prompt tokens in the iteration; decode rows give time against batch size and
 * context per sequence, and are fitted per batch size as fixed + per-context-token cost, so decode
 * stays linear in context (which replicas need to jump over iterations).
 *
 *   phase,batch_size,tokens,context_tokens,iteration_ms
 *   prefill,1,512,0,60
 *   decode,16,0,576,32.8
 */
import { DataFileError, numberField, quoteCell, type DataFiles, type Records } from "../../workload/datafiles.js";
import type { BatchShape, LatencyModel } from "./shape.js";

interface DecodeLine {
  batch: number;
  fixedUs: number;
  perContextTokenUs: number;
}

/** Linear interpolation over sorted x, extrapolated from the end segments. */
function interpolate(xs: readonly number[], ys: readonly number[], x: number): number {
  if (xs.length === 1) return ys[0] * (x / xs[0]);
  let i = 1;
  while (i < xs.length - 1 && xs[i] < x) i++;
  const t = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
  return ys[i - 1] + t * (ys[i] - ys[i - 1]);
}

export class ProfileModel implements LatencyModel {
  private constructor(
    private readonly prefillTokens: number[],
    private readonly prefillUs: number[],
    private readonly decode: DecodeLine[],
  ) {}

  static fromFile(data: DataFiles, file: string): ProfileModel {
    return data.load(file, "latency-profile", (records) => ProfileModel.parse(records));
  }

  static parse(records: Records): ProfileModel {
    const prefill: [number, number][] = [];
    const decodeRows = new Map<number, [number, number][]>();
    records.rows.forEach((row, i) => {
      const phase = String(row.phase ?? "").trim();
      const ms = numberField(records, i, "iteration_ms", { min: 0 });
      if (phase === "prefill") prefill.push([numberField(records, i, "tokens", { min: 1 }), ms * 1e3]);
      else if (phase === "decode") {
        const batch = numberField(records, i, "batch_size", { integer: true, min: 1 });
        const context = numberField(records, i, "context_tokens", { min: 0 });
        if (!decodeRows.has(batch)) decodeRows.set(batch, []);
        decodeRows.get(batch)!.push([batch * context, ms * 1e3]);
      } else {
        throw new DataFileError(records.file, records.lines[i], `column phase: expected "prefill" or "decode", got ${quoteCell(row.phase)}`);
      }
    });
    if (prefill.length === 0 || decodeRows.size === 0) {
      throw new DataFileError(records.file, undefined, "a profile needs at least one prefill row and one decode row");
    }
    prefill.sort((a, b) => a[0] - b[0]);
    const decode = [...decodeRows.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([batch, points]) => {
        // Least squares of time against total context, for this batch size.
        const n = points.length;
        const mx = points.reduce((s, p) => s + p[0], 0) / n;
        const my = points.reduce((s, p) => s + p[1], 0) / n;
        const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
        const slope = sxx > 0 ? Math.max(0, points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / sxx) : 0;
        return { batch, fixedUs: my - slope * mx, perContextTokenUs: slope };
      });
    return new ProfileModel(
      prefill.map((p) => p[0]),
      prefill.map((p) => p[1]),
      decode,
    );
  }

  decodeCost(seqs: number): { fixedUs: number; perContextTokenUs: number } {
    const batches = this.decode.map((d) => d.batch);
    if (batches.length === 1) {
      const only = this.decode[0];
      return { fixedUs: only.fixedUs, perContextTokenUs: only.perContextTokenUs };
    }
    return {
      fixedUs: Math.max(0, interpolate(batches, this.decode.map((d) => d.fixedUs), seqs)),
      perContextTokenUs: Math.max(0, interpolate(batches, this.decode.map((d) => d.perContextTokenUs), seqs)),
    };
  }

  iterationUs(shape: BatchShape): number {
    const decode = shape.decodeSeqs > 0 ? this.decodeCost(shape.decodeSeqs) : undefined;
    const decodeUs = decode ? decode.fixedUs + decode.perContextTokenUs * shape.decodeKvTokens : 0;
    const prefillUs = shape.prefillTokens > 0 ? Math.max(0, interpolate(this.prefillTokens, this.prefillUs, shape.prefillTokens)) : 0;
    // A mixed iteration does both; the decode part's fixed cost is not paid twice.
    return decode && prefillUs > 0 ? prefillUs + decodeUs - decode.fixedUs : prefillUs + decodeUs;
  }
}
