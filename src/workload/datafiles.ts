/**
 * Reading the data files scenarios point at (traces, empirical distributions, latency profiles): CSV
 * with a header row, or JSON Lines, optionally gzipped. Files are streamed a chunk at a time, row by
 * row, so a reader keeps only what it needs (typed columns); problems are reported with the file's
 * line number, and a cell is quoted at most 40 characters long.
 *
 * Data files are confined: a scenario may name files only inside its own folder and the folders given
 * with `--data-dir` (symbolic links resolved first), so a scenario submitted to a CI job cannot make
 * fleetsim read, or quote in its errors, a file elsewhere on the machine.
 */
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { formatLimit, LIMITS, quote } from "../scenario/limits.js";
import { columnName, CsvRecords, DataFileError, LineSplitter, quoteCell, readTextChunks } from "./text-stream.js";

export { columnName, DataFileError, quoteCell } from "./text-stream.js";


/** The rows of a (small) data file as records, with the 1-based line each row came from. */
export interface Records {
  readonly file: string;
  readonly rows: Record<string, unknown>[];
  readonly lines: number[];
}

/** A row as it is read: field values by column (CSV: strings; JSON Lines: any JSON value). Not kept. */
export type Row = Readonly<Record<string, unknown>>;


/** True for JSON Lines files (.jsonl / .ndjson, optionally .gz); everything else is read as CSV. */
export function isJsonLines(file: string): boolean {
  return /\.(jsonl|ndjson)(\.gz)?$/i.test(file);
}



/** How a streamed file is read: CSV (a header row) or JSON Lines. */
export interface RowReader {
  /** CSV: the header's column names, before the first row (JSON Lines has none). */
  onHeader?(columns: readonly string[], line: number): void;
  /** A data row, with the line it started on. */
  onRow(row: Row, line: number): void;
}

/** Streams the rows of a data file to `reader`; returns how many there were (at most LIMITS.dataRows). */
export function scanRows(path: string, shownAs: string, reader: RowReader): number {
  let rows = 0;
  const counted = (line: number) => {
    if (++rows > LIMITS.dataRows.max) {
      throw new DataFileError(shownAs, line, `more than ${formatLimit(LIMITS.dataRows.max)} rows (the limit on ${LIMITS.dataRows.what}); use a sample of the file`);
    }
  };
  if (isJsonLines(shownAs)) {
    const lines = new LineSplitter(shownAs, (text, line) => {
      const trimmed = text.trim();
      if (trimmed === "") return;
      let value: unknown;
      try {
        value = JSON.parse(trimmed);
      } catch (error) {
        throw new DataFileError(shownAs, line, `malformed JSON (${quote((error as Error).message, 80)})`);
      }
      if (typeof value !== "object" || value === null || Array.isArray(value)) throw new DataFileError(shownAs, line, "expected a JSON object on each line");
      counted(line);
      reader.onRow(value as Row, line);
    });
    readTextChunks(path, shownAs, (text) => lines.push(text));
    lines.end();
    return rows;
  }
  let header: string[] | undefined;
  const csv = new CsvRecords(shownAs, (fields, line) => {
    if (header === undefined) {
      header = fields;
      const seen = new Set<string>();
      for (const name of header) {
        if (name === "") throw new DataFileError(shownAs, line, "the header row has an empty column name");
        if (seen.has(name)) throw new DataFileError(shownAs, line, `the header row names column ${columnName(name)} twice`);
        seen.add(name);
      }
      reader.onHeader?.(header, line);
      return;
    }
    if (fields.length !== header.length) {
      throw new DataFileError(shownAs, line, `malformed CSV: ${fields.length} fields, but the header has ${header.length} columns`);
    }
    counted(line);
    // A row without a prototype: a column named __proto__ is just a column.
    const row: Record<string, unknown> = Object.create(null);
    for (let k = 0; k < header.length; k++) row[header[k]] = fields[k];
    reader.onRow(row, line);
  });
  const lines = new LineSplitter(shownAs, (text, line) => csv.line(text, line));
  readTextChunks(path, shownAs, (text) => lines.push(text));
  lines.end();
  csv.end();
  if (header === undefined) throw new DataFileError(shownAs, undefined, "the file is empty (expected a header row naming the columns, then data rows)");
  return rows;
}

/** Every row of a (small) data file, kept as records. */
export function readRecords(path: string, shownAs = path): Records {
  const rows: Record<string, unknown>[] = [];
  const lines: number[] = [];
  scanRows(path, shownAs, {
    onRow(row, line) {
      rows.push(row as Record<string, unknown>);
      lines.push(line);
    },
  });
  return { file: shownAs, rows, lines };
}

/** A number from a row's field, or a DataFileError naming the line, the column and (briefly) the cell. */
export function numberIn(file: string, line: number, row: Row, column: string, { integer = false, min = -Infinity, max = Infinity } = {}): number {
  const raw = row[column];
  const value = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min || value > max) {
    const bounds = [min > -Infinity ? `>= ${min}` : "", max < Infinity ? `<= ${formatLimit(max)}` : ""].filter(Boolean).join(" and ");
    const expected = `${integer ? "an integer" : "a number"}${bounds ? ` ${bounds}` : ""}`;
    const got = raw === undefined ? "nothing (missing column)" : quoteCell(raw);
    return fail(file, line, `column ${columnName(column)}: expected ${expected}, got ${got}`);
  }
  return value;
}

