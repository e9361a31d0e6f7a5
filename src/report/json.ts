/** report.json: the keys users and tests rely on (see SCENARIO-FORMAT.md), named, laid out and rounded from figures computed next to their data. */
import { cachePrices, tierPriceFactor } from "../economics/money.js";
import { TIERS, type Tier } from "../requests/tiers.js";
import { gpusPerReplica, poolSpecs } from "../fleet/topology.js";
import type { ModelSpec, Scenario } from "../scenario/schema.js";
import type { BatchingReplicaLike } from "../inference/replica.js";
import type { KvTransferStats } from "../control/model-service.js";
import { expectedTokensPerStep } from "../inference/speculation.js";
import type { Draft } from "../inference/deployment.js";
import { readFileSync } from "node:fs";
import { US_PER_S, usToSeconds } from "../engine/index.js";
import { mean, quantile, quantileSorted } from "simple-statistics";
import { LATENCY_METRICS, requestCounts, sum, waitedFraction, ScopeStats, type LatencyMetric } from "../metrics/scope.js";
import type { DistributionSummary } from "../metrics/sketch.js";
import { lowestUptimePct, regionUptime } from "../metrics/availability.js";
import { evaluateThresholds, type MetricReadings } from "../metrics/thresholds.js";
import { serverErrors, sloDenominator } from "../requests/outcomes.js";
import type { SimulationResult } from "../simulate.js";
import { LIMITS, TENANT_LIMITS } from "../control/gateway.js";
import { gpuHours, rolloutReport, scalingReport } from "./scaling.js";
import { inventoryByRegion, meanGpusByState, plannedMaxFacilityKwByAz, replicasPlaced, summedPeakItKw, totalGpus, unusableServers } from "../fleet/inventory.js";
import { azEnergy, regionEnergy, totalEnergy } from "../economics/energy.js";
import { breakEvenByServerType, costs } from "../economics/money.js";
import { margin, revenueByScope, rollUpRevenue } from "../economics/revenue.js";
import { roundNumbers } from "./round.js";
import type { AccountRegionReport, BatchJobReport, ReservedReport, ColdStartReport, GroupReport, TierReport, ModelReport, ReplicaReport, Report, PoolReport, ReportWarning, SpeculativeReport, ThrottleCounts, TransferReport } from "./report-types.js";

/**
 * Layout version of report.json. 2: throughput, money and energy over the window, SLO attainment over
 * every request, `queue_s` as queueing alone with the other latency parts beside it, per-account
 * credits, a rollout's `extra_*` as its bill impact (a report of version 1 means other things by
 * the same keys, so `compare` refuses to set the two side by side).
 */
export const REPORT_SCHEMA_VERSION = 2;

export type { AccountRegionReport, GroupReport, ModelReport, RegionReport, ReplicaReport, Report, RequestCounts } from "./report-types.js";

/** Throttled attempts by the limit that fired: the tenant's own limits, and the models' shared ones where some model has one. */
function throttlesByLimit(stats: ScopeStats, modelLimits: boolean): ThrottleCounts {
  const limits = modelLimits ? LIMITS : LIMITS.slice(0, TENANT_LIMITS);
  return Object.fromEntries(limits.map((limit, i) => [limit, stats.throttles[i]])) as ThrottleCounts;
}

