/**
 * Determinism as users meet it: the same scenario and seed give the same report bytes whichever command
 * runs it. `run` and `check --out` write identical files; a second `run` rewrites the same bytes.
 * (Sweeps at any --jobs, shards merged, and a sweep cell against `run`: test/cli/sweep.test.ts.)
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "fleetsim-same-bytes-"));
const FILES = ["report.json", "summary.md", "timeseries.csv", "report.html"];
// A few thousand requests through an autoscaled LLM fleet that boots servers: enough moving parts to show a difference.
const SCENARIO = ["scenarios/step-scale-out.yaml", "--set", "duration=12m", "--set", "workload.tenants[0].arrival.rates[1].at=3m", "--set", "workload.tenants[0].arrival.rates[2].at=8m"];

describe("the same scenario and seed through different commands", () => {
  it("run, run again and check --out write byte-identical report files", () => {
    const outs = ["run1", "run2", "check"].map((name) => join(dir, name));
    expect(runCli(["run", ...SCENARIO, "--seed", "11", "--out", outs[0], "--quiet"]).code).toBe(0);
    expect(runCli(["run", ...SCENARIO, "--seed", "11", "--out", outs[1], "--quiet"]).code).toBe(0);
    const check = runCli(["check", ...SCENARIO, "--seed", "11", "--allow-empty", "--out", outs[2]]);
    expect(check.stderr).toBe("");
    expect(check.code).toBe(0);
    const first = JSON.parse(readFileSync(join(outs[0], "report.json"), "utf8"));
    expect(first.scenario.seed).toBe(11);
    expect(first.scaling.chat.r1.scale_outs).toBeGreaterThan(0);
    for (const out of outs.slice(1)) {
      for (const file of FILES) expect(readFileSync(join(out, file)).equals(readFileSync(join(outs[0], file))), `${out}/${file}`).toBe(true);
    }
  });

  it("a different seed gives different numbers (so the comparison above could fail)", () => {
    const out = join(dir, "seed12");
    expect(runCli(["run", ...SCENARIO, "--seed", "12", "--out", out, "--quiet"]).code).toBe(0);
    const a = JSON.parse(readFileSync(join(dir, "run1", "report.json"), "utf8"));
    const b = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(b.latency.e2e_s.mean).not.toBe(a.latency.e2e_s.mean);
  });
});
