/**
 * `--shuffle-ties` (simulate's `shuffleTies`): events of the same microsecond and priority class run
 * in a seeded random order instead of the order they were scheduled. A run with ties shuffled still
 * reproduces, and its statistics agree with the ordinary run's: results do not hinge on tie order.
 *
 * The scenario is full of real ties: two tenants with evenly spaced arrivals at the same rate arrive
 * at the same microseconds; one of them sends fixed lengths, so the iterations of replicas that start
 * together end together; a burst of 200 requests arrives at one instant; four replicas' health checks
 * and samples share their times.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadScenarioFile, simulate, type Report, type ScenarioInput } from "../../src/index.js";
import { runCli } from "../support/cli.js";

function ties(seed: number): ScenarioInput {
  const fixed = (value: number) => ({ dist: "fixed" as const, value });
  return {
    version: 1,
    name: "ties",
    seed,
    duration: 600,
    warmup: 60,
    models: [{ name: "m", model: "llama-3.1-8b", replicas: { initial: 4 }, router: { kind: "least_outstanding" }, engine: { kind: "continuous_batching", max_num_seqs: 16 } }],
    workload: {
      tenants: [
        { name: "even", model: "m", arrival: { kind: "constant", rate_per_s: 8 }, input_tokens: fixed(1000), output_tokens: fixed(200) },
        { name: "mixed", model: "m", arrival: { kind: "constant", rate_per_s: 8 }, input_tokens: { dist: "lognormal", mean: 1000, cv: 1 }, output_tokens: { dist: "lognormal", mean: 200, cv: 1 } },
        { name: "burst", model: "m", arrival: { kind: "burst", count: 200, at: 300 }, input_tokens: fixed(500), output_tokens: fixed(100) },
      ],
    },
  };
}

const SEEDS = Array.from({ length: 10 }, (_, i) => i + 1);
const run = (seed: number, shuffleTies: boolean) => simulate(ties(seed), { shuffleTies, debugChecks: true }).report;

function meanAndStandardError(values: number[]): { mean: number; se: number } {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
  return { mean, se: Math.sqrt(variance / n) };
}

describe("shuffled ties", () => {
  const plain: Report[] = SEEDS.map((seed) => run(seed, false));
  const shuffled: Report[] = SEEDS.map((seed) => run(seed, true));

  it("change the order of real ties (the runs differ), yet reproduce byte for byte and say so", () => {
    const differ = SEEDS.filter((_, i) => JSON.stringify(shuffled[i].latency) !== JSON.stringify(plain[i].latency));
    expect(differ.length).toBeGreaterThanOrEqual(8);
    expect(JSON.stringify(run(3, true))).toBe(JSON.stringify(shuffled[2]));
    expect(shuffled[0].run.shuffled_ties).toBe(true);
    expect(plain[0].run).not.toHaveProperty("shuffled_ties");
    // Arrivals and lengths come from the same streams: only the order of simultaneous events moved.
    SEEDS.forEach((_, i) => expect(shuffled[i].requests.arrived).toBe(plain[i].requests.arrived));
  });

  // Standard errors from the spread of each metric across the 10 seeds; the difference of the two means
  // has standard error sqrt(se_plain^2 + se_shuffled^2) (the runs are paired by seed, so this is conservative).
  it.each([
    ["mean E2E", (r: Report) => r.latency.e2e_s.mean!],
    ["p99 TTFT", (r: Report) => r.latency.ttft_s.p99!],
  ] as const)("agree with the ordinary runs on %s over 10 seeds, within three standard errors", (_, metric) => {
    const a = meanAndStandardError(plain.map(metric));
    const b = meanAndStandardError(shuffled.map(metric));
    const se = Math.hypot(a.se, b.se);
    expect(se).toBeGreaterThan(0);
    expect(Math.abs(b.mean - a.mean)).toBeLessThan(3 * se);
  });
});

describe("fleetsim run --shuffle-ties", () => {
  it("writes the report of a shuffled run, as simulate() gives it, marked run.shuffled_ties", () => {
    const dir = mkdtempSync(join(tmpdir(), "fleetsim-ties-"));
    const file = join(dir, "ties.yaml");
    writeFileSync(file, stringify({ ...ties(5), duration: 120, warmup: 10 }));
    const { code, stderr } = runCli(["run", file, "--shuffle-ties", "--out", join(dir, "out"), "--quiet"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const written = readFileSync(join(dir, "out", "report.json"), "utf8");
    expect(JSON.parse(written).run.shuffled_ties).toBe(true);
    expect(written).toBe(JSON.stringify(simulate(loadScenarioFile(file), { shuffleTies: true }).report, null, 2) + "\n");
  });
});
