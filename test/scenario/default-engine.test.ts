/** A model entry without `engine` is an LLM served by continuous batching with that engine's defaults. */
import { describe, expect, it } from "vitest";
import { loadScenarioText, simulate } from "../../src/index.js";
import { ScenarioError } from "../../src/scenario/issues.js";
import { scenarioJsonSchema } from "../../src/scenario/json-schema.js";
import { EngineSchema } from "../../src/scenario/schema.js";

const LLM = `version: 1
name: default-engine
duration: 30s
models:
  - name: chat
    model: llama-3.1-8b
workload:
  tenants:
    - name: t
      model: chat
      arrival: { kind: poisson, rate_per_s: 2 }
      input_tokens: { dist: fixed, value: 200 }
      output_tokens: { dist: fixed, value: 20 }
`;

function problems(text: string): string[] {
  try {
    loadScenarioText(text, "models.yaml");
    return [];
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return error.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
  }
}

describe("the default engine", () => {
  it("a model with an architecture and no engine gets continuous batching with every default (max_num_seqs 256)", () => {
    const engine = loadScenarioText(LLM, "models.yaml").scenario.models[0].engine;
    expect(engine).toStrictEqual(EngineSchema.parse({ kind: "continuous_batching" }));
    expect(engine).toMatchObject({ kind: "continuous_batching", max_num_seqs: 256, max_batched_tokens: 8192, latency: { kind: "roofline" } });
  });

  it("such a model runs: its requests complete", () => {
    const { report, run } = simulate(loadScenarioText(LLM, "models.yaml"));
    expect(run.deployments[0]).toBeDefined();
    expect(report.requests.completed).toBeGreaterThan(30);
  });

  it("two models never share the default engine object", () => {
    const twice = LLM.replace("    model: llama-3.1-8b\n", "    model: llama-3.1-8b\n  - name: other\n    model: llama-3.1-8b\n");
    const [a, b] = loadScenarioText(twice, "models.yaml").scenario.models;
    expect(a.engine).not.toBe(b.engine);
    expect(a.engine).toStrictEqual(b.engine);
  });

  it("a model with neither an architecture nor an engine is refused at the entry, saying what to give", () => {
    expect(problems(LLM.replace("    model: llama-3.1-8b\n", ""))).toEqual([
      "5:5 models[0]: no model architecture for its continuous_batching engine (the default when `engine` is left out): give `model` (a catalog id such as llama-3.1-8b, or an inline spec), or, for a service that is not an LLM, an `engine` such as { kind: queue, service_time: ... }",
    ]);
    // The same when the engine is written out: one message, at the entry.
    expect(problems(LLM.replace("    model: llama-3.1-8b\n", "    engine: { kind: continuous_batching }\n"))).toEqual([expect.stringMatching(/^5:5 models\[0\]: no model architecture/)]);
  });

  it("a service without an architecture still runs with a queue engine", () => {
    const service = LLM.replace("    model: llama-3.1-8b\n", "    engine: { kind: queue, service_time: { dist: fixed, value: 100ms } }\n");
    expect(problems(service)).toEqual([]);
  });

  it("the JSON Schema no longer requires engine and shows its default", () => {
    const schema = scenarioJsonSchema() as { properties: { models: { items: { required: string[]; properties: Record<string, { default?: unknown; description?: string }> } } } };
    const model = schema.properties.models.items;
    expect(model.required).not.toContain("engine");
    expect(model.properties.engine.default).toStrictEqual({ kind: "continuous_batching" });
    expect(model.properties.engine.description).toMatch(/Default: continuous_batching with its defaults/);
  });
});
