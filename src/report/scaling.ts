/**
 * The report's view of capacity over time: GPU-hours paid and what they went to (serving, idle,
 * booting, starting, loading, draining, failed; per model), and per model and region what its
 * replica set and autoscaler did: decisions, failed scale-outs, replacements and provisioning lead times.
 */
import { quantileSorted } from "simple-statistics";
import { US_PER_S } from "../engine/index.js";
import { GPU_STATES, type GpuState } from "../fleet/fleet.js";
import type { SimulationResult } from "../simulate.js";
import { sum } from "../metrics/scope.js";
import type { Rollout, RolloutRecord } from "../control/rollout.js";
import type { PoolRole } from "../control/model-service.js";
import type { ReplicaSet } from "../control/replica-set.js";
import { ownedUsdPerHour } from "../economics/money.js";

const US_PER_HOUR = 3600 * US_PER_S;

export interface GpuHours {
  /** GPU-hours of every server that was on (paid for), in the window; the states below add up to it */
  paid: number;
  by_state: Record<GpuState, number>;
  /** paid but not serving: every state but serving */
  not_serving: number;
  /** GPU-hours held by each model's replicas (from request to stop) */
  by_model: Record<string, number>;
}

export function gpuHours(result: SimulationResult): GpuHours {
  const { fleet, endUs, scenario } = result;
  const byState = Object.fromEntries(
    GPU_STATES.map((state, k) => [state, sum(fleet.servers.gpuStates.map((levels) => levels[k].windowIntegral(endUs))) / US_PER_HOUR]),
  ) as Record<GpuState, number>;
  const paid = sum(GPU_STATES.map((state) => byState[state]));
  return {
    paid,
    by_state: byState,
    not_serving: paid - byState.serving,
    by_model: Object.fromEntries(scenario.models.map((model, m) => [model.name, fleet.replicas.gpusByModel[m].windowIntegral(endUs) / US_PER_HOUR])),
  };
}

export interface ScalingReport {
  autoscaler: string | null;
  min: number;
  max: number;
  desired_at_end: number;
  serving_at_end: number;
  scale_outs: number;
  scale_ins: number;
  /** evaluations that wanted more replicas than the region had GPUs for */
  scale_outs_failed: number;
  /** replicas lost to failures and launched again */
  replaced: number;
  replicas_launched: number;
  /** request to serving, seconds, of the replicas launched during the run */
  lead_time_s: { count: number; p50: number | null; p99: number | null };
  /** a disaggregated model's pools, each sized apart (the figures above are their sums; the autoscaler the prefill pool's, then the decode pool's) */
  pools?: Record<PoolRole, ScalingReport>;
}

/** What one or more replica sets of a service did, added up. */
function scalingOf(sets: readonly ReplicaSet[]): ScalingReport {
  const total = (f: (set: ReplicaSet) => number) => sum(sets.map(f));
  const leads = sets.flatMap((set) => set.leadTimesUs).sort((a, b) => a - b).map((us) => us / US_PER_S);
  const kinds = [...new Set(sets.map((set) => set.spec.autoscaler?.kind ?? "none"))];
  return {
    autoscaler: kinds.length === 1 && kinds[0] === "none" ? null : kinds.join(" + "),
    min: total((set) => set.min),
    max: total((set) => set.max),
    desired_at_end: total((set) => set.desired),
    serving_at_end: total((set) => set.serving),
    scale_outs: total((set) => set.scaleOuts),
    scale_ins: total((set) => set.scaleIns),
    scale_outs_failed: total((set) => set.failedScaleOuts),
    replaced: total((set) => set.replaced),
    replicas_launched: total((set) => set.launched),
    lead_time_s: {
      count: leads.length,
      p50: leads.length > 0 ? quantileSorted(leads, 0.5) : null,
      p99: leads.length > 0 ? quantileSorted(leads, 0.99) : null,
    },
  };
}

/** Per model with a replica set (or a pair, one per pool), per region. */
export function scalingReport(result: SimulationResult): Record<string, Record<string, ScalingReport>> {
  const out: Record<string, Record<string, ScalingReport>> = {};
  result.scenario.models.forEach((model, m) => {
    const perRegion: Record<string, ScalingReport> = {};
    result.services[m].forEach((service, k) => {
      const region = result.topology.regions[service.regionIndex].name;
      const set = result.replicaSets[m][k];
      const pools = result.poolSets[m][k];
      if (set) perRegion[region] = scalingOf([set]);
      else if (pools) perRegion[region] = { ...scalingOf([pools.prefill, pools.decode]), pools: { prefill: scalingOf([pools.prefill]), decode: scalingOf([pools.decode]) } };
    });
    if (Object.keys(perRegion).length > 0) out[model.name] = perRegion;
  });
  return out;
}

