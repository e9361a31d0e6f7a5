/**
 * The fleet at run time: servers that boot, serve, fail, come back and (when autoscaling no longer
 * needs them) power off; the replicas on them through their lifecycle; the power each draws,
 * integrated into energy at every change; and the state of every GPU slot.
 *
 * A server is up, booting, failed (for as long as any cause holds it down: its own failure, an AZ
 * or region outage) or off (released: not paid, not counted). A replica moves forward through
 * requested (its server boots) -> starting (engine start) -> loading (weights) -> serving ->
 * draining -> stopped; a failure takes it down, and it either starts again when its server is back
 * (fixed fleets, as before autoscaling) or is stopped and replaced by its replica set.
 * Every GPU of a server that is not off is in exactly one state: free, booting, starting, loading,
 * serving, draining or failed; their sum is the GPUs paid for.
 */
import { Priority, secondsToUs, usToSeconds } from "../engine/index.js";
import { BucketedLevel } from "../metrics/bucketed-level.js";
import type { GpuSpec } from "../catalog/gpus.js";
import { gpuPower, type GpuPower } from "../catalog/power.js";
import type { ServerType } from "../catalog/servers.js";
import type { Replica } from "../inference/replica.js";
import type { SimContext } from "../requests/context.js";
import type { ReplicaPlacement, Topology } from "./topology.js";
import { idleServerWatts, gpuWatts, hostWatts, hostWattsPerBusyGpu } from "./power.js";

export const GPU_STATES = ["free", "booting", "starting", "loading", "serving", "draining", "failed"] as const;
export type GpuState = (typeof GPU_STATES)[number];
const FREE = 0;
const BOOTING = 1;
const STARTING = 2;
const LOADING = 3;
const SERVING = 4;
const DRAINING = 5;
const FAILED = 6;

type ServerStatus = "up" | "booting" | "failed" | "off";

/**
 * A replica's lifecycle. `down` is a side state (its server or a GPU failed): from it a replica of a
 * fixed fleet starts again, one of an autoscaled model stops. Otherwise states only move forward.
 */
export const REPLICA_STATES = ["requested", "starting", "loading", "serving", "draining", "down", "stopped"] as const;
export type ReplicaStatus = (typeof REPLICA_STATES)[number];
const RANK = Object.fromEntries(REPLICA_STATES.map((state, k) => [state, k])) as Record<ReplicaStatus, number>;

/** What a replica's owner (its replica set) is told as the replica changes state. */
export interface ReplicaOwner {
  replicaDown(replica: Replica): void;
  replicaUp(replica: Replica): void;
  /** it iterated (busy) or went idle; owners measuring utilisation count these */
  busyChanged?(delta: number, nowUs: number): void;
}

export interface ReplicaSlot {
  id: number;
  placement: ReplicaPlacement;
  replica: Replica;
  owner: ReplicaOwner;
  status: ReplicaStatus;
  /** engine start, and engine start plus weight loading, microseconds */
  engineUs: number;
  startUs: number;
  /** power per GPU now, and whether an iteration is running */
  wattsPerGpu: number;
  busy: boolean;
  /** the pending engine-started or weights-loaded event */
  loadEvent: number;
  power: GpuPower;
  /** what each of its GPUs adds to its server's host power while busy, and its server's AZ (fixed: read at every iteration) */
  hostWattsPerBusyGpu: number;
  az: number;
  /** model index and region index, and the replica's name in events (model/region/index) */
  model: number;
  region: number;
  name: string;
  /** when capacity for it was requested (-1 for replicas of the initial fleet) and when it first served */
  requestedUs: number;
  readyUs: number;
  /** what took it down last (server_failure, gpu_failure, az_outage, ...) */
  downCause: string;
}

interface ServerRuntime {
  status: ServerStatus;
  /** causes holding it down (its own failure, outages); it boots when the last one clears */
  downCauses: number;
  /** of those, outages (its power is cut); a server down only for its own failure sits in its powered rack */
  outageCauses: number;
  failedGpus: Uint8Array;
  /** ids of the slots on it that have not stopped */
  slots: number[];
  gpu: GpuSpec;
  power: GpuPower;
  itW: number;
  /** GPUs per state, as last counted */
  states: Int32Array;
  bootEvent: number;
  /** paid since (-1 while off), and paid time since the warm-up before that */
  paidSinceUs: number;
  paidUs: number;
  /** powers off after this long with nothing on it (Infinity: never) */
  idleShutdownUs: number;
  idleEvent: number;
  /** booting because capacity was requested (its boot is logged) */
  launching: boolean;
}

