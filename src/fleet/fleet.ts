/**
 * The fleet at run time: servers that boot, serve, fail and come back; the replicas on them; the
 * power each draws, integrated into energy at every change; and the state of every GPU slot.
 *
 * A server is up, booting or failed (failed for as long as any cause holds it down: its own
 * failure, an AZ or region outage). A replica on an up server with healthy GPUs loads its weights,
 * then serves; when its server or one of its GPUs fails it goes down and its requests fail.
 * Every GPU slot is always in exactly one state: free, booting, loading, serving or failed.
 */
import { Priority, secondsToUs, usToSeconds } from "../engine/index.js";
import { BucketedLevel } from "../metrics/bucketed-level.js";
import { GPUS, type GpuSpec } from "../catalog/gpus.js";
import { gpuPower, type GpuPower } from "../catalog/power.js";
import type { Replica } from "../inference/replica.js";
import type { SimContext } from "../requests/context.js";
import type { ReplicaPlacement, Topology } from "./topology.js";
import { bootingServerWatts, gpuWatts, hostWatts, hostWattsPerBusyGpu } from "./power.js";

export const GPU_STATES = ["free", "booting", "loading", "serving", "failed"] as const;
export type GpuState = (typeof GPU_STATES)[number];
const FREE = 0;
const BOOTING = 1;
const LOADING = 2;
const SERVING = 3;
const FAILED = 4;

type ServerStatus = "up" | "booting" | "failed";

/** What a replica's owner (its model service) is told when the replica goes down or comes back. */
export interface ReplicaOwner {
  replicaDown(replica: Replica): void;
  replicaUp(replica: Replica): void;
}

export interface ReplicaSlot {
  id: number;
  placement: ReplicaPlacement;
  replica: Replica;
  owner: ReplicaOwner;
  status: "loading" | "serving" | "down";
  /** time from an up server to a serving replica: engine start plus weight loading */
  startUs: number;
  /** power per GPU now, and whether an iteration is running */
  wattsPerGpu: number;
  busy: boolean;
  loadEvent: number;
  power: GpuPower;
}

interface ServerRuntime {
  status: ServerStatus;
  /** causes holding it down (its own failure, outages); it boots when the last one clears */
  downCauses: number;
  failedGpus: Uint8Array;
  slots: number[];
  gpu: GpuSpec;
  power: GpuPower;
  itW: number;
  /** GPUs per state, as last counted */
  states: Int32Array;
  bootEvent: number;
}

export interface FleetEvent {
  t_s: number;
  kind: string;
  target: string;
}

export class Fleet {
  readonly servers: ServerRuntime[];
  readonly slots: ReplicaSlot[] = [];
  /** IT power per AZ, W */
  readonly itPower: BucketedLevel[];
  /** GPUs per state per AZ */
  readonly gpuStates: BucketedLevel[][];
  readonly events: FleetEvent[] = [];
  private readonly onBoot = (server: number) => this.serverUp(server);
  private readonly onLoaded = (slot: number) => this.replicaServing(slot);

  constructor(
    private readonly ctx: SimContext,
    readonly topology: Topology,
    bucketUs: number,
    windowFromUs: number,
    windowToUs: number,
    private readonly debugChecks = false,
  ) {
    this.itPower = topology.azs.map(() => new BucketedLevel(bucketUs, windowFromUs, windowToUs));
    this.gpuStates = topology.azs.map(() => GPU_STATES.map(() => new BucketedLevel(bucketUs, windowFromUs, windowToUs)));
    this.servers = topology.servers.map((plan) => {
      const gpu = GPUS[plan.type.gpu];
      return {
        status: "up" as ServerStatus,
        downCauses: 0,
        failedGpus: new Uint8Array(plan.type.gpus),
        slots: [],
        gpu,
        power: gpuPower(gpu),
        itW: 0,
        states: new Int32Array(GPU_STATES.length),
        bootEvent: -1,
      };
    });
    this.servers.forEach((_, s) => this.refresh(s));
    this.ready = true;
  }

  /** Set once every server has been counted, so checks compare whole AZs. */
  private ready = false;

  /** Puts a replica on its planned GPUs; it serves from the start (the run begins with a warm fleet). */
  attach(replica: Replica, placement: ReplicaPlacement, owner: ReplicaOwner, startS: number): void {
    const server = this.servers[placement.server];
    const slot: ReplicaSlot = {
      id: this.slots.length,
      placement,
      replica,
      owner,
      status: "serving",
      startUs: secondsToUs(startS),
      wattsPerGpu: server.power.idleW,
      busy: false,
      loadEvent: -1,
      power: server.power,
    };
    this.slots.push(slot);
    server.slots.push(slot.id);
    replica.onPower = (fractionPrompt, busy) => this.replicaPower(slot, fractionPrompt, busy);
    this.refresh(placement.server);
  }

