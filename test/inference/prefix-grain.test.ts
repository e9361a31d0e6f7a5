/**
 * The prefix cache's grain: a tenant's shared prefix is cached by KV block (16 tokens), so a
 * 1,000-token system prompt saves 992 tokens of prefill (62 whole blocks), not 512; a Mooncake trace
 * keeps its hash ids' 512-token grain.
 */
import { describe, expect, it } from "vitest";
import { simulate, type ScenarioInput } from "../../src/index.js";
import { sum } from "../../src/metrics/scope.js";
import { Outcome } from "../../src/requests/outcomes.js";
import { TRACES } from "../support/data.js";

function sharedPrefix(engine: Record<string, unknown> = {}): ScenarioInput {
  return {
    version: 1,
    name: "prefix-grain",
    duration: 30,
    warmup: 2.5,
    models: [{ name: "m", model: "llama-3.1-8b", gpu: "h100-sxm", engine: { kind: "continuous_batching", ...engine } as never }],
    workload: {
      tenants: [
        {
          name: "t",
          model: "m",
          // One request a second, each done long before the next: every one after the first finds the prefix cached.
          arrival: { kind: "constant", rate_per_s: 1 },
          input_tokens: { dist: "fixed", value: 1200 },
          output_tokens: { dist: "fixed", value: 8 },
          prefix: { tokens: 1000, variants: 1 },
        },
      ],
    },
  };
}

function cachedTokensPerRequest(scenario: ScenarioInput): number[] {
  const { recorder } = simulate(scenario, { debugChecks: true }).run;
  const completed = sum(recorder.scopes.map((s) => s.outcomes[Outcome.ok]));
  return [sum(recorder.scopes.map((s) => s.cachedInputTokens)), completed];
}

describe("prefix-cache grain", () => {
  it("caches a 1,000-token shared prefix as 62 whole KV blocks: 992 cached input tokens per repeat request", () => {
    const [cached, completed] = cachedTokensPerRequest(sharedPrefix());
    expect(completed).toBeGreaterThan(20);
    expect(cached).toBe(992 * completed);
  });

  it("caches nothing of the prefix without a prefix cache", () => {
    const [cached] = cachedTokensPerRequest(sharedPrefix({ prefix_caching: false }));
    expect(cached).toBe(0);
  });

  it("keeps a Mooncake trace's 512-token hash-id grain", () => {
    const { recorder } = simulate(
      {
        version: 1,
        name: "mooncake-grain",
        duration: 120,
        models: [{ name: "m", model: "llama-3.1-8b", gpu: "h100-sxm" }],
        workload: { tenants: [{ name: "t", model: "m", arrival: { kind: "trace", file: `${TRACES}/conversation_trace.jsonl.gz`, format: "mooncake" } }] },
      },
      { debugChecks: true },
    ).run;
    const cached = sum(recorder.scopes.map((s) => s.cachedInputTokens));
    expect(cached).toBeGreaterThan(0);
    expect(cached % 512).toBe(0);
  });
});
