/**
 * The replicas of one model in one region as a set with a desired size: launches new replicas on
 * capacity the fleet finds (a boot, an engine start and a weight load away), drains the ones it no
 * longer needs, replaces replicas lost to failures, and runs the model's autoscaler every period.
 * Models without an autoscaler or a rollout have no replica set: their replicas stay where the plan
 * put them, as before.
 */
import { Priority, secondsToUs, type Simulator } from "../engine/index.js";
import type { BucketedLevel } from "../metrics/bucketed-level.js";
import type { Replica } from "../inference/replica.js";
import type { ModelSpec } from "../scenario/schema.js";
import { acquireGpus } from "../fleet/capacity.js";
import type { EventContext, Fleet, ReplicaOwner, ReplicaSlot } from "../fleet/fleet.js";
import { createAutoscaler, type Autoscaler, type ScalingState } from "./autoscalers/index.js";
import { ServiceMeter } from "./autoscalers/meter.js";
import { shown } from "./autoscalers/metric.js";
import type { ModelService, PoolRole } from "./model-service.js";

/** Samples of queue length and KV load per period, for the metrics that are not integrated exactly. */
/** Idle shutdown of servers a rollout released, for models without an autoscaler (the autoscalers' default). */
const IDLE_SHUTDOWN_DEFAULT_S = 600;

const isActive = (s: ReplicaSlot) => s.status === "requested" || s.status === "starting" || s.status === "loading" || s.status === "serving";

const SAMPLES_PER_PERIOD = 12;

/** A span for a reason string: whole minutes, else seconds. */
const shownSeconds = (us: number) => (us >= 60e6 ? `${shown(us / 60e6)} min` : `${shown(us / 1e6)} s`);

export interface ReplicaSetWiring {
  fleet: Fleet;
  service: ModelService;
  gpu: string;
  gpusPerReplica: number;
  /** engine start, and engine start plus weight loading, seconds */
  startS: { engine: number; total: number };
  /** a new server's boot time, for the lead-time estimate before any launch is measured */
  bootS: number;
  /** desired replicas summed over the run's sets and fixed services (the time series' line) */
  desiredTotal: BucketedLevel;
  /** no decisions after this (the end of arrivals) */
  endUs: number;
  /** a disaggregated model's pool this set sizes (its replicas alone), with the pool's own entry and replicas at the start */
  pool?: PoolRole;
  spec?: ModelSpec;
  initial?: number;
}

export class ReplicaSet implements ReplicaOwner {
  /** desired replicas per version (0: the model's current one; 1: one being rolled out) */
  readonly desiredOf: number[];
  /** the version the autoscaler sizes */
  current = 0;
  /** while a rollout runs the autoscaler takes readings but decides nothing */
  hold = false;
  /** told when a replica of a version starts serving */
  onServing?: (version: number) => void;
  /** GPU-microseconds during which both versions held GPUs (the smaller of the two), and the GPUs each holds now */
  overlapGpuUs = 0;
  private readonly gpusOf = [0, 0];
  private gpusSinceUs = 0;
  readonly autoscaler?: Autoscaler;
  /** slot of each replica of the service, by replica index */
  private readonly slots: ReplicaSlot[] = [];
  /** request-to-serving times of launched replicas, and the longest, microseconds */
  readonly leadTimesUs: number[] = [];
  private longestLeadUs = -1;
  scaleOuts = 0;
  scaleIns = 0;
  failedScaleOuts = 0;
  replaced = 0;
  launched = 0;
  /** iteration-time factor of each version's replicas */
  readonly latencyFactorOf = [1, 1];
  private readonly drainEvents = new Map<number, number>();
  private readonly sim: Simulator;
  /** the entry it sizes: the model, or a disaggregated model's pool */
  readonly spec: ModelSpec;
  private readonly where: EventContext;
  /** what decisions are logged against (model/region, and the pool), and replicas (model/region/index) */
  private readonly target: string;
  private readonly replicaTarget: string;
  private readonly meter?: ServiceMeter;
  private readonly scaleToZeroAfterUs?: number;
  private readonly onTick = () => this.tick();
  private readonly onSample = () => this.sample();
  private readonly onDrainTimeout = (replica: number) => this.finishDrain(replica, "drain_timeout");

