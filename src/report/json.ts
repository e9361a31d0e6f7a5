/** report.json: the keys users and tests rely on (see SCENARIO-FORMAT.md), named, laid out and rounded from figures computed next to their data. */
import { readFileSync } from "node:fs";
import { US_PER_S, usToSeconds } from "../engine/index.js";
import { LATENCY_METRICS, requestCounts, sum, waitedFraction, ScopeStats, type LatencyMetric, type RequestCounts } from "../metrics/scope.js";
import type { DistributionSummary } from "../metrics/sketch.js";
import { lowestUptimePct, regionUptime, type RegionUptime } from "../metrics/availability.js";
import { evaluateThresholds, type MetricReadings, type ThresholdResult } from "../metrics/thresholds.js";
import { Outcome, serverErrors, sloDenominator } from "../requests/outcomes.js";
import type { SimulationResult } from "../simulate.js";
import { accountsOf } from "../requests/scopes.js";
import { LIMITS, type LimitName } from "../control/gateway.js";
import type { ReplicaSummary } from "../metrics/replica-summary.js";
import type { FleetEvent, GPU_STATES } from "../fleet/fleet.js";
import { gpuHours, rolloutReport, scalingReport, type GpuHours, type RolloutReport, type ScalingReport } from "./scaling.js";
import { inventoryByRegion, meanGpusByState, plannedMaxFacilityKwByAz, replicasPlaced, summedPeakItKw, totalGpus, type AzInventory } from "../fleet/inventory.js";
import { azEnergy, regionEnergy, totalEnergy, type RegionEnergy } from "../economics/energy.js";
import { breakEvenByServerType, costs, type CostBreakdown } from "../economics/money.js";
import { margin, revenueByScope, rollUpRevenue, type Margin } from "../economics/revenue.js";
import { roundNumbers } from "./round.js";

export const REPORT_SCHEMA_VERSION = 1;

export type { RequestCounts };

export interface GroupReport {
  requests: RequestCounts & {
    /** API calls made, retries included */
    attempts: number;
    /** attempts per request; null without requests */
    retry_amplification: number | null;
  };
  latency: Record<LatencyMetric, DistributionSummary>;
  /**
   * what was done inside the window, per second of it: requests answered and tokens produced in it,
   * whenever they arrived (a request straddling the window's end counts the tokens that fell inside)
   */
  throughput: { requests_per_s: number; input_tokens_per_s: number; output_tokens_per_s: number };
}

/** One LLM replica over the measurement window, and where it runs. */
export type ReplicaReport = { index: number; region: string; az: string } & ReplicaSummary;

export interface ModelReport extends GroupReport {
  /** replicas over all its regions at the start (the scaling section says how many were launched later) */
  replicas: number;
  deployment?: {
    gpu: string;
    gpus_per_replica: number;
    /** memory per GPU as the driver reports it, and what it holds: weights, peak activations, runtime buffers, KV cache (GB of 1e9 bytes) */
    memory_gb_per_gpu: number;
    weights_gb_per_gpu: number;
    activations_gb_per_gpu: number;
    runtime_gb_per_gpu: number;
    kv_cache_gb_per_gpu: number;
    /** the serving engine's rule that sized the KV cache */
    kv_cache_rule: string;
    kv_blocks_per_replica: number;
    kv_tokens_per_replica: number;
  };
  replicas_detail: ReplicaReport[];
}

export interface RegionReport extends GroupReport {
  /** 100 % minus the mean error rate over 5-minute intervals (server errors and timeouts; not throttles), all accounts' calls pooled */
  uptime_pct: number;
  /** the Bedrock-style credit tier that pooled uptime would earn (10 % below 99.9 %, 25 % below 99 %, 100 % below 95 %); credits are owed per account: `availability.by_account` */
  sla_credit_pct: number;
}

/** One account's calls in one region: its own uptime, its charges there and the credit that uptime earns on them. */
export type AccountRegionReport = RegionUptime & { revenue_usd: number; sla_credit_usd: number };

