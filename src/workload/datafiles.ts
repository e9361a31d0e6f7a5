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
import { closeSync, fstatSync, lstatSync, openSync, readlinkSync, readSync, realpathSync } from "node:fs";
import { isUtf8 } from "node:buffer";
import { gunzipSync } from "node:zlib";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { formatLimit, LIMITS, quote } from "../scenario/limits.js";
import { firstInvalidUtf8, readAll } from "../scenario/source.js";

export class DataFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly detail: string,
  ) {
    super(line === undefined ? `${file}: ${detail}` : `${file}:${line}: ${detail}`);
  }
}

/** The rows of a (small) data file as records, with the 1-based line each row came from. */
export interface Records {
  readonly file: string;
  readonly rows: Record<string, unknown>[];
  readonly lines: number[];
}

/** A row as it is read: field values by column (CSV: strings; JSON Lines: any JSON value). Not kept. */
export type Row = Readonly<Record<string, unknown>>;

/** Bytes read from a file at a time. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** The longest line (or quoted CSV record) accepted: a Mooncake row of 20,000 hash ids is ~150 kB. */
const MAX_LINE_CHARS = 16 * 1024 * 1024;

/** True for JSON Lines files (.jsonl / .ndjson, optionally .gz); everything else is read as CSV. */
export function isJsonLines(file: string): boolean {
  return /\.(jsonl|ndjson)(\.gz)?$/i.test(file);
}

/** A cell or value as a message shows it: JSON-quoted, cut to LIMITS.quotedChars characters. */
export function quoteCell(raw: unknown): string {
  if (raw === undefined) return "nothing";
  if (typeof raw === "number" || typeof raw === "boolean" || raw === null) return String(raw);
  return quote(typeof raw === "string" ? raw : JSON.stringify(raw));
}

/** A column name as a message shows it: bare if it is a plain name, else quoted like a cell. */
export function columnName(name: string): string {
  return /^[A-Za-z0-9_.-]{1,40}$/.test(name) ? name : quoteCell(name);
}

/**
 * Calls `onText` with the file's text a chunk at a time (split only between characters), after
 * checking it is a regular file of UTF-8 text; a .gz file is decompressed first, up to LIMITS.decompressedBytes.
 */
