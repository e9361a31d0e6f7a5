/**
 * Replica slots: a replica on its GPUs of one server, through its lifecycle. A replica moves forward
 * through requested (its server boots) -> starting (engine start) -> loading (weights) -> serving
 * -> draining -> stopped; a failure takes it down, and it either starts again when its server or
 * GPU is back (fixed fleets) or is stopped and replaced by its replica set. The slots also carry
 * the power each replica draws per GPU as it iterates, which the servers add up.
 */
import { Priority, secondsToUs } from "../engine/index.js";
import type { BucketedLevel } from "../metrics/bucketed-level.js";
import type { GpuPower } from "../catalog/power.js";
import type { Replica } from "../inference/replica.js";
import type { SimContext } from "../requests/context.js";
import type { EventContext, FleetLog } from "./fleet-log.js";
import type { Occupants, Servers } from "./servers.js";
import type { ReplicaPlacement, Topology } from "./topology.js";
import { gpuWatts, hostWattsPerBusyGpu } from "./power.js";

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

/** Seconds from engine start to serving: the engine, and the engine plus loading the weights. */
export interface StartTimes {
  engine: number;
  total: number;
}

const NONE: readonly number[] = [];

export class ReplicaSlots implements Occupants {
  readonly slots: ReplicaSlot[] = [];
  /** GPUs held per model (any replica state but stopped) */
  readonly gpusByModel: BucketedLevel[];
  /** replicas per lifecycle state, whole fleet (by REPLICA_STATES index; stopped ones are not kept) */
  readonly replicaStates: BucketedLevel[];
  /** ids of the slots (not stopped) per server */
  private readonly byServer: number[][] = [];
  /** set once, by the fleet: the servers the slots sit on */
  servers!: Servers;
  private readonly onEngineStarted = (slot: number) => this.loading(slot);
  private readonly onLoaded = (slot: number) => this.serving(slot);

  constructor(
    private readonly ctx: SimContext,
    private readonly topology: Topology,
    makeLevel: () => BucketedLevel,
    private readonly modelNames: readonly string[],
    private readonly events: FleetLog,
    private readonly debugChecks: boolean,
  ) {
    this.gpusByModel = modelNames.map(() => makeLevel());
    this.replicaStates = REPLICA_STATES.map(() => makeLevel());
  }

  // --- what the servers see (Occupants) ------------------------------------------------------

  on(s: number): readonly number[] {
    return this.byServer[s] ?? NONE;
  }

  slot(id: number): ReplicaSlot {
    return this.slots[id];
  }

  gpuOwners(s: number): Int32Array {
    const owners = new Int32Array(this.topology.servers[s].type.gpus).fill(-1);
    for (const id of this.on(s)) {
      const p = this.slots[id].placement;
      for (let g = p.firstGpu; g < p.firstGpu + p.gpus; g++) {
        if (this.debugChecks && owners[g] >= 0) throw new Error(`${this.servers.name(s)} GPU ${g} is held by ${this.slots[owners[g]].name} and ${this.slots[id].name}`);
        owners[g] = id;
      }
    }
    return owners;
  }

  describe(s: number): EventContext {
    const on = this.on(s);
    return on.length > 0 ? this.context(this.slots[on[0]]) : {};
  }

  serverUp(s: number): void {
    for (const id of this.on(s)) this.startEngine(this.slots[id]);
  }

  // --- replicas coming and going -------------------------------------------------------------

  private add(replica: Replica, placement: ReplicaPlacement, owner: ReplicaOwner, startS: StartTimes, model: number, region: number, status: ReplicaStatus): ReplicaSlot {
    const power = this.servers.power(placement.server);
    const plan = this.topology.servers[placement.server];
    const slot: ReplicaSlot = {
      id: this.slots.length,
      placement,
      replica,
      owner,
      status,
      engineUs: secondsToUs(startS.engine),
      startUs: secondsToUs(startS.total),
      wattsPerGpu: power.idleW,
      busy: false,
      loadEvent: -1,
      power,
      hostWattsPerBusyGpu: hostWattsPerBusyGpu(plan.type),
      az: plan.az,
      model,
      region,
      name: `${this.modelNames[model]}/${this.topology.regions[region].name}/${replica.index}`,
      requestedUs: -1,
      readyUs: -1,
      downCause: "",
    };
    this.slots.push(slot);
    (this.byServer[placement.server] ??= []).push(slot.id);
    this.replicaStates[RANK[status]].add(1, this.ctx.sim.nowUs);
    this.gpusByModel[model].add(placement.gpus, this.ctx.sim.nowUs);
    replica.onPower = (computeShare, busy) => this.replicaPower(slot, computeShare, busy);
    this.servers.cancelIdleShutdown(placement.server);
    return slot;
  }

  /** Puts a replica of the initial fleet on its planned GPUs; it serves from the start (the run begins warm). */
  attach(replica: Replica, placement: ReplicaPlacement, owner: ReplicaOwner, startS: StartTimes, model: number, region: number): ReplicaSlot {
    const slot = this.add(replica, placement, owner, startS, model, region, "serving");
    slot.readyUs = 0;
    this.servers.refresh(placement.server);
    return slot;
  }

  /**
   * Starts a new replica on GPUs that capacity.ts found: at once if its server is up, after the boot
   * if it is booting. The replica is not alive until it serves.
   */
  launch(replica: Replica, placement: ReplicaPlacement, owner: ReplicaOwner, startS: StartTimes, model: number, region: number): ReplicaSlot {
    const slot = this.add(replica, placement, owner, startS, model, region, "requested");
    slot.requestedUs = this.ctx.sim.nowUs;
    replica.fail(); // not alive until it serves
    if (this.servers.isUp(placement.server)) this.startEngine(slot);
    this.servers.refresh(placement.server);
    return slot;
  }

