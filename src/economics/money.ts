/**
 * Money: what the fleet costs (servers rented or owned, electricity, other items, the model
 * providers' share, SLA credits), what its customers pay per token, and the margin between them.
 * Every figure covers the period the counted requests were served in: from the end of the warm-up to
 * the end of the run (the drain included), so cost and revenue are of the same requests.
 */
import type { Tier } from "../requests/tiers.js";
import { SERVER_TYPES, type ServerType } from "../catalog/servers.js";
import { sum, type ScopeStats } from "../metrics/scope.js";
import type { Scenario } from "../scenario/schema.js";
import type { Topology } from "../fleet/topology.js";
import type { AzEnergy } from "./energy.js";
import { serverNameplateKw } from "../fleet/power.js";

export const HOURS_PER_MONTH = 730;

/**
 * Whether the fleet pays for its electricity as a cost item: `costs.electricity`, by default billed
 * for owned servers and included in the hourly price of rented ones (cloud prices include power).
 */
export function electricityBilled(costs: Scenario["costs"]): boolean {
  return (costs.electricity ?? (costs.gpu_pricing === "owned" ? "billed" : "included")) === "billed";
}

/** USD per server-hour of owning a server: amortised purchase plus facility capacity. */
export function ownedUsdPerHour(type: ServerType, scenario: Scenario): number | undefined {
  if (type.purchaseUsd === undefined) return undefined;
  const c = scenario.costs;
  return type.purchaseUsd / (c.amortization_years * 12 * HOURS_PER_MONTH) + (c.facility_usd_per_kw_month * serverNameplateKw(type)) / HOURS_PER_MONTH;
}

/** Token revenue of one group of requests, USD. */
export function tokenRevenue(stats: ScopeStats, price: Scenario["models"][number]["price"], tier: Tier): number {
  const cachedPrice = price.cached_input_usd_per_mtok ?? price.input_usd_per_mtok;
  // Tokens served under a reservation are paid for by its hour, not here; tokens under a billed cache
  // checkpoint at its read or write price, whatever the physical cache did (its hits there not at the cached price).
  const cached = stats.cachedInputTokens - stats.reservedCachedTokens - stats.checkpointCachedTokens;
  const checkpoint = stats.cacheReadTokens + stats.cacheWrite5mTokens + stats.cacheWrite1hTokens;
  const input = stats.inputTokens - stats.reservedInputTokens - checkpoint - cached;
  const output = stats.outputTokens - stats.reservedOutputTokens;
  let usd = (input * price.input_usd_per_mtok + cached * cachedPrice + output * price.output_usd_per_mtok) / 1e6;
  if (checkpoint > 0) {
    const p = cachePrices(price);
    usd += (stats.cacheReadTokens * p.read + stats.cacheWrite5mTokens * p.write5m + stats.cacheWrite1hTokens * p.write1h) / 1e6;
  }
  return usd * tierPriceFactor(price, tier);
}

/** Billed prompt caching's prices per million tokens: the model's, else Claude's multiples of its input price on Bedrock (read 0.1x, 5-minute write 1.25x, 1-hour write 2x). */
export function cachePrices(price: Scenario["models"][number]["price"]): { read: number; write5m: number; write1h: number } {
  const input = price.input_usd_per_mtok;
  return {
    read: price.cache_read_usd_per_mtok ?? 0.1 * input,
    write5m: price.cache_write_5m_usd_per_mtok ?? 1.25 * input,
    write1h: price.cache_write_1h_usd_per_mtok ?? 2 * input,
  };
}

/** What a tier pays of the listed token price: priority the premium on top, flex and batch their discounts off. */
export function tierPriceFactor(price: Scenario["models"][number]["price"], tier: Tier): number {
  switch (tier) {
    case "priority":
      return 1 + price.priority_premium;
    case "on_demand":
      return 1;
    case "flex":
      return 1 - price.flex_discount;
    case "batch":
      return 1 - price.batch_discount;
  }
}

export interface BreakEven {
  server_type: string;
  rent_usd_per_server_hour: number;
  own_usd_per_month: number;
  energy_usd_per_server_hour: number;
  /** GPU-hours a month above which owning costs less than renting */
  break_even_gpu_hours_per_month: number | null;
  /** the same as a share of the GPUs' hours in a month */
  break_even_utilization: number | null;
}

/**
 * Owning a server costs its amortised price and facility capacity every month, used or not, plus
 * energy for the hours it runs; renting costs its hourly price for the hours used, power included.
 * Owning wins above fixed / (rent - energy) hours a month. `costs.electricity` says how the scenario's
 * own pricing pays for power; the other side keeps its default: so an on-demand fleet billed for its
 * electricity, or an owned one whose electricity is included, pays energy on both sides or neither,
 * and owning wins above fixed / rent.
 */