  constructor(private readonly w: ReplicaSetWiring) {
    const service = w.service;
    this.sim = service.ctx.sim;
    this.spec = w.spec ?? service.spec;
    const initial = w.initial ?? service.all.length;
    this.desiredOf = [initial, 0];
    this.gpusOf[0] = initial * w.gpusPerReplica;
    this.where = { model: this.spec.name, region: w.fleet.topology.regions[service.regionIndex].name };
    this.replicaTarget = `${this.where.model}/${this.where.region}`;
    this.target = w.pool ? `${this.replicaTarget}/${w.pool}` : this.replicaTarget;
    if (this.spec.autoscaler) {
      const after = this.spec.autoscaler.scale_to_zero_after;
      if (after !== undefined) this.scaleToZeroAfterUs = secondsToUs(after);
      this.autoscaler = createAutoscaler(this.spec.autoscaler);
      this.meter = new ServiceMeter();
      if (w.pool) service.poolMeters[w.pool] = this.meter;
      else {
        service.meter = this.meter;
        service.wake = () => this.wake();
      }
    }
    // A replica is drained in the set that holds it (a disaggregated model's two sets share one service).
    const before = service.onDrained;
    service.onDrained = (replica) => {
      before?.(replica);
      this.finishDrain(replica.index, "drained");
    };
  }

  get desired(): number {
    return this.desiredOf[this.current];
  }

  get min(): number {
    return this.spec.replicas.min ?? this.spec.replicas.initial;
  }

  get max(): number {
    return this.spec.replicas.max ?? this.spec.replicas.initial;
  }

  /** A replica of the initial fleet, already serving. */
  adopt(slot: ReplicaSlot): void {
    this.slots[slot.replica.index] = slot;
  }

  /** Starts the autoscaler's evaluations (every period from t = 0) and idle shutdown of the servers it may use. */
  start(): void {
    const t = this.w.fleet.topology;
    for (const a of t.regions[this.w.service.regionIndex].azs) {
      for (const s of t.azs[a].servers) if (t.servers[s].type.gpu === this.w.gpu) this.w.fleet.servers.enableIdleShutdown(s, this.idleShutdownUs);
    }
    if (!this.autoscaler) return;
    const periodUs = this.autoscaler.periodUs;
    if (periodUs < this.w.endUs) this.sim.at(periodUs, Priority.control, this.onTick);
    if (this.autoscaler.samples) this.sim.at(Math.round(periodUs / SAMPLES_PER_PERIOD), Priority.sample, this.onSample);
  }

  /** How long a server of this set with nothing on it stays on: the autoscaler's setting, else its default. */
  private get idleShutdownUs(): number {
    return secondsToUs(this.spec.autoscaler?.idle_shutdown ?? IDLE_SHUTDOWN_DEFAULT_S);
  }

  // --- counting ------------------------------------------------------------------------------

  private count(pred: (slot: ReplicaSlot) => boolean): number {
    let n = 0;
    for (const slot of this.slots) if (slot && pred(slot)) n++;
    return n;
  }

  private versionOf(slot: ReplicaSlot): number {
    return this.w.service.versionOfReplica(slot.replica.index);
  }

  /** replicas of the current version serving */
  get serving(): number {
    return this.servingOf(this.current);
  }

  servingOf(version: number): number {
    return this.count((s) => s.status === "serving" && this.versionOf(s) === version);
  }

  /** replicas of a version serving or on their way to it */
  activeOf(version: number): number {
    return this.count((s) => isActive(s) && this.versionOf(s) === version);
  }

  /**
   * The longest request-to-serving time measured so far (a launch that needed a new server: boot,
   * engine start, weight load), else that estimated from the configuration. The longest, because a
   * forecast must be met by the launches that need a boot, not only by those that found free GPUs.
   */
  leadTimeUs(): number {
    return this.longestLeadUs >= 0 ? this.longestLeadUs : secondsToUs(this.w.bootS + this.w.startS.total);
  }

  private state(): ScalingState {
    return { nowUs: this.sim.nowUs, desired: this.desired, serving: this.serving, min: this.min, max: this.max, leadTimeUs: this.leadTimeUs() };
  }

  // --- the autoscaler ------------------------------------------------------------------------

  private sample(): void {
    const service = this.w.service;
    let kv = 0;
    let serving = 0;
    for (const slot of this.slots) {
      if (slot?.status !== "serving") continue;
      kv += slot.replica.kvLoad();
      serving++;
    }
    // A pool's queue is its own replicas'; a whole model's includes its central queue.
    let waiting = service.waiting;
    if (this.w.pool) {
      waiting = 0;
      for (const slot of this.slots) if (slot && isActive(slot)) waiting += slot.replica.waiting;
    }
    this.meter!.sample(waiting, serving > 0 ? kv / serving : 0);
    const next = this.sim.nowUs + Math.round(this.autoscaler!.periodUs / SAMPLES_PER_PERIOD);
    if (next < this.w.endUs) this.sim.at(next, Priority.sample, this.onSample);
  }