/** A group's counts, latency and throughput; `withExpired` where tenants run batch jobs (their records may expire). */
function group(stats: ScopeStats, windowS: number, withExpired = false): GroupReport {
  const requests = { ...requestCounts(stats, withExpired), attempts: stats.attempts, retry_amplification: stats.arrived > 0 ? stats.attempts / stats.arrived : null };
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

/** Each reserving tenant: its reservation against what it used in the window. */
function reservedReport(scenario: Scenario, statsByTenant: readonly ScopeStats[], windowS: number): Record<string, ReservedReport> {
  const out: Record<string, ReservedReport> = {};
  const minutes = windowS / 60;
  scenario.workload.tenants.forEach((tenant, t) => {
    const r = tenant.reserved;
    if (!r) return;
    const s = statsByTenant[t];
    out[tenant.name] = {
      input_tokens_per_min: r.input_tokens_per_min,
      output_tokens_per_min: r.output_tokens_per_min,
      fee_usd: (r.usd_per_hour * windowS) / 3600,
      answered_reserved: s.reservedAnswered,
      answered_spilled: s.answeredInWindow - s.reservedAnswered,
      input_tokens: s.reservedInputTokens,
      output_tokens: s.reservedOutputTokens,
      input_used: s.reservedInputTokens / (r.input_tokens_per_min * minutes),
      output_used: s.reservedOutputTokens / (r.output_tokens_per_min * minutes),
    };
  });
  return out;
}

/** Every batch job: its life, its records' outcomes, its revenue and the TTFT of the rest of its model's traffic while it ran. */
function batchJobsReport(result: SimulationResult): BatchJobReport[] {
  const { scenario } = result;
  const seconds = (us: number) => (us < 0 ? null : usToSeconds(us));
  return result.jobs!.jobs.map((job) => {
    const tenant = scenario.workload.tenants[job.tenant];
    const price = scenario.models[job.model].price;
    const others = [...job.othersTtftUs].sort((a, b) => a - b);
    return {
      tenant: tenant.name,
      model: scenario.models[job.model].name,
      state: job.state,
      submitted_s: usToSeconds(job.submittedUs),
      started_s: seconds(job.startedUs),
      ended_s: seconds(job.endedUs),
      turnaround_s: job.endedUs < 0 ? null : usToSeconds(job.endedUs - job.submittedUs),
      records: job.records,
      completed: job.completed,
      failed: job.failed,
      expired: job.expired,
      revenue_usd: ((job.inputTokens * price.input_usd_per_mtok + job.outputTokens * price.output_usd_per_mtok) / 1e6) * tierPriceFactor(price, tenant.tier),
      others_ttft_p99_s: others.length > 0 ? usToSeconds(quantileSorted(others, 0.99)) : null,
    };
  });
}

/** Each tier's tenants together: their group figures, revenue and attainment by the tier's own targets. */
function byTier(scenario: Scenario, statsByTenant: readonly ScopeStats[], revenueByTenant: readonly number[], windowS: number, withExpired: boolean): Partial<Record<Tier, TierReport>> {
  const out: Partial<Record<Tier, TierReport>> = {};
  const tenants = scenario.workload.tenants;
  for (const tier of TIERS) {
    const members = tenants.map((t, i) => i).filter((i) => tenants[i].tier === tier);
    if (members.length === 0) continue;
    const stats = ScopeStats.merged(members.map((i) => statsByTenant[i]));
    const counted = sloDenominator(stats.outcomes);
    const targets = scenario.slo.tiers?.[tier];
    out[tier] = {
      tenants: members.map((i) => tenants[i].name),
      ...group(stats, windowS, withExpired),
      revenue_usd: sum(members.map((i) => revenueByTenant[i])),
      slo: { ttft_s: targets?.ttft ?? scenario.slo.ttft, tpot_s: targets?.tpot ?? scenario.slo.tpot },
      slo_attainment: counted > 0 ? stats.sloMet / counted : null,
      goodput_per_s: stats.sloMet / windowS,
    };
  }
  return out;
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
        const role = (replica as Partial<BatchingReplicaLike>).role;
        const pool = role === "prefill" || role === "decode" ? { pool: role } : {};
        if (summary && slot) detail.push({ index: replica.index, region: topology.regions[service.regionIndex].name, az: topology.azs[slot.placement.az].name, ...pool, ...summary });
      }
    });
  }
  return {
    replicas: sum(services.map((s) => s.initialReplicas)),
    ...group(stats, windowS, result.jobs !== undefined),
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
    ...(deployed?.draft ? { speculative_decoding: speculativeReport(deployed.draft, detail) } : {}),
    ...(result.kvTransfers[m] ? { pools: poolsReport(detail, result.scenario.models[m]), kv_transfer: transferReport(result.kvTransfers[m]!) } : {}),
    ...(result.scenario.models[m].prompt_cache ? { prompt_cache: promptCacheReport(stats, result.scenario.models[m].price) } : {}),
    ...(deployed && result.replicaSets[m].some((set) => set?.autoscaler && set.min === 0) ? { cold_starts: coldStartReport(result, m, windowS) } : {}),
    ...(detail.some((r) => r.prefix_cache_host_hits !== undefined)
      ? {
          prefix_cache_hits_by_tier: {
            gpu: sum(detail.map((r) => r.prefix_cache_hits)),
            host: sum(detail.map((r) => r.prefix_cache_host_hits ?? 0)),
            store: sum(detail.map((r) => r.prefix_cache_store_hits ?? 0)),
          },
        }
      : {}),
    replicas_detail: detail,
  };
}