export function breakEven(type: ServerType, scenario: Scenario, energyUsdPerServerHour: number): BreakEven | undefined {
  if (type.usdPerHour === undefined) return undefined;
  const owned = type.purchaseUsd !== undefined ? type : Object.values(SERVER_TYPES).find((t) => t.gpu === type.gpu && t.purchaseUsd !== undefined);
  const perHour = owned && ownedUsdPerHour(owned, scenario);
  if (!owned || perHour === undefined) return undefined;
  const ownPerMonth = (perHour * HOURS_PER_MONTH * type.gpus) / owned.gpus;
  const owning = scenario.costs.gpu_pricing === "owned";
  const billed = electricityBilled(scenario.costs);
  const rentEnergy = !owning && billed ? energyUsdPerServerHour : 0;
  const ownEnergy = !owning || billed ? energyUsdPerServerHour : 0;
  const margin = type.usdPerHour + rentEnergy - ownEnergy;
  const hours = margin > 0 ? ownPerMonth / margin : null;
  return {
    server_type: type.id,
    rent_usd_per_server_hour: type.usdPerHour,
    own_usd_per_month: ownPerMonth,
    energy_usd_per_server_hour: energyUsdPerServerHour,
    break_even_gpu_hours_per_month: hours === null ? null : hours * type.gpus,
    break_even_utilization: hours === null ? null : hours / HOURS_PER_MONTH,
  };
}

/**
 * Break-even of each server type in the fleet (first-seen order), at the fleet's own facility energy per
 * server-hour priced in the region of the type's first server; types without a rent or an owned price are left out.
 */
export function breakEvenByServerType(scenario: Scenario, topology: Topology, energy: readonly AzEnergy[], serverHours: readonly number[]): BreakEven[] {
  const result: BreakEven[] = [];
  const seen = new Set<string>();
  const paidHours = sum(serverHours);
  const kwhPerServerHour = paidHours > 0 ? sum(energy.map((e) => e.facilityKwh)) / paidHours : 0;
  for (const server of topology.servers) {
    if (seen.has(server.type.id)) continue;
    seen.add(server.type.id);
    const region = topology.regions[topology.azs[server.az].region];
    const b = breakEven(server.type, scenario, kwhPerServerHour * region.electricityUsdPerKwh);
    if (b) result.push(b);
  }
  return result;
}

export interface CostInputs {
  scenario: Scenario;
  topology: Topology;
  energy: readonly AzEnergy[];
  /** hours from the end of the warm-up to the end of the run (the drain included) */
  windowHours: number;
  /** hours each server was paid for in those (all of them, unless it was added or powered off during the run) */
  serverHours: readonly number[];
  /** revenue per model and per region, USD */
  revenueByModel: number[];
  revenueByRegion: number[];
  /** SLA credits owed in each region: the sum over accounts of the credit each account's own uptime there earns on its charges there, USD */
  slaCreditUsdByRegion: number[];
}

export interface CostBreakdown {
  total_usd: number;
  /** billed: electricity is a cost item; included: the servers' price covers it (energy still reports what it would cost) */
  electricity: "included" | "billed";
  items: Record<string, number>;
  by_region: Record<string, number>;
  unpriced_server_types: string[];
}

export function costs(inputs: CostInputs): CostBreakdown {
  const { scenario, topology, energy, windowHours } = inputs;
  const items: Record<string, number> = {};
  const byRegion = topology.regions.map(() => 0);
  const unpriced = new Set<string>();
  const add = (item: string, usd: number, region?: number) => {
    items[item] = (items[item] ?? 0) + usd;
    if (region !== undefined) byRegion[region] += usd;
  };

  let compute = 0;
  topology.servers.forEach((server, i) => {
    const region = topology.azs[server.az].region;
    const perHour = scenario.costs.gpu_pricing === "owned" ? ownedUsdPerHour(server.type, scenario) : server.type.usdPerHour;
    if (perHour === undefined) unpriced.add(server.type.id);
    // Owned servers cost their amortisation whether on or off; rented ones only while paid for.
    const usd = (perHour ?? 0) * (scenario.costs.gpu_pricing === "owned" ? windowHours : inputs.serverHours[i]);
    compute += usd;
    add(scenario.costs.gpu_pricing === "owned" ? "gpu_servers_owned" : "gpu_servers_on_demand", usd, region);
  });
  const billed = electricityBilled(scenario.costs);
  if (billed) topology.azs.forEach((az, a) => add("electricity", energy[a].facilityKwh * topology.regions[az.region].electricityUsdPerKwh, az.region));
  for (const other of scenario.costs.other) {
    add(other.name, (other.usd_per_hour ?? 0) * windowHours + (other.fraction_of_compute ?? 0) * compute);
  }
  scenario.models.forEach((model, m) => {
    if (model.revenue_share > 0) add("model_provider_share", model.revenue_share * inputs.revenueByModel[m]);
  });
  topology.regions.forEach((_, r) => {
    const credit = inputs.slaCreditUsdByRegion[r];
    if (credit > 0) add("sla_credits", credit, r);
  });
  const total = sum(Object.values(items));
  return {
    total_usd: total,
    electricity: billed ? "billed" : "included",
    items,
    by_region: Object.fromEntries(topology.regions.map((r, i) => [r.name, byRegion[i]])),
    unpriced_server_types: [...unpriced].sort(),
  };
}
