/**
 * What a fault does to the fleet (faults.ts says when faults happen): a server's own failure, an
 * AZ or region outage (the AZ's servers lose power, and no new server or replica goes there
 * meanwhile) or a GPU failure takes servers or GPUs down and the replicas on them with it; when the
 * last cause clears, the server boots and its replicas start again. Causes are counted, so an
 * outage over a failed server, or two overlapping outages, end right.
 */
import type { FleetLog } from "./fleet-log.js";
import type { ReplicaSlots } from "./replica-slots.js";
import type { Servers } from "./servers.js";
import type { Topology } from "./topology.js";

/** The cause of a server's own failure; every other cause is an outage (it cuts the power). */
const SERVER_FAILURE = "server_failure";

export class Breakdowns {
  /** outage causes holding each AZ down */
  readonly azDown: Int32Array;

  constructor(
    private readonly topology: Topology,
    private readonly servers: Servers,
    private readonly replicas: ReplicaSlots,
    private readonly events: FleetLog,
  ) {
    this.azDown = new Int32Array(topology.azs.length);
  }

  /** A cause takes the server down (its own failure, an outage); nothing more happens if it already is. */
  failServer(s: number, cause: string): void {
    if (!this.servers.holdDown(s, cause !== SERVER_FAILURE)) return;
    if (cause === SERVER_FAILURE) this.events.log("server_failure", this.servers.name(s));
    this.servers.fail(s);
    // A copy: an owner may stop a replica as it goes down.
    for (const id of [...this.replicas.on(s)]) this.replicas.down(this.replicas.slot(id), cause);
    this.servers.refresh(s);
  }

  /** A cause clears; when none is left the server boots, then its replicas load. */
  restoreServer(s: number, cause: string): void {
    if (!this.servers.release(s, cause !== SERVER_FAILURE)) return;
    if (cause === SERVER_FAILURE) this.events.log("server_repaired", this.servers.name(s));
    this.servers.boot(s);
  }

  /** An outage cause takes a whole AZ down. */
  failAz(a: number, cause: string): void {
    this.azDown[a]++;
    for (const s of this.topology.azs[a].servers) this.failServer(s, cause);
  }

  restoreAz(a: number, cause: string): void {
    this.azDown[a]--;
    for (const s of this.topology.azs[a].servers) this.restoreServer(s, cause);
  }

  failGpu(s: number, gpu: number): void {
    if (this.servers.gpuFailed(s, gpu)) return;
    this.servers.setGpuFailed(s, gpu, true);
    this.events.log("gpu_failure", `${this.servers.name(s)} GPU ${gpu}`);
    const slot = this.replicas.onGpu(s, gpu);
    if (slot) this.replicas.down(slot, "gpu_failure");
    this.servers.refresh(s);
  }

  repairGpu(s: number, gpu: number): void {
    if (!this.servers.gpuFailed(s, gpu)) return;
    this.servers.setGpuFailed(s, gpu, false);
    this.events.log("gpu_replaced", `${this.servers.name(s)} GPU ${gpu}`);
    const slot = this.replicas.onGpu(s, gpu);
    if (slot && this.servers.isUp(s)) this.replicas.startEngine(slot);
    this.servers.refresh(s);
  }
}