/** A model's billed cache checkpoints in the window: tokens by use, hit rate, and the customers' saving against the input price. */
function promptCacheReport(s: ScopeStats, price: ModelSpec["price"]): NonNullable<ModelReport["prompt_cache"]> {
  const p = cachePrices(price);
  const input = price.input_usd_per_mtok;
  const uses = s.cacheReadTokens + s.cacheWrite5mTokens + s.cacheWrite1hTokens;
  return {
    read_tokens: s.cacheReadTokens,
    write_5m_tokens: s.cacheWrite5mTokens,
    write_1h_tokens: s.cacheWrite1hTokens,
    hit_rate: uses > 0 ? s.cacheReadTokens / uses : null,
    customer_savings_usd: (s.cacheReadTokens * (input - p.read) - s.cacheWrite5mTokens * (p.write5m - input) - s.cacheWrite1hTokens * (p.write1h - input)) / 1e6,
    physical_hit_tokens: s.checkpointCachedTokens,
  };
}

/** A model that may scale to zero: its wakes in the window, the requests that met them, and the GPU-hours against one replica always on. */
function coldStartReport(result: SimulationResult, m: number, windowS: number): ColdStartReport {
  const fromUs = result.scenario.warmup * US_PER_S;
  const toUs = result.scenario.duration * US_PER_S;
  const services = result.services[m];
  const wakes = services.flatMap((s) => s.coldStarts).filter((c) => c.wokeUs >= fromUs && c.wokeUs < toUs);
  const latencies = wakes.filter((c) => c.readyUs >= 0).map((c) => usToSeconds(c.readyUs - c.wokeUs));
  const held = result.fleet.replicas.gpusByModel[m].windowIntegral(result.endUs) / (3600 * US_PER_S);
  const alwaysOn = (services.length * result.deployments[m]!.gpusPerReplica * windowS) / 3600;
  return {
    count: wakes.length,
    latency_s: { mean: latencies.length > 0 ? mean(latencies) : null, max: latencies.length > 0 ? Math.max(...latencies) : null },
    not_ready_attempts: sum(services.map((s) => s.notReady)),
    waited: sum(services.map((s) => s.heldCold)),
    gpu_hours: held,
    gpu_hours_always_on: alwaysOn,
    gpu_hours_saved: alwaysOn - held,
  };
}

/** A disaggregated model's pools, each over its replicas (all regions). */
function poolsReport(detail: readonly ReplicaReport[], model: ModelSpec): Record<"prefill" | "decode", PoolReport> {
  const specs = poolSpecs(model)!;
  const pool = (name: "prefill" | "decode"): PoolReport => {
    const rs = detail.filter((r) => r.pool === name);
    const average = (f: (r: ReplicaReport) => number) => (rs.length > 0 ? sum(rs.map(f)) / rs.length : 0);
    return {
      replicas: rs.length,
      gpu: gpuName(specs[name].gpu),
      gpus_per_replica: gpusPerReplica(specs[name]),
      precision: specs[name].precision,
      busy_fraction: average((r) => r.busy_fraction),
      mean_batch_size: average((r) => r.mean_batch_size),
      mean_kv_utilization: average((r) => r.mean_kv_utilization),
      mean_outstanding: average((r) => r.mean_outstanding),
      tokens_per_s: sum(rs.map((r) => r.tokens_per_s)),
      completed: sum(rs.map((r) => r.completed)),
    };
  };
  return { prefill: pool("prefill"), decode: pool("decode") };
}

/** A model entry's GPU as its id (undefined: the one its servers have, which the deployment names). */
function gpuName(gpu: ModelSpec["gpu"]): string | null {
  return gpu === undefined ? null : typeof gpu === "string" ? gpu : gpu.id;
}

/** KV transfers that started in the window: how many, how much, how long, and the wait for decode memory before them. */
function transferReport(s: KvTransferStats): TransferReport {
  const seconds = (us: readonly number[]) => ({
    mean: us.length > 0 ? usToSeconds(mean(us as number[])) : null,
    p99: us.length > 0 ? usToSeconds(quantile(us as number[], 0.99)) : null,
    max: us.length > 0 ? usToSeconds(Math.max(...us)) : null,
  });
  return { count: s.count, bytes: s.bytes, time_s: seconds(s.timesUs), wait_for_memory_s: seconds(s.waitsUs), cancelled: s.cancelled };
}

/** Speculative decoding as configured and as seen over the window's whole verify steps, all replicas together. */
function speculativeReport(draft: Draft, detail: readonly ReplicaReport[]): SpeculativeReport {
  const total = (key: "steps" | "tokens" | "proposed" | "accepted") => sum(detail.map((r) => r.speculative?.[key] ?? 0));
  const steps = total("steps");
  const proposed = total("proposed");
  return {
    draft_model: draft.architecture.id,
    draft_tokens: draft.tokens,
    acceptance_rate: draft.acceptanceRate,
    expected_tokens_per_step: expectedTokensPerStep(draft.tokens, draft.acceptanceRate),
    steps,
    tokens_per_step: steps > 0 ? total("tokens") / steps : null,
    draft_acceptance: proposed > 0 ? total("accepted") / proposed : null,
  };
}

