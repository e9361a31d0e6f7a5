/**
 * Money by hand: whether electricity is a cost item (billed) or part of the servers' price
 * (included), the break-even that follows, and costs counted over the same period as the requests
 * whose revenue is counted: from the end of the warm-up to the end of the drain.
 */
import { describe, expect, it } from "vitest";
import { simulate, type ScenarioInput } from "../../src/index.js";

const P5_IDLE_IT_KW = (2200 + 8 * 75) / 1e3; // host idle + 8 idle H100s
const P5_USD_PER_HOUR = 55.04;
/** DGX H100, owned: $300,000 over 4 years of 730-hour months, plus $150 per nameplate kW a month (4.6 kW host + 8 x 700 W). */
const DGX_OWN_USD_PER_MONTH = 300_000 / (4 * 12) + 150 * (4.6 + 8 * 0.7);

function idleFleet(costs: Record<string, unknown> = {}, type = "p5.48xlarge"): ScenarioInput {
  return {
    version: 1,
    name: "idle",
    duration: "1h",
    regions: [{ name: "r1", geo: "east", pue: 1.2, electricity_usd_per_kwh: 0.1, carbon_g_per_kwh: 400, azs: [{ name: "r1a", servers: { type, count: 1 } }] }],
    costs: costs as never,
  };
}

describe("electricity: included or billed", () => {
  const energyUsd = P5_IDLE_IT_KW * 1.2 * 0.1; // one idle hour at PUE 1.2 and $0.10/kWh

  it("is included in on-demand prices by default: reported as energy, not charged", () => {
    const { report } = simulate(idleFleet());
    expect(report.cost.electricity).toBe("included");
    expect(report.cost.items).toEqual({ gpu_servers_on_demand: P5_USD_PER_HOUR });
    expect(report.energy.electricity_usd).toBeCloseTo(energyUsd, 9);
    expect(report.energy.carbon_kg).toBeCloseTo((P5_IDLE_IT_KW * 1.2 * 400) / 1e3, 9);
  });

  it("is charged on top of on-demand prices when billed", () => {
    const { report } = simulate(idleFleet({ electricity: "billed" }));
    expect(report.cost.electricity).toBe("billed");
    expect(report.cost.items.electricity).toBeCloseTo(energyUsd, 9);
    expect(report.cost.total_usd).toBeCloseTo(P5_USD_PER_HOUR + energyUsd, 9);
  });

  it("is billed by default for owned servers, and can be declared included", () => {
    const owned = simulate(idleFleet({ gpu_pricing: "owned" }, "dgx-h100")).report;
    expect(owned.cost.electricity).toBe("billed");
    expect(owned.cost.items.electricity).toBeGreaterThan(0);
    const included = simulate(idleFleet({ gpu_pricing: "owned", electricity: "included" }, "dgx-h100")).report;
    expect(included.cost.items.electricity).toBeUndefined();
    expect(included.cost.items.gpu_servers_owned).toBeCloseTo(owned.cost.items.gpu_servers_owned, 9);
  });

  it("keeps the break-even consistent: renting is energy-free unless the scenario bills electricity on rented servers", () => {
    const energyPerServerHour = energyUsd; // the idle server's facility kWh per paid hour, priced
    const [rentIncluded] = simulate(idleFleet()).report.margin.break_even;
    expect(rentIncluded.energy_usd_per_server_hour).toBeCloseTo(energyPerServerHour, 9);
    expect(rentIncluded.break_even_gpu_hours_per_month! / 8).toBeCloseTo(DGX_OWN_USD_PER_MONTH / (P5_USD_PER_HOUR - energyPerServerHour), 6);
    // Billed on both sides: energy cancels, owning wins above fixed / rent.
    const [rentBilled] = simulate(idleFleet({ electricity: "billed" })).report.margin.break_even;
    expect(rentBilled.break_even_gpu_hours_per_month! / 8).toBeCloseTo(DGX_OWN_USD_PER_MONTH / P5_USD_PER_HOUR, 6);
  });
});

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
    costs: { electricity: "billed", other: [{ name: "network", usd_per_hour: 3 }] },
  };

  it("charges server-hours, energy and hourly items over the window [warm-up, duration], not its drain", () => {
    const { report } = simulate(draining);
    const end = report.run.simulated_s;
    expect(end).toBeGreaterThan(100); // a long drain
    expect(report.run.drain_s).toBeCloseTo(end - 60, 9);
    expect(report.requests.completed).toBe(report.requests.arrived); // every counted request finished
    const hours = (60 - 10) / 3600;
    expect(report.cost.items.gpu_servers_on_demand).toBeCloseTo(P5_USD_PER_HOUR * hours, 9);
    expect(report.cost.items.network).toBeCloseTo(3 * hours, 9);
    expect(report.fleet.gpu_hours.paid).toBeCloseTo(8 * hours, 9);
    // The server drew at least its idle power for all of those hours.
    expect(report.energy.it_kwh).toBeLessThan(10.2 * hours); // and at most flat out (host 4.6 kW + 8 x 700 W)
    expect(report.energy.it_kwh).toBeGreaterThan(P5_IDLE_IT_KW * hours);
    expect(report.cost.items.electricity).toBeCloseTo(report.energy.electricity_usd, 9);
    // GPU states average over the same period: the 8 GPUs are all accounted for.
    const states = Object.values(report.fleet.gpu_states_mean).reduce((a, b) => a + b, 0);
    expect(states).toBeCloseTo(8, 9);
  });
});

describe("what would make a losing window pay", () => {
  // An 8B replica on a rented p5, lightly loaded, with a 30 % provider share: it loses money.
  const losing = (scale: number): ScenarioInput => ({
    version: 1,
    name: "losing",
    duration: "20m",
    warmup: "2m",
    regions: [{ name: "r1", geo: "east", azs: [{ name: "r1a", servers: { type: "p5.48xlarge", count: 1 } }] }],
    models: [{ name: "m", model: "llama-3.1-8b", replicas: { initial: 2 }, revenue_share: 0.3, price: { input_usd_per_mtok: 0.2 * scale, output_usd_per_mtok: 0.6 * scale } }],
    workload: { tenants: [{ name: "t", model: "m", arrival: { kind: "poisson", rate_per_s: 3 } }] },
  });

  it("prices it so that the same run breaks even: scaling every token price to the break-even price leaves a margin of 0", () => {
    const m = simulate(losing(1)).report.margin;
    expect(m.gross_usd).toBeLessThan(0);
    const k = m.break_even_price_usd_per_mtok! / m.revenue_per_mtok_usd!;
    expect(k).toBeGreaterThan(1);
    // Same seed, prices scaled by k: the provider's 30 % scales too, the server bill does not.
    const atBreakEven = simulate(losing(k)).report;
    expect(Math.abs(atBreakEven.margin.gross_usd)).toBeLessThan(1e-6 * atBreakEven.cost.total_usd);
  });

  it("gives the busy share of the paid GPU time that would pay at today's prices: today's share x the same factor", () => {
    const { report } = simulate(losing(1));
    const m = report.margin;
    const k = m.break_even_price_usd_per_mtok! / m.revenue_per_mtok_usd!;
    // Two 1-GPU replicas on an 8-GPU server: at most 2/8 of the paid GPU time can be busy.
    const busy = report.by_model.m.replicas_detail.reduce((s, r) => s + r.busy_fraction, 0) / 8;
    expect(m.profitable_utilization).toBeCloseTo(busy * k, 6);
  });
});