  /** A serving replica stops getting new requests and finishes what it holds. */
  drain(slot: ReplicaSlot, reason: string): void {
    this.move(slot, "draining");
    this.events.log("replica_draining", slot.name, this.context(slot, reason));
    this.servers.refresh(slot.placement.server);
  }

  /** The replica is gone: its GPUs are free (and its server may power off). */
  stop(slot: ReplicaSlot, reason: string): void {
    // What it still holds fails (a drain that timed out).
    if (this.halt(slot, "stopped")) slot.replica.fail();
    this.events.log("replica_stopped", slot.name, this.context(slot, reason));
    const s = slot.placement.server;
    const on = this.byServer[s];
    on.splice(on.indexOf(slot.id), 1);
    this.gpusByModel[slot.model].add(-slot.placement.gpus, this.ctx.sim.nowUs);
    this.servers.refresh(s);
    this.servers.armIdleShutdown(s);
  }

  // --- the lifecycle -------------------------------------------------------------------------

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

  /** Starts the engine of a replica waiting for its server (or back from a failure) whose GPUs are all healthy. */
  startEngine(slot: ReplicaSlot): void {
    if ((slot.status !== "down" && slot.status !== "requested") || !this.gpusHealthy(slot)) return;
    this.move(slot, "starting");
    if (slot.requestedUs >= 0 && slot.readyUs < 0) this.events.log("replica_starting", slot.name, this.context(slot));
    slot.loadEvent = this.ctx.sim.after(slot.engineUs, Priority.fault, this.onEngineStarted, slot.id);
  }

  private loading(id: number): void {
    const slot = this.slots[id];
    this.move(slot, "loading");
    if (slot.requestedUs >= 0 && slot.readyUs < 0) this.events.log("replica_loading", slot.name, this.context(slot));
    slot.loadEvent = this.ctx.sim.after(slot.startUs - slot.engineUs, Priority.fault, this.onLoaded, id);
    this.servers.refresh(slot.placement.server);
  }

  private serving(id: number): void {
    const slot = this.slots[id];
    slot.loadEvent = -1;
    this.move(slot, "serving");
    slot.wattsPerGpu = slot.power.idleW;
    slot.busy = false;
    if (slot.readyUs < 0) {
      slot.readyUs = this.ctx.sim.nowUs;
      this.events.log("replica_ready", slot.name, this.context(slot));
    }
    slot.replica.restart();
    slot.owner.replicaUp(slot.replica);
    this.servers.refresh(slot.placement.server);
  }

  /** Its server or one of its GPUs failed: what it holds fails, and its owner is told. */
  down(slot: ReplicaSlot, cause: string): void {
    slot.downCause = cause;
    if (slot.status === "down" || slot.status === "stopped") return;
    const wasRunning = this.halt(slot, "down");
    slot.wattsPerGpu = slot.power.idleW;
    if (wasRunning) slot.replica.fail();
    slot.owner.replicaDown(slot.replica);
  }

  /** Moves a replica to `to` (down or stopped), its start cancelled and its iterations over; whether it was serving or draining. */
  private halt(slot: ReplicaSlot, to: "down" | "stopped"): boolean {
    if (slot.loadEvent >= 0) this.ctx.sim.cancel(slot.loadEvent);
    slot.loadEvent = -1;
    const wasRunning = slot.status === "serving" || slot.status === "draining";
    this.move(slot, to);
    if (slot.busy) slot.owner.busyChanged?.(-1, this.ctx.sim.nowUs);
    slot.busy = false;
    return wasRunning;
  }

  /** The slot holding GPU `gpu` of server `s`, if any. */
  onGpu(s: number, gpu: number): ReplicaSlot | undefined {
    for (const id of this.on(s)) {
      const p = this.slots[id].placement;
      if (gpu >= p.firstGpu && gpu < p.firstGpu + p.gpus) return this.slots[id];
    }
    return undefined;
  }

  private gpusHealthy(slot: ReplicaSlot): boolean {
    const { server, firstGpu, gpus } = slot.placement;
    for (let g = firstGpu; g < firstGpu + gpus; g++) if (this.servers.gpuFailed(server, g)) return false;
    return true;
  }

  // --- power ---------------------------------------------------------------------------------

  /** A replica started an iteration (busy, with this compute share) or went idle: the hottest path of the fleet. */
  private replicaPower(slot: ReplicaSlot, computeShare: number, busy: boolean): void {
    const watts = gpuWatts(slot.power, computeShare, busy);
    if (watts === slot.wattsPerGpu && busy === slot.busy) return;
    if (busy !== slot.busy) slot.owner.busyChanged?.(busy ? 1 : -1, this.ctx.sim.nowUs);
    const s = slot.placement.server;
    if ((slot.status !== "serving" && slot.status !== "draining") || !this.servers.isUp(s)) {
      slot.wattsPerGpu = watts;
      slot.busy = busy;
      this.servers.refresh(s);
      return;
    }
    const gpus = slot.placement.gpus;
    const delta = (watts - slot.wattsPerGpu) * gpus + (Number(busy) - Number(slot.busy)) * gpus * slot.hostWattsPerBusyGpu;
    slot.wattsPerGpu = watts;
    slot.busy = busy;
    this.servers.addPower(s, slot.az, delta);
  }

  context(slot: ReplicaSlot, reason?: string): EventContext {
    return { model: this.modelNames[slot.model], region: this.topology.regions[slot.region].name, reason };
  }

  /** Integrates the levels up to the end of the run. */
  finish(endUs: number): void {
    for (const level of this.gpusByModel) level.advance(endUs);
    for (const level of this.replicaStates) level.advance(endUs);
  }
}