  private tick(): void {
    const autoscaler = this.autoscaler!;
    const state = this.state();
    const reading = this.meter!.take(state.nowUs);
    let reason = "retry";
    if (!this.hold) {
      const decision = autoscaler.evaluate(reading, state);
      const { min, max } = autoscaler.bounds(state);
      let desired = Math.min(max, Math.max(min, decision?.desired ?? this.desired));
      let why = decision?.reason;
      // Scale to zero only after an idle spell: until then the last replica stays; after it, none does.
      const idleUs = state.nowUs - this.w.service.lastArrivalUs;
      if (this.scaleToZeroAfterUs !== undefined && min === 0) {
        if (idleUs >= this.scaleToZeroAfterUs && desired > 0 && this.w.service.waiting === 0) {
          desired = 0;
          why = `no request for ${shownSeconds(idleUs)}: scale to zero`;
        } else if (idleUs < this.scaleToZeroAfterUs && desired === 0 && this.desired > 0 && max > 0) desired = 1;
      }
      if (this.w.fleet.debugChecks && !(desired >= min && desired <= max)) throw new Error(`${this.target}: desired ${desired} outside ${min}..${max}`);
      if (desired !== this.desired) {
        reason = desired > this.desired ? "scale_out" : "scale_in";
        if (reason === "scale_out") this.scaleOuts++;
        else this.scaleIns++;
        this.w.fleet.log(reason, this.target, { ...this.where, reason: `${why ?? `bounds ${min}..${max}`}: desired ${this.desired} -> ${desired}` });
        this.setDesired(desired);
      }
    }
    // Also retries launches that found no capacity at the last evaluation.
    this.reconcile(reason);
    const next = state.nowUs + autoscaler.periodUs;
    if (next < this.w.endUs) this.sim.at(next, Priority.control, this.onTick);
  }

  /**
   * A request found the model at zero replicas: one is launched (a cold start), if the bounds in force
   * allow one and nothing holds decisions. True when it woke the model.
   */
  wake(): boolean {
    if (this.desired > 0 || this.hold || !this.autoscaler) return false;
    if (this.autoscaler.bounds(this.state()).max < 1) return false;
    this.scaleOuts++;
    this.w.fleet.log("scale_out", this.target, { ...this.where, reason: "wake on arrival: a request found no replica: desired 0 -> 1" });
    this.setDesired(1);
    this.reconcile("wake on arrival");
    return true;
  }

  /** Sets the desired replicas of a version (the current one by default). */
  setDesired(desired: number, version = this.current): void {
    this.w.desiredTotal.add(desired - this.desiredOf[version], this.sim.nowUs);
    this.desiredOf[version] = desired;
  }

  // --- launching and removing ----------------------------------------------------------------

  /** Launches or removes replicas until the active ones match the desired count. */
  reconcile(reason = "scale_out"): void {
    for (let v = 0; v < this.desiredOf.length; v++) this.reconcileVersion(v, reason);
  }

  private reconcileVersion(version: number, reason: string): void {
    const desired = this.desiredOf[version];
    let active = this.activeOf(version);
    let unplaced = 0;
    while (active < desired) {
      if (!this.launch(reason, version)) {
        unplaced = desired - active;
        break;
      }
      active++;
    }
    if (unplaced > 0) {
      this.failedScaleOuts++;
      const down = this.w.fleet.topology.regions[this.w.service.regionIndex].azs.filter((a) => this.w.fleet.breakdowns.azDown[a] > 0).length;
      this.w.fleet.log("scale_out_failed", this.target, {
        ...this.where,
        reason:
          `no room left in ${this.where.region} for a replica of ${this.w.gpusPerReplica} ${this.w.gpu} GPU(s) on one server ` +
          `(server pools at their max${down > 0 ? `, ${down} AZ(s) down` : ""}): ${unplaced} of ${desired} desired replicas not placed`,
      });
    }
    while (active > desired) {
      this.remove(version, reason);
      active--;
    }
  }

  /** Moves the GPUs a version holds, integrating the overlap of the two versions. */
  private holdGpus(version: number, delta: number): void {
    const now = this.sim.nowUs;
    this.overlapGpuUs += Math.min(this.gpusOf[0], this.gpusOf[1]) * (now - this.gpusSinceUs);
    this.gpusSinceUs = now;
    this.gpusOf[version] += delta;
  }

  /** GPU-microseconds of overlap up to `endUs`. */
  overlapUntil(endUs: number): number {
    return this.overlapGpuUs + Math.min(this.gpusOf[0], this.gpusOf[1]) * Math.max(0, endUs - this.gpusSinceUs);
  }

  private replicasPerAz(): Map<number, number> {
    const counts = new Map<number, number>();
    for (const slot of this.slots) if (slot && slot.status !== "stopped") counts.set(slot.placement.az, (counts.get(slot.placement.az) ?? 0) + 1);
    return counts;
  }