export interface RolloutReport extends RolloutRecord {
  /** GPU-hours both versions' replicas held at once (the smaller fleet): how long two fleets ran side by side */
  overlap_gpu_hours: number;
  /**
   * GPU-hours of servers paid inside the window only because of the rollout: servers powered on or
   * added for the new version, and idle tails, less the time the old fleet's servers were released
   * early; new replicas on GPUs already paid for add nothing. What it added to the bill.
   */
  extra_gpu_hours: number;
  /** what those server-hours cost at the servers' prices (on demand; owned: the servers added, for the window); null when unpriced */
  extra_cost_usd: number | null;
}

/** Per model with a rollout, per region: its timeline, how long two fleets overlapped, and what it added to the bill. */
export function rolloutReport(result: SimulationResult): Record<string, Record<string, RolloutReport>> {
  const out: Record<string, Record<string, RolloutReport>> = {};
  result.scenario.models.forEach((model, m) => {
    const perRegion: Record<string, RolloutReport> = {};
    result.rollouts[m].forEach((rollout, k) => {
      const set = result.replicaSets[m][k];
      if (!rollout || !set) return;
      const regionIndex = result.services[m][k].regionIndex;
      const bill = billImpact(result, rollout);
      perRegion[result.topology.regions[regionIndex].name] = {
        ...rollout.record,
        overlap_gpu_hours: set.overlapUntil(result.endUs) / US_PER_HOUR,
        extra_gpu_hours: bill.gpuUs / US_PER_HOUR,
        extra_cost_usd: bill.usd,
      };
    });
    if (Object.keys(perRegion).length > 0) out[model.name] = perRegion;
  });
  return out;
}

/**
 * What a rollout added to the bill, from the fleet as it found it: each server of the model's GPU in
 * its region was paid some time inside the window after the rollout began; a server paid for at the
 * start would have been paid for the rest of the window without it (or until the idle shutdown it
 * was already counting down to). The difference, server by server.
 */
function billImpact(result: SimulationResult, rollout: Rollout): { gpuUs: number; usd: number | null } {
  const base = rollout.baseline;
  if (!base) return { gpuUs: 0, usd: 0 };
  const { scenario, topology, fleet, endUs } = result;
  const fromUs = scenario.warmup * US_PER_S;
  const toUs = scenario.duration * US_PER_S;
  const restOfWindowUs = (untilUs: number) => Math.max(0, Math.min(toUs, untilUs) - Math.max(base.startedUs, fromUs));
  const paidNow = fleet.servers.paidUs(endUs);
  const owned = scenario.costs.gpu_pricing === "owned";
  let gpuUs = 0;
  let usd: number | null = 0;
  for (const s of rollout.serversOfModel()) {
    const type = topology.servers[s].type;
    const wouldHavePaidUs = base.paidServers.has(s) ? restOfWindowUs(base.paidServers.get(s)!) : 0;
    const extraUs = paidNow[s] - (base.paidUs[s] ?? 0) - wouldHavePaidUs;
    gpuUs += extraUs * type.gpus;
    // Owned servers cost their amortisation for the whole window once they exist (economics/money.ts): only the added ones are extra.
    const perHour = owned ? ownedUsdPerHour(type, scenario) : type.usdPerHour;
    const hours = owned ? (s >= base.paidUs.length ? (toUs - fromUs) / US_PER_HOUR : 0) : extraUs / US_PER_HOUR;
    if (perHour === undefined) usd = null;
    else if (usd !== null) usd += hours * perHour;
  }
  return { gpuUs, usd };
}

/** The rows a reader sees of `scaling`: one per model and region, or for a disaggregated model one per pool. */
export function scalingUnits(report: { scaling: Record<string, Record<string, ScalingReport>> }): { model: string; region: string; pool?: PoolRole; s: ScalingReport }[] {
  return Object.entries(report.scaling).flatMap(([model, regions]) =>
    Object.entries(regions).flatMap(([region, s]) =>
      s.pools ? (["prefill", "decode"] as const).map((pool) => ({ model, region, pool, s: s.pools![pool] })) : [{ model, region, s }],
    ),
  );
}
