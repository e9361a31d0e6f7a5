/**
 * `fleetsim plan`: the smallest value that meets every threshold in every seed, as a brute-force scan
 * finds it; exit 99 and best null when even --max fails; the cheapest passing candidate; exit 2 on
 * what cannot be planned.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, simulate } from "../../src/index.js";
import { planCapacity } from "../../src/plan/plan.js";
import { runCli } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "fleetsim-plan-"));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

// scenarios/mmc.yaml cut to 1,000 s, with a threshold on the queue wait: Poisson at 6.4/s, 1 s
// exponential service, one FIFO queue in front of the replicas. 7+ replicas are stable; p99 wait
// under 1 s needs more.
const MMC = `version: 1
name: mmc-plan
seed: 1
duration: 1000s
warmup: 100s
models:
  - name: svc
    engine: { kind: queue, concurrency: 1, service_time: { dist: exponential, mean: 1s } }
    replicas: { initial: 8 }
    router: { kind: central_queue }
workload:
  tenants:
    - { name: poisson, model: svc, arrival: { kind: poisson, rate_per_s: 6.4 } }
`;
const THRESHOLD = `thresholds:\n  queue: ["p(99) < 1s"]\n`;
const VARY = "models[0].replicas.initial";

describe("fleetsim plan", () => {
  it("finds the smallest replica count that a brute-force scan of 1..12 over two seeds finds, in fewer runs", () => {
    const scenario = file("mmc.yaml", MMC + THRESHOLD);
    const seeds = [1, 2];
    const passes = (value: number, seed: number) =>
      simulate(loadScenarioFile(scenario, { sets: [`${VARY}=${value}`], seed })).report.thresholds_ok;
    const scan = Array.from({ length: 12 }, (_, i) => i + 1).map((value) => ({ value, bySeed: seeds.map((seed) => passes(value, seed)) }));
    const brute = scan.find((s) => s.bySeed.every(Boolean))!.value;
    // more is better here: every value from the answer up passes
    expect(scan.filter((s) => s.value >= brute).every((s) => s.bySeed.every(Boolean))).toBe(true);

    const plan = planCapacity({ scenario, vary: VARY, min: 1, max: 12, seeds: 2 });
    expect(plan.best).toMatchObject({ path: VARY, value: brute });
    expect(plan.candidates[0]).toMatchObject({ value: brute, failed_below: brute - 1 });
    expect(plan.seeds).toEqual(seeds);
    expect(plan.tried.length).toBeLessThan(scan.length * seeds.length / 2);
    // each simulation the plan ran gave what the scan's run with the same value and seed gave
    for (const run of plan.tried) expect(run.passed).toBe(scan[run.value - 1].bySeed[run.seed - 1]);
    // and none twice
    expect(new Set(plan.tried.map((r) => `${r.value}/${r.seed}`)).size).toBe(plan.tried.length);
  });

  it("exits 99 with best: null when even --max fails, naming the threshold that failed there", () => {
    const out = join(dir, "too-few");
    const { code, stdout } = runCli(["plan", file("few.yaml", MMC + THRESHOLD), "--vary", VARY, "--min", "1", "--max", "6", "--out", out]);
    expect(code).toBe(99);
    expect(stdout).toMatch(/^best: null \(even models\[0\]\.replicas\.initial=6 fails a threshold\)$/m);
    const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));
    expect(plan.best).toBeNull();
    expect(plan.candidates[0]).toMatchObject({ value: null, failing_at_max: ["queue: p(99) < 1s"] });
    expect(plan.tried).toHaveLength(1); // max is tried first; nothing below it can pass
    expect(plan.tried[0]).toMatchObject({ candidate: null, value: 6, seed: 1, passed: false });
    expect(readFileSync(join(out, "plan.md"), "utf8")).toMatch(/\| \(scenario\) \| – \| none \(fails at 6: queue: p\(99\) < 1s\) \|/);
  });

  it("picks the cheapest candidate per million output tokens among those that pass, not the cheapest overall", () => {
    // The queue service does not care what it runs on; the bill does: one p5.48xlarge costs more
    // than two g5.xlarge, and one slow g5.xlarge costs least but never meets the threshold.
    const scenario = file(
      "fleet.yaml",
      MMC.replace("models:", "regions:\n  - name: r1\n    azs:\n      - { name: r1a, servers: { type: p5.48xlarge, count: 1 } }\nmodels:") + THRESHOLD,
    );
    const candidates = file(
      "candidates.yaml",
      `- name: p5
  set: { "regions[0].azs[0].servers.type": p5.48xlarge }
- name: g5-slow
  set:
    regions[0].azs[0].servers.type: g5.xlarge
    models[0].engine.service_time.mean: 3s
- name: g5x2
  set:
    regions[0].azs[0].servers.type: g5.xlarge
    regions[0].azs[0].servers.count: 2
`,
    );
    const out = join(dir, "candidates");
    const { code, stdout } = runCli(["plan", scenario, "--vary", VARY, "--min", "1", "--max", "12", "--candidates", candidates, "--out", out]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^best: g5x2, models\[0\]\.replicas\.initial=\d+, cost \$[\d.]+, \$[\d.]+ per million output tokens$/m);
    const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8"));
    const [p5, slow, g5] = plan.candidates;
    expect(slow).toMatchObject({ candidate: "g5-slow", value: null, cost_usd: null });
    expect(p5.value).toBe(g5.value);
    expect(g5.cost_per_output_mtok_usd).toBeLessThan(p5.cost_per_output_mtok_usd);
    expect(plan.best).toEqual({
      candidate: "g5x2",
      path: VARY,
      value: g5.value,
      cost_usd: g5.cost_usd,
      cost_per_mtok_usd: g5.cost_per_mtok_usd,
      cost_per_output_mtok_usd: g5.cost_per_output_mtok_usd,
    });
    // cost per million output tokens is the run's cost over its output tokens
    const atAnswer = plan.tried.find((r: { candidate: string; value: number }) => r.candidate === "g5x2" && r.value === g5.value);
    expect(g5.cost_per_output_mtok_usd).toBeCloseTo(atAnswer.cost_usd / (atAnswer.output_tokens / 1e6), 9);
    expect(new Set(plan.tried.map((r: { candidate: string }) => r.candidate))).toEqual(new Set(["p5", "g5-slow", "g5x2"]));
    const md = readFileSync(join(out, "plan.md"), "utf8");
    expect(md).toMatch(/\| \*\*g5x2\*\* \(best\) \| `regions\[0\]\.azs\[0\]\.servers\.type=g5\.xlarge` `regions\[0\]\.azs\[0\]\.servers\.count=2` \| \d+ \| \$/);
    expect(md).toMatch(/\| g5-slow \| .* \| none \(fails at 12: queue: p\(99\) < 1s\) \| – \| – \| – \| 1 \|/);
  });

  it("exits 2 for a scenario without thresholds, a non-integer field without --step, and a malformed candidates file", () => {
    const noThresholds = runCli(["plan", file("none.yaml", MMC), "--vary", VARY, "--min", "1", "--max", "12"]);
    expect(noThresholds.code).toBe(2);
    expect(noThresholds.stderr).toMatch(/none\.yaml: the scenario has no thresholds, so no value can pass or fail/);

    const scenario = file("rate.yaml", MMC + THRESHOLD);
    const noStep = runCli(["plan", scenario, "--vary", "workload.tenants[0].arrival.rate_per_s", "--min", "1", "--max", "7"]);
    expect(noStep.code).toBe(2);
    expect(noStep.stderr).toMatch(/workload\.tenants\[0\]\.arrival\.rate_per_s is 6\.4 in the scenario, not an integer: give --step/);

    const badCandidates = file("bad.yaml", `- name: a\n  set: { "models[0].replicas.max": 3 }\n- name: a\n  sets: {}\n`);
    const bad = runCli(["plan", scenario, "--vary", VARY, "--min", "1", "--max", "12", "--candidates", badCandidates]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad\.yaml:3:9: \[1\]\.name: candidate 'a' is named twice/);
    expect(bad.stderr).toMatch(/bad\.yaml:4:3: \[1\]\.sets: unknown key 'sets'/);
    expect(bad.stderr).not.toMatch(/internal error|\n\s+at /);
  });
});