function fail(file: string, line: number | undefined, detail: string): never {
  throw new DataFileError(file, line, detail);
}

/** A number from a record field, or a DataFileError naming the line and column. */
export function numberField(records: Records, index: number, column: string, options: { integer?: boolean; min?: number; max?: number } = {}): number {
  return numberIn(records.file, records.lines[index], records.rows[index], column, options);
}

/**
 * The numbers of one column (CSV) or key (JSON Lines) of a data file, each within the bounds; a file
 * without the column, or with no data rows, is refused.
 */
export function readNumberColumn(path: string, shownAs: string, column: string, bounds: { min?: number; max?: number } = {}): Float64Array {
  const values = new Column((n) => new Float64Array(n));
  scanRows(path, shownAs, {
    onHeader(columns, line) {
      if (!columns.includes(column)) {
        const shown = columns.slice(0, 20).map(columnName).join(", ") + (columns.length > 20 ? ", ..." : "");
        throw new DataFileError(shownAs, line, `no column ${columnName(column)} (the header has ${shown})`);
      }
    },
    onRow(row, line) {
      values.push(numberIn(shownAs, line, row, column, bounds));
    },
  });
  if (values.length === 0) throw new DataFileError(shownAs, undefined, `no data rows (only a header, or nothing): column ${columnName(column)} has no values to sample`);
  return values.values();
}

/** A growable typed column: capacity doubles, so memory stays within twice the rows' bytes. */
export class Column<A extends Float64Array | Int32Array> {
  private data: A;
  length = 0;

  constructor(private readonly make: (n: number) => A) {
    this.data = make(1024);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = value;
  }

  /** The values, in an array of exactly their length. */
  values(): A {
    return this.data.slice(0, this.length) as A;
  }
}

/** Is `path` inside `folder` (or the folder itself)? Both absolute and normalised. */
function isInside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

function realFolder(folder: string): string {
  try {
    return realpathSync(folder);
  } catch {
    return resolve(folder);
  }
}

/** The real path of the nearest folder above `path` that exists. */
function existingAncestor(path: string): string | undefined {
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    try {
      return realpathSync(folder);
    } catch {
      if (dirname(folder) === folder) return undefined;
    }
  }
}

/**
 * Caches parsed files by absolute path; relative names resolve against the scenario's folder. A file
 * must lie, after symbolic links are resolved, inside the scenario's folder or one of `dataDirs`.
 */
export class DataFiles {
  private readonly cache = new Map<string, unknown>();
  /** the folders data files may come from, as given and as their real paths */
  private readonly allowed: { shown: string; real: string }[];

  constructor(
    readonly baseDir: string,
    readonly dataDirs: readonly string[] = [],
  ) {
    this.allowed = [baseDir, ...dataDirs].map((folder) => ({ shown: resolve(folder), real: realFolder(folder) }));
  }

  /** The real path of a data file the scenario names, or a DataFileError if it is outside the allowed folders. */
  resolve(file: string): string {
    const lexical = isAbsolute(file) ? resolve(file) : resolve(this.baseDir, file);
    if (!this.allowed.some((a) => isInside(lexical, a.shown) || isInside(lexical, a.real))) throw this.outside(file);
    let real: string;
    try {
      real = realpathSync(lexical);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new DataFileError(file, undefined, `cannot read (${(error as NodeJS.ErrnoException).code ?? error})`);
      // Say "not found" only when nothing outside is involved, so no answer tells whether a file elsewhere exists.
      let target = lexical;
      let isLink = false;
      try {
        isLink = lstatSync(lexical).isSymbolicLink();
        if (isLink) target = resolve(dirname(lexical), readlinkSync(lexical));
      } catch {
        // no entry at all
      }
      const existing = existingAncestor(target);
      if (!this.allowed.some((a) => isInside(target, a.shown) || isInside(target, a.real)) || (existing !== undefined && !this.allowed.some((a) => isInside(existing, a.real)))) {
        throw this.outside(file, isLink);
      }
      throw new DataFileError(file, undefined, isLink ? "a symbolic link to a file that does not exist" : "file not found");
    }
    if (!this.allowed.some((a) => isInside(real, a.real))) throw this.outside(file, real !== lexical);
    return real;
  }

  private outside(file: string, throughLink = false): DataFileError {
    const folders = this.allowed.map((a) => a.shown);
    return new DataFileError(
      file,
      undefined,
      `${throughLink ? "leads (through a symbolic link) " : "is "}outside the folders data files may be read from (the scenario's folder${folders.length > 1 ? " and --data-dir" : ""}: ${folders.join(", ")}); move the file there or name its folder with --data-dir`,
    );
  }

  /** Reads a file once per (path, kind) pair with `read(realPath, shownAs)`, which may throw DataFileError. */
  read<T>(file: string, kind: string, read: (path: string, shownAs: string) => T): T {
    const path = this.resolve(file);
    const key = `${kind}\u0000${path}`;
    if (!this.cache.has(key)) this.cache.set(key, read(path, file));
    return this.cache.get(key) as T;
  }

  /** Parses a small file once per (path, parser) pair; the parser may throw DataFileError. */
  load<T>(file: string, kind: string, parse: (records: Records) => T): T {
    return this.read(file, kind, (path, shownAs) => parse(readRecords(path, shownAs)));
  }
}
