/** Fleet plans that cannot work are refused before the run, naming what is missing. */
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadScenarioText } from "../../src/index.js";
import { ScenarioError } from "../../src/scenario/issues.js";
import { runCli } from "../support/cli.js";

const FLEET = `version: 1
name: plan
duration: 2h
regions:
  - name: us-east-1
    azs:
      - { name: us-east-1a, servers: { type: p5.48xlarge, count: 2 } }
      - { name: us-east-1b, servers: { type: p5.48xlarge, count: 1 } }
models:
  - name: chat
    model: llama-3.1-70b
    precision: fp8
    tensor_parallel: 4
    replicas: { initial: 6 }
    engine: { kind: continuous_batching }
`;

function problems(text: string): string[] {
  try {
    loadScenarioText(text, "plan.yaml");
    return [];
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return error.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
  }
}

describe("fleet plans", () => {
  it("accepts a plan that fits: 6 replicas x 4 GPUs on 3 servers of 8", () => {
    expect(problems(FLEET)).toEqual([]);
  });

  it("names an unknown server type and lists the known ones", () => {
    const [line] = problems(FLEET.replace("type: p5.48xlarge, count: 1", "type: p5.48xl, count: 1"));
    expect(line).toMatch(/^8:46 regions\[0\]\.azs\[1\]\.servers\.type: unknown server type 'p5\.48xl'; did you mean 'p5\.48xlarge'\? Known: p5\.48xlarge, p5e\.48xlarge/);
  });

  it("says how many GPUs replicas need and how many there are when they cannot be placed", () => {
    const [line] = problems(FLEET.replace("initial: 6", "initial: 7"));
    expect(line).toBe(
      "14:26 models[0].replicas.initial: chat needs 7 replicas x 4 h100-sxm GPUs = 28 GPUs in us-east-1, each replica's 4 on one server; only 6 fit (24 h100-sxm GPUs there, 0 left free after placing the others)",
    );
  });

  it("refuses an outage in an AZ that does not exist, or outside the simulated time", () => {
    const lines = problems(
      FLEET + `faults:\n  - { kind: az_outage, az: us-east-1c, at: 1h, duration: 10m }\n  - { kind: region_outage, region: us-east-1, at: 3h, duration: 10m }\n`,
    );
    expect(lines).toContainEqual(expect.stringMatching(/^17:28 faults\[0\]\.az: unknown AZ 'us-east-1c'.* Known: us-east-1a, us-east-1b\./));
    expect(lines).toContainEqual("18:51 faults[1].at: the outage starts at 10800 s, after the simulated time ends (7200 s)");
  });

  it("refuses a model whose GPU no server in its regions has", () => {
    const [line] = problems(FLEET.replace("    precision: fp8", "    gpu: a100-sxm-80gb\n    precision: fp8"));
    expect(line).toMatch(/models\[0\]\.gpu: no server in us-east-1 has a100-sxm-80gb GPUs \(they have: h100-sxm\)/);
  });
});

describe("fleetsim check", () => {
  it("exits 99 and writes a failing JUnit case when a threshold fails, 0 when all pass", { timeout: 400_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), "fleetsim-check-"));
    const fail = runCli(["check", "scenarios/az-outage-2az.yaml", "--junit", join(dir, "two.xml")]);
    expect(fail.code).toBe(99);
    expect(fail.stdout).toMatch(/✗ ttft: p\(99\) < 2s \(p\(99\)=\d+(\.\d+)?s\)/);
    const junit = readFileSync(join(dir, "two.xml"), "utf8");
    expect(junit).toMatch(/<testsuite name="az-outage-2az" tests="2" failures="1" /);
    expect(junit).toMatch(/<testcase classname="fleetsim.thresholds" name="ttft: p\(99\) &#60; 2s" time="0">.*<failure message=/);
    const pass = runCli(["check", "scenarios/az-outage-3az.yaml"]);
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/✓ ttft: p\(99\) < 2s/);
    expect(pass.stdout).toMatch(/all thresholds passed/);
  });

  it("refuses a threshold it cannot evaluate", () => {
    const lines = problems(FLEET + `thresholds:\n  ttft: ["p(97) < 2s"]\n  latency: ["avg < 1s"]\n  error_rate: ["p(99) < 0.1"]\n`);
    expect(lines).toContainEqual(expect.stringMatching(/thresholds\.ttft\[0\]: p\(97\) is not reported/));
    expect(lines).toContainEqual(expect.stringMatching(/thresholds\.latency\[0\]: unknown metric 'latency'/));
    expect(lines).toContainEqual(expect.stringMatching(/thresholds\.error_rate\[0\]: error_rate is a single value: use rate or value, not p/));
  });
});
