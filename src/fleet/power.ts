/**
 * Power models, one pure function each (OpenDC keeps its power models apart from host state the same
 * way): GPU power by phase, host power by busy GPUs, nameplate power, and facility power through PUE.
 * The fleet keeps the state and calls these; economics and the report read nameplate and PUE from here.
 */
import { GPUS } from "../catalog/gpus.js";
import type { GpuPower } from "../catalog/power.js";
import type { ServerType } from "../catalog/servers.js";
import type { BucketedLevel } from "../metrics/bucketed-level.js";
import type { RegionPlan } from "./topology.js";

/**
 * Watts of one GPU of a replica: idle, or, while it iterates, linear in the iteration's compute share
 * (its FLOPs over what the replica's GPUs achieve at full tensor throughput in the iteration's time)
 * from the memory-bound token-phase power (share 0: streaming weights and KV) to the compute-bound
 * prompt-phase power (share 1), SplitwiseSim's two phase constants. So a decode batch draws more as
 * it grows, and a short prefill less than a long one (SplitwiseSim's A100 profiles: peak power 0.64
 * of TDP for a 128-token prefill, 1.0 from 512 tokens; decode average 0.59 at batch 1, 0.64 at 16).
 */
export function gpuWatts(power: GpuPower, computeShare: number, busy: boolean): number {
  if (!busy) return power.idleW;
  const share = Math.min(1, Math.max(0, computeShare));
  return power.tokenW + (power.promptW - power.tokenW) * share;
}

/**
 * Host (CPU, memory, fans, NICs) watts, linear in the share of GPUs busy: idle with none, maximum with all.
 * `hostWattsPerBusyGpu` is the slope of the same line, for moving a server's power by a difference.
 */
export function hostWatts(type: ServerType, busyGpus: number): number {
  return type.hostIdleW + ((type.hostMaxW - type.hostIdleW) * busyGpus) / type.gpus;
}

/** The slope of `hostWatts`: what one more busy GPU adds to its host's power. */
export function hostWattsPerBusyGpu(type: ServerType): number {
  return (type.hostMaxW - type.hostIdleW) / type.gpus;
}

/** A server that is on but runs nothing (booting, or failed and waiting for repair in its powered rack) draws its idle host and idle GPUs. */
export function idleServerWatts(type: ServerType, gpuIdleW: number): number {
  return type.hostIdleW + type.gpus * gpuIdleW;
}

/** The most a server can draw: host maximum plus every GPU at its TDP, kW. */
export function serverNameplateKw(type: ServerType): number {
  return (type.hostMaxW + type.gpus * GPUS[type.gpu].tdpW) / 1e3;
}

/** Power usage effectiveness at a time: a region's constant PUE, or its hourly profile by hour of day. */
export function pueAt(region: RegionPlan, timeUs: number): number {
  if (typeof region.pue === "number") return region.pue;
  const hour = Math.floor(timeUs / 3.6e9) % 24;
  return region.pue[hour];
}

/** The highest PUE a region reaches, for planning against capacity. */
export function worstPue(region: RegionPlan): number {
  return typeof region.pue === "number" ? region.pue : Math.max(...region.pue);
}

/** Facility kW if every server ran at nameplate at the region's worst PUE: what an AZ's power capacity must cover. */
export function plannedMaxFacilityKw(servers: readonly ServerType[], region: RegionPlan): number {
  return servers.map(serverNameplateKw).reduce((total, kw) => total + kw, 0) * worstPue(region);
}

const US_PER_HOUR = 3.6e9;

/**
 * Facility power (IT power x PUE) of an AZ whose region's PUE changes by the hour, integrated exactly:
 * the level changes when the IT power does and at every hour boundary, so energy, the electricity
 * bill and carbon do not depend on the report's interval, and the peak is that of IT x PUE at the
 * same instant. (With a constant PUE, facility energy is IT energy x PUE and needs none of this.)
 */
export class FacilityPower {
  private itW = 0;
  private nextHourUs = US_PER_HOUR;

  constructor(
    private readonly region: RegionPlan,
    /** the integrated level of facility power, W */
    readonly level: BucketedLevel,
  ) {}

  /** The AZ's IT power is `itW` from `nowUs` on. */
  setIt(itW: number, nowUs: number): void {
    this.catchUp(nowUs);
    this.itW = itW;
    this.level.set(itW * pueAt(this.region, nowUs), nowUs);
  }

  /** Integrates up to `nowUs` (the hours' PUE changes included). */
  advance(nowUs: number): void {
    this.catchUp(nowUs);
    this.level.advance(nowUs);
  }

  private catchUp(nowUs: number): void {
    while (this.nextHourUs <= nowUs) {
      this.level.set(this.itW * pueAt(this.region, this.nextHourUs), this.nextHourUs);
      this.nextHourUs += US_PER_HOUR;
    }
  }
}