/**
 * Each account's uptime, charges and credit per region where it made calls or was charged (report.json's
 * `availability.by_account`, by account then region name), and the credits owed per region, summed
 * over accounts in account order.
 */
function accountAvailability(result: SimulationResult, scopeRevenue: readonly number[], fromUs: number, toUs: number) {
  const { scenario, recorder, topology } = result;
  const { grid, accounts } = recorder;
  const regions = topology.regions;
  const charges = accounts.names.map(() => new Float64Array(regions.length));
  scopeRevenue.forEach((usd, i) => (charges[accounts.ofTenant[grid.tenantOf(i)]][grid.regionOf(i)] += usd));
  const creditUsdByRegion = regions.map(() => 0);
  const byAccount: Record<string, Record<string, AccountRegionReport>> = {};
  accounts.names.forEach((name, a) => {
    const own: Record<string, AccountRegionReport> = {};
    regions.forEach((region, r) => {
      const uptime = regionUptime(recorder.accountAvailability[a * regions.length + r], fromUs, toUs, scenario.sla.credit_basis);
      const revenueUsd = charges[a][r];
      if (uptime.attempts === 0 && revenueUsd === 0) return;
      const creditUsd = (uptime.sla_credit_pct / 100) * revenueUsd;
      creditUsdByRegion[r] += creditUsd;
      own[region.name] = { ...uptime, revenue_usd: revenueUsd, sla_credit_usd: creditUsd };
    });
    byAccount[name] = own;
  });
  return { byAccount, creditUsdByRegion };
}

/** What the run did that is rarely meant: servers no model can use, by AZ and type, with their cost in the window. */
function warningsOf(result: SimulationResult, serverHours: readonly number[]): ReportWarning[] {
  const { topology, deployments, scenario } = result;
  const models = deployments.map((d, m) => (d ? { gpu: topology.modelGpu[m]!, gpusPerReplica: d.gpusPerReplica } : undefined));
  const gpuHours = topology.servers.map((s, i) => (serverHours[i] ?? 0) * s.type.gpus);
  return unusableServers(topology, models, gpuHours).map((u) => {
    const type = u.type;
    const priced = scenario.costs.gpu_pricing === "on_demand" && type.usdPerHour !== undefined;
    const costUsd = priced ? (u.paid_gpu_hours / type.gpus) * type.usdPerHour! : null;
    return {
      kind: "unusable_servers" as const,
      message: `${u.servers} ${type.id} server(s) in ${u.az} can host no model (${u.reason}): paid ${u.paid_gpu_hours.toFixed(1)} GPU-hours in the window for nothing`,
      cost_usd: costUsd,
    };
  });
}