export interface Report extends GroupReport {
  schema_version: number;
  /** which scenario: its name, the SHA-256 of its source and the --set overrides applied to it */
  scenario: { name: string; description?: string; seed: number; duration_s: number; warmup_s: number; sha256: string; overrides: string[] };
  /**
   * the run: fleetsim's version (package.json's, so reports of one release compare byte for byte),
   * simulated time, the measurement window [warm-up, duration] every rate, bill and energy figure
   * covers, and the drain after it (the window's requests finishing), events
   */
  run: {
    fleetsim_version: string;
    simulated_s: number;
    window_s: number;
    drain_s: number;
    events: number;
    requests_generated: number;
    warmup_requests_excluded: number;
    shuffled_ties?: true;
  };
  /** time averages over [warmup, duration] of every request in the system and queued, and the share of completed requests that queued at all */
  occupancy: {
    mean_in_system: number;
    mean_queued: number;
    waited_fraction: number | null;
    /**
     * the window's requests alone, in the system and queued, integrated over the whole run (the drain
     * included) and divided by the window's length: Little's law L = lambda W holds for them however
     * overloaded the run, with lambda = arrived / window and W their mean time in the system (or queued)
     */
    window_requests: { mean_in_system: number; mean_queued: number };
  };
  by_tenant: Record<string, GroupReport & { model: string }>;
  by_model: Record<string, ModelReport>;
  by_region: Record<string, RegionReport>;
  fleet: {
    gpus: number;
    servers: number;
    regions: Record<string, { azs: Record<string, AzInventory> }>;
    replicas_placed: Record<string, Record<string, Record<string, number>>>;
    /** servers added during the run (scale-outs) */
    servers_launched: number;
    /** GPU slots by state, averaged from the end of the warm-up to the end of the run (the drain included); each slot is in exactly one state */
    gpu_states_mean: Record<(typeof GPU_STATES)[number], number>;
    gpu_hours: GpuHours;
  };
  /** what each autoscaled (or rolled-out) model's replica set did, by model and region */
  scaling: Record<string, Record<string, ScalingReport>>;
  /** each rollout's timeline, outcome and extra capacity, by model and region */
  rollouts: Record<string, Record<string, RolloutReport>>;
  energy: {
    it_kwh: number;
    facility_kwh: number;
    electricity_usd: number;
    carbon_kg: number;
    peak_it_kw: number;
    peak_facility_kw: number;
    by_region: Record<string, RegionEnergy>;
    by_az: Record<
      string,
      {
        it_kwh: number;
        facility_kwh: number;
        peak_facility_kw: number;
        /** facility power if every server ran at nameplate (GPU TDP + host maximum) x PUE */
        planned_max_facility_kw: number;
        power_capacity_kw: number | null;
        /** the peak drawn went above the capacity */
        exceeds_capacity: boolean;
        /** the plan could go above the capacity if everything ran flat out */
        plan_exceeds_capacity: boolean;
      }
    >;
  };
  cost: CostBreakdown;
  revenue: { total_usd: number; by_model: Record<string, number>; by_region: Record<string, number>; by_tenant: Record<string, number> };
  margin: Margin;
  gateway: {
    /** attempts the gateway's limits refused (429), by the limit that fired */
    throttled_attempts: { by_limit: ThrottleCounts; by_tenant: Record<string, ThrottleCounts> };
  };
  routing: {
    /** attempts no region their tenant's residency allows could serve (503): what residency cost */
    residency_refusals: number;
    by_tenant: Record<string, { residency_refusals: number }>;
  };
  availability: {
    /** which uptime the SLA credit is tiered on */
    credit_basis: "window" | "month";
    /** by the region that answered each API call */
    by_region: Record<string, RegionUptime>;
    /** by the tenant that made each API call */
    by_tenant: Record<string, RegionUptime>;
    /**
     * by customer account and region, where the account made calls or was charged (Bedrock's SLA is
     * per account and region: the credit tier comes from the account's uptime there and applies to
     * its charges there); a tenant is its own account unless it names one
     */
    by_account: Record<string, Record<string, AccountRegionReport>>;
    slo: { ttft_s: number; tpot_s: number };
    /**
     * share of the window's requests meeting both objectives (DistServe's attainment): completed
     * requests within both count, every other outcome is a miss except the client-caused ones (400,
     * 403), which leave the denominator; null without such requests
     */
    slo_attainment: number | null;
    /** requests per second of the window meeting both objectives */
    goodput_per_s: number;
  };
  /** every decision and transition in time order */
  events: FleetEvent[];
  thresholds: Record<string, ThresholdResult[]>;
  thresholds_ok: boolean;
}

