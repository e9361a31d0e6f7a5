/**
 * The corpus of broken inputs in test/fixtures/bad/: every scenario there (and the data files they
 * name) is refused with exit 2, a message located by file:line:col or file, no stack trace, nothing
 * written, in a few seconds. Its README's table is this test's output: regenerate it with
 * `FLEETSIM_UPDATE_BAD_README=1 npx vitest run test/validation/bad-corpus.test.ts`.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCommand } from "../../src/cli/run.js";
import { ScenarioError } from "../../src/scenario/issues.js";
import { REPO_ROOT, runCli } from "../support/cli.js";

const DIR = "test/fixtures/bad";
const README = join(REPO_ROOT, DIR, "README.md");

/** What is wrong with each file (the README's second column). */
const CASES: Record<string, string> = {
  "empty.yaml": "zero bytes",
  "comments-only.yaml": "only comments and blank lines",
  "binary.yaml": "a gzip file named .yaml",
  "invalid-utf8.yaml": "bytes 0xff 0xfe in the name (Latin-1, not UTF-8)",
  "utf16.yaml": "the scenario saved as UTF-16",
  "alias-bomb.yaml": "YAML alias bomb: 9 levels of 10 references each (10^9 strings expanded)",
  "deep-flow.yaml": "5,000 nested flow lists `[[[...]]]`",
  "deep-block.yaml": "80 nested block mappings",
  "duplicate-key.yaml": "`duration` given twice",
  "proto-key.yaml": "a top-level `__proto__` key",
  "constructor-key.yaml": "a server type named `constructor`",
  "prototype-key.yaml": "a gateway rate limit for a tenant named `prototype`",
  "nan.yaml": "`rate_per_s: .nan`",
  "infinity.yaml": "`duration: .inf`",
  "huge-exponent.yaml": "`rate_per_s: 1e999` (infinite as a double)",
  "top-level-list.yaml": "a list instead of a mapping",
  "syntax-error.yaml": "an unclosed flow mapping",
  "tab-indent.yaml": "a tab used for indentation",
  "complex-key.yaml": "a list used as a mapping key (`? [a, b]`)",
  "wrong-types.yaml": "a duration in words and a rate given as a list",
  "replicas-1e12.yaml": "`replicas: { initial: 1000000000000 }`",
  "duration-1e30s.yaml": "`duration: 1e30s`",
  "duration-401d.yaml": "a duration one day past the limit",
  "rate-over-limit.yaml": "10 M requests/s from one tenant",
  "tokens-over-limit.yaml": "prompts of 100 M tokens",
  "burst-over-limit.yaml": "a burst of 10 M requests",
  "servers-over-limit.yaml": "2 M servers in one pool",
  "inline-gpu-memory.yaml": "an inline GPU with 10^9 GB of memory",
  "weibull-shape-tiny.yaml": "a Weibull shape of 0.0001 (its mean's gamma function overflows)",
  "cv-huge.yaml": "a lognormal with CV 1e200",
  "tensor-parallel.yaml": "tensor_parallel 4,096",
  "max-queue.yaml": "max_queue 10^12",
  "draft-tokens-over-limit.yaml": "a speculative draft proposing 100,000 tokens a step",
  "offload-host-memory.yaml": "1,000 GB of KV offload host memory for each of the 8 replicas a p5.48xlarge holds",
  "retries-over-limit.yaml": "a million retries",
  "rtt-over-limit.yaml": "a round trip of 10^9 ms",
  "servers-x-gpus.yaml": "10,000 servers of 1,024 GPUs (each field within its limit, the product not)",
  "replicas-x-regions.yaml": "100,000 replicas in each of 20 regions",
  "tenants-x-regions.yaml": "101 tenants x 100 regions of statistics",
  "closed-loop-users.yaml": "three tenants of a million closed-loop users each",
  "requests-per-run.yaml": "a million requests/s for 400 days",
  "series-buckets.yaml": "30 days in 1-second time-series buckets",
  "failure-events.yaml": "GPU failures every second on 800,000 GPUs for a day",
  "prefix-blocks.yaml": "100 shared prefixes of 10 M tokens",
  "predictive-season.yaml": "a predictive autoscaler remembering 200 days of 1-second periods",
  "trace-missing-column.yaml": "an Azure trace without GeneratedTokens",
  "trace-bad-row.yaml": "a token count in words",
  "trace-negative-tokens.yaml": "a negative token count",
  "trace-tokens-over-limit.yaml": "a prompt of 2 billion tokens",
  "trace-bad-timestamp.yaml": "a timestamp in words",
  "trace-header-only.yaml": "a trace with a header and no rows",
  "trace-binary.yaml": "binary bytes after the rows",
  "trace-invalid-utf8.yaml": "a Latin-1 byte in a row",
  "trace-ragged.yaml": "a row with 2 fields under a 3-column header",
  "trace-unclosed-quote.yaml": "a quoted field never closed",
  "trace-duplicate-column.yaml": "a header naming a column twice",
  "trace-unknown-format.yaml": "neither Azure columns nor Mooncake keys",
  "trace-not-gzip.yaml": "plain text named .csv.gz",
  "trace-loop-same-time.yaml": "a looping trace whose rows share one timestamp (replayed at one instant forever)",
  "trace-loop-too-fast.yaml": "a looping trace replayed a million times faster than recorded",
  "trace-long-cell.yaml": "a 56-character secret-looking cell (quoted only to 40 characters)",
  "trace-outside-folder.yaml": "`file: ../../../package.json`",
  "trace-absolute-path.yaml": "`file: /etc/passwd`",
  "trace-symlink-outside.yaml": "a symbolic link in the folder pointing outside it",
  "trace-is-a-folder.yaml": "a folder named as a trace",
  "trace-missing-file.yaml": "a trace that does not exist",
  "mooncake-bad-json.yaml": "a JSON Lines row cut off",
  "mooncake-missing-key.yaml": "a Mooncake row without output_length",
  "mooncake-bad-hash-ids.yaml": "hash_ids as a string",
  "mooncake-hash-id-span.yaml": "hash ids from -2^31 + 1 to 2^31 - 1: more prefix-cache keys than 32 bits hold",
  "mooncake-not-an-object.yaml": "a JSON list where a row object belongs",
  "empirical-header-only.yaml": "an empirical distribution from a file with only a header row",
  "empirical-missing-column.yaml": "an empirical distribution naming a column the file lacks",
  "empirical-negative.yaml": "a negative service time in an empirical column",
  "profile-bad-phase.yaml": "a latency profile row of phase `warmup`",
};

