/** report.json: the keys users and tests rely on (see SCENARIO-FORMAT.md), built from a finished run. */
import { LATENCY_METRICS, ScopeStats, type LatencyMetric } from "../metrics/scope.js";
import type { DistributionSummary } from "../metrics/sketch.js";
import { AVAILABILITY_INTERVAL_US } from "../metrics/recorder.js";
import { evaluateThreshold, type ThresholdResult } from "../metrics/thresholds.js";
import { OUTCOME_REPORT_KEYS } from "../requests/outcomes.js";
import type { SimulationResult } from "../simulate.js";
import type { ReplicaSummary } from "../inference/replica-stats.js";
import type { Deployed } from "../inference/deployment.js";
import { PRECISIONS } from "../catalog/precisions.js";
import { GPU_STATES } from "../fleet/fleet.js";
import { azEnergy } from "../economics/energy.js";
import { breakEven, costs, serverNameplateKw, slaCreditPct, tokenRevenue, type BreakEven, type CostBreakdown } from "../economics/money.js";

export const REPORT_SCHEMA_VERSION = 1;

export type RequestCounts = { arrived: number } & Record<(typeof OUTCOME_REPORT_KEYS)[number], number>;

export interface GroupReport {
  requests: RequestCounts;
  latency: Record<LatencyMetric, DistributionSummary>;
  throughput: { requests_per_s: number; input_tokens_per_s: number; output_tokens_per_s: number };
}

/** One LLM replica over the measurement window, and where it runs. */
export type ReplicaReport = { index: number; region: string; az: string } & ReplicaSummary;

export interface ModelReport extends GroupReport {
  /** replicas over all its regions */
  replicas: number;
  deployment?: {
    gpu: string;
    gpus_per_replica: number;
    weights_gb_per_gpu: number;
    kv_cache_gb_per_gpu: number;
    kv_blocks_per_replica: number;
    kv_tokens_per_replica: number;
  };
  replicas_detail: ReplicaReport[];
}

export interface RegionReport extends GroupReport {
  /** 100 % minus the mean error rate over 5-minute intervals (server errors and timeouts; not throttles) */
  uptime_pct: number;
  /** Bedrock-style service credit: 10 % below 99.9 % uptime, 25 % below 99 %, 100 % below 95 % */
  sla_credit_pct: number;
}

