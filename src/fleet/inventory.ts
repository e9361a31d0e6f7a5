/** What the fleet is made of and how it was used: servers and GPUs per AZ by type, replicas placed per AZ, mean GPUs per state. */
import { sum } from "../metrics/scope.js";
import { GPU_STATES, type Fleet } from "./fleet.js";
import { worstPue } from "./power.js";
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
