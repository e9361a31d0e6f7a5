/**
 * fleetsim sweep and merge, end to end through the CLI: the same bytes whatever the number of
 * workers or shards (and each cell's report the one `fleetsim run` writes), resume by cell key, failed
 * cells as rows, merges refused with the cells named.
 * A 2 x 2 grid x 2 seeds of a short M/M/c run, so each sweep costs mostly process start-up.
 */
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { HEADLINE_METRICS, mergeSweeps } from "../../src/sweep/index.js";

const dir = mkdtempSync(join(tmpdir(), "fleetsim-sweep-"));
const SHORT = ["--set", "duration=100s", "--set", "warmup=10s"];
const GRID = ["--grid", "workload.tenants[0].arrival.rate_per_s=4,6", "--grid", "models[0].replicas.initial=6,8", "--seeds", "2"];
const SWEEP = ["sweep", "scenarios/mmc.yaml", ...SHORT, ...GRID];

function sweep(out: string, ...extra: string[]) {
  return runCli([...SWEEP, "--out", out, ...extra]);
}

const read = (path: string) => readFileSync(path, "utf8");
const rowsOf = (csv: string) => parseCsv(csv, { columns: true }) as Record<string, string>[];
const cellFiles = (out: string) => readdirSync(join(out, "cells")).filter((f) => f.endsWith(".json"));

