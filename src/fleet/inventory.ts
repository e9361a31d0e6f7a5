/** What the fleet is made of and how it was used: servers and GPUs per AZ by type, replicas placed per AZ, mean GPUs per state. */
import { sum } from "../metrics/scope.js";
import { GPU_STATES, type Fleet } from "./fleet.js";
import { worstPue } from "./power.js";
import type { ServerType } from "../catalog/servers.js";
import type { Topology } from "./topology.js";

export interface AzInventory {
  /** servers by server type id, in the order first met */
  servers: Record<string, number>;
  gpus: number;
}

/** Servers by type and GPUs of every AZ at the start of the run (its first `initialServers` servers), by region name then AZ name. */
export function inventoryByRegion(topology: Topology, initialServers: number): Record<string, { azs: Record<string, AzInventory> }> {
  const regions: Record<string, { azs: Record<string, AzInventory> }> = {};
  for (const region of topology.regions) {
    const azs: Record<string, AzInventory> = {};
    for (const a of region.azs) {
      const servers: Record<string, number> = {};
      let gpus = 0;
      for (const s of topology.azs[a].servers) {
        if (s >= initialServers) continue;
        const type = topology.servers[s].type;
        servers[type.id] = (servers[type.id] ?? 0) + 1;
        gpus += type.gpus;
      }
      azs[topology.azs[a].name] = { servers, gpus };
    }
    regions[region.name] = { azs };
  }
  return regions;
}

/** GPUs of the servers the run started with. */
export function totalGpus(topology: Topology, initialServers: number): number {
  return sum(topology.servers.slice(0, initialServers).map((s) => s.type.gpus));
}

/** Replicas of each model per region and AZ, by model name, region name and AZ name. */
export function replicasPlaced(topology: Topology, modelNames: readonly string[]): Record<string, Record<string, Record<string, number>>> {
  const placed: Record<string, Record<string, Record<string, number>>> = {};
  modelNames.forEach((model, m) => {
    const perRegion: Record<string, Record<string, number>> = {};
    topology.modelRegions[m].forEach((r, k) => {
      const counts: Record<string, number> = {};
      for (const p of topology.placements[m][k]) counts[topology.azs[p.az].name] = (counts[topology.azs[p.az].name] ?? 0) + 1;
      perRegion[topology.regions[r].name] = counts;
    });
    placed[model] = perRegion;
  });
  return placed;
}

/** GPU slots per state, time-averaged over the window [fromUs, toUs] as the fleet integrates them (the run has reached `endUs`); the states add up to the fleet's GPUs. */
export function meanGpusByState(fleet: Fleet, fromUs: number, toUs: number, endUs: number): Record<(typeof GPU_STATES)[number], number> {
  return Object.fromEntries(
    GPU_STATES.map((state, k) => [state, sum(fleet.servers.gpuStates.map((levels) => levels[k].windowIntegral(endUs))) / (toUs - fromUs)]),
  ) as Record<(typeof GPU_STATES)[number], number>;
}

/**
 * Facility kW each AZ would draw with all its servers at nameplate (host maximum plus every GPU at its
 * TDP) at its region's worst PUE, in AZ order. GPUs are found in the topology, which knows inline ones
 * too (power.ts's serverNameplateKw looks in the catalog only).
 */
export function plannedMaxFacilityKwByAz(topology: Topology): number[] {
  const nameplateKw = (s: number) => {
    const type = topology.servers[s].type;
    return (type.hostMaxW + type.gpus * topology.gpus.get(type.gpu)!.tdpW) / 1e3;
  };
  return topology.azs.map((az) => sum(az.servers.map(nameplateKw)) * worstPue(topology.regions[az.region]));
}

/** The sum of the AZs' peak IT power, kW (each AZ's own peak, not the fleet's simultaneous peak). */
export function summedPeakItKw(fleet: Fleet): number {
  return sum(fleet.servers.itPower.map((level) => level.peak)) / 1e3;
}

/** Servers of one type in one AZ that no model can ever use, and what they were paid for in the window. */
export interface IdleServers {
  az: string;
  type: ServerType;
  servers: number;
  /** why: the GPU they hold, and what the models of their region ask for */
  reason: string;
  paid_gpu_hours: number;
}

/**
 * Servers no model of their region can ever run on (another GPU, or fewer GPUs than a replica needs):
 * they are paid for and sit idle, which is almost never meant (an AZ given H100 servers for a model
 * asking for H200). `modelGpus` gives each model's GPU id and GPUs per replica (none: not on GPUs).
 */
export function unusableServers(topology: Topology, modelGpus: readonly ({ gpu: string; gpusPerReplica: number } | undefined)[], paidGpuHours: readonly number[]): IdleServers[] {
  const out: IdleServers[] = [];
  for (const az of topology.azs) {
    const wants = modelGpus.flatMap((m, i) => (m && topology.modelRegions[i].includes(az.region) ? [m] : []));
    const byType = new Map<string, { type: ServerType; servers: number; hours: number }>();
    for (const s of az.servers) {
      const type = topology.servers[s].type;
      if (wants.some((m) => m.gpu === type.gpu && m.gpusPerReplica <= type.gpus)) continue;
      const entry = byType.get(type.id) ?? { type, servers: 0, hours: 0 };
      entry.servers++;
      entry.hours += paidGpuHours[s] ?? 0;
      byType.set(type.id, entry);
    }
    for (const e of byType.values()) {
      const asked = wants.length > 0 ? `the models here ask for ${[...new Set(wants.map((m) => `${m.gpusPerReplica} x ${m.gpu}`))].join(", ")}` : "no model is deployed in this region";
      out.push({ az: az.name, type: e.type, servers: e.servers, reason: `they hold ${e.type.gpu} GPUs; ${asked}`, paid_gpu_hours: e.hours });
    }
  }
  return out;
}
