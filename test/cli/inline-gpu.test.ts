/** A model on a GPU defined inline in the scenario runs end to end through the CLI (it used to crash looking the GPU up in the catalog). */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "fleetsim-inline-gpu-"));

const SCENARIO = (gpuId: string) => `version: 1
name: inline-gpu
duration: 60s
warmup: 10s
models:
  - name: llm
    model: llama-3.1-8b
    gpu: { id: ${gpuId}, family: hopper, bf16_tflops: 900, fp8_tflops: 1800, memory_gb: 80, memory_tb_per_s: 3.0, tdp_w: 600, interconnect_gb_per_s: 400 }
workload:
  tenants:
    - { name: t, model: llm, arrival: { kind: poisson, rate_per_s: 2 }, input_tokens: { dist: fixed, value: 100 }, output_tokens: { dist: fixed, value: 50 } }
`;

describe("an inline GPU", () => {
  it("runs: requests complete on it, and the server made for it draws power by its TDP", () => {
    const file = join(dir, "inline-gpu.yaml");
    writeFileSync(file, SCENARIO("my-gpu"));
    const out = join(dir, "out");
    const { code, stderr } = runCli(["run", file, "--out", out, "--quiet"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report.by_model.llm.deployment.gpu).toBe("my-gpu");
    expect(report.requests.completed).toBeGreaterThan(50);
    // An assumed 8-GPU server with an HGX host: (4,600 W + 8 x 600 W) x the default PUE of 1.15.
    expect(report.energy.by_az["default-a"].planned_max_facility_kw).toBeCloseTo(((4600 + 8 * 600) / 1e3) * 1.15, 9);
    expect(report.energy.it_kwh).toBeGreaterThan(0);
  });

  it("may not reuse a catalog GPU's id (servers would not know which figures they hold)", () => {
    const file = join(dir, "inline-dup.yaml");
    writeFileSync(file, SCENARIO("h100-sxm"));
    const { code, stderr } = runCli(["validate", file]);
    expect(code).toBe(2);
    expect(stderr + "").toMatch(/models\[0\]\.gpu\.id: 'h100-sxm' is a catalog GPU/);
  });
});
