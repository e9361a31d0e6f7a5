/**
 * Power models, one pure function each (OpenDC keeps its power models apart from host state the same
 * way): GPU power by phase, host power by busy GPUs, nameplate power, and facility power through PUE.
 * The fleet keeps the state and calls these; economics and the report read nameplate and PUE from here.
 */
import { GPUS } from "../catalog/gpus.js";
import type { GpuPower } from "../catalog/power.js";
import type { ServerType } from "../catalog/servers.js";
import type { RegionPlan } from "./topology.js";

/** Watts of one GPU of a replica: idle, or a mix of prompt and token phase weighted by the iteration's share of prompt work. */
export function gpuWatts(power: GpuPower, fractionPrompt: number, busy: boolean): number {
  return busy ? fractionPrompt * power.promptW + (1 - fractionPrompt) * power.tokenW : power.idleW;
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

/** A booting server draws its idle host and idle GPUs. */
export function bootingServerWatts(type: ServerType, gpuIdleW: number): number {
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