export interface FleetEvent {
  t_s: number;
  kind: string;
  target: string;
  model: string | null;
  region: string | null;
  reason: string | null;
}

export interface EventContext {
  model?: string;
  region?: string;
  reason?: string;
}

export class Fleet {
  readonly servers: ServerRuntime[] = [];
  readonly slots: ReplicaSlot[] = [];
  /** IT power per AZ, W */
  readonly itPower: BucketedLevel[];
  /** GPUs per state per AZ */
  readonly gpuStates: BucketedLevel[][];
  /** GPUs held per model (any replica state but stopped) */
  readonly gpusByModel: BucketedLevel[];
  /** replicas per lifecycle state, whole fleet (by REPLICA_STATES index; stopped ones are not kept) */
  readonly replicaStates: BucketedLevel[];
  readonly events: FleetEvent[] = [];
  /** outage causes holding each AZ down: no new server or replica goes there meanwhile */
  readonly azDown: Int32Array;
  /** called for each server added at run time (fault processes start on it) */
  onServerAdded?: (server: number) => void;
  private readonly onBoot = (server: number) => this.serverUp(server);
  private readonly onEngineStarted = (slot: number) => this.replicaLoading(slot);
  private readonly onLoaded = (slot: number) => this.replicaServing(slot);
  private readonly onIdle = (server: number) => this.powerOff(server);
  private readonly makeLevel: () => BucketedLevel;

  constructor(
    private readonly ctx: SimContext,
    readonly topology: Topology,
    bucketUs: number,
    /** the end of the warm-up: levels and paid time count from here to the end of the run (the drain included), the period whose requests' revenue is counted */
    private readonly windowFromUs: number,
    private readonly modelNames: readonly string[],
    readonly debugChecks = false,
  ) {
    this.makeLevel = () => new BucketedLevel(bucketUs, windowFromUs);
    this.itPower = topology.azs.map(() => this.makeLevel());
    this.gpuStates = topology.azs.map(() => GPU_STATES.map(() => this.makeLevel()));
    this.gpusByModel = modelNames.map(() => this.makeLevel());
    this.replicaStates = REPLICA_STATES.map(() => this.makeLevel());
    this.azDown = new Int32Array(topology.azs.length);
    for (let s = 0; s < topology.servers.length; s++) this.servers.push(this.runtime(topology.servers[s].type, "up"));
    this.servers.forEach((_, s) => this.refresh(s));
    this.ready = true;
  }

  /** Set once every server has been counted, so checks compare whole AZs. */
  private ready = false;

  private runtime(type: ServerType, status: ServerStatus): ServerRuntime {
    const gpu = this.topology.gpus.get(type.gpu)!;
    return {
      status,
      downCauses: 0,
      outageCauses: 0,
      failedGpus: new Uint8Array(type.gpus),
      slots: [],
      gpu,
      power: gpuPower(gpu),
      itW: 0,
      states: new Int32Array(GPU_STATES.length),
      bootEvent: -1,
      paidSinceUs: status === "off" ? -1 : this.ctx.sim.nowUs,
      paidUs: 0,
      idleShutdownUs: Infinity,
      idleEvent: -1,
      launching: false,
    };
  }

  private slot(replica: Replica, placement: ReplicaPlacement, owner: ReplicaOwner, startS: { engine: number; total: number }, model: number, region: number, status: ReplicaStatus): ReplicaSlot {
    const server = this.servers[placement.server];
    const slot: ReplicaSlot = {
      id: this.slots.length,
      placement,
      replica,
      owner,
      status,
      engineUs: secondsToUs(startS.engine),
      startUs: secondsToUs(startS.total),
      wattsPerGpu: server.power.idleW,
      busy: false,
      loadEvent: -1,
      power: server.power,
      hostWattsPerBusyGpu: hostWattsPerBusyGpu(this.topology.servers[placement.server].type),
      az: this.topology.servers[placement.server].az,
      model,
      region,
      name: `${this.modelNames[model]}/${this.topology.regions[region].name}/${replica.index}`,
      requestedUs: -1,
      readyUs: -1,
      downCause: "",
    };
    this.slots.push(slot);
    server.slots.push(slot.id);
    this.replicaStates[RANK[status]].add(1, this.ctx.sim.nowUs);
    this.gpusByModel[model].add(placement.gpus, this.ctx.sim.nowUs);
    replica.onPower = (computeShare, busy) => this.replicaPower(slot, computeShare, busy);
    this.cancelIdleShutdown(placement.server);
    return slot;
  }

