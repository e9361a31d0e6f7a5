/** `fleetsim check` turns thresholds into an exit code: 0 all pass, 99 one fails, 2 invalid input or nothing to check. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "fleetsim-check-"));

// An M/M/4 queue at load 0.5 for 500 s: waits are short, nothing fails.
const QUEUE = `version: 1
name: check-queue
seed: 3
duration: 500s
warmup: 50s
models:
  - name: svc
    engine: { kind: queue, service_time: { dist: exponential, mean: 1s } }
    replicas: { initial: 4 }
    router: { kind: central_queue }
workload:
  tenants:
    - { name: t, model: svc, arrival: { kind: poisson, rate_per_s: 2 } }
`;

function scenarioFile(name: string, thresholds: string): string {
  const path = join(dir, name);
  writeFileSync(path, QUEUE + thresholds);
  return path;
}

const PASSING = `thresholds:
  e2e: ["p(99) < 30s"]
  error_rate: ["rate < 0.1%"]
  availability: ["value >= 99.9%"]
`;

describe("fleetsim check", () => {
  it("exits 0 when every threshold passes, printing each reading in its unit as k6 does", () => {
    const { code, stdout } = runCli(["check", scenarioFile("pass.yaml", PASSING)]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^✓ e2e: p\(99\) < 30s \(p\(99\)=\d+(\.\d+)?s\)$/m);
    expect(stdout).toMatch(/^✓ error_rate: rate < 0\.1% \(rate=0%\)$/m);
    expect(stdout).toMatch(/^✓ availability: value >= 99\.9% \(value=100%\)$/m);
    expect(stdout).toMatch(/all thresholds passed/);
  });

  it("exits 99 when a threshold fails, and the JUnit file says which, with its reading, time and properties", () => {
    const junit = join(dir, "fail.xml");
    const file = scenarioFile("fail.yaml", `thresholds:\n  e2e: ["p(99) < 30s", "avg < 10ms"]\n`);
    const { code, stdout } = runCli(["check", file, "--junit", junit]);
    expect(code).toBe(99);
    expect(stdout).toMatch(/^✗ e2e: avg < 10ms \(avg=\d+(\.\d+)?(ms|s)\)$/m);
    expect(stdout).toMatch(/1 threshold\(s\) failed/);
    const xml = readFileSync(junit, "utf8");
    expect(xml).toMatch(/<testsuite name="check-queue" tests="2" failures="1" errors="0" skipped="0" time="\d+\.\d{3}">/);
    expect(xml).toMatch(/<property name="seed" value="3"\/>/);
    expect(xml).toMatch(/<testcase classname="fleetsim.thresholds" name="e2e: p\(99\) &#60; 30s" time="0"><properties><property name="actual" value="[\d.]+"\/><property name="reading" value="p\(99\)=[\d.]+m?s"\/><\/properties><\/testcase>/);
    expect(xml).toMatch(/<testcase classname="fleetsim.thresholds" name="e2e: avg &#60; 10ms" time="0">.*<failure message="e2e: avg &#60; 10ms \(avg=[\d.]+m?s\)" type="threshold"\/><\/testcase>/);
  });

  it("exits 2 on a scenario without thresholds, and 0 with --allow-empty", () => {
    const file = scenarioFile("empty.yaml", "");
    const refused = runCli(["check", file]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/empty\.yaml: the scenario has no thresholds, so nothing can pass or fail: .*--allow-empty/);
    expect(refused.stdout).toBe("");
    const allowed = runCli(["check", file, "--allow-empty"]);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/no thresholds to check \(--allow-empty\)/);
  });

  it("exits 2 on a threshold it cannot read, with its place in the file", () => {
    const file = scenarioFile("bad.yaml", `thresholds:\n  ttft: ["p(99) < 50%"]\n`);
    const { code, stderr } = runCli(["check", file]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/bad\.yaml:\d+:\d+: thresholds\.ttft\[0\]: ttft is a time: write a duration/);
    expect(stderr).not.toMatch(/internal error/);
  });
});