type ThrottleCounts = Record<LimitName, number>;

function throttlesByLimit(stats: ScopeStats): ThrottleCounts {
  return Object.fromEntries(LIMITS.map((limit, i) => [limit, stats.throttles[i]])) as ThrottleCounts;
}

function group(stats: ScopeStats, windowS: number): GroupReport {
  const requests = { ...requestCounts(stats), attempts: stats.attempts, retry_amplification: stats.arrived > 0 ? stats.attempts / stats.arrived : null };
  const latency = {} as Record<LatencyMetric, DistributionSummary>;
  for (const metric of LATENCY_METRICS) latency[metric] = stats.latency[metric].summary();
  return {
    requests,
    latency,
    throughput: {
      requests_per_s: stats.answeredInWindow / windowS,
      input_tokens_per_s: stats.inputTokens / windowS,
      output_tokens_per_s: stats.outputTokens / windowS,
    },
  };
}

/** Names each value after its item: `{ [nameOf(items[i])]: values[i] }`, in item order. */
function named<T, V>(items: readonly T[], nameOf: (item: T) => string, values: readonly V[]): Record<string, V> {
  return Object.fromEntries(items.map((item, i) => [nameOf(item), values[i]]));
}

const byName = (x: { name: string }) => x.name;

function modelReport(result: SimulationResult, m: number, stats: ScopeStats, windowS: number): ModelReport {
  const { topology } = result;
  const deployed = result.deployments[m];
  const services = result.services[m];
  const detail: ReplicaReport[] = [];
  if (deployed) {
    const slotOf = new Map(result.fleet.replicas.slots.map((slot) => [slot.replica, slot]));
    services.forEach((service) => {
      for (const replica of service.all) {
        const summary = replica.summary?.(windowS);
        const slot = slotOf.get(replica);
        if (summary && slot) detail.push({ index: replica.index, region: topology.regions[service.regionIndex].name, az: topology.azs[slot.placement.az].name, ...summary });
      }
    });
  }
  return {
    replicas: sum(services.map((s) => s.initialReplicas)),
    ...group(stats, windowS),
    ...(deployed
      ? {
          deployment: {
            gpu: deployed.gpu.id,
            gpus_per_replica: deployed.gpusPerReplica,
            memory_gb_per_gpu: deployed.memory.capacityGb,
            weights_gb_per_gpu: deployed.memory.weightsGb,
            activations_gb_per_gpu: deployed.memory.activationsGb,
            runtime_gb_per_gpu: deployed.memory.runtimeGb,
            kv_cache_gb_per_gpu: deployed.memory.kvGb,
            kv_cache_rule: deployed.memory.rule,
            kv_blocks_per_replica: deployed.memory.kvBlocks,
            kv_tokens_per_replica: deployed.memory.kvBlocks * deployed.memory.blockSize,
          },
        }
      : {}),
    replicas_detail: detail,
  };
}

/** Each account's uptime, charges and credit per region where it made calls or was charged, in account then region order. */
function accountAvailability(result: SimulationResult, scopeRevenue: readonly number[], fromUs: number, toUs: number) {
  const { scenario, recorder, topology } = result;
  const grid = recorder.grid;
  const accounts = accountsOf(scenario.workload.tenants);
  const regionCount = topology.regions.length;
  const charges = accounts.names.map(() => new Float64Array(regionCount));
  scopeRevenue.forEach((usd, i) => (charges[accounts.ofTenant[grid.tenantOf(i)]][grid.regionOf(i)] += usd));
  return accounts.names.map((name, a) => ({
    name,
    regions: topology.regions.flatMap((_, r) => {
      const uptime = regionUptime(recorder.accountAvailability[a * regionCount + r], fromUs, toUs, scenario.sla.credit_basis);
      const revenueUsd = charges[a][r];
      if (uptime.attempts === 0 && revenueUsd === 0) return [];
      return [{ region: r, report: { ...uptime, revenue_usd: revenueUsd, sla_credit_usd: (uptime.sla_credit_pct / 100) * revenueUsd } }];
    }),
  }));
}

/** package.json's version (from src/report or dist/report alike, two folders up). */
const FLEETSIM_VERSION: string = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")).version;

