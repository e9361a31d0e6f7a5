/** Autoscaler and rollout input that cannot work is refused before the run, with file:line:col and the field path. */
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { loadScenarioText } from "../../src/index.js";
import { ScenarioError } from "../../src/scenario/issues.js";
import { REPO_ROOT, runCli } from "../support/cli.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const STEP = readFileSync(`${REPO_ROOT}/scenarios/step-scale-out.yaml`, "utf8");

function problems(text: string): string[] {
  try {
    loadScenarioText(text, "s.yaml");
    return [];
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return error.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
  }
}

const AUTOSCALER = "autoscaler: { kind: target_tracking, metric: requests_per_replica, target: 8 }";
const withScaler = (text: string) => STEP.replace(AUTOSCALER, text);
const ROLLOUT = `    rollout: { at: 2h, strategy: canary, version: { name: v2 }, stages: [ { share: 0.05, bake: 15m }, { share: 1.0, bake: 0s } ] }\n`;
const withRollout = (text: string) => STEP.replace("workload:\n", `${text}workload:\n`);

describe("scaling input checks", () => {
  it("accepts the issue's scenario", () => {
    expect(problems(STEP)).toEqual([]);
    expect(problems(withRollout(ROLLOUT))).toEqual([]);
  });

  it("names an unknown metric and lists the known ones", () => {
    const [line] = problems(withScaler("autoscaler: { kind: target_tracking, metric: requests, target: 8 }"));
    expect(line).toMatch(/^\d+:\d+ models\[0\]\.autoscaler\.metric: .*requests_per_replica/);
  });

  it("refuses a target of zero or below", () => {
    const [line] = problems(withScaler("autoscaler: { kind: target_tracking, metric: requests_per_replica, target: 0 }"));
    expect(line).toMatch(/^\d+:\d+ models\[0\]\.autoscaler\.target: expected a number > 0/);
  });

  it("refuses min above max", () => {
    const lines = problems(STEP.replace("replicas: { initial: 2, min: 2, max: 12 }", "replicas: { initial: 2, min: 2, max: 1 }"));
    expect(lines).toContainEqual(expect.stringMatching(/^\d+:\d+ models\[0\]\.replicas\.min: min \(2\) is above max \(1\)/));
  });

  it("refuses a stage share outside 0-1, and stages not ending at 1.0", () => {
    const outside = problems(withRollout(ROLLOUT.replace("share: 0.05", "share: 5")));
    expect(outside).toContainEqual(expect.stringMatching(/^\d+:\d+ models\[0\]\.rollout\.stages\[0\]\.share: /));
    const unfinished = problems(withRollout(ROLLOUT.replace("share: 1.0", "share: 0.5")));
    expect(unfinished).toEqual([expect.stringMatching(/^\d+:\d+ models\[0\]\.rollout\.stages\[1\]\.share: the last stage must send all traffic \(share 1\.0\)/)]);
  });

  it("refuses a season longer than the run", () => {
    const [line] = problems(withScaler("autoscaler: { kind: predictive, metric: requests_per_replica, target: 8, season: 1d }"));
    expect(line).toMatch(/^\d+:\d+ models\[0\]\.autoscaler\.season: the season \(86400 s\) must be shorter than the run \(10800 s\)/);
  });

  it("refuses a step with both bounds or neither", () => {
    const lines = problems(withScaler("autoscaler: { kind: step, metric: queue_length, steps: [ { above: 4, below: 1, add: 1 }, { add: 2 } ] }"));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/models\[0\]\.autoscaler\.steps\[0\]: give exactly one of above or below/);
  });

  it("exits 2 from the CLI with file:line:col and no stack trace", () => {
    const dir = mkdtempSync(join(tmpdir(), "fleetsim-scaling-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(file, withScaler("autoscaler: { kind: target_tracking, metric: tokens, target: -1 }"));
    const { code, stderr } = runCli(["check", file]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/bad\.yaml:\d+:\d+/);
    expect(stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
