/** `--data-dir`: data files outside the scenario's folder are refused unless their folder is named. */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../support/cli.js";

const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: REPO_ROOT, env: { ...process.env, NO_COLOR: "1", FLEETSIM_DEBUG: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

describe("--data-dir", () => {
  const root = mkdtempSync(join(tmpdir(), "fleetsim-data-dir-"));
  mkdirSync(join(root, "scenario"));
  mkdirSync(join(root, "shared"));
  writeFileSync(join(root, "shared", "service.csv"), "seconds\n0.5\n1.5\n");
  const scenario = join(root, "scenario", "s.yaml");
  writeFileSync(
    scenario,
    `version: 1
name: data-dir
duration: 60s
models:
  - name: svc
    engine: { kind: queue, service_time: { dist: empirical, file: ../shared/service.csv, column: seconds } }
workload:
  tenants:
    - { name: t, model: svc, arrival: { kind: poisson, rate_per_s: 1 } }
`,
  );

  it("refuses a data file outside the scenario's folder, accepts it with its folder named, and refuses a folder that does not exist", async () => {
    const [without, withDir, missing] = await Promise.all([
      cli(["validate", scenario]),
      cli(["validate", scenario, "--data-dir", join(root, "shared")]),
      cli(["validate", scenario, "--data-dir", join(root, "nowhere")]),
    ]);
    expect(without.code).toBe(2);
    expect(without.stderr).toContain(`${scenario}:6:67: models[0].engine.service_time.file: ../shared/service.csv: is outside the folders data files may be read from`);
    expect(withDir.code).toBe(0);
    expect(withDir.stdout).toBe(`ok: ${scenario}\n`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`fleetsim: --data-dir ${join(root, "nowhere")}: no such folder\n`);
  });
});
