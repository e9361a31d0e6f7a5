/** Bad input gets a clear answer: file:line:col, field path, what was expected; exit code 2; no stack trace. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "fleetsim-errors-"));

function scenarioFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const VALID = `version: 1
name: ok
duration: 100s
models:
  - name: svc
    engine: { kind: queue, service_time: { dist: fixed, value: 1s } }
    router: { kind: round_robin }
workload:
  tenants:
    - name: t
      model: svc
      arrival: { kind: poisson, rate_per_s: 0.5 }
`;

/** Asserts the CLI refused the input cleanly and returns its stderr lines. */
function expectRefused(args: string[]): string[] {
  const { code, stderr } = runCli(args);
  expect(code).toBe(2);
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack frames
  expect(stderr).not.toMatch(/internal error/);
  return stderr.trim().split("\n");
}

describe("validate and run refuse bad scenarios", () => {
  it("accepts a valid scenario", () => {
    const { code, stdout } = runCli(["validate", scenarioFile("valid.yaml", VALID)]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ok: /);
  });

  it("reports a YAML syntax error with its position", () => {
    const file = scenarioFile("syntax.yaml", "version: 1\nname: x\nduration: 10s\nmodels:\n  - name: a\n    engine: {kind: queue\n");
    const [line] = expectRefused(["validate", file]);
    expect(line).toMatch(new RegExp(`^${file}:\\d+:\\d+: YAML syntax error`));
  });

  it("lists a wrong type, a typo'd key, a missing field, a negative duration and unknown names all at once", () => {
    const file = scenarioFile(
      "many.yaml",
      VALID.replace("duration: 100s", "duration: -5s")
        .replace("kind: queue,", "kind: queue, concurency: 2,")
        .replace("kind: round_robin", "kind: least_loaded")
        .replace("rate_per_s: 0.5", 'rate_per_s: "fast"')
        .replace("      model: svc\n", ""),
    );
    const lines = expectRefused(["validate", file]);
    const expectLine = (pattern: string) => expect(lines.some((l) => new RegExp(pattern).test(l)), `${pattern}\n${lines.join("\n")}`).toBe(true);
    expectLine(`^${file}:3:11: duration: expected a duration > 0, got "-5s"$`);
    expectLine(`^${file}:6:28: models\\[0\\]\\.engine\\.concurency: unknown key 'concurency'; did you mean 'concurrency'\\?`);
    expectLine(`^${file}:7:\\d+: models\\[0\\]\\.router\\.kind: unknown kind "least_loaded".*expected one of: central_queue, round_robin, least_outstanding, random, least_outstanding_tokens, least_kv_load, prefix_affinity, weighted, power_of_two\\)`);
    expectLine(`^${file}:11:\\d+: workload\\.tenants\\[0\\]\\.arrival\\.rate_per_s: expected a number, got "fast"$`);
    expectLine(`^${file}:10:\\d+: workload\\.tenants\\[0\\]\\.model: missing required field`);
    expect(lines.at(-1)).toBe("5 problems found.");
  });

  it("names an unknown model and suggests the closest", () => {
    const file = scenarioFile("model.yaml", VALID.replace("      model: svc", "      model: svx"));
    const [line] = expectRefused(["validate", file]);
    expect(line).toBe(`${file}:11:14: workload.tenants[0].model: unknown model 'svx'; did you mean 'svc'? Known: svc.`);
  });

  it("reports a trace file that does not exist", () => {
    const file = scenarioFile("trace.yaml", VALID.replace("{ kind: poisson, rate_per_s: 0.5 }", "{ kind: trace, file: missing.csv }"));
    const [line] = expectRefused(["run", file, "--out", join(dir, "out")]);
    expect(line).toMatch(new RegExp(`^${file}:12:\\d+: workload\\.tenants\\[0\\]\\.arrival\\.file: missing\\.csv: file not found$`));
  });

  it("reports a malformed trace row by its line in the trace", () => {
    writeFileSync(join(dir, "bad.csv"), "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,374,44\n2023-11-16 18:15:47.00,abc,5\n");
    const file = scenarioFile("badrow.yaml", VALID.replace("{ kind: poisson, rate_per_s: 0.5 }", "{ kind: trace, file: bad.csv }"));
    const [line] = expectRefused(["validate", file]);
    expect(line).toMatch(/workload\.tenants\[0\]\.arrival\.file: bad\.csv line 3: column ContextTokens: expected an integer >= 0 and <= 10,000,000, got "abc"$/);
  });

  it("points --set mistakes at the override", () => {
    const file = scenarioFile("set.yaml", VALID);
    const lines = expectRefused(["validate", file, "--set", "workload.tenants[0].arrival.rate_per_s=-1", "--set", "seed=x"]);
    expect(lines).toContain("--set workload.tenants[0].arrival.rate_per_s=-1: workload.tenants[0].arrival.rate_per_s: expected a number > 0, got -1");
    expect(lines).toContain('--set seed=x: seed: expected an integer, got "x"');
  });

  it("refuses a missing scenario file and unknown options", () => {
    expect(expectRefused(["run", join(dir, "nope.yaml")])[0]).toMatch(/nope\.yaml: file not found/);
    expect(expectRefused(["run", scenarioFile("v.yaml", VALID), "--sedd", "3"]).join("\n")).toMatch(/Unknown argument: sedd/);
  });
});

describe("no silent traps on the command line", () => {
  it("refuses an option that needs a value and has none, instead of writing to the current folder or skipping the JUnit file", () => {
    const file = scenarioFile("trap.yaml", VALID);
    expect(expectRefused(["run", file, "--out"])[0]).toBe("fleetsim: Not enough arguments following: out");
    expect(expectRefused(["check", file, "--junit"])[0]).toBe("fleetsim: Not enough arguments following: junit");
  });

  it("says what was wrong with --seed, not a --set never typed", () => {
    const file = scenarioFile("seed.yaml", VALID);
    expect(expectRefused(["run", file, "--seed", "abc"])[0]).toBe('fleetsim: --seed: expected a whole number, got "abc"');
  });

  it("suggests the command meant, and the scenario file of the nearest name", () => {
    expect(expectRefused(["runn", "x.yaml"])[0]).toBe("fleetsim: Did you mean run?");
    scenarioFile("mmc.yaml", VALID);
    expect(expectRefused(["validate", join(dir, "mcc.yaml")])[0]).toBe(`${join(dir, "mcc.yaml")}: file not found; did you mean ${join(dir, "mmc.yaml")}?`);
  });

  it("says so when a scenario has no workload: an idle fleet", () => {
    const idle = scenarioFile("idle.yaml", "version: 1\nname: idle\nduration: 10s\n");
    const { code, stderr } = runCli(["run", idle, "--out", join(dir, "idle-out")]);
    expect(code).toBe(0);
    expect(stderr).toContain("no workload (no tenants): an idle fleet");
  });
});