function readTextChunks(path: string, shownAs: string, onText: (text: string) => void): void {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataFileError(shownAs, undefined, code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a folder, not a file" : `cannot read (${code ?? error})`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new DataFileError(shownAs, undefined, "is a folder, not a file");
    if (!stat.isFile()) throw new DataFileError(shownAs, undefined, "not a regular file (a device, pipe or socket)");
    const decoder = new ChunkDecoder(shownAs);
    if (shownAs.endsWith(".gz")) {
      let bytes: Buffer;
      try {
        bytes = gunzipSync(readAll(fd, stat.size), { maxOutputLength: LIMITS.decompressedBytes.max });
      } catch (error) {
        const tooLarge = (error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || error instanceof RangeError;
        throw new DataFileError(
          shownAs,
          undefined,
          tooLarge ? `decompresses to more than ${formatLimit(LIMITS.decompressedBytes.max)} bytes (the limit on ${LIMITS.decompressedBytes.what}); give it uncompressed, it is then streamed` : "not a valid gzip file",
        );
      }
      for (let at = 0; at < bytes.length; at += CHUNK_BYTES) onText(decoder.decode(bytes.subarray(at, Math.min(bytes.length, at + CHUNK_BYTES))));
    } else {
      const buffer = Buffer.alloc(CHUNK_BYTES);
      for (;;) {
        const n = readSync(fd, buffer, 0, buffer.length, null);
        if (n === 0) break;
        onText(decoder.decode(buffer.subarray(0, n)));
      }
    }
    decoder.end();
  } finally {
    closeSync(fd);
  }
}

/** UTF-8 decoding chunk by chunk, refusing binary content and invalid bytes with their offset and line. */
class ChunkDecoder {
  private offset = 0;
  private lines = 1;
  private carry: Buffer = Buffer.alloc(0);

  constructor(private readonly file: string) {}

  decode(chunk: Buffer): string {
    const bytes = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    // Keep back the bytes of a character split by the chunk's end.
    let end = bytes.length;
    for (let back = 1; back <= 3 && back <= bytes.length; back++) {
      const b = bytes[bytes.length - back];
      if ((b & 0xc0) === 0x80) continue;
      const width = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      if (width > back) end = bytes.length - back;
      break;
    }
    const whole = bytes.subarray(0, end);
    this.check(whole);
    this.carry = Buffer.from(bytes.subarray(end));
    this.offset += whole.length;
    for (let i = whole.indexOf(10); i >= 0; i = whole.indexOf(10, i + 1)) this.lines++;
    const text = whole.toString("utf8");
    return this.offset === whole.length && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  end(): void {
    if (this.carry.length > 0) this.check(this.carry, true);
  }

  private check(bytes: Buffer, atEnd = false): void {
    const nul = bytes.indexOf(0);
    if (nul >= 0) throw this.error(bytes, nul, `not a text file: a NUL byte at byte offset ${this.offset + nul}`);
    if (atEnd || !isUtf8(bytes)) {
      const bad = atEnd ? 0 : firstInvalidUtf8(bytes);
      if (bad >= 0) throw this.error(bytes, bad, `not valid UTF-8: byte 0x${bytes[bad].toString(16).padStart(2, "0")} at byte offset ${this.offset + bad}`);
    }
  }

  private error(bytes: Buffer, at: number, detail: string): DataFileError {
    let line = this.lines;
    for (let i = bytes.indexOf(10); i >= 0 && i < at; i = bytes.indexOf(10, i + 1)) line++;
    return new DataFileError(this.file, line, detail);
  }
}

/** Splits streamed text into lines (with their 1-based numbers), refusing a line past MAX_LINE_CHARS. */
class LineSplitter {
  private partial = "";
  private line = 0;

  constructor(
    private readonly file: string,
    private readonly onLine: (text: string, line: number) => void,
  ) {}

  push(text: string): void {
    let start = 0;
    for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n", start)) {
      const piece = text.slice(start, nl);
      const line = this.partial === "" ? piece : this.partial + piece;
      this.partial = "";
      this.onLine(line.endsWith("\r") ? line.slice(0, -1) : line, ++this.line);
      start = nl + 1;
    }
    this.partial += text.slice(start);
    if (this.partial.length > MAX_LINE_CHARS) throw new DataFileError(this.file, this.line + 1, `a line longer than ${formatLimit(MAX_LINE_CHARS)} characters`);
  }

  end(): void {
    if (this.partial !== "") this.onLine(this.partial.endsWith("\r") ? this.partial.slice(0, -1) : this.partial, ++this.line);
    this.partial = "";
  }
}

/**
 * CSV records from lines (RFC 4180: fields separated by commas, double quotes around a field that holds
 * commas, quotes ("") or line breaks). Unquoted fields are trimmed; blank lines are skipped.
 */
class CsvRecords {
  /** a quoted field still open at the end of the last line: the fields so far and the open field's text */
  private open: { fields: string[]; field: string; line: number } | undefined;

  constructor(
    private readonly file: string,
    private readonly onRecord: (fields: string[], line: number) => void,
  ) {}

  line(text: string, line: number): void {
    if (this.open === undefined) {
      if (!text.includes('"')) {
        if (text.trim() === "") return;
        this.onRecord(text.split(",").map((f) => f.trim()), line);
        return;
      }
      this.parse(text, line, [], undefined);
    } else {
      const { fields, field, line: first } = this.open;
      this.open = undefined;
      this.parse(text, first, fields, field + "\n");
    }
  }

  end(): void {
    if (this.open) throw new DataFileError(this.file, this.open.line, "malformed CSV: a quoted field is not closed before the end of the file");
  }

  /** Parses one line; `quoted` is the text of a quoted field continued from the previous line. */
  private parse(text: string, line: number, fields: string[], quoted: string | undefined): void {
    let i = 0;
    let pending = quoted;
    for (;;) {
      let value: string;
      const quoteAt = pending === undefined ? openingQuote(text, i) : -1;
      if (pending !== undefined || quoteAt >= 0) {
        let buffer = pending ?? "";
        if (pending === undefined) i = quoteAt + 1;
        pending = undefined;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) {
            buffer += text.slice(i);
            if (buffer.length > MAX_LINE_CHARS) throw new DataFileError(this.file, line, `a quoted field longer than ${formatLimit(MAX_LINE_CHARS)} characters`);
            this.open = { fields, field: buffer, line };
            return;
          }
          buffer += text.slice(i, q);
          if (text[q + 1] === '"') {
            buffer += '"';
            i = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
        if (i < text.length && text[i] !== ",") {
          throw new DataFileError(this.file, line, `malformed CSV: ${quoteCell(text.slice(i, i + 10))} after a closing quote (expected a comma)`);
        }
        value = buffer;
      } else {
        const comma = text.indexOf(",", i);
        const end = comma < 0 ? text.length : comma;
        value = text.slice(i, end).trim();
        i = end;
      }
      fields.push(value);
      if (i >= text.length) break;
      i++; // the comma
    }
    this.onRecord(fields, line);
  }
}

/** Where a field starting at `i` opens its quotes (after blanks), or -1 if it is not quoted. */
function openingQuote(text: string, i: number): number {
  while (i < text.length && (text[i] === " " || text[i] === "\t")) i++;
  return text[i] === '"' ? i : -1;
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