describe("fleetsim sweep", () => {
  const reference = join(dir, "jobs1");
  let referenceCsv: string;

  beforeAll(() => {
    const { code, stderr } = sweep(reference, "--jobs", "1");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    referenceCsv = read(join(reference, "sweep.csv"));
  }, 120_000);

  it("writes one row per cell in cell order: first axis outermost, seeds innermost, headline metrics by their report.json keys", () => {
    const rows = rowsOf(referenceCsv);
    expect(referenceCsv.split("\n")[0]).toBe(
      ["cell", "workload.tenants[0].arrival.rate_per_s", "models[0].replicas.initial", "seed", ...HEADLINE_METRICS, "error"].join(","),
    );
    expect(rows.map((r) => [r.cell, r["workload.tenants[0].arrival.rate_per_s"], r["models[0].replicas.initial"], r.seed])).toEqual([
      ["0", "4", "6", "1"],
      ["1", "4", "6", "2"],
      ["2", "4", "8", "1"],
      ["3", "4", "8", "2"],
      ["4", "6", "6", "1"],
      ["5", "6", "6", "2"],
      ["6", "6", "8", "1"],
      ["7", "6", "8", "2"],
    ]);
    // Each row is its cell's report: arrivals at rate x (100 s - 10 s warm-up), within Poisson noise.
    for (const r of rows) expect(Number(r["requests.arrived"]) / (90 * Number(r["workload.tenants[0].arrival.rate_per_s"]))).toBeCloseTo(1, 0);
    const cell3 = JSON.parse(read(join(reference, "cells", "3.json")));
    expect(cell3).toMatchObject({ cell: 3, seed: 2, error: null, values: { "models[0].replicas.initial": "8" } });
    expect(cell3.key).toMatch(/^[0-9a-f]{64}$/);
    expect(String(cell3.report.latency.ttft_s.p99)).toBe(rows[3]["latency.ttft_s.p99"]);
    // Common random numbers: a grid point's seed 1 sees the same arrivals whatever the replicas.
    expect(rows[0]["requests.arrived"]).toBe(rows[2]["requests.arrived"]);
  });

  it("writes byte-identical sweep.csv and sweep.html with --jobs 2 and from two shards merged", () => {
    const parallel = join(dir, "jobs2");
    expect(sweep(parallel, "--jobs", "2").code).toBe(0);
    expect(read(join(parallel, "sweep.csv"))).toBe(referenceCsv);
    expect(read(join(parallel, "sweep.html"))).toBe(read(join(reference, "sweep.html")));

    const shards = [join(dir, "shard1"), join(dir, "shard2")];
    shards.forEach((out, i) => {
      const { code, stdout } = sweep(out, "--shard", `${i + 1}/2`);
      expect(code).toBe(0);
      expect(stdout).toContain(`shard ${i + 1}/2: 4 of 8 cells`);
      // A shard writes its cells and manifest only: index mod 2 = i.
      expect(cellFiles(out).sort()).toEqual([0, 1, 2, 3].map((k) => `${2 * k + i}.json`).sort());
      expect(readdirSync(out).sort()).toEqual(["cells", "sweep.json"]);
    });
    const merged = join(dir, "merged");
    const { code, stderr } = runCli(["merge", ...shards, "--out", merged]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(read(join(merged, "sweep.csv"))).toBe(referenceCsv);
    expect(read(join(merged, "sweep.html"))).toBe(read(join(reference, "sweep.html")));
    expect(cellFiles(merged)).toHaveLength(8);
    // Every cell's file, report included, is the same bytes whichever worker or shard ran it.
    for (const f of cellFiles(reference)) {
      for (const other of [parallel, merged]) expect(read(join(other, "cells", f)), `${other}/cells/${f}`).toBe(read(join(reference, "cells", f)));
    }
  });

  it("gives each cell the report `fleetsim run` writes for the same overrides and seed", () => {
    const cell = JSON.parse(read(join(reference, "cells", "5.json")));
    const out = join(dir, "run-cell5");
    const sets = cell.overrides.flatMap((o: string) => ["--set", o]);
    const { code } = runCli(["run", "scenarios/mmc.yaml", ...sets, "--seed", String(cell.seed), "--out", out, "--quiet"]);
    expect(code).toBe(0);
    expect(cell.seed).toBe(2);
    expect(read(join(out, "report.json"))).toBe(JSON.stringify(cell.report, null, 2) + "\n");
  });

  it("resumes: a rerun into a folder with some cells simulates only the others and ends with the same CSV", () => {
    // A sweep killed after half its cells: what shard 1/2 left is exactly such a folder.
    const resumed = join(dir, "resumed");
    cpSync(join(dir, "shard1"), resumed, { recursive: true, preserveTimestamps: true });
    const mtimes = () => Object.fromEntries(cellFiles(resumed).map((f) => [f, statSync(join(resumed, "cells", f)).mtimeMs]));
    const before = mtimes();

    const first = sweep(resumed);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("8 cells: 4 simulated, 4 reused, 0 failed");
    const after = mtimes();
    for (const f of Object.keys(before)) expect(after[f]).toBe(before[f]);
    expect(read(join(resumed, "sweep.csv"))).toBe(referenceCsv);

    // Lost cells (deleted files) are simulated again; a cell whose inputs changed is too (its key differs).
    rmSync(join(resumed, "cells", "1.json"));
    rmSync(join(resumed, "cells", "6.json"));
    const stale = JSON.parse(read(join(resumed, "cells", "4.json")));
    writeFileSync(join(resumed, "cells", "4.json"), JSON.stringify({ ...stale, key: "0".repeat(64) }));
    const second = sweep(resumed);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("8 cells: 3 simulated, 5 reused, 0 failed");
    expect(read(join(resumed, "sweep.csv"))).toBe(referenceCsv);
  });

  it("gives a cell with an invalid override a row with the error, runs the others, and exits 1", () => {
    const out = join(dir, "invalid");
    const { code, stderr } = runCli(["sweep", "scenarios/mmc.yaml", ...SHORT, "--grid", "models[0].replicas.initial=8,-1", "--out", out]);
    expect(code).toBe(1);
    expect(stderr).toContain("cell 1 (models[0].replicas.initial=-1, seed 1):");
    const rows = rowsOf(read(join(out, "sweep.csv")));
    expect(rows).toHaveLength(2);
    expect(rows[0].error).toBe("");
    expect(Number(rows[0]["requests.completed"])).toBeGreaterThan(0);
    expect(rows[1].error).toMatch(/models\[0\]\.replicas\.initial.*-1/);
    expect(rows[1]["requests.completed"]).toBe("");
    expect(JSON.parse(read(join(out, "cells", "1.json")))).toMatchObject({ report: null, error_kind: "scenario" });
  });

  it("refuses to merge overlapping cells with exit 2, naming them", () => {
    const { code, stderr } = runCli(["merge", join(dir, "shard1"), reference, "--out", join(dir, "bad")]);
    expect(code).toBe(2);
    expect(stderr).toBe(`fleetsim: cannot merge: cells 0, 2, 4, 6 are in more than one folder (${join(dir, "shard1")}, ${reference})\n`);
  });

  it("refuses to merge missing, unfinished or foreign cells, naming them", async () => {
    const refusal = (dirs: string[]) => mergeSweeps(dirs, join(dir, "bad")).then(() => "merged", (error: Error) => `${error.name}: ${error.message}`);
    expect(await refusal([join(dir, "shard1")])).toBe("MergeError: cannot merge: cells 1, 3, 5, 7 of 8 are in no folder (a shard missing?)");
    // A shard whose run stopped before one of its cells finished.
    const partial = join(dir, "partial");
    cpSync(join(dir, "shard2"), partial, { recursive: true });
    rmSync(join(partial, "cells", "5.json"));
    expect(await refusal([join(dir, "shard1"), partial])).toBe(`MergeError: cannot merge: cells 5 are missing from ${partial} (its run did not finish them)`);
    expect(await refusal([join(dir, "shard1"), join(dir, "invalid")])).toMatch(/^MergeError: not slices of the same sweep/);
    expect(await refusal([join(dir, "shard1"), join(dir, "nothing-here")])).toMatch(/^MergeError: .*nothing-here: no sweep.json/);
  });

  it("draws sweep.html as static SVG charts with marks, a band over seeds, and no script", () => {
    const html = read(join(reference, "sweep.html"));
    expect(html).not.toMatch(/<script/i);
    const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
    // One chart per headline metric with data (mmc has no GPUs, so no margin; no tokens, so no TPOT).
    expect(svgs.length).toBeGreaterThanOrEqual(10);
    expect(svgs.length).toBeLessThanOrEqual(HEADLINE_METRICS.length);
    for (const svg of svgs) {
      expect(svg).toContain('class="mark-line');
      expect(svg).toContain('class="mark-area');
      expect(svg).toMatch(/<path[^>]+d="M/);
    }
    expect(html).toContain("latency.ttft_s.p99");
    expect(html).toContain("models[0].replicas.initial=8");
  });

  it("reads axes with commas from --grid-file, quotes them in the CSV and escapes them in the page", () => {
    const axes = join(dir, "axes.yaml");
    writeFileSync(axes, 'description: ["a, b", "<b>c</b>"]\nworkload.tenants[0].arrival.rate_per_s: [4, "5"]\n');
    const out = join(dir, "gridfile");
    const { code, stderr } = runCli(["sweep", "scenarios/mmc.yaml", ...SHORT, "--grid-file", axes, "--out", out, "--quiet"]);
    // "5" (a string) is not a rate: that cell fails, the others run.
    expect(code).toBe(1);
    expect(stderr).toContain("rate_per_s");
    const csv = read(join(out, "sweep.csv"));
    expect(csv).toContain('\n0,"a, b",4,1,');
    const rows = rowsOf(csv);
    expect(rows.map((r) => [r.description, r["workload.tenants[0].arrival.rate_per_s"], r.error === ""])).toEqual([
      ["a, b", "4", true],
      ["a, b", "5", false],
      ["<b>c</b>", "4", true],
      ["<b>c</b>", "5", false],
    ]);
    const html = read(join(out, "sweep.html"));
    expect(html).not.toContain("<b>c</b>");
    expect(html).toContain("&#60;b&#62;c&#60;/b&#62;");
  });

  it("refuses an invalid scenario with exit 2 and its position, though the workers had started, and makes no folder", () => {
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, read("scenarios/mmc.yaml").replace("seed: 1", "seed: 1\nbogus: 1"));
    const out = join(dir, "bad-sweep");
    const { code, stderr } = runCli(["sweep", bad, ...SHORT, "--grid", "models[0].replicas.initial=6,8", "--jobs", "2", "--out", out]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/bad\.yaml:\d+:1: bogus: unknown key 'bogus'/);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(() => statSync(out)).toThrow();
  });

  it("refuses a malformed axis with exit 2 before running anything", () => {
    const { code, stderr } = runCli(["sweep", "scenarios/mmc.yaml", ...SHORT, "--grid", "seed=1,2", "--out", join(dir, "never")]);
    expect(code).toBe(2);
    expect(stderr).toBe("fleetsim: --grid seed=1,2: sweep seeds with --seeds N (and --seed for the first), not an axis\n");
  });
});