export function buildReport(result: SimulationResult): Report {
  const { scenario, recorder, topology, fleet } = result;
  // One period for everything produced, paid and used: the window [warmup, duration]. Tokens, revenue,
  // cost, energy and GPU-hours count what fell inside it; latency and SLO attainment are those of the
  // requests that arrived in it, however long they took (the drain).
  const windowS = scenario.duration - scenario.warmup;
  const paidHours = windowS / 3600;
  const fromUs = scenario.warmup * US_PER_S;
  const toUs = scenario.duration * US_PER_S;
  const endUs = result.endUs;
  const tenants = scenario.workload.tenants;
  const regions = topology.regions;
  const grid = recorder.grid;
  const scopes = recorder.scopes;
  const total = grid.total(scopes, ScopeStats.merged);
  const statsByTenant = grid.byTenant(scopes, ScopeStats.merged);
  const statsByModel = grid.byModel(scopes, scenario.models.map(byName), tenants.map((t) => t.model), ScopeStats.merged);
  const statsByRegion = grid.byRegion(scopes, ScopeStats.merged);

  const byTenant: Report["by_tenant"] = {};
  tenants.forEach((tenant, t) => (byTenant[tenant.name] = { model: tenant.model, ...group(statsByTenant[t], windowS) }));
  const byModel: Report["by_model"] = {};
  scenario.models.forEach((model, m) => (byModel[model.name] = modelReport(result, m, statsByModel[m], windowS)));
  const creditBasis = scenario.sla.credit_basis;
  const availability = regions.map((_, r) => regionUptime(recorder.availability[r], fromUs, toUs, creditBasis));
  const tenantAvailability = tenants.map((_, t) => regionUptime(recorder.tenantAvailability[t], fromUs, toUs, creditBasis));
  const byRegion: Report["by_region"] = {};
  regions.forEach((region, r) => {
    byRegion[region.name] = { ...group(statsByRegion[r], windowS), uptime_pct: availability[r].uptime_pct, sla_credit_pct: availability[r].sla_credit_pct };
  });

  const energy = azEnergy(fleet, endUs);
  const energyByRegion = regions.map((region) => regionEnergy(region, energy));
  const plannedKw = plannedMaxFacilityKwByAz(topology);

  // Revenue, then costs (SLA credits and provider shares depend on revenue).
  const scopeRevenue = revenueByScope(scopes, grid, scenario);
  const revenue = rollUpRevenue(scopeRevenue, grid, scenario);
  const byAccount = accountAvailability(result, scopeRevenue, fromUs, toUs);
  // A server on for the whole window is charged exactly its hours.
  const paidWindowUs = toUs - fromUs;
  const serverHours = fleet.servers.paidUs(endUs).map((us) => (us === paidWindowUs ? paidHours : us / (3600 * US_PER_S)));
  const cost = costs({
    scenario,
    topology,
    energy,
    windowHours: paidHours,
    serverHours,
    revenueByModel: revenue.byModel,
    revenueByRegion: revenue.byRegion,
    slaCreditUsdByRegion: regions.map((_, r) => sum(byAccount.flatMap((account) => account.regions.filter((x) => x.region === r).map((x) => x.report.sla_credit_usd)))),
  });
  const completed = total.outcomes[Outcome.ok];
  const margins = margin(revenue.total_usd, cost.total_usd, total.inputTokens + total.outputTokens, total.answeredInWindow, breakEvenByServerType(scenario, topology, energy, serverHours));

  const totals = group(total, windowS);
  // A share of every request but the client-caused ones: a throttled, refused, failed or timed-out request is a miss.
  const sloRequests = sloDenominator(total.outcomes);
  const sloAttainment = sloRequests > 0 ? total.sloMet / sloRequests : null;
  const readings: MetricReadings = {
    ttft: totals.latency.ttft_s,
    tbt: totals.latency.tbt_s,
    tpot: totals.latency.tpot_s,
    e2e: totals.latency.e2e_s,
    queue: totals.latency.queue_s,
    error_rate: total.arrived > 0 ? serverErrors(total.outcomes) / total.arrived : 0,
    availability: lowestUptimePct(availability),
    slo_attainment: sloAttainment,
    goodput: total.sloMet / windowS,
    margin_pct: margins.gross_pct,
    cost_per_mtok: margins.cost_per_mtok_usd,
  };
  const thresholds = evaluateThresholds(scenario.thresholds, readings);

  return roundNumbers({
    schema_version: REPORT_SCHEMA_VERSION,
    scenario: {
      name: scenario.name,
      ...(scenario.description ? { description: scenario.description } : {}),
      seed: scenario.seed,
      duration_s: scenario.duration,
      warmup_s: scenario.warmup,
      sha256: result.provenance.sha256,
      overrides: result.provenance.overrides,
    },
    run: {
      fleetsim_version: FLEETSIM_VERSION,
      simulated_s: usToSeconds(endUs),
      window_s: windowS,
      drain_s: Math.max(0, usToSeconds(endUs) - scenario.duration),
      events: result.events,
      requests_generated: result.generated,
      warmup_requests_excluded: recorder.warmupArrivals,
      // Only when set, so reports of ordinary runs keep their bytes.
      ...(result.shuffledTies ? { shuffled_ties: true as const } : {}),
    },
    ...totals,
    occupancy: {
      mean_in_system: recorder.inSystem.windowMean(endUs),
      mean_queued: recorder.queued.windowMean(endUs),
      waited_fraction: waitedFraction(total),
      window_requests: {
        mean_in_system: recorder.cohortInSystem.windowIntegral(endUs) / (toUs - fromUs),
        mean_queued: recorder.cohortQueued.windowIntegral(endUs) / (toUs - fromUs),
      },
    },
    by_tenant: byTenant,
    by_model: byModel,
    by_region: byRegion,
    fleet: {
      gpus: totalGpus(topology, result.initialServers),
      servers: result.initialServers,
      regions: inventoryByRegion(topology, result.initialServers),
      replicas_placed: replicasPlaced(topology, scenario.models.map(byName)),
      servers_launched: topology.servers.length - result.initialServers,
      gpu_states_mean: meanGpusByState(fleet, fromUs, toUs, endUs),
      gpu_hours: gpuHours(result),
    },
    scaling: scalingReport(result),
    rollouts: rolloutReport(result),
    energy: {
      ...totalEnergy(energyByRegion),
      peak_it_kw: summedPeakItKw(fleet),
      peak_facility_kw: sum(energy.map((e) => e.peakFacilityKw)),
      by_region: named(regions, byName, energyByRegion),
      by_az: named(
        topology.azs,
        byName,
        topology.azs.map((az, a) => ({
          it_kwh: energy[a].itKwh,
          facility_kwh: energy[a].facilityKwh,
          peak_facility_kw: energy[a].peakFacilityKw,
          planned_max_facility_kw: plannedKw[a],
          power_capacity_kw: az.powerCapacityKw ?? null,
          exceeds_capacity: az.powerCapacityKw !== undefined && energy[a].peakFacilityKw > az.powerCapacityKw,
          plan_exceeds_capacity: az.powerCapacityKw !== undefined && plannedKw[a] > az.powerCapacityKw,
        })),
      ),
    },
    cost,
    revenue: {
      total_usd: revenue.total_usd,
      by_model: named(scenario.models, byName, revenue.byModel),
      by_region: named(regions, byName, revenue.byRegion),
      by_tenant: named(tenants, byName, revenue.byTenant),
    },
    margin: margins,
    gateway: {
      throttled_attempts: {
        by_limit: throttlesByLimit(total),
        by_tenant: named(tenants, byName, statsByTenant.map(throttlesByLimit)),
      },
    },
    routing: {
      residency_refusals: total.residencyRefusals,
      by_tenant: named(tenants, byName, statsByTenant.map((s) => ({ residency_refusals: s.residencyRefusals }))),
    },
    availability: {
      credit_basis: creditBasis,
      by_region: named(regions, byName, availability),
      by_tenant: named(tenants, byName, tenantAvailability),
      by_account: Object.fromEntries(byAccount.map((a) => [a.name, Object.fromEntries(a.regions.map((x) => [regions[x.region].name, x.report]))])),
      slo: { ttft_s: scenario.slo.ttft, tpot_s: scenario.slo.tpot },
      slo_attainment: sloAttainment,
      goodput_per_s: total.sloMet / windowS,
    },
    events: fleet.events,
    thresholds,
    thresholds_ok: Object.values(thresholds).every((list) => list.every((r) => r.ok)),
  });
}