  // --- power ---------------------------------------------------------------------------------

  /**
   * A replica started an iteration (busy, with this share of prompt work) or went idle. This is the
   * hottest path of the fleet, so it moves the server's power by the difference instead of recounting.
   */
  private replicaPower(slot: ReplicaSlot, fractionPrompt: number, busy: boolean): void {
    const watts = gpuWatts(slot.power, fractionPrompt, busy);
    if (watts === slot.wattsPerGpu && busy === slot.busy) return;
    const s = slot.placement.server;
    const server = this.servers[s];
    if (slot.status !== "serving" || server.status !== "up") {
      slot.wattsPerGpu = watts;
      slot.busy = busy;
      this.refresh(s);
      return;
    }
    const type = this.topology.servers[s].type;
    const hostPerBusyGpuW = hostWattsPerBusyGpu(type);
    const delta = (watts - slot.wattsPerGpu) * slot.placement.gpus + (Number(busy) - Number(slot.busy)) * slot.placement.gpus * hostPerBusyGpuW;
    slot.wattsPerGpu = watts;
    slot.busy = busy;
    server.itW += delta;
    this.itPower[this.topology.servers[s].az].add(delta, this.ctx.sim.nowUs);
  }

  /** Recounts a server's power and GPU states, and moves its AZ's levels by the difference. */
  private refresh(s: number): void {
    const server = this.servers[s];
    const plan = this.topology.servers[s];
    const type = plan.type;
    const now = this.ctx.sim.nowUs;
    const states = new Int32Array(GPU_STATES.length);
    let itW = 0;
    if (server.status === "failed") {
      states[FAILED] = type.gpus;
    } else if (server.status === "booting") {
      itW = bootingServerWatts(type, server.power.idleW);
      for (let g = 0; g < type.gpus; g++) states[server.failedGpus[g] ? FAILED : BOOTING]++;
    } else {
      const inSlot = new Int32Array(type.gpus).fill(-1);
      for (const id of server.slots) {
        const p = this.slots[id].placement;
        for (let g = p.firstGpu; g < p.firstGpu + p.gpus; g++) inSlot[g] = id;
      }
      let busyGpus = 0;
      for (let g = 0; g < type.gpus; g++) {
        if (server.failedGpus[g]) {
          states[FAILED]++;
          continue;
        }
        const slot = inSlot[g] >= 0 ? this.slots[inSlot[g]] : undefined;
        if (slot?.status === "serving") {
          states[SERVING]++;
          itW += slot.wattsPerGpu;
          if (slot.busy) busyGpus++;
        } else if (slot?.status === "loading") {
          states[LOADING]++;
          itW += server.power.idleW;
        } else {
          states[FREE]++;
          itW += server.power.idleW;
        }
      }
      itW += hostWatts(type, busyGpus);
    }
    const az = plan.az;
    this.itPower[az].add(itW - server.itW, now);
    server.itW = itW;
    for (let k = 0; k < GPU_STATES.length; k++) {
      if (states[k] !== server.states[k]) this.gpuStates[az][k].add(states[k] - server.states[k], now);
    }
    server.states = states;
    if (this.debugChecks && this.ready) this.checkSlots();
  }

  /** Integrates every level up to the end of the run. */
  finish(endUs: number): void {
    for (const level of this.itPower) level.advance(endUs);
    for (const states of this.gpuStates) for (const level of states) level.advance(endUs);
  }

  // --- failures and recovery -----------------------------------------------------------------

  log(kind: string, target: string): void {
    this.events.push({ t_s: usToSeconds(this.ctx.sim.nowUs), kind, target });
  }

  /** A cause takes the server down (its own failure, an outage); nothing happens if it already is. */
  failServer(s: number, cause: string): void {
    const server = this.servers[s];
    server.downCauses++;
    if (server.downCauses > 1) return;
    if (cause === "server_failure") this.log("server_failure", this.serverName(s));
    if (server.bootEvent >= 0) this.ctx.sim.cancel(server.bootEvent);
    server.bootEvent = -1;
    server.status = "failed";
    for (const id of server.slots) this.replicaDown(this.slots[id]);
    this.refresh(s);
  }