const FILES = readdirSync(join(REPO_ROOT, DIR))
  .filter((f) => f.endsWith(".yaml"))
  .sort();

/** The CLI's stderr lines for each file, by the file name they start with. */
function linesByFile(stderr: string): Map<string, string[]> {
  const byFile = new Map<string, string[]>();
  for (const line of stderr.split("\n")) {
    const match = new RegExp(`^${DIR}/([^:]+\\.yaml)(:|$)`).exec(line);
    if (!match) continue;
    byFile.set(match[1], [...(byFile.get(match[1]) ?? []), line]);
  }
  return byFile;
}

/** The README: one row per file with what is wrong and what fleetsim says (machine paths shortened). */
function readme(byFile: Map<string, string[]>): string {
  const cell = (text: string) => text.replaceAll("|", "\\|");
  const shown = (line: string) => cell(line.replace(`${DIR}/`, "").replaceAll(REPO_ROOT, "<repo>/"));
  const rows = FILES.map((f) => `| \`${f}\` | ${cell(CASES[f])} | ${(byFile.get(f) ?? []).map((l) => `\`${shown(l)}\``).join("<br>")} |`);
  return [
    "# Broken inputs",
    "",
    "Scenarios and data files that fleetsim must refuse cleanly: exit code 2, a message with file:line:col",
    "(or the file) and the field, no stack trace, nothing written, in bounded time and memory.",
    "`test/validation/bad-corpus.test.ts` runs every `.yaml` here through `fleetsim validate` (all in one",
    "process) and `fleetsim run --out` (in process), and checks this table against what the CLI prints.",
    "Data files the scenarios name are in `data/` (`data/link-outside.csv` is a symbolic link leading out",
    "of this folder). After changing a message, regenerate the table:",
    "`FLEETSIM_UPDATE_BAD_README=1 npx vitest run test/validation/bad-corpus.test.ts`.",
    "",
    "| file | what is wrong | what `fleetsim validate` says |",
    "|---|---|---|",
    ...rows,
    "",
  ].join("\n");
}

describe("the corpus of broken inputs (test/fixtures/bad)", () => {
  it("has at least 40 files, each described", () => {
    expect(FILES.length).toBeGreaterThanOrEqual(40);
    expect(Object.keys(CASES).sort()).toEqual(FILES);
  });

  it("refuses every file with exit 2 and a located message, no stack trace, in one CLI process, and its README says so", () => {
    const started = performance.now();
    const { code, stdout, stderr } = runCli(["validate", ...FILES.map((f) => `${DIR}/${f}`)]);
    const seconds = (performance.now() - started) / 1000;
    expect(code).toBe(2);
    expect(stdout).toBe(""); // no "ok: ..." line: every file was refused
    expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(stderr).not.toMatch(/internal error|TypeError|RangeError|ReferenceError|heap/i);
    expect(stderr.match(/^\d+ problems? found\.$/gm)?.length).toBe(FILES.length);
    const byFile = linesByFile(stderr);
    for (const file of FILES) {
      const lines = byFile.get(file) ?? [];
      expect(lines.length, file).toBeGreaterThan(0);
      // Located: file:line:col, or the file alone for what has no position (an empty file, a data file's folder check).
      for (const line of lines) expect(line, file).toMatch(new RegExp(`^${DIR}/${file.replace(".", "\\.")}(:\\d+:\\d+)?: \\S`));
    }
    // Loading all of them, process start included, takes a couple of seconds; a hang or a blow-up would not.
    expect(seconds).toBeLessThan(30);
    const table = readme(byFile);
    if (process.env.FLEETSIM_UPDATE_BAD_README) writeFileSync(README, table);
    expect(readFileSync(README, "utf8")).toBe(table);
  });

  // `run` simulates on a worker thread, which takes a second or two to start from source: every
  // sixth file (each kind of fault is spread through the sorted list) keeps this to a dozen starts.
  it("`run --out` refuses files before writing anything, within a few seconds each", async () => {
    const out = mkdtempSync(join(tmpdir(), "fleetsim-bad-"));
    for (const file of FILES.filter((_, i) => i % 6 === 0)) {
      const folder = join(out, file);
      const started = performance.now();
      const error = await runCommand({ scenario: `${DIR}/${file}`, sets: [], out: folder, quiet: true }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, file).toBeInstanceOf(ScenarioError);
      expect(existsSync(folder), file).toBe(false);
      expect(performance.now() - started, file).toBeLessThan(8000);
    }
    expect(readdirSync(out)).toEqual([]);
  });

  it("exits 2 from the CLI's `run --out` on an alias bomb (once an internal error, exit 1) and creates no folder", () => {
    const out = mkdtempSync(join(tmpdir(), "fleetsim-bad-run-"));
    const { code, stderr } = runCli(["run", `${DIR}/alias-bomb.yaml`, "--out", join(out, "report")]);
    expect(code).toBe(2);
    expect(stderr).toMatch(new RegExp(`^${DIR}/alias-bomb\\.yaml:\\d+:\\d+: too many alias expansions`));
    expect(stderr).not.toMatch(/internal error|\n\s+at /);
    expect(readdirSync(out)).toEqual([]);
  });
});
