/** report.json: the keys users and tests rely on (see SCENARIO-FORMAT.md), built from a finished run. */
import { LATENCY_METRICS, ScopeStats, type LatencyMetric } from "../metrics/scope.js";
import type { DistributionSummary } from "../metrics/sketch.js";
import { OUTCOME_REPORT_KEYS } from "../workload/outcomes.js";
import type { SimulationResult } from "../simulate.js";

export const REPORT_SCHEMA_VERSION = 1;

export type RequestCounts = { arrived: number } & Record<(typeof OUTCOME_REPORT_KEYS)[number], number>;

export interface GroupReport {
  requests: RequestCounts;
  latency: Record<LatencyMetric, DistributionSummary>;
  throughput: { requests_per_s: number; input_tokens_per_s: number; output_tokens_per_s: number };
}

export interface Report extends GroupReport {
  schema_version: number;
  scenario: { name: string; description?: string; seed: number; duration_s: number; warmup_s: number };
  run: { simulated_s: number; events: number; requests_generated: number; warmup_requests_excluded: number };
  /** time averages over [warmup, duration]; with throughput and latency they satisfy Little's law */
  occupancy: { mean_in_system: number; mean_queued: number; waited_fraction: number | null };
  by_tenant: Record<string, GroupReport & { model: string }>;
  by_model: Record<string, GroupReport & { replicas: number }>;
  by_region: Record<string, GroupReport>;
}

function group(stats: ScopeStats, windowS: number): GroupReport {
  const requests = { arrived: stats.arrived } as RequestCounts;
  OUTCOME_REPORT_KEYS.forEach((key, i) => (requests[key] = stats.outcomes[i]));
  const latency = {} as Record<LatencyMetric, DistributionSummary>;
  for (const metric of LATENCY_METRICS) latency[metric] = stats.latency[metric].summary();
  return {
    requests,
    latency,
    throughput: {
      requests_per_s: requests.completed / windowS,
      input_tokens_per_s: stats.inputTokens / windowS,
      output_tokens_per_s: stats.outputTokens / windowS,
    },
  };
}

/** Rounds every number to 10 significant digits: stable, diff-friendly, far below model error. */
function roundNumbers<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === "number" && Number.isFinite(v) ? Number(v.toPrecision(10)) : v)));
}

export function buildReport(result: SimulationResult): Report {
  const { scenario, recorder } = result;
  const windowS = scenario.duration - scenario.warmup;
  const tenants = scenario.workload.tenants;
  const total = ScopeStats.merged(recorder.scopes);
  const byTenant: Report["by_tenant"] = {};
  tenants.forEach((tenant, i) => (byTenant[tenant.name] = { model: tenant.model, ...group(recorder.scopes[i], windowS) }));
  const byModel: Report["by_model"] = {};
  scenario.models.forEach((model, m) => {
    const scopes = tenants.flatMap((tenant, i) => (tenant.model === model.name ? [recorder.scopes[i]] : []));
    byModel[model.name] = { replicas: result.services[m].replicas.length, ...group(ScopeStats.merged(scopes), windowS) };
  });
  const endUs = result.endUs;
  return roundNumbers({
    schema_version: REPORT_SCHEMA_VERSION,
    scenario: {
      name: scenario.name,
      ...(scenario.description ? { description: scenario.description } : {}),
      seed: scenario.seed,
      duration_s: scenario.duration,
      warmup_s: scenario.warmup,
    },
    run: {
      simulated_s: endUs / 1e6,
      events: result.events,
      requests_generated: result.generated,
      warmup_requests_excluded: recorder.warmupArrivals,
    },
    ...group(total, windowS),
    occupancy: {
      mean_in_system: recorder.inSystem.mean(endUs),
      mean_queued: recorder.queued.mean(endUs),
      // Share of requests that started service later than they arrived (Erlang C's P(wait > 0)).
      waited_fraction: total.latency.queue_s.count > 0 ? 1 - total.latency.queue_s.zeros / total.latency.queue_s.count : null,
    },
    by_tenant: byTenant,
    by_model: byModel,
    // One implicit region until the scenario declares regions.
    by_region: { default: group(total, windowS) },
  });
}
