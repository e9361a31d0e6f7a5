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
import type { RolloutRecord } from "../control/rollout.js";

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
}

/** Per model with a replica set, per region. */
export function scalingReport(result: SimulationResult): Record<string, Record<string, ScalingReport>> {
  const out: Record<string, Record<string, ScalingReport>> = {};
  result.scenario.models.forEach((model, m) => {
    const perRegion: Record<string, ScalingReport> = {};
    result.replicaSets[m].forEach((set, k) => {
      if (!set) return;
      const leads = [...set.leadTimesUs].sort((a, b) => a - b).map((us) => us / US_PER_S);
      const region = result.topology.regions[result.services[m][k].regionIndex].name;
      perRegion[region] = {
        autoscaler: model.autoscaler?.kind ?? null,
        min: set.min,
        max: set.max,
        desired_at_end: set.desired,
        serving_at_end: set.serving,
        scale_outs: set.scaleOuts,
        scale_ins: set.scaleIns,
        scale_outs_failed: set.failedScaleOuts,
        replaced: set.replaced,
        replicas_launched: set.launched,
        lead_time_s: {
          count: leads.length,
          p50: leads.length > 0 ? quantileSorted(leads, 0.5) : null,
          p99: leads.length > 0 ? quantileSorted(leads, 0.99) : null,
        },
      };
    });
    if (Object.keys(perRegion).length > 0) out[model.name] = perRegion;
  });
  return out;
}

export interface RolloutReport extends RolloutRecord {
  /** GPU-hours both versions held at once (the smaller fleet), what running two fleets cost in GPUs */
  extra_gpu_hours: number;
  /** those GPU-hours at the hourly price per GPU of the region's servers of the model's GPU */
  extra_cost_usd: number | null;
}

/** Per model with a rollout, per region: its timeline and what the second fleet cost. */
export function rolloutReport(result: SimulationResult): Record<string, Record<string, RolloutReport>> {
  const out: Record<string, Record<string, RolloutReport>> = {};
  const t = result.topology;
  result.scenario.models.forEach((model, m) => {
    const perRegion: Record<string, RolloutReport> = {};
    result.rollouts[m].forEach((rollout, k) => {
      const set = result.replicaSets[m][k];
      if (!rollout || !set) return;
      const regionIndex = result.services[m][k].regionIndex;
      const gpuHours = set.overlapUntil(result.endUs) / US_PER_HOUR;
      const server = t.regions[regionIndex].azs.flatMap((a) => t.azs[a].servers).find((s) => t.servers[s].type.gpu === t.modelGpu[m]);
      const type = server === undefined ? undefined : t.servers[server].type;
      const perGpuHour = type?.usdPerHour === undefined ? undefined : type.usdPerHour / type.gpus;
      perRegion[t.regions[regionIndex].name] = { ...rollout.record, extra_gpu_hours: gpuHours, extra_cost_usd: perGpuHour === undefined ? null : gpuHours * perGpuHour };
    });
    if (Object.keys(perRegion).length > 0) out[model.name] = perRegion;
  });
  return out;
}