  /** A cause clears; when none is left the server boots, then its replicas load. */
  restoreServer(s: number, cause: string): void {
    const server = this.servers[s];
    server.downCauses--;
    if (server.downCauses > 0) return;
    if (cause === "server_failure") this.log("server_repaired", this.serverName(s));
    server.status = "booting";
    server.bootEvent = this.ctx.sim.after(secondsToUs(this.topology.servers[s].type.bootS), Priority.fault, this.onBoot, s);
    this.refresh(s);
  }

  failGpu(s: number, gpu: number): void {
    const server = this.servers[s];
    if (server.failedGpus[gpu]) return;
    server.failedGpus[gpu] = 1;
    this.log("gpu_failure", `${this.serverName(s)} GPU ${gpu}`);
    const slot = this.slotOnGpu(s, gpu);
    if (slot) this.replicaDown(slot);
    this.refresh(s);
  }

  repairGpu(s: number, gpu: number): void {
    const server = this.servers[s];
    if (!server.failedGpus[gpu]) return;
    server.failedGpus[gpu] = 0;
    this.log("gpu_replaced", `${this.serverName(s)} GPU ${gpu}`);
    const slot = this.slotOnGpu(s, gpu);
    if (slot && server.status === "up") this.startLoading(slot);
    this.refresh(s);
  }

  healthyGpus(s: number): number[] {
    const failed = this.servers[s].failedGpus;
    const out: number[] = [];
    for (let g = 0; g < failed.length; g++) if (!failed[g]) out.push(g);
    return out;
  }

  private slotOnGpu(s: number, gpu: number): ReplicaSlot | undefined {
    for (const id of this.servers[s].slots) {
      const p = this.slots[id].placement;
      if (gpu >= p.firstGpu && gpu < p.firstGpu + p.gpus) return this.slots[id];
    }
    return undefined;
  }

  private serverUp(s: number): void {
    const server = this.servers[s];
    server.bootEvent = -1;
    server.status = "up";
    for (const id of server.slots) this.startLoading(this.slots[id]);
    this.refresh(s);
  }

  private gpusHealthy(slot: ReplicaSlot): boolean {
    const failed = this.servers[slot.placement.server].failedGpus;
    for (let g = slot.placement.firstGpu; g < slot.placement.firstGpu + slot.placement.gpus; g++) if (failed[g]) return false;
    return true;
  }

  private startLoading(slot: ReplicaSlot): void {
    if (slot.status !== "down" || !this.gpusHealthy(slot)) return;
    slot.status = "loading";
    slot.loadEvent = this.ctx.sim.after(slot.startUs, Priority.fault, this.onLoaded, slot.id);
  }

  private replicaServing(id: number): void {
    const slot = this.slots[id];
    slot.loadEvent = -1;
    slot.status = "serving";
    slot.wattsPerGpu = slot.power.idleW;
    slot.busy = false;
    slot.replica.restart();
    slot.owner.replicaUp(slot.replica);
    this.refresh(slot.placement.server);
  }

  private replicaDown(slot: ReplicaSlot): void {
    if (slot.status === "down") return;
    if (slot.loadEvent >= 0) this.ctx.sim.cancel(slot.loadEvent);
    slot.loadEvent = -1;
    const wasServing = slot.status === "serving";
    slot.status = "down";
    slot.busy = false;
    slot.wattsPerGpu = slot.power.idleW;
    if (wasServing) {
      slot.replica.fail();
      slot.owner.replicaDown(slot.replica);
    }
  }

  serverName(s: number): string {
    const plan = this.topology.servers[s];
    const az = this.topology.azs[plan.az];
    return `${az.name}/server-${az.servers.indexOf(s)}`;
  }

  /** Throws if a GPU slot is in no state or two, or the AZ counters drifted from a recount. */
  checkSlots(): void {
    const now = this.ctx.sim.nowUs;
    this.topology.azs.forEach((az, a) => {
      const total = az.servers.reduce((sum, s) => sum + this.topology.servers[s].type.gpus, 0);
      let counted = 0;
      for (let k = 0; k < GPU_STATES.length; k++) {
        const recount = az.servers.reduce((sum, s) => sum + this.servers[s].states[k], 0);
        if (recount !== this.gpuStates[a][k].value) throw new Error(`AZ ${az.name}: ${GPU_STATES[k]} GPUs counted ${this.gpuStates[a][k].value}, recounted ${recount} at ${now} us`);
        counted += recount;
      }
      if (counted !== total) throw new Error(`AZ ${az.name}: GPU states add up to ${counted}, not ${total}`);
    });
  }
}
