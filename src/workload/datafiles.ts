/**
 * Reading the data files scenarios point at (traces, empirical distributions): CSV with a header
 * row, or JSON Lines, optionally gzipped. Problems are reported with the file's line number.
 */
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { isAbsolute, resolve } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";

export class DataFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(line === undefined ? `${file}: ${detail}` : `${file}:${line}: ${detail}`);
  }
}

/** The rows of a data file as records, with the 1-based line each row came from. */
export interface Records {
  readonly file: string;
  readonly rows: Record<string, unknown>[];
  readonly lines: number[];
}

function readText(path: string, shownAs: string): string {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataFileError(shownAs, undefined, code === "ENOENT" ? "file not found" : `cannot read (${code ?? error})`);
  }
  if (path.endsWith(".gz")) {
    try {
      bytes = gunzipSync(bytes);
    } catch {
      throw new DataFileError(shownAs, undefined, "not a valid gzip file");
    }
  }
  return bytes.toString("utf8");
}

/** True for JSON Lines files (.jsonl / .ndjson, optionally .gz); everything else is read as CSV. */
export function isJsonLines(file: string): boolean {
  return /\.(jsonl|ndjson)(\.gz)?$/i.test(file);
}

export function readRecords(path: string, shownAs = path): Records {
  const text = readText(path, shownAs);
  return isJsonLines(path) ? parseJsonLines(text, shownAs) : parseCsvRecords(text, shownAs);
}

function parseJsonLines(text: string, file: string): Records {
  const rows: Record<string, unknown>[] = [];
  const lines: number[] = [];
  const all = text.split("\n");
  for (let i = 0; i < all.length; i++) {
    const line = all[i].trim();
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new DataFileError(file, i + 1, `malformed JSON (${(error as Error).message})`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new DataFileError(file, i + 1, "expected a JSON object on each line");
    }
    rows.push(value as Record<string, unknown>);
    lines.push(i + 1);
  }
  return { file, rows, lines };
}

function parseCsvRecords(text: string, file: string): Records {
  let parsed: { record: Record<string, string>; info: { lines: number } }[];
  try {
    parsed = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, info: true });
  } catch (error) {
    const e = error as Error & { lines?: number };
    throw new DataFileError(file, e.lines, `malformed CSV (${e.message.replace(/^Invalid Record Length: /, "")})`);
  }
  return { file, rows: parsed.map((p) => p.record), lines: parsed.map((p) => p.info.lines) };
}

/** A number from a record field, or a DataFileError naming the line and column. */
export function numberField(records: Records, index: number, column: string, { integer = false, min = -Infinity } = {}): number {
  const raw = records.rows[index][column];
  const value = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min) {
    const expected = `${integer ? "an integer" : "a number"}${min > -Infinity ? ` >= ${min}` : ""}`;
    const got = raw === undefined ? "nothing (missing column)" : JSON.stringify(raw);
    throw new DataFileError(records.file, records.lines[index], `column ${column}: expected ${expected}, got ${got}`);
  }
  return value;
}

/** Caches parsed files by absolute path; relative names resolve against the scenario's folder. */
export class DataFiles {
  private readonly cache = new Map<string, unknown>();

  constructor(readonly baseDir: string) {}

  resolve(file: string): string {
    return isAbsolute(file) ? file : resolve(this.baseDir, file);
  }

  /** Parses a file once per (path, parser) pair; the parser may throw DataFileError. */
  load<T>(file: string, kind: string, parse: (records: Records) => T): T {
    const path = this.resolve(file);
    const key = `${kind}\u0000${path}`;
    if (!this.cache.has(key)) this.cache.set(key, parse(readRecords(path, file)));
    return this.cache.get(key) as T;
  }
}
