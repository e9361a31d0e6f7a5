/**
 * A data file as a stream of text: read a chunk at a time (a .gz file decompressed first), checked to
 * be UTF-8 text, split into lines and, for CSV, into records (RFC 4180). Every problem is a
 * DataFileError with the file's line number; a cell is quoted at most 40 characters long.
 * datafiles.ts turns these into rows and columns.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { isUtf8 } from "node:buffer";
import { gunzipSync } from "node:zlib";
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

/** Bytes read from a file at a time. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** The longest line (or quoted CSV record) accepted: a Mooncake row of 20,000 hash ids is ~150 kB. */
const MAX_LINE_CHARS = 16 * 1024 * 1024;

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
export function readTextChunks(path: string, shownAs: string, onText: (text: string) => void): void {
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
export class LineSplitter {
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
export class CsvRecords {
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
