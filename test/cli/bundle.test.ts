/**
 * The built CLI (`npm run build`: tsc, then esbuild's worker bundles) writes the same files as the CLI
 * from source. It runs where dist/ holds fresh bundles, as in CI, which builds before testing; on a
 * checkout that was never built it is skipped.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { distIsBuilt, REPO_ROOT, runCli } from "../support/cli.js";

function runBuilt(args: string[]) {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "dist/cli/main.js"), ...args], { cwd: REPO_ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { code: r.status, stderr: r.stderr };
}

describe.skipIf(!distIsBuilt())("the built CLI, its workers bundled", () => {
  const dir = mkdtempSync(join(tmpdir(), "fleetsim-bundle-"));
  const read = (out: string, file: string) => readFileSync(join(dir, out, file), "utf8");

  it("writes the report files that the CLI from source writes", () => {
    const args = ["run", "scenarios/prefix-caching.yaml", "--quiet"];
    expect(runCli([...args, "--out", join(dir, "src")]).code).toBe(0);
    expect(runBuilt([...args, "--out", join(dir, "dist")])).toEqual({ code: 0, stderr: "" });
    for (const file of ["report.json", "timeseries.csv", "summary.md", "report.html"]) expect(read("dist", file)).toBe(read("src", file));
  }, 60_000);

  it("refuses an invalid scenario from the bundled worker with exit 2 and the message from source", () => {
    const args = ["run", "scenarios/mmc.yaml", "--set", "warmup=-1s", "--out", join(dir, "never")];
    const { code, stderr } = runBuilt(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^--set warmup=-1s: warmup: expected a duration >= 0/);
    expect(stderr).toBe(runCli(args).stderr);
  }, 30_000);

  it("sweeps on bundled workers to the same sweep.csv as from source", () => {
    const args = ["sweep", "scenarios/mmc.yaml", "--set", "duration=100s", "--set", "warmup=10s", "--grid", "models[0].replicas.initial=6,8", "--jobs", "2", "--quiet"];
    expect(runCli([...args, "--out", join(dir, "sweep-src")]).code).toBe(0);
    expect(runBuilt([...args, "--out", join(dir, "sweep-dist")])).toEqual({ code: 0, stderr: "" });
    expect(read("sweep-dist", "sweep.csv")).toBe(read("sweep-src", "sweep.csv"));
  }, 60_000);
});
