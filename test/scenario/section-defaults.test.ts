/** Sections left out of a scenario are filled from their fields' own defaults, the one place each default is written. */
import { describe, expect, it } from "vitest";
import { scenarioJsonSchema } from "../../src/scenario/json-schema.js";
import { ScenarioSchema, type ScenarioInput } from "../../src/scenario/schema.js";

const MINIMAL: ScenarioInput = { version: 1, name: "defaults", duration: 60 };
const SERVICE = { name: "svc", engine: { kind: "queue", service_time: { dist: "fixed", value: 1 } } } as const;

/** The parsed value as JSON, so key order (which report.json and the error listing follow) is compared too. */
const asJson = (value: unknown) => JSON.stringify(value);

describe("section defaults", () => {
  it("a section left out equals the section written as {} (a section default that drifted from its fields' defaults)", () => {
    const omitted = ScenarioSchema.parse({ ...MINIMAL, models: [{ ...SERVICE, router: { kind: "weighted" } }] });
    const empty = ScenarioSchema.parse({
      ...MINIMAL,
      network: {},
      workload: {},
      costs: {},
      slo: {},
      report: {},
      models: [{ ...SERVICE, startup: {}, health_check: {}, price: {}, replicas: {}, router: { kind: "weighted", weights: {} } }],
    });
    expect(omitted).toStrictEqual(empty);
    expect(asJson(omitted)).toBe(asJson(empty));
  });

  it("a section left out gets the documented defaults, keys in schema order (a default lost or changed by the reshape)", () => {
    const scenario = ScenarioSchema.parse({ ...MINIMAL, models: [SERVICE] });
    const model = scenario.models[0];
    expect(asJson(scenario.network)).toBe(asJson({ rtt_ms: {}, default_rtt_ms: 60 }));
    expect(asJson(scenario.slo)).toBe(asJson({ ttft: 2, tpot: 0.2 }));
    expect(asJson(scenario.costs)).toBe(asJson({ gpu_pricing: "on_demand", amortization_years: 4, facility_usd_per_kw_month: 150, other: [] }));
    expect(asJson(model.startup)).toBe(asJson({ engine: 60, weight_load_gb_per_s: 2 }));
    expect(model.price).toStrictEqual({ input_usd_per_mtok: 0, output_usd_per_mtok: 0, batch_discount: 0.5, priority_premium: 0, flex_discount: 0 });
    expect(model.replicas).toStrictEqual({ initial: 1 });
  });

  it("two scenarios never share a default object (a default mutated by one run leaking into the next)", () => {
    const first = ScenarioSchema.parse(MINIMAL);
    const second = ScenarioSchema.parse(MINIMAL);
    expect(first.network).not.toBe(second.network);
    expect(first.network.rtt_ms).not.toBe(second.network.rtt_ms);
    expect(first.costs.other).not.toBe(second.costs.other);
  });

  it("the JSON Schema shows a section's filled-in default (a section documented as `{}` once its default is derived)", () => {
    const schema = scenarioJsonSchema() as { properties: Record<string, { default?: unknown; items?: unknown }> };
    expect(schema.properties.network.default).toStrictEqual({ rtt_ms: {}, default_rtt_ms: 60 });
    expect(schema.properties.costs.default).toStrictEqual({ gpu_pricing: "on_demand", amortization_years: 4, facility_usd_per_kw_month: 150, other: [] });
    const model = schema.properties.models.items as { properties: Record<string, { default?: unknown }> };
    expect(model.properties.price.default).toStrictEqual({ input_usd_per_mtok: 0, output_usd_per_mtok: 0, batch_discount: 0.5, priority_premium: 0, flex_discount: 0 });
  });
});
