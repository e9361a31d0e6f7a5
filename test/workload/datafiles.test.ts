/** Data files: CSV and JSON Lines read a chunk at a time, refused cleanly when broken, and confined to allowed folders. */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DataFileError, DataFiles, readNumberColumn, readRecords } from "../../src/workload/datafiles.js";
import { readTrace } from "../../src/workload/trace.js";

const dir = mkdtempSync(join(tmpdir(), "fleetsim-datafiles-"));

function file(name: string, content: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function refusal(read: () => unknown): DataFileError {
  try {
    read();
  } catch (error) {
    if (error instanceof DataFileError) return error;
    throw error;
  }
  throw new Error("expected a DataFileError");
}

describe("CSV", () => {
  it("reads quoted fields with commas, doubled quotes and line breaks, CRLF line ends and a byte-order mark", () => {
    const path = file("quoted.csv", '\ufeffname,note\r\n plain , "a, b"\r\n"say ""hi""","two\r\nlines"\r\n\r\nlast,\n');
    const records = readRecords(path);
    expect(records.rows).toEqual([
      { name: "plain", note: "a, b" },
      { name: 'say "hi"', note: "two\nlines" },
      { name: "last", note: "" },
    ]);
    // Each row is numbered by the line it starts on; the blank line is skipped.
    expect(records.lines).toEqual([2, 3, 6]);
  });

  it("keeps a column named __proto__ as a column, not the row's prototype", () => {
    const row = readRecords(file("proto.csv", "__proto__,x\n1,2\n")).rows[0];
    expect(Object.keys(row)).toEqual(["__proto__", "x"]);
    expect(Object.getPrototypeOf(row)).toBe(null);
  });

  it("reads a character split across the 4 MiB chunks it is read in", () => {
    const pad = "x".repeat(4 * 1024 * 1024 - "value\n".length - 1);
    // 'é' is two bytes: the first is the chunk's last byte.
    const path = file("boundary.csv", `value\n${pad}é\n`);
    const rows = readRecords(path).rows;
    expect(rows).toHaveLength(1);
    expect((rows[0].value as string).endsWith("xé")).toBe(true);
  });

  it("refuses ragged rows, unclosed quotes, NUL bytes and invalid UTF-8 by line", () => {
    expect(refusal(() => readRecords(file("ragged.csv", "a,b\n1,2\n3\n"))).message).toMatch(/ragged\.csv:3: malformed CSV: 1 fields, but the header has 2 columns/);
    expect(refusal(() => readRecords(file("open.csv", 'a,b\n1,"2\n3,4\n'))).message).toMatch(/open\.csv:2: .*quoted field is not closed/);
    expect(refusal(() => readRecords(file("nul.csv", Buffer.from("a\n1\n\u0000\n")))).message).toMatch(/nul\.csv:3: not a text file: a NUL byte at byte offset 4/);
    expect(refusal(() => readRecords(file("latin1.csv", Buffer.from([0x61, 0x0a, 0x31, 0x0a, 0xe9, 0x0a])))).message).toMatch(/latin1\.csv:3: not valid UTF-8: byte 0xe9 at byte offset 4/);
  });
});

describe("traces and columns", () => {
  it("reads an Azure trace into columns in time order, and a Mooncake trace's hash ids", () => {
    const azure = readTrace(
      file("azure.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:47.5000000,20,2\n2023-11-16 18:15:46.0000000,10,1\n2023-11-16 18:16:46.0000000,30,3\n"),
      "azure.csv",
      undefined,
    );
    expect(Array.from(azure.arrivalS)).toEqual([0, 1.5, 60]);
    expect(Array.from(azure.inputTokens)).toEqual([10, 20, 30]);
    expect(Array.from(azure.outputTokens)).toEqual([1, 2, 3]);
    const mooncake = readTrace(
      file("m.jsonl", '{"timestamp": 3000, "input_length": 5, "output_length": 1, "hash_ids": [7, 8]}\n{"timestamp": 1000, "input_length": 4, "output_length": 2}\n'),
      "m.jsonl",
      undefined,
    );
    expect(Array.from(mooncake.arrivalS)).toEqual([0, 2]);
    expect(mooncake.hashIds!.map((ids) => Array.from(ids))).toEqual([[], [7, 8]]);
  });

  it("names the missing column once, from the header, instead of failing on every row", () => {
    const error = refusal(() => readTrace(file("two.csv", "TIMESTAMP,ContextTokens\n2023-11-16 18:15:46.0,10\n"), "two.csv", "azure"));
    expect(error.line).toBe(1);
    expect(error.detail).toBe("missing column(s) GeneratedTokens (an Azure trace has TIMESTAMP, ContextTokens, GeneratedTokens)");
  });

  it("quotes a cell at most 40 characters long", () => {
    const secret = `sk-${"A".repeat(60)}`;
    const error = refusal(() => readNumberColumn(file("secret.csv", `v\n${secret}\n`), "secret.csv", "v"));
    expect(error.detail).toBe(`column v: expected a number, got "sk-${"A".repeat(37)}"... (63 characters)`);
  });

  it("refuses an empirical column with a header and no rows", () => {
    expect(refusal(() => readNumberColumn(file("empty-col.csv", "v\n"), "empty-col.csv", "v")).detail).toMatch(/^no data rows/);
  });
});

describe("data files are confined to the scenario's folder and --data-dir folders", () => {
  const root = mkdtempSync(join(tmpdir(), "fleetsim-confined-"));
  const scenarioDir = join(root, "scenario");
  const shared = join(root, "shared");
  mkdirSync(join(scenarioDir, "traces"), { recursive: true });
  mkdirSync(shared);
  writeFileSync(join(scenarioDir, "traces", "in.csv"), "v\n1\n");
  writeFileSync(join(shared, "out.csv"), "v\nsk-TOPSECRET\n");
  symlinkSync(join(scenarioDir, "traces", "in.csv"), join(scenarioDir, "link-in.csv"));
  symlinkSync(join(shared, "out.csv"), join(scenarioDir, "link-out.csv"));
  symlinkSync(join(shared, "missing.csv"), join(scenarioDir, "dangling-out.csv"));
  const read = (data: DataFiles, name: string) => data.read(name, "column", (path, shownAs) => readNumberColumn(path, shownAs, "v"));

  it("reads files in the scenario's folder, through links that stay inside it", () => {
    const data = new DataFiles(scenarioDir);
    expect(Array.from(read(data, "traces/in.csv"))).toEqual([1]);
    expect(Array.from(read(data, "link-in.csv"))).toEqual([1]);
    expect(Array.from(read(data, join(scenarioDir, "traces", "in.csv")))).toEqual([1]);
  });

  it("refuses paths and links leading elsewhere without reading (or quoting) them", () => {
    const data = new DataFiles(scenarioDir);
    for (const name of ["../shared/out.csv", join(shared, "out.csv"), "link-out.csv", "traces/../../shared/out.csv"]) {
      const error = refusal(() => read(data, name));
      expect(error.detail, name).toMatch(/outside the folders data files may be read from/);
      expect(error.message, name).not.toMatch(/TOPSECRET/);
    }
    // A link to a missing file elsewhere is refused as outside: the answer does not say whether it exists.
    expect(refusal(() => read(data, "dangling-out.csv")).detail).toMatch(/^leads \(through a symbolic link\) outside/);
    expect(refusal(() => read(data, "../shared/missing.csv")).detail).toMatch(/^is outside/);
    expect(refusal(() => read(data, "traces/missing.csv")).detail).toBe("file not found");
  });

  it("reads from a folder named as a data dir, directly or through a link", () => {
    const data = new DataFiles(scenarioDir, [shared]);
    expect(refusal(() => read(data, "../shared/out.csv")).detail).toMatch(/^column v: expected a number, got "sk-TOPSECRET"$/);
    expect(refusal(() => read(data, "link-out.csv")).detail).toMatch(/^column v: expected a number/);
  });
});
