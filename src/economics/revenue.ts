/** Revenue per (tenant, region) scope and its roll-ups by model, region and tenant; the margin between revenue and cost. */
import { sum, type Scopes, type ScopeStats } from "../metrics/scope.js";
import type { Scenario } from "../scenario/schema.js";
import { tokenRevenue, type BreakEven } from "./money.js";

/**
 * Revenue of every scope, USD: token revenue at its tenant's model price and tier (priority at a
 * premium, flex and batch at a discount; tokens served under a reservation left out), or for a tenant's
 * provisioned model the hours it bought in that region (`provisionedUsd`), whatever it used; plus a
 * reserving tenant's hourly fee (`reservedUsd`).
 */
export function revenueByScope(
  scopes: readonly ScopeStats[],
  grid: Scopes,
  scenario: Pick<Scenario, "models" | "workload">,
  provisionedUsd: (model: number, region: number) => number = () => 0,
  /** a tenant's reservation fee for the window, counted in one region of its model (0 elsewhere) */
  reservedUsd: (tenant: number, region: number) => number = () => 0,
): number[] {
  const tenants = scenario.workload.tenants;
  return scopes.map((stats, i) => {
    const t = grid.tenantOf(i);
    const tenant = tenants[t];
    const m = scenario.models.findIndex((model) => model.name === tenant.model);
    const model = scenario.models[m];
    if (model.provisioned) return provisionedUsd(m, grid.regionOf(i));
    const tokens = tokenRevenue(stats, model.price, tenant.tier);
    return tenant.reserved ? tokens + reservedUsd(t, grid.regionOf(i)) : tokens;
  });
}

export interface RevenueRollUp {
  total_usd: number;
  /** in the order of scenario.models, workload.tenants and the topology's regions */
  byModel: number[];
  byRegion: number[];
  byTenant: number[];
}

/** Revenue summed by model, region and tenant, each sum over its scopes in scope order. */
export function rollUpRevenue(byScope: readonly number[], grid: Scopes, scenario: Pick<Scenario, "models" | "workload">): RevenueRollUp {
  return {
    total_usd: grid.total(byScope, sum),
    byModel: grid.byModel(
      byScope,
      scenario.models.map((m) => m.name),
      scenario.workload.tenants.map((t) => t.model),
      sum,
    ),
    byRegion: grid.byRegion(byScope, sum),
    byTenant: grid.byTenant(byScope, sum),
  };
}

export interface Margin {
  gross_usd: number;
  /** percent of revenue; null without revenue */
  gross_pct: number | null;
  /** per million tokens served (input and output); null without tokens */
  cost_per_mtok_usd: number | null;
  revenue_per_mtok_usd: number | null;
  /** per completed request; null without any */
  cost_per_request_usd: number | null;
  /**
   * the blended price per million tokens (input and output, at the mix served) at which the window's
   * revenue would cover its cost, every token price scaled alike; the provider's share and SLA credits
   * scale with revenue, everything else is fixed. Null without revenue or when no price covers it
   */
  break_even_price_usd_per_mtok: number | null;
  /**
   * the share of the paid GPU-hours the replicas would have to be busy for the window to break even
   * at today's prices, revenue growing with the work done (above 1: not on this fleet at any load);
   * null without revenue or work
   */
  profitable_utilization: number | null;
  break_even: BreakEven[];
}

/** What would make a window pay: how far revenue must scale, given the cost items that scale with it. */
export interface BreakEvenInputs {
  /** cost items that move with revenue: the model provider's share and SLA credits, USD */
  revenueLinkedCostUsd: number;
  /** replica busy time over paid GPU time in the window (0-1), or null where nothing measures it */
  busyShare: number | null;
}

/** Gross margin and unit economics of a window's revenue and cost. */
export function margin(revenueUsd: number, costUsd: number, tokens: number, completed: number, breakEven: BreakEven[], inputs: BreakEvenInputs = { revenueLinkedCostUsd: 0, busyShare: null }): Margin {
  // Scaling revenue by k scales the linked costs with it: k R = (C - L) + k L, so k = (C - L) / (R - L).
  const linked = inputs.revenueLinkedCostUsd;
  const scale = revenueUsd - linked > 0 ? (costUsd - linked) / (revenueUsd - linked) : null;
  return {
    gross_usd: revenueUsd - costUsd,
    gross_pct: revenueUsd > 0 ? (100 * (revenueUsd - costUsd)) / revenueUsd : null,
    cost_per_mtok_usd: tokens > 0 ? costUsd / (tokens / 1e6) : null,
    revenue_per_mtok_usd: tokens > 0 ? revenueUsd / (tokens / 1e6) : null,
    cost_per_request_usd: completed > 0 ? costUsd / completed : null,
    break_even_price_usd_per_mtok: scale !== null && tokens > 0 ? (scale * revenueUsd) / (tokens / 1e6) : null,
    profitable_utilization: scale !== null && inputs.busyShare !== null && inputs.busyShare > 0 ? scale * inputs.busyShare : null,
    break_even: breakEven,
  };
}