export interface Report extends GroupReport {
  schema_version: number;
  scenario: { name: string; description?: string; seed: number; duration_s: number; warmup_s: number };
  run: { simulated_s: number; events: number; requests_generated: number; warmup_requests_excluded: number };
  /** time averages over [warmup, duration]; with throughput and latency they satisfy Little's law */
  occupancy: { mean_in_system: number; mean_queued: number; waited_fraction: number | null };
  by_tenant: Record<string, GroupReport & { model: string }>;
  by_model: Record<string, ModelReport>;
  by_region: Record<string, RegionReport>;
  fleet: {
    gpus: number;
    servers: number;
    regions: Record<string, { azs: Record<string, { servers: Record<string, number>; gpus: number }> }>;
    replicas_placed: Record<string, Record<string, Record<string, number>>>;
    /** GPU slots by state, averaged over the window; each slot is in exactly one state */
    gpu_states_mean: Record<(typeof GPU_STATES)[number], number>;
  };
  energy: {
    it_kwh: number;
    facility_kwh: number;
    electricity_usd: number;
    carbon_kg: number;
    peak_it_kw: number;
    peak_facility_kw: number;
    by_region: Record<string, { it_kwh: number; facility_kwh: number; electricity_usd: number; carbon_kg: number }>;
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
  margin: {
    gross_usd: number;
    gross_pct: number | null;
    cost_per_mtok_usd: number | null;
    revenue_per_mtok_usd: number | null;
    cost_per_request_usd: number | null;
    break_even: BreakEven[];
  };
  availability: {
    by_region: Record<string, { uptime_pct: number; sla_credit_pct: number; error_rate: number; intervals: number }>;
    slo: { ttft_s: number; tpot_s: number };
    /** share of completed requests meeting both objectives */
    slo_attainment: number | null;
    /** requests per second meeting both objectives */
    goodput_per_s: number;
  };
  events: { t_s: number; kind: string; target: string }[];
  thresholds: Record<string, ThresholdResult[]>;
  thresholds_ok: boolean;
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

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

export function buildReport(result: SimulationResult): Report {
  const { scenario, recorder, topology, fleet } = result;
  const windowS = scenario.duration - scenario.warmup;
  const windowHours = windowS / 3600;
  const fromUs = scenario.warmup * 1e6;
  const toUs = scenario.duration * 1e6;
  const endUs = result.endUs;
  const tenants = scenario.workload.tenants;
  const regions = topology.regions;
  const R = regions.length;
  const scope = (t: number, r: number) => recorder.scopes[t * R + r];
  const total = ScopeStats.merged(recorder.scopes);

  const byTenant: Report["by_tenant"] = {};
  tenants.forEach((tenant, t) => (byTenant[tenant.name] = { model: tenant.model, ...group(ScopeStats.merged(regions.map((_, r) => scope(t, r))), windowS) }));

  const byModel: Report["by_model"] = {};
  scenario.models.forEach((model, m) => {
    const stats = ScopeStats.merged(tenants.flatMap((tenant, t) => (tenant.model === model.name ? regions.map((_, r) => scope(t, r)) : [])));
    const deployed = result.deployments[m];
    const services = result.services[m];
    const detail: ReplicaReport[] = [];
    if (deployed) {
      services.forEach((service, k) => {
        const placements = topology.placements[m][k];
        service.all.forEach((replica, i) => {
          const summary = replica.summary?.(windowS);
          if (summary) detail.push({ index: replica.index, region: regions[service.regionIndex].name, az: topology.azs[placements[i].az].name, ...summary });
        });
      });
    }
    byModel[model.name] = {
      replicas: sum(services.map((s) => s.all.length)),
      ...group(stats, windowS),
      ...(deployed
        ? {
            deployment: {
              gpu: deployed.gpu.id,
              gpus_per_replica: deployed.gpusPerReplica,
              weights_gb_per_gpu: deployed.memory.weightsGb,
              kv_cache_gb_per_gpu: deployed.memory.kvGb,
              kv_blocks_per_replica: deployed.memory.kvBlocks,
              kv_tokens_per_replica: deployed.memory.kvBlocks * deployed.memory.blockSize,
            },
          }
        : {}),
      replicas_detail: detail,
    };
  });

  // Availability per region over the 5-minute intervals of the window.
  const firstInterval = Math.floor(fromUs / AVAILABILITY_INTERVAL_US);
  const lastInterval = Math.max(firstInterval, Math.ceil(toUs / AVAILABILITY_INTERVAL_US) - 1);
  const availability = regions.map((_, r) => {
    const a = recorder.availability[r];
    let errorRateSum = 0;
    let intervals = 0;
    let errors = 0;
    let requests = 0;
    for (let b = firstInterval; b <= lastInterval; b++) {
      const n = a.total[b] ?? 0;
      const e = a.errors[b] ?? 0;
      errorRateSum += n > 0 ? e / n : 0;
      intervals++;
      errors += e;
      requests += n;
    }
    const uptime = 100 * (1 - errorRateSum / intervals);
    return { uptime_pct: uptime, sla_credit_pct: slaCreditPct(uptime), error_rate: requests > 0 ? errors / requests : 0, intervals };
  });

  const byRegion: Report["by_region"] = {};
  regions.forEach((region, r) => {
    byRegion[region.name] = {
      ...group(ScopeStats.merged(tenants.map((_, t) => scope(t, r))), windowS),
      uptime_pct: availability[r].uptime_pct,
      sla_credit_pct: availability[r].sla_credit_pct,
    };
  });

  // Energy.
  const energy = azEnergy(fleet, scenario.report.interval * 1e6, fromUs, toUs, endUs);
  const regionEnergy = regions.map((region) => {
    const azs = region.azs.map((a) => energy[a]);
    const it = sum(azs.map((e) => e.itKwh));
    const facility = sum(azs.map((e) => e.facilityKwh));
    return { it_kwh: it, facility_kwh: facility, electricity_usd: facility * region.electricityUsdPerKwh, carbon_kg: (facility * region.carbonGPerKwh) / 1e3 };
  });
  const totalPeakIt = sum(fleet.itPower.map((l) => l.peak)) / 1e3;

  // Revenue, then costs (SLA credits and provider shares depend on revenue).
  const revenueByScope = recorder.scopes.map((stats, i) => {
    const tenant = tenants[Math.floor(i / R)];
    const model = scenario.models.find((m) => m.name === tenant.model)!;
    return tokenRevenue(stats, model.price, tenant.tier === "batch");
  });
  const revenueByModel = scenario.models.map((model) => sum(revenueByScope.filter((_, i) => tenants[Math.floor(i / R)].model === model.name)));
  const revenueByRegion = regions.map((_, r) => sum(revenueByScope.filter((_, i) => i % R === r)));
  const revenueTotal = sum(revenueByScope);
  const cost = costs({
    scenario,
    topology,
    energy,
    windowHours,
    revenueByModel,
    revenueByRegion,
    slaCreditPctByRegion: availability.map((a) => a.sla_credit_pct),
  });
  const tokens = total.inputTokens + total.outputTokens;
  const completed = total.outcomes[0];

  // Break-even per server type in use, at the fleet's own energy per server-hour.
  const breakEvens: BreakEven[] = [];
  const seen = new Set<string>();
  const kwhPerServerHour = windowHours > 0 && topology.servers.length > 0 ? sum(energy.map((e) => e.facilityKwh)) / (topology.servers.length * windowHours) : 0;
  for (const server of topology.servers) {
    if (seen.has(server.type.id)) continue;
    seen.add(server.type.id);
    const region = regions[topology.azs[server.az].region];
    const b = breakEven(server.type, scenario, kwhPerServerHour * region.electricityUsdPerKwh);
    if (b) breakEvens.push(b);
  }

  const gpuStatesMean = Object.fromEntries(
    GPU_STATES.map((state, k) => [state, sum(fleet.gpuStates.map((levels) => levels[k].windowIntegral(endUs))) / (windowS * 1e6)]),
  ) as Report["fleet"]["gpu_states_mean"];

  const fleetRegions: Report["fleet"]["regions"] = {};
  regions.forEach((region) => {
    const azs: Record<string, { servers: Record<string, number>; gpus: number }> = {};
    for (const a of region.azs) {
      const servers: Record<string, number> = {};
      let gpus = 0;
      for (const s of topology.azs[a].servers) {
        const type = topology.servers[s].type;
        servers[type.id] = (servers[type.id] ?? 0) + 1;
        gpus += type.gpus;
      }
      azs[topology.azs[a].name] = { servers, gpus };
    }
    fleetRegions[region.name] = { azs };
  });
  const replicasPlaced: Report["fleet"]["replicas_placed"] = {};
  scenario.models.forEach((model, m) => {
    const perRegion: Record<string, Record<string, number>> = {};
    topology.modelRegions[m].forEach((r, k) => {
      const counts: Record<string, number> = {};
      for (const p of topology.placements[m][k]) counts[topology.azs[p.az].name] = (counts[topology.azs[p.az].name] ?? 0) + 1;
      perRegion[regions[r].name] = counts;
    });
    replicasPlaced[model.name] = perRegion;
  });

  const totals = group(total, windowS);
  const sloAttainment = completed > 0 ? total.sloMet / completed : null;
  const errors = total.outcomes[2] + total.outcomes[3] + total.outcomes[4];
  const marginPct = revenueTotal > 0 ? (100 * (revenueTotal - cost.total_usd)) / revenueTotal : null;
  const costPerMtok = tokens > 0 ? cost.total_usd / (tokens / 1e6) : null;
  const values: Record<string, number | null> = {
    error_rate: total.arrived > 0 ? errors / total.arrived : 0,
    availability: availability.length > 0 ? Math.min(...availability.map((a) => a.uptime_pct)) : null,
    slo_attainment: sloAttainment,
    goodput: total.sloMet / windowS,
    margin_pct: marginPct,
    cost_per_mtok: costPerMtok,
  };
  const distributions: Record<string, DistributionSummary> = {
    ttft: totals.latency.ttft_s,
    tbt: totals.latency.tbt_s,
    tpot: totals.latency.tpot_s,
    e2e: totals.latency.e2e_s,
    queue: totals.latency.queue_s,
  };
  const thresholds: Record<string, ThresholdResult[]> = {};
  for (const [metric, expressions] of Object.entries(scenario.thresholds)) {
    thresholds[metric] = expressions.map((e) => evaluateThreshold(e, metric in distributions ? { distribution: distributions[metric] } : { value: values[metric] }));
  }

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
    ...totals,
    occupancy: {
      mean_in_system: recorder.inSystem.windowMean(endUs),
      mean_queued: recorder.queued.windowMean(endUs),
      // Share of requests that started service later than they arrived (Erlang C's P(wait > 0)).
      waited_fraction: total.latency.queue_s.count > 0 ? 1 - total.latency.queue_s.zeros / total.latency.queue_s.count : null,
    },
    by_tenant: byTenant,
    by_model: byModel,
    by_region: byRegion,
    fleet: {
      gpus: sum(topology.servers.map((s) => s.type.gpus)),
      servers: topology.servers.length,
      regions: fleetRegions,
      replicas_placed: replicasPlaced,
      gpu_states_mean: gpuStatesMean,
    },
    energy: {
      it_kwh: sum(regionEnergy.map((e) => e.it_kwh)),
      facility_kwh: sum(regionEnergy.map((e) => e.facility_kwh)),
      electricity_usd: sum(regionEnergy.map((e) => e.electricity_usd)),
      carbon_kg: sum(regionEnergy.map((e) => e.carbon_kg)),
      peak_it_kw: totalPeakIt,
      peak_facility_kw: sum(energy.map((e) => e.peakFacilityKw)),
      by_region: Object.fromEntries(regions.map((r, i) => [r.name, regionEnergy[i]])),
      by_az: Object.fromEntries(
        topology.azs.map((az, a) => {
          const pue = topology.regions[az.region].pue;
          const plannedKw = sum(az.servers.map((s) => serverNameplateKw(topology.servers[s].type))) * (typeof pue === "number" ? pue : Math.max(...pue));
          return [
            az.name,
            {
              it_kwh: energy[a].itKwh,
              facility_kwh: energy[a].facilityKwh,
              peak_facility_kw: energy[a].peakFacilityKw,
              planned_max_facility_kw: plannedKw,
              power_capacity_kw: az.powerCapacityKw ?? null,
              exceeds_capacity: az.powerCapacityKw !== undefined && energy[a].peakFacilityKw > az.powerCapacityKw,
              plan_exceeds_capacity: az.powerCapacityKw !== undefined && plannedKw > az.powerCapacityKw,
            },
          ];
        }),
      ),
    },
    cost,
    revenue: {
      total_usd: revenueTotal,
      by_model: Object.fromEntries(scenario.models.map((m, i) => [m.name, revenueByModel[i]])),
      by_region: Object.fromEntries(regions.map((r, i) => [r.name, revenueByRegion[i]])),
      by_tenant: Object.fromEntries(tenants.map((t, i) => [t.name, sum(regions.map((_, r) => revenueByScope[i * R + r]))])),
    },
    margin: {
      gross_usd: revenueTotal - cost.total_usd,
      gross_pct: marginPct,
      cost_per_mtok_usd: costPerMtok,
      revenue_per_mtok_usd: tokens > 0 ? revenueTotal / (tokens / 1e6) : null,
      cost_per_request_usd: completed > 0 ? cost.total_usd / completed : null,
      break_even: breakEvens,
    },
    availability: {
      by_region: Object.fromEntries(regions.map((r, i) => [r.name, availability[i]])),
      slo: { ttft_s: scenario.slo.ttft, tpot_s: scenario.slo.tpot },
      slo_attainment: sloAttainment,
      goodput_per_s: total.sloMet / windowS,
    },
    events: fleet.events,
    thresholds,
    thresholds_ok: Object.values(thresholds).every((list) => list.every((r) => r.ok)),
  });
}