  private launch(reason: string, version: number): boolean {
    const { fleet, service } = this.w;
    const placement = acquireGpus(
      fleet,
      { region: service.regionIndex, gpu: this.w.gpu, gpus: this.w.gpusPerReplica, placement: this.spec.placement, replicasPerAz: this.replicasPerAz() },
      { ...this.where, reason },
    );
    if (!placement) return false;
    const replica = service.addReplica(this.w.pool);
    service.serverOfReplica[replica.index] = placement.server;
    service.setVersion(replica, version);
    replica.latencyFactor = this.latencyFactorOf[version];
    this.holdGpus(version, this.w.gpusPerReplica);
    fleet.log("replica_requested", `${this.replicaTarget}/${replica.index}`, { ...this.where, reason: `${reason}, on ${fleet.servers.name(placement.server)}` });
    const slot = fleet.replicas.launch(replica, placement, this, this.w.startS, service.modelIndex, service.regionIndex);
    this.slots[replica.index] = slot;
    this.launched++;
    fleet.servers.enableIdleShutdown(placement.server, this.idleShutdownUs);
    return true;
  }

  /** Removes one replica: one still provisioning (newest first) stops at once; else a serving one drains, from the AZ with the most. */
  private remove(version: number, reason: string): void {
    const live = this.slots.filter((s) => s && isActive(s) && this.versionOf(s) === version);
    const provisioning = live.filter((s) => s.status !== "serving");
    if (provisioning.length > 0) {
      const slot = provisioning[provisioning.length - 1];
      this.w.service.retire(slot.replica);
      this.stopSlot(slot, reason);
      return;
    }
    const perAz = this.replicasPerAz();
    let chosen = live[live.length - 1];
    for (const slot of live) if ((perAz.get(slot.placement.az) ?? 0) > (perAz.get(chosen.placement.az) ?? 0)) chosen = slot;
    // Newest in the fullest AZ.
    for (const slot of live) if (slot.placement.az === chosen.placement.az && slot.replica.index > chosen.replica.index) chosen = slot;
    this.drain(chosen, reason);
  }

  /** Stops routing to a serving replica and lets it finish what it holds, for at most the drain timeout. */
  drain(slot: ReplicaSlot, reason: string): void {
    this.w.service.retire(slot.replica);
    this.w.fleet.replicas.drain(slot, reason);
    if (slot.replica.outstanding === 0) {
      this.finishDrain(slot.replica.index, "drained");
      return;
    }
    this.drainEvents.set(slot.replica.index, this.sim.after(secondsToUs(this.spec.drain_timeout), Priority.control, this.onDrainTimeout, slot.replica.index));
  }

  private finishDrain(index: number, reason: string): void {
    const slot = this.slots[index];
    if (!slot || slot.status !== "draining") return;
    const event = this.drainEvents.get(index);
    if (event !== undefined && reason !== "drain_timeout") this.sim.cancel(event);
    this.drainEvents.delete(index);
    this.stopSlot(slot, reason);
  }

  private stopSlot(slot: ReplicaSlot, reason: string): void {
    this.holdGpus(this.versionOf(slot), -slot.placement.gpus);
    this.w.fleet.replicas.stop(slot, reason);
    this.w.service.forget(slot.replica);
  }

  // --- what the fleet tells it ---------------------------------------------------------------

  replicaUp(replica: Replica): void {
    const slot = this.slots[replica.index];
    if (slot.requestedUs >= 0 && slot.readyUs === this.sim.nowUs) {
      this.leadTimesUs.push(slot.readyUs - slot.requestedUs);
      this.longestLeadUs = Math.max(this.longestLeadUs, slot.readyUs - slot.requestedUs);
    }
    this.w.service.replicaUp(replica);
    this.onServing?.(this.versionOf(slot));
  }

  /** A failure took the replica down: a fixed fleet waits for it to come back; an autoscaled one replaces it. */
  replicaDown(replica: Replica): void {
    this.w.service.replicaDown(replica);
    if (!this.autoscaler) return;
    const slot = this.slots[replica.index];
    // The balancer keeps sending to it until its health checks fail (those requests time out connecting).
    this.w.service.retire(replica, { keepRouting: true });
    const event = this.drainEvents.get(replica.index);
    if (event !== undefined) this.sim.cancel(event);
    this.drainEvents.delete(replica.index);
    this.stopSlot(slot, `failure: ${slot.downCause}`);
    const version = this.versionOf(slot);
    if (this.activeOf(version) < this.desiredOf[version]) this.replaced++;
    this.reconcile("replace a failed replica");
  }

  busyChanged(delta: number, nowUs: number): void {
    this.meter?.busyChanged(delta, nowUs);
  }
}