  /** Puts a replica of the initial fleet on its planned GPUs; it serves from the start (the run begins warm). */
  attach(replica: Replica, placement: ReplicaPlacement, owner: ReplicaOwner, startS: { engine: number; total: number }, model: number, region: number): ReplicaSlot {
    const slot = this.slot(replica, placement, owner, startS, model, region, "serving");
    slot.readyUs = 0;
    this.refresh(placement.server);
    return slot;
  }

  /**
   * Starts a new replica on GPUs that `place` found: at once if its server is up, after the boot if
   * it is booting. The replica is not alive until it serves.
   */
  launch(replica: Replica, placement: ReplicaPlacement, owner: ReplicaOwner, startS: { engine: number; total: number }, model: number, region: number): ReplicaSlot {
    const slot = this.slot(replica, placement, owner, startS, model, region, "requested");
    slot.requestedUs = this.ctx.sim.nowUs;
    replica.fail(); // not alive until it serves
    if (this.servers[placement.server].status === "up") this.startEngine(slot);
    this.refresh(placement.server);
    return slot;
  }

  // --- servers coming and going --------------------------------------------------------------

  /** Servers of a type in an AZ that are not off. */
  serversInUse(az: number, typeId: string): number {
    let n = 0;
    for (const s of this.topology.azs[az].servers) if (this.servers[s].status !== "off" && this.topology.servers[s].type.id === typeId) n++;
    return n;
  }

  /** Adds a server of `type` to an AZ and boots it (requested now: paid from now). */
  addServer(az: number, type: ServerType, ctx: EventContext): number {
    const s = this.topology.servers.length;
    this.topology.servers.push({ az, type });
    this.topology.azs[az].servers.push(s);
    this.servers.push(this.runtime(type, "off"));
    this.onServerAdded?.(s);
    this.powerOn(s, ctx);
    return s;
  }

  /** Boots a server that is off. */
  powerOn(s: number, ctx: EventContext): void {
    const server = this.servers[s];
    if (server.status !== "off" || server.downCauses > 0) throw new Error(`${this.serverName(s)} cannot power on: it is ${server.status}`);
    server.paidSinceUs = this.ctx.sim.nowUs;
    server.launching = true;
    this.log("server_requested", this.serverName(s), ctx);
    this.boot(s);
  }

  /** From now on the server powers off after `afterUs` with nothing on it. */
  enableIdleShutdown(s: number, afterUs: number): void {
    const server = this.servers[s];
    server.idleShutdownUs = Math.min(server.idleShutdownUs, afterUs);
    this.armIdleShutdown(s);
  }

  private armIdleShutdown(s: number): void {
    const server = this.servers[s];
    if (server.idleShutdownUs === Infinity || server.slots.length > 0 || server.idleEvent >= 0) return;
    if (server.status === "off" || server.status === "failed") return;
    server.idleEvent = this.ctx.sim.after(server.idleShutdownUs, Priority.control, this.onIdle, s);
  }

  private cancelIdleShutdown(s: number): void {
    const server = this.servers[s];
    if (server.idleEvent >= 0) this.ctx.sim.cancel(server.idleEvent);
    server.idleEvent = -1;
  }

  private powerOff(s: number): void {
    const server = this.servers[s];
    server.idleEvent = -1;
    if (server.slots.length > 0 || server.status === "off") return;
    if (server.bootEvent >= 0) this.ctx.sim.cancel(server.bootEvent);
    server.bootEvent = -1;
    this.closePaid(server, this.ctx.sim.nowUs);
    server.status = "off";
    this.log("server_powered_off", this.serverName(s), { reason: "idle_shutdown" });
    this.refresh(s);
  }

  private closePaid(server: ServerRuntime, nowUs: number): void {
    if (server.paidSinceUs < 0) return;
    const a = Math.max(server.paidSinceUs, this.windowFromUs);
    if (nowUs > a) server.paidUs += nowUs - a;
    server.paidSinceUs = -1;
  }

  /** Time each server was paid for from the end of the warm-up to `endUs` (the end of the run), microseconds. */
  paidUs(endUs: number): number[] {
    return this.servers.map((server) => {
      if (server.paidSinceUs < 0) return server.paidUs;
      const a = Math.max(server.paidSinceUs, this.windowFromUs);
      return server.paidUs + Math.max(0, endUs - a);
    });
  }