/** The replicas' busy GPU time over the GPU time paid in the window, or null without replicas that measure it or paid time. */
function busyShareOfPaidGpuTime(byModel: Report["by_model"], paidGpuHours: number, windowS: number): number | null {
  let busyGpuHours = 0;
  let measured = false;
  for (const model of Object.values(byModel)) {
    const gpus = model.deployment?.gpus_per_replica ?? 0;
    for (const replica of model.replicas_detail) {
      busyGpuHours += (replica.busy_fraction * gpus * windowS) / 3600;
      measured = true;
    }
  }
  return measured && paidGpuHours > 0 ? busyGpuHours / paidGpuHours : null;
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
  const modelLimits = Object.keys(scenario.gateway.rate_limits?.models ?? {}).length > 0;
  const tierNames = TIERS.filter((tier) => tenants.some((t) => t.tier === tier));
  const withExpired = result.jobs !== undefined;
  const grid = recorder.grid;
  const scopes = recorder.scopes;
  const total = grid.total(scopes, ScopeStats.merged);
  const statsByTenant = grid.byTenant(scopes, ScopeStats.merged);
  const statsByModel = grid.byModel(scopes, scenario.models.map(byName), tenants.map((t) => t.model), ScopeStats.merged);
  const statsByRegion = grid.byRegion(scopes, ScopeStats.merged);

  const byTenant: Report["by_tenant"] = {};
  tenants.forEach((tenant, t) => (byTenant[tenant.name] = { model: tenant.model, ...group(statsByTenant[t], windowS, withExpired) }));
  const byModel: Report["by_model"] = {};
  scenario.models.forEach((model, m) => (byModel[model.name] = modelReport(result, m, statsByModel[m], windowS)));
  // Provisioned throughput is billed by the replica-hour bought: the replicas placed in the region, for the whole window.
  const provisionedUsd = (m: number, region: number) => {
    const rate = scenario.models[m].provisioned?.usd_per_replica_hour ?? 0;
    const service = result.services[m].find((s) => s.regionIndex === region);
    return service ? service.initialReplicas * paidHours * rate : 0;
  };
  scenario.models.forEach((model, m) => {
    const p = model.provisioned;
    if (!p) return;
    const replicas = sum(result.services[m].map((s) => s.initialReplicas));
    byModel[model.name].provisioned = { tenant: p.tenant, replicas, usd_per_replica_hour: p.usd_per_replica_hour, revenue_usd: sum(regions.map((_, r) => provisionedUsd(m, r))) };
  });
  const creditBasis = scenario.sla.credit_basis;
  const availability = regions.map((_, r) => regionUptime(recorder.availability[r], fromUs, toUs, creditBasis));
  const tenantAvailability = tenants.map((_, t) => regionUptime(recorder.tenantAvailability[t], fromUs, toUs, creditBasis));
  const byRegion: Report["by_region"] = {};
  regions.forEach((region, r) => {
    byRegion[region.name] = { ...group(statsByRegion[r], windowS, withExpired), uptime_pct: availability[r].uptime_pct, sla_credit_pct: availability[r].sla_credit_pct };
  });

  const energy = azEnergy(fleet, endUs);
  const energyByRegion = regions.map((region) => regionEnergy(region, energy));
  const plannedKw = plannedMaxFacilityKwByAz(topology);

  // Revenue, then costs (SLA credits and provider shares depend on revenue).
  // A reservation's fee is the tenant's for the window, counted in its model's first region.
  const reservedUsd = (t: number, region: number) => {
    const tenant = tenants[t];
    const m = scenario.models.findIndex((model) => model.name === tenant.model);
    return tenant.reserved && topology.modelRegions[m][0] === region ? tenant.reserved.usd_per_hour * paidHours : 0;
  };
  const scopeRevenue = revenueByScope(scopes, grid, scenario, provisionedUsd, reservedUsd);
  const revenue = rollUpRevenue(scopeRevenue, grid, scenario);
  const accounts = accountAvailability(result, scopeRevenue, fromUs, toUs);
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
    slaCreditUsdByRegion: accounts.creditUsdByRegion,
  });
  const items = cost.items as Record<string, number>;
  const paidGpuHours = gpuHours(result);
  const margins = margin(revenue.total_usd, cost.total_usd, total.inputTokens + total.outputTokens, total.answeredInWindow, breakEvenByServerType(scenario, topology, energy, serverHours), {
    revenueLinkedCostUsd: (items.model_provider_share ?? 0) + (items.sla_credits ?? 0),
    busyShare: busyShareOfPaidGpuTime(byModel, paidGpuHours.paid, windowS),
  });

  const totals = group(total, windowS, withExpired);
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
    ...(tenants.some((t) => t.reserved) ? { reserved: reservedReport(scenario, statsByTenant, windowS) } : {}),
    ...(result.jobs ? { batch_jobs: batchJobsReport(result) } : {}),
    ...(tierNames.length > 1 ? { by_tier: byTier(scenario, statsByTenant, revenue.byTenant, windowS, withExpired) } : {}),
    fleet: {
      gpus: totalGpus(topology, result.initialServers),
      servers: result.initialServers,
      regions: inventoryByRegion(topology, result.initialServers),
      replicas_placed: replicasPlaced(topology, scenario.models.map(byName)),
      servers_launched: topology.servers.length - result.initialServers,
      gpu_states_mean: meanGpusByState(fleet, fromUs, toUs, endUs),
      gpu_hours: paidGpuHours,
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
        by_limit: throttlesByLimit(total, modelLimits),
        by_tenant: named(tenants, byName, statsByTenant.map((s) => throttlesByLimit(s, modelLimits))),
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
      by_account: accounts.byAccount,
      slo: { ttft_s: scenario.slo.ttft, tpot_s: scenario.slo.tpot },
      slo_attainment: sloAttainment,
      goodput_per_s: total.sloMet / windowS,
    },
    events: fleet.events,
    warnings: warningsOf(result, serverHours),
    thresholds,
    thresholds_ok: Object.values(thresholds).every((list) => list.every((r) => r.ok)),
  });
}
