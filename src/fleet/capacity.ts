/**
 * Where a new replica goes. Within the AZs of its region, in the order its placement asks (spread:
 * the AZ with the fewest of the model's replicas first; pack: AZ order), an AZ offers, best first:
 * free GPUs on a server that is up (no boot), free GPUs on a server already booting, a server of
 * its pool that was powered off, and a new server of its pool while the pool is below its `max`.
 * AZs in an outage offer nothing. A replica's GPUs are consecutive on one server.
 */
import { defaultServerFor, type ServerType } from "../catalog/servers.js";
import type { EventContext, Fleet } from "./fleet.js";
import type { ReplicaPlacement } from "./topology.js";

export interface CapacityRequest {
  region: number;
  gpu: string;
  /** GPUs per replica */
  gpus: number;
  placement: "spread" | "pack";
  /** the model's replicas (not stopped) per AZ, by AZ index */
  replicasPerAz: ReadonlyMap<number, number>;
}

/** The first run of `need` free, healthy GPUs on a server, or -1. */
function freeRun(fleet: Fleet, s: number, need: number): number {
  const owners = fleet.replicas.gpuOwners(s);
  let run = 0;
  for (let g = 0; g < owners.length; g++) {
    run = owners[g] < 0 && !fleet.servers.gpuFailed(s, g) ? run + 1 : 0;
    if (run === need) return g - need + 1;
  }
  return -1;
}

/** Server types of an AZ's pools that could hold the replica, in pool order, with how many servers each pool may have. */
function poolTypes(fleet: Fleet, az: number, request: CapacityRequest): { type: ServerType; max: number }[] {
  const t = fleet.topology;
  if (t.implicit) return [{ type: defaultServerFor(request.gpu, Math.max(8, request.gpus)), max: Infinity }];
  const out: { type: ServerType; max: number }[] = [];
  for (const [id, max] of t.azs[az].maxServers) {
    const type = t.serverTypes.get(id)!;
    if (type.gpu === request.gpu && type.gpus >= request.gpus) out.push({ type, max });
  }
  return out;
}

function azOrder(fleet: Fleet, request: CapacityRequest): number[] {
  const azs = fleet.topology.regions[request.region].azs.filter((a) => fleet.breakdowns.azDown[a] === 0);
  if (request.placement === "pack") return azs;
  return [...azs].sort((a, b) => (request.replicasPerAz.get(a) ?? 0) - (request.replicasPerAz.get(b) ?? 0) || a - b);
}

/**
 * Finds (and, when needed, requests) GPUs for one replica; undefined when the region has none left
 * (every pool at its max, or every AZ down): GPU scarcity.
 */
export function acquireGpus(fleet: Fleet, request: CapacityRequest, ctx: EventContext): ReplicaPlacement | undefined {
  const t = fleet.topology;
  const fits = (s: number) => t.servers[s].type.gpu === request.gpu && t.servers[s].type.gpus >= request.gpus;
  const onServer = (s: number): ReplicaPlacement | undefined => {
    const first = freeRun(fleet, s, request.gpus);
    return first < 0 ? undefined : { az: t.servers[s].az, server: s, firstGpu: first, gpus: request.gpus };
  };
  for (const az of azOrder(fleet, request)) {
    const servers = t.azs[az].servers.filter(fits);
    for (const wanted of [(s: number) => fleet.servers.isUp(s), (s: number) => fleet.servers.usable(s) && !fleet.servers.isUp(s)]) {
      for (const s of servers) {
        if (!wanted(s)) continue;
        const placed = onServer(s);
        if (placed) return placed;
      }
    }
    for (const { type, max } of poolTypes(fleet, az, request)) {
      const off = servers.find((s) => fleet.servers.isOff(s) && t.servers[s].type.id === type.id);
      if (off !== undefined) {
        fleet.servers.powerOn(off, ctx);
        return onServer(off);
      }
      const inUse = t.azs[az].servers.filter((s) => fleet.servers.isPaid(s) && t.servers[s].type.id === type.id).length;
      if (inUse < max) return onServer(fleet.servers.add(az, type, ctx));
    }
  }
  return undefined;
}