  // --- power ---------------------------------------------------------------------------------

  /**
   * A replica started an iteration (busy, with this compute share) or went idle. This is the
   * hottest path of the fleet, so it moves the server's power by the difference instead of recounting.
   */
  private replicaPower(slot: ReplicaSlot, computeShare: number, busy: boolean): void {
    const watts = gpuWatts(slot.power, computeShare, busy);
    if (watts === slot.wattsPerGpu && busy === slot.busy) return;
    if (busy !== slot.busy) slot.owner.busyChanged?.(busy ? 1 : -1, this.ctx.sim.nowUs);
    const s = slot.placement.server;
    const server = this.servers[s];
    if ((slot.status !== "serving" && slot.status !== "draining") || server.status !== "up") {
      slot.wattsPerGpu = watts;
      slot.busy = busy;
      this.refresh(s);
      return;
    }
    const gpus = slot.placement.gpus;
    const delta = (watts - slot.wattsPerGpu) * gpus + (Number(busy) - Number(slot.busy)) * gpus * slot.hostWattsPerBusyGpu;
    slot.wattsPerGpu = watts;
    slot.busy = busy;
    server.itW += delta;
    this.addItPower(slot.az, delta, this.ctx.sim.nowUs);
  }

  /**
   * Moves an AZ's IT power by `delta` W. A level that adds up to nothing is set to exactly 0, not
   * left at the rounding residue of its many adds and subtracts (-4.5e-13 W in an outage, which the
   * time series would print as a negative power).
   */
  private addItPower(az: number, delta: number, nowUs: number): void {
    const level = this.itPower[az];
    const next = level.value + delta;
    level.set(Math.abs(next) < 1e-6 ? 0 : next, nowUs);
  }

  /** Recounts a server's power and GPU states, and moves its AZ's levels by the difference. */
  private refresh(s: number): void {
    const server = this.servers[s];
    const plan = this.topology.servers[s];
    const type = plan.type;
    const now = this.ctx.sim.nowUs;
    const states = new Int32Array(GPU_STATES.length);
    let itW = 0;
    if (server.status === "off") {
      // released: neither paid nor counted
    } else if (server.status === "failed") {
      states[FAILED] = type.gpus;
      // Waiting for repair in a powered rack it idles; an outage cuts its power.
      if (server.outageCauses === 0) itW = idleServerWatts(type, server.power.idleW);
    } else if (server.status === "booting") {
      itW = idleServerWatts(type, server.power.idleW);
      for (let g = 0; g < type.gpus; g++) states[server.failedGpus[g] ? FAILED : BOOTING]++;
    } else {
      const inSlot = this.gpuOwners(s);
      let busyGpus = 0;
      for (let g = 0; g < type.gpus; g++) {
        if (server.failedGpus[g]) {
          states[FAILED]++;
          continue;
        }
        const slot = inSlot[g] >= 0 ? this.slots[inSlot[g]] : undefined;
        const status = slot?.status;
        if (status === "serving" || status === "draining") {
          states[status === "serving" ? SERVING : DRAINING]++;
          itW += slot!.wattsPerGpu;
          if (slot!.busy) busyGpus++;
        } else {
          states[status === "starting" ? STARTING : status === "loading" ? LOADING : FREE]++;
          itW += server.power.idleW;
        }
      }
      itW += hostWatts(type, busyGpus);
    }
    const az = plan.az;
    this.addItPower(az, itW - server.itW, now);
    server.itW = itW;
    for (let k = 0; k < GPU_STATES.length; k++) {
      if (states[k] !== server.states[k]) this.gpuStates[az][k].add(states[k] - server.states[k], now);
    }
    server.states = states;
    if (this.debugChecks && this.ready) this.checkSlots();
  }

  /** Per GPU of a server: the slot (not stopped) holding it, or -1. */
  gpuOwners(s: number): Int32Array {
    const owners = new Int32Array(this.topology.servers[s].type.gpus).fill(-1);
    for (const id of this.servers[s].slots) {
      const p = this.slots[id].placement;
      for (let g = p.firstGpu; g < p.firstGpu + p.gpus; g++) {
        if (this.debugChecks && owners[g] >= 0) throw new Error(`${this.serverName(s)} GPU ${g} is held by ${this.slots[owners[g]].name} and ${this.slots[id].name}`);
        owners[g] = id;
      }
    }
    return owners;
  }

