/**
 * Money by hand: costs counted over the same period as the requests whose revenue is counted: from
 * the end of the warm-up to the end of the drain.
 */
import { describe, expect, it } from "vitest";
import { simulate, type ScenarioInput } from "../../src/index.js";

const P5_IDLE_IT_KW = (2200 + 8 * 75) / 1e3; // host idle + 8 idle H100s
const P5_USD_PER_HOUR = 55.04;

describe("the period costs cover", () => {
  // One 8B replica on one p5; requests arrive for 60 s, the last of them answering 6,000 tokens, so
  // the run drains well past `duration`.
  const draining: ScenarioInput = {
    version: 1,
    name: "long-drain",
    duration: 60,
    warmup: 10,
    regions: [{ name: "r1", geo: "east", pue: 1.2, electricity_usd_per_kwh: 0.1, azs: [{ name: "r1a", servers: { type: "p5.48xlarge", count: 1 } }] }],
    models: [{ name: "m", model: "llama-3.1-8b", engine: { kind: "continuous_batching" }, price: { input_usd_per_mtok: 1, output_usd_per_mtok: 2 } }],
    workload: {
      tenants: [{ name: "t", model: "m", arrival: { kind: "constant", rate_per_s: 0.5 }, input_tokens: { dist: "fixed", value: 100 }, output_tokens: { dist: "fixed", value: 6000 } }],
    },
    costs: { other: [{ name: "network", usd_per_hour: 3 }] },
  };

  it("charges server-hours, energy and hourly items from the end of the warm-up through the drain, not to `duration`", () => {
    const { report } = simulate(draining);
    const end = report.run.simulated_s;
    expect(end).toBeGreaterThan(100); // a long drain
    expect(report.requests.completed).toBe(report.requests.arrived); // every counted request finished, its revenue counted
    const hours = (end - 10) / 3600;
    expect(report.cost.items.gpu_servers_on_demand).toBeCloseTo(P5_USD_PER_HOUR * hours, 9);
    expect(report.cost.items.network).toBeCloseTo(3 * hours, 9);
    expect(report.fleet.gpu_hours.paid).toBeCloseTo(8 * hours, 9);
    // The server drew at least its idle power for all of those hours.
    expect(report.energy.it_kwh).toBeGreaterThan(P5_IDLE_IT_KW * hours);
    expect(report.cost.items.electricity).toBeCloseTo(report.energy.electricity_usd, 9);
    // GPU states average over the same period: the 8 GPUs are all accounted for.
    const states = Object.values(report.fleet.gpu_states_mean).reduce((a, b) => a + b, 0);
    expect(states).toBeCloseTo(8, 9);
  });
});
