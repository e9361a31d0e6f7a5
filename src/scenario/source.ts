/**
 * A scenario file's bytes to a YAML document, refusing in bounded time and memory what is not a
 * scenario: a file too large, empty or binary, invalid UTF-8, nesting deeper than any scenario needs,
 * alias bombs, keys that name JavaScript object internals, and NaN or infinite numbers. Each refusal
 * is a ScenarioError with file:line:col.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { isUtf8 } from "node:buffer";
import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from "yaml";
import { closestMatch, ScenarioError, type PathSegment, type ScenarioIssue } from "./issues.js";
import { formatLimit, LIMITS, quote } from "./limits.js";

/** Keys that name JavaScript object internals: never a scenario field or a name, and a pollution risk. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

function refuse(file: string, message: string, at?: { line: number; col: number }): never {
  throw new ScenarioError([{ file, ...(at ?? {}), path: "", message }]);
}

/** 1-based line and column of a byte offset (columns count characters, as the YAML positions do). */
export function positionOfByte(bytes: Uint8Array, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  let col = 1;
  for (let i = lineStart; i < offset; i++) if ((bytes[i] & 0xc0) !== 0x80) col++;
  return { line, col };
}

/** Offset of the first byte that is not part of well-formed UTF-8 (RFC 3629), or -1. */
export function firstInvalidUtf8(bytes: Uint8Array, end = bytes.length): number {
  let i = 0;
  while (i < end) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    if (i + need >= end) return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** The text of a scenario's bytes; refuses empty, binary and non-UTF-8 content. */
export function decodeSource(bytes: Uint8Array, file: string): string {
  if (bytes.length === 0) refuse(file, "the file is empty: a scenario is a YAML mapping with at least version, name and duration");
  const nul = bytes.indexOf(0);
  if (nul >= 0) refuse(file, `not a text file: a NUL byte at byte offset ${nul} (a scenario is YAML text in UTF-8)`, positionOfByte(bytes, nul));
  if (!isUtf8(bytes)) {
    const bad = firstInvalidUtf8(bytes);
    refuse(file, `not valid UTF-8: byte 0x${bytes[bad].toString(16).padStart(2, "0")} at byte offset ${bad} (save the file as UTF-8)`, positionOfByte(bytes, bad));
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The bytes of a file just opened as `fd`, up to `size` (its size when opened; fewer if it shrank meanwhile). */
export function readAll(fd: number, size: number): Buffer {
  const bytes = Buffer.alloc(size);
  let filled = 0;
  while (filled < size) {
    const n = readSync(fd, bytes, filled, size - filled, filled);
    if (n === 0) break;
    filled += n;
  }
  return bytes.subarray(0, filled);
}

/** ", did you mean NAME?" for a YAML file of a close name in the same folder, or nothing. */
function nearestFile(file: string): string {
  let names: string[];
  try {
    names = readdirSync(dirname(file) || ".").filter((name) => /\.ya?ml$/i.test(name));
  } catch {
    return "";
  }
  const guess = closestMatch(basename(file), names);
  return guess ? `; did you mean ${join(dirname(file), guess)}?` : "";
}

/** Reads a scenario (or another YAML input) file: a regular file of at most LIMITS.scenarioBytes, in UTF-8. */
export function readSourceFile(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    refuse(file, code === "ENOENT" ? `file not found${nearestFile(file)}` : code === "EISDIR" ? "is a folder, not a file" : `cannot read (${code})`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) refuse(file, "is a folder, not a file");
    if (!stat.isFile()) refuse(file, "not a regular file (a device, pipe or socket): give a scenario file");
    if (stat.size > LIMITS.scenarioBytes.max) {
      refuse(file, `the file has ${formatLimit(stat.size)} bytes, more than ${formatLimit(LIMITS.scenarioBytes.max)} (the limit on ${LIMITS.scenarioBytes.what})`);
    }
    return decodeSource(readAll(fd, stat.size), file);
  } catch (error) {
    if (error instanceof ScenarioError) throw error;
    refuse(file, `cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  } finally {
    closeSync(fd);
  }
}

/**
 * Offset where flow collections (`[`, `{`) first nest deeper than the limit, or -1. The YAML parser
 * recurses per level, so a million brackets would take it seconds to refuse; this scan takes
 * milliseconds. Quoted scalars and comments are skipped; brackets inside plain scalars are counted,
 * which can only make it refuse a file that has over 64 of them unclosed.
 */
export function tooDeepFlow(text: string, limit = LIMITS.yamlDepth.max): number {
  let depth = 0;
  let i = 0;
  const n = text.length;
  const tokenStart = (k: number) => k === 0 || " \t\r\n[{,:-?".includes(text[k - 1]);
  while (i < n) {
    const c = text[i];
    if (c === "#" && (i === 0 || " \t\r\n".includes(text[i - 1]))) {
      while (i < n && text[i] !== "\n") i++;
    } else if (c === '"' && tokenStart(i)) {
      i++;
      while (i < n && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    } else if (c === "'" && tokenStart(i)) {
      // '' is a quote inside a single-quoted scalar
      i++;
      while (i < n && !(text[i] === "'" && text[i + 1] !== "'")) i += text[i] === "'" ? 2 : 1;
    } else if (c === "[" || c === "{") {
      if (++depth > limit) return i;
    } else if (c === "]" || c === "}") {
      depth = Math.max(0, depth - 1);
    }
    i++;
  }
  return -1;
}

export interface ParsedSource {
  doc: Document;
  lines: LineCounter;
}

const DEPTH_MESSAGE = `nested more than ${LIMITS.yamlDepth.max} levels deep (the limit on ${LIMITS.yamlDepth.what}; a scenario nests about 8)`;

/** Parses YAML text; throws ScenarioError listing syntax errors with their positions. */
export function parseSource(text: string, file: string): ParsedSource {
  const deep = tooDeepFlow(text);
  if (deep >= 0) refuse(file, DEPTH_MESSAGE, positionInText(text, deep));
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const issues: ScenarioIssue[] = [];
  for (const error of doc.errors) {
    const { line, col } = lines.linePos(error.pos[0]);
    let message = `YAML syntax error: ${error.message.split("\n")[0]}`;
    if (error.code === "RESOURCE_EXHAUSTION") message = DEPTH_MESSAGE;
    else if (error.code === "DUPLICATE_KEY") message = `duplicate key ${duplicateKeyAt(text, error.pos[0])}: each key may appear once in a mapping`;
    issues.push({ file, line, col, path: "", message });
  }
  if (issues.length > 0) throw new ScenarioError(issues.slice(0, 20));
  if (doc.contents === null) refuse(file, "the file has no content (only comments or blank lines): a scenario is a YAML mapping with at least version, name and duration");
  return { doc, lines };
}

function positionInText(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}

function duplicateKeyAt(text: string, offset: number): string {
  const match = /^[^\s:#]+/.exec(text.slice(offset, offset + 200));
  return match ? quote(match[0]) : "";
}

/** A problem at a field path, or at `offset` in the source when the path cannot name it (a complex key). */
type Problem = (path: PathSegment[], message: string, atKey?: boolean, offset?: number) => void;

/**
 * Walks the document (not expanding aliases) and reports nesting past the limit, keys that are not
 * plain scalars or that name object internals, and numbers that are NaN or infinite. Iterative, so
 * depth cannot overflow the stack.
 */
export function checkDocument(doc: Document, problem: Problem): void {
  const stack: { node: unknown; path: PathSegment[] }[] = [{ node: doc.contents, path: [] }];
  let depthReported = false;
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (isScalar(node)) {
      if (typeof node.value === "number" && !Number.isFinite(node.value)) {
        const shown = (node as { source?: string }).source ?? String(node.value);
        problem(path, `expected a finite number, got ${quote(shown)} (${Number.isNaN(node.value) ? "not a number" : "infinite"}): NaN and infinities are not allowed`);
      }
      continue;
    }
    if (!isCollection(node)) continue;
    if (path.length >= LIMITS.yamlDepth.max) {
      // At the node's position, without its (64-segment) path.
      if (!depthReported) problem([], DEPTH_MESSAGE, false, (node as { range?: number[] }).range?.[0]);
      depthReported = true;
      continue;
    }
    if (isSeq(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) stack.push({ node: node.items[i], path: [...path, i] });
    } else if (isMap(node)) {
      for (let i = node.items.length - 1; i >= 0; i--) {
        const pair = node.items[i];
        if (!isPair(pair)) continue;
        // Keys set by --set overrides are plain values, not nodes.
        const key = pair.key as unknown;
        if (isCollection(key) || isAlias(key)) {
          problem(path, `a key must be a plain name, not ${isAlias(key) ? "an alias" : "a list or mapping"}`, false, (key as { range?: number[] }).range?.[0]);
          continue;
        }
        const name = isScalar(key) ? String(key.value) : String(key ?? "");
        if (FORBIDDEN_KEYS.has(name)) {
          problem([...path, name], `the key '${name}' is not allowed (it names a JavaScript object's internals; no scenario field or name uses it)`, true);
          continue;
        }
        stack.push({ node: pair.value, path: [...path, name] });
      }
    }
  }
}

/**
 * The same checks for a scenario given as plain data (the library API): nesting, forbidden keys
 * (own keys, as JSON.parse makes them), NaN and infinities. Iterative, and bounded by the depth limit,
 * so a cyclic object is refused rather than followed forever.
 */
export function checkPlainData(input: unknown, problem: Problem): void {
  const stack: { value: unknown; path: PathSegment[] }[] = [{ value: input, path: [] }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === "number" && !Number.isFinite(value)) {
      problem(path, `expected a finite number, got ${value}: NaN and infinities are not allowed`);
      continue;
    }
    if (value === null || typeof value !== "object") continue;
    if (path.length >= LIMITS.yamlDepth.max) {
      problem([...path.slice(0, 3), "..."], `nested more than ${LIMITS.yamlDepth.max} levels deep, or cyclic (a scenario nests about 8)`);
      return;
    }
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], path: [...path, i] });
      continue;
    }
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) problem([...path, key], `the key '${key}' is not allowed (it names a JavaScript object's internals; no scenario field or name uses it)`);
      else stack.push({ value: (value as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
}

/** Offset of the first alias in the document, for the message on an alias bomb. */
function firstAlias(doc: Document): number | undefined {
  const stack: unknown[] = [doc.contents];
  let first: number | undefined;
  while (stack.length > 0) {
    const node = stack.pop();
    if (isAlias(node)) {
      const at = node.range?.[0];
      if (at !== undefined && (first === undefined || at < first)) first = at;
    } else if (isSeq(node)) stack.push(...node.items);
    else if (isMap(node)) for (const pair of node.items) stack.push(pair.key, pair.value);
  }
  return first;
}

/** The document as plain data, with alias expansion bounded (an alias bomb is refused, not expanded). */
export function plainData(doc: Document, lines: LineCounter, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: LIMITS.yamlAliases.max });
  } catch (error) {
    if (!(error instanceof ReferenceError) || !/alias/i.test(error.message)) throw error;
    const at = firstAlias(doc);
    refuse(
      file,
      `too many alias expansions (YAML anchors and * references): the document would expand past the limit of ${LIMITS.yamlAliases.max} (an "alias bomb"); write the values out or use fewer references`,
      at === undefined ? undefined : lines.linePos(at),
    );
  }
}