  /** Integrates every level up to the end of the run. */
  finish(endUs: number): void {
    for (const level of this.itPower) level.advance(endUs);
    for (const states of this.gpuStates) for (const level of states) level.advance(endUs);
    for (const level of this.gpusByModel) level.advance(endUs);
    for (const level of this.replicaStates) level.advance(endUs);
  }

  // --- failures and recovery -----------------------------------------------------------------

  log(kind: string, target: string, ctx: EventContext = {}): void {
    this.events.push({ t_s: usToSeconds(this.ctx.sim.nowUs), kind, target, model: ctx.model ?? null, region: ctx.region ?? null, reason: ctx.reason ?? null });
  }

  private slotContext(slot: ReplicaSlot, reason?: string): EventContext {
    return { model: this.modelNames[slot.model], region: this.topology.regions[slot.region].name, reason };
  }

  /** A cause takes the server down (its own failure, an outage); nothing happens if it already is. */
  failServer(s: number, cause: string): void {
    const server = this.servers[s];
    server.downCauses++;
    if (cause !== "server_failure") {
      server.outageCauses++;
      if (server.outageCauses === 1 && server.status === "failed") this.refresh(s); // its power is cut now
    }
    if (server.downCauses > 1 || server.status === "off") return;
    if (cause === "server_failure") this.log("server_failure", this.serverName(s));
    if (server.bootEvent >= 0) this.ctx.sim.cancel(server.bootEvent);
    server.bootEvent = -1;
    server.launching = false;
    this.cancelIdleShutdown(s);
    server.status = "failed";
    for (const id of [...server.slots]) this.replicaDown(this.slots[id], cause);
    this.refresh(s);
  }

  /** A cause clears; when none is left the server boots, then its replicas load. */
  restoreServer(s: number, cause: string): void {
    const server = this.servers[s];
    server.downCauses--;
    if (cause !== "server_failure") {
      server.outageCauses--;
      if (server.outageCauses === 0 && server.status === "failed") this.refresh(s); // power back, still broken
    }
    if (server.downCauses > 0 || server.status === "off") return;
    if (cause === "server_failure") this.log("server_repaired", this.serverName(s));
    this.boot(s);
  }

  private boot(s: number): void {
    const server = this.servers[s];
    server.status = "booting";
    server.bootEvent = this.ctx.sim.after(secondsToUs(this.topology.servers[s].type.bootS), Priority.fault, this.onBoot, s);
    this.refresh(s);
  }

  /** An outage cause takes a whole AZ down (its servers, and new capacity stays out of it). */
  failAz(a: number, cause: string): void {
    this.azDown[a]++;
    for (const s of this.topology.azs[a].servers) this.failServer(s, cause);
  }

  restoreAz(a: number, cause: string): void {
    this.azDown[a]--;
    for (const s of this.topology.azs[a].servers) this.restoreServer(s, cause);
  }

  failGpu(s: number, gpu: number): void {
    const server = this.servers[s];
    if (server.failedGpus[gpu]) return;
    server.failedGpus[gpu] = 1;
    this.log("gpu_failure", `${this.serverName(s)} GPU ${gpu}`);
    const slot = this.slotOnGpu(s, gpu);
    if (slot) this.replicaDown(slot, "gpu_failure");
    this.refresh(s);
  }

  repairGpu(s: number, gpu: number): void {
    const server = this.servers[s];
    if (!server.failedGpus[gpu]) return;
    server.failedGpus[gpu] = 0;
    this.log("gpu_replaced", `${this.serverName(s)} GPU ${gpu}`);
    const slot = this.slotOnGpu(s, gpu);
    if (slot && server.status === "up") this.startEngine(slot);
    this.refresh(s);
  }

  healthyGpus(s: number): number[] {
    const failed = this.servers[s].failedGpus;
    const out: number[] = [];
    for (let g = 0; g < failed.length; g++) if (!failed[g]) out.push(g);
    return out;
  }

  /** Whether a server is up or booting with no failure cause (new replicas may go on it). */
  usable(s: number): boolean {
    const status = this.servers[s].status;
    return status === "up" || status === "booting";
  }

  isOff(s: number): boolean {
    return this.servers[s].status === "off" && this.servers[s].downCauses === 0;
  }

  isUp(s: number): boolean {
    return this.servers[s].status === "up";
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
    if (server.launching) {
      server.launching = false;
      const first = server.slots.length > 0 ? this.slots[server.slots[0]] : undefined;
      this.log("server_booted", this.serverName(s), first ? this.slotContext(first) : {});
    }
    for (const id of server.slots) this.startEngine(this.slots[id]);
    this.refresh(s);
    this.armIdleShutdown(s);
  }

