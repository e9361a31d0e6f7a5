/**
 * Speculative decoding against its closed forms: tokens per verify step E = (1 - a^(k+1)) / (1 - a)
 * (Leviathan et al. 2023), and at batch 1, where both models are memory-bound, time per output token
 * falling by E / (k c + 1), c the draft's step time over the target's.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { emptyShape } from "../../src/inference/latency/shape.js";
import { expectedTokensPerStep } from "../../src/inference/speculation.js";
import { loadScenarioText } from "../../src/scenario/load.js";

const TARGET = { model: "llama-3.1-70b", gpu: "h100-sxm", precision: "fp8", tensor_parallel: 4 };
const DRAFT = "llama-3.1-8b";

function run(options: { speculative?: { draft_tokens: number; acceptance_rate: number }; users: number; output: number; tenantRate?: number; durationS?: number }) {
  return simulate(
    {
      version: 1,
      name: "spec",
      seed: 5,
      duration: options.durationS ?? 300,
      warmup: 30,
      models: [
        {
          name: "m",
          ...TARGET,
          replicas: { initial: 1 },
          engine: { kind: "continuous_batching", ...(options.speculative ? { speculative: { draft_model: DRAFT, ...options.speculative } } : {}) },
        },
      ],
      workload: {
        tenants: [
          {
            name: "users",
            model: "m",
            ...(options.tenantRate !== undefined ? { speculative_acceptance_rate: options.tenantRate } : {}),
            arrival: { kind: "closed_loop", concurrency: options.users },
            input_tokens: { dist: "fixed", value: 1000 },
            output_tokens: { dist: "fixed", value: options.output },
          },
        ],
      },
    },
    { debugChecks: true },
  );
}

describe("speculative decoding", () => {
  it.each([
    [4, 0.8],
    [2, 0.5],
    [6, 0.9],
  ])("emits E = (1 - a^(k+1)) / (1 - a) tokens per whole verify step (k = %i, a = %f)", (k, a) => {
    const { report } = run({ speculative: { draft_tokens: k, acceptance_rate: a }, users: 16, output: 400, durationS: 200 });
    const s = report.by_model.m.speculative_decoding!;
    const e = expectedTokensPerStep(k, a);
    expect(s.expected_tokens_per_step).toBeCloseTo(e, 9);
    expect(s.steps).toBeGreaterThan(20_000);
    // Tokens per step have a standard deviation below k / 2; over 20,000 steps the mean is within 0.03.
    expect(Math.abs(s.tokens_per_step! - e)).toBeLessThan(0.03);
    // vLLM's acceptance: accepted / proposed = (E - 1) / k.
    expect(Math.abs(s.draft_acceptance! - (e - 1) / k)).toBeLessThan(0.01);
    // Every output ends at its exact length, cut runs and all.
    expect(report.requests.completed).toBeGreaterThan(0);
    expect(report.throughput.output_tokens_per_s * report.run.window_s).toBeGreaterThan(0);
  });

  it("takes a tenant's own acceptance rate over the model's", () => {
    const { report } = run({ speculative: { draft_tokens: 4, acceptance_rate: 0.9 }, tenantRate: 0.5, users: 16, output: 400, durationS: 120 });
    expect(Math.abs(report.by_model.m.speculative_decoding!.tokens_per_step! - expectedTokensPerStep(4, 0.5))).toBeLessThan(0.04);
  });

  it("at batch 1 cuts the time per output token by E / (k c + 1), c the draft's step time over the target's", () => {
    const k = 4;
    const a = 0.8;
    const plain = run({ users: 1, output: 2000 });
    const spec = run({ speculative: { draft_tokens: k, acceptance_rate: a }, users: 1, output: 2000 });
    // c at the batch's shape: one sequence with ~2,000 tokens of context.
    const deployed = spec.run.deployments[0]!;
    const shape = { ...emptyShape(), decodeSeqs: 1, decodeKvTokens: 2000 };
    const c = deployed.draft!.latency.iterationUs(shape) / deployed.latency.iterationUs(shape);
    expect(c).toBeGreaterThan(0.1);
    expect(c).toBeLessThan(0.5);
    const predicted = expectedTokensPerStep(k, a) / (k * c + 1);
    const measured = plain.report.latency.tpot_s.mean! / spec.report.latency.tpot_s.mean!;
    expect(Math.abs(measured / predicted - 1)).toBeLessThan(0.1);
    // A step that emits several tokens is one gap: the gaps are the steps, longer than one plain token's.
    expect(spec.report.latency.tbt_s.mean!).toBeGreaterThan(plain.report.latency.tbt_s.mean!);
  });

  it("costs more than it saves at a large batch, where the verify pass is compute-bound", () => {
    const plain = run({ users: 256, output: 300, durationS: 120 });
    const spec = run({ speculative: { draft_tokens: 4, acceptance_rate: 0.6 }, users: 256, output: 300, durationS: 120 });
    expect(spec.report.throughput.output_tokens_per_s).toBeLessThan(plain.report.throughput.output_tokens_per_s);
  });

  it("counts the draft's weights and KV cache against memory", () => {
    const base = run({ users: 1, output: 10, durationS: 40 }).report.by_model.m.deployment!;
    const spec = run({ speculative: { draft_tokens: 4, acceptance_rate: 0.8 }, users: 1, output: 10, durationS: 40 }).report.by_model.m.deployment!;
    // Llama-3.1-8B in FP8 over 4 GPUs: about 2.3 GB each (its 16-bit embeddings included).
    expect(spec.weights_gb_per_gpu - base.weights_gb_per_gpu).toBeGreaterThan(2);
    expect(spec.weights_gb_per_gpu - base.weights_gb_per_gpu).toBeLessThan(3);
    // Per token the draft adds 32 of the target's 80 layers' worth of KV (same KV heads and head size): fewer tokens fit.
    expect(spec.kv_tokens_per_replica / base.kv_tokens_per_replica).toBeLessThan(80 / 112 + 0.02);
  });

  it("refuses a draft with another vocabulary, a profile latency model, and a tenant rate on a model without a draft", () => {
    const yaml = (engine: string, tenant = "") => `
version: 1
name: bad
duration: 60
models:
  - { name: m, model: llama-3.1-70b, gpu: h100-sxm, precision: fp8, tensor_parallel: 4, engine: ${engine} }
workload:
  tenants: [{ name: t, model: m, arrival: { kind: poisson, rate_per_s: 1 }${tenant} }]
`;
    expect(() => loadScenarioText(yaml("{ kind: continuous_batching, speculative: { draft_model: mistral-7b, draft_tokens: 4, acceptance_rate: 0.7 } }"), "bad.yaml")).toThrow(
      /vocabulary .* is not llama-3\.1-70b's/,
    );
    expect(() => loadScenarioText(yaml("{ kind: continuous_batching }", ", speculative_acceptance_rate: 0.7"), "bad.yaml")).toThrow(/does not decode speculatively/);
    expect(() => loadScenarioText(yaml("{ kind: continuous_batching, speculative: { draft_model: llama-3.1-8b, draft_tokens: 4, acceptance_rate: 1.5 } }"), "bad.yaml")).toThrow(
      /acceptance_rate/,
    );
  });
});
