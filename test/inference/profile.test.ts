import { fileURLToPath } from "node:url";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ProfileModel } from "../../src/inference/latency/profile.js";
import { addDecode, addPrefill, emptyShape } from "../../src/inference/latency/shape.js";
import { DataFiles } from "../../src/workload/datafiles.js";
import { loadScenarioText } from "../../src/index.js";
import { ScenarioError } from "../../src/scenario/issues.js";

const PROFILES = fileURLToPath(new URL("../../scenarios/profiles", import.meta.url));

describe("measured latency profiles", () => {
  const model = ProfileModel.fromFile(new DataFiles(PROFILES), "llama-2-70b-h100-tp4-splitwise.csv");

  it("reproduces its measured points and interpolates between them", () => {
    const prefill = (tokens: number) => {
      const shape = emptyShape();
      addPrefill(shape, tokens, 0);
      return model.iterationUs(shape) / 1e3;
    };
    expect(prefill(2048)).toBeCloseTo(200.929, 3);
    // Halfway between 2,048 (200.9 ms) and 4,096 tokens (466.4 ms).
    expect(prefill(3072)).toBeCloseTo((200.929 + 466.397) / 2, 3);
    const decode16 = emptyShape();
    for (let i = 0; i < 16; i++) addDecode(decode16, 576);
    expect(model.iterationUs(decode16) / 1e3).toBeCloseTo(32.836, 1);
    // Batch 24 lies between the measured 16 (32.8 ms) and 32 (36.9 ms).
    const c24 = model.decodeCost(24);
    const t24 = (c24.fixedUs + c24.perContextTokenUs * 24 * 576) / 1e3;
    expect(t24).toBeGreaterThan(32.8);
    expect(t24).toBeLessThan(36.9);
  });

  it("refuses a malformed profile row by its line", () => {
    const dir = mkdtempSync(join(tmpdir(), "fleetsim-profile-"));
    writeFileSync(join(dir, "p.csv"), "phase,batch_size,tokens,context_tokens,iteration_ms\nprefill,1,512,0,60\nwarmup,1,0,0,5\n");
    const text = `version: 1
name: p
duration: 10s
models:
  - name: m
    model: llama-2-70b
    tensor_parallel: 4
    engine: { kind: continuous_batching, latency: { kind: profile, file: p.csv } }
`;
    expect(() => loadScenarioText(text, join(dir, "s.yaml"))).toThrow(ScenarioError);
    try {
      loadScenarioText(text, join(dir, "s.yaml"));
    } catch (error) {
      const [issue] = (error as ScenarioError).issues;
      expect(issue.path).toBe("models[0].engine.latency.file");
      expect(issue.message).toBe('p.csv line 3: column phase: expected "prefill" or "decode", got "warmup"');
    }
  });
});

describe("LLM model entries", () => {
  const entry = (fields: string) => `version: 1
name: fit
duration: 10s
models:
  - name: m
${fields}
    engine: { kind: continuous_batching }
`;
  const problems = (text: string) => {
    try {
      loadScenarioText(text, "s.yaml");
      return [];
    } catch (error) {
      return (error as ScenarioError).issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
    }
  };

  it("refuses a model that does not fit, saying how much memory it needs and has", () => {
    const [line] = problems(entry("    model: llama-3.1-405b\n    gpu: h100-sxm\n    precision: fp8\n    tensor_parallel: 4"));
    expect(line).toMatch(/^9:22 models\[0\]\.tensor_parallel: llama-3\.1-405b in fp8 does not fit: each of the 4 GPU\(s\) has 85\.5 GB and needs 102\.5 GB of weights \(of 410\.1 GB in all\)/);
  });

  it("lists the known GPUs and models for unknown ids", () => {
    const lines = problems(entry("    model: llama-3-70b\n    gpu: h100"));
    expect(lines).toContainEqual(expect.stringMatching(/^7:10 models\[0\]\.gpu: unknown GPU 'h100'; did you mean 'h100-sxm'\? Known: a100-sxm-80gb, a100-sxm-40gb, a100-pcie-80gb, h100-sxm/));
    expect(lines).toContainEqual(expect.stringMatching(/^6:12 models\[0\]\.model: unknown model 'llama-3-70b'; did you mean 'llama-2-70b'\?.* Known: /));
  });

  it("accepts an inline GPU and architecture", () => {
    const inline = entry(
      "    model: { id: tiny, layers: 4, hidden: 1024, heads: 8, kv_heads: 8, head_dim: 128, ffn: 4096, vocab: 32000, max_context: 8192 }\n" +
        "    gpu: { id: my-gpu, family: hopper, bf16_tflops: 500, memory_gb: 48, memory_tb_per_s: 2, tdp_w: 400, interconnect_gb_per_s: 100 }",
    );
    expect(problems(inline)).toEqual([]);
  });
});