  private gpusHealthy(slot: ReplicaSlot): boolean {
    const failed = this.servers[slot.placement.server].failedGpus;
    for (let g = slot.placement.firstGpu; g < slot.placement.firstGpu + slot.placement.gpus; g++) if (failed[g]) return false;
    return true;
  }

  private move(slot: ReplicaSlot, to: ReplicaStatus): void {
    const from = slot.status;
    // Forward only; `down` returns to `starting` only for fixed fleets (its server came back).
    const legal = RANK[to] > RANK[from] || (from === "down" && to === "starting");
    if (!legal) throw new Error(`replica ${slot.name} cannot move from ${from} to ${to}`);
    slot.status = to;
    const now = this.ctx.sim.nowUs;
    this.replicaStates[RANK[from]].add(-1, now);
    if (to !== "stopped") this.replicaStates[RANK[to]].add(1, now);
  }

  private startEngine(slot: ReplicaSlot): void {
    if ((slot.status !== "down" && slot.status !== "requested") || !this.gpusHealthy(slot)) return;
    this.move(slot, "starting");
    if (slot.requestedUs >= 0 && slot.readyUs < 0) this.log("replica_starting", slot.name, this.slotContext(slot));
    slot.loadEvent = this.ctx.sim.after(slot.engineUs, Priority.fault, this.onEngineStarted, slot.id);
  }

  private replicaLoading(id: number): void {
    const slot = this.slots[id];
    this.move(slot, "loading");
    if (slot.requestedUs >= 0 && slot.readyUs < 0) this.log("replica_loading", slot.name, this.slotContext(slot));
    slot.loadEvent = this.ctx.sim.after(slot.startUs - slot.engineUs, Priority.fault, this.onLoaded, id);
    this.refresh(slot.placement.server);
  }

  private replicaServing(id: number): void {
    const slot = this.slots[id];
    slot.loadEvent = -1;
    this.move(slot, "serving");
    slot.wattsPerGpu = slot.power.idleW;
    slot.busy = false;
    if (slot.readyUs < 0) {
      slot.readyUs = this.ctx.sim.nowUs;
      this.log("replica_ready", slot.name, this.slotContext(slot));
    }
    slot.replica.restart();
    slot.owner.replicaUp(slot.replica);
    this.refresh(slot.placement.server);
  }

  private replicaDown(slot: ReplicaSlot, cause: string): void {
    slot.downCause = cause;
    if (slot.status === "down" || slot.status === "stopped") return;
    if (slot.loadEvent >= 0) this.ctx.sim.cancel(slot.loadEvent);
    slot.loadEvent = -1;
    const wasRunning = slot.status === "serving" || slot.status === "draining";
    this.move(slot, "down");
    if (slot.busy) slot.owner.busyChanged?.(-1, this.ctx.sim.nowUs);
    slot.busy = false;
    slot.wattsPerGpu = slot.power.idleW;
    if (wasRunning) slot.replica.fail();
    slot.owner.replicaDown(slot.replica);
  }

  /** A serving replica stops getting new requests and finishes what it holds. */
  drain(slot: ReplicaSlot, reason: string): void {
    this.move(slot, "draining");
    this.log("replica_draining", slot.name, this.slotContext(slot, reason));
    this.refresh(slot.placement.server);
  }

  /** The replica is gone: its GPUs are free (and its server may power off). */
  stop(slot: ReplicaSlot, reason: string): void {
    if (slot.loadEvent >= 0) this.ctx.sim.cancel(slot.loadEvent);
    slot.loadEvent = -1;
    const wasRunning = slot.status === "serving" || slot.status === "draining";
    this.move(slot, "stopped");
    if (slot.busy) slot.owner.busyChanged?.(-1, this.ctx.sim.nowUs);
    slot.busy = false;
    // What it still holds fails (a drain that timed out).
    if (wasRunning) slot.replica.fail();
    this.log("replica_stopped", slot.name, this.slotContext(slot, reason));
    const s = slot.placement.server;
    const server = this.servers[s];
    server.slots.splice(server.slots.indexOf(slot.id), 1);
    this.gpusByModel[slot.model].add(-slot.placement.gpus, this.ctx.sim.nowUs);
    this.refresh(s);
    this.armIdleShutdown(s);
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
      const total = az.servers.reduce((sum, s) => sum + (this.servers[s].status === "off" ? 0 : this.topology.servers[s].type.gpus), 0);
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
