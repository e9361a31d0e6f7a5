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
import type { ModelService } from "./model-service.js";

/** Samples of queue length and KV load per period, for the metrics that are not integrated exactly. */
const SAMPLES_PER_PERIOD = 12;

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
}

export class ReplicaSet implements ReplicaOwner {
  desired: number;
  readonly autoscaler?: Autoscaler;
  /** slot of each replica of the service, by replica index */
  private readonly slots: ReplicaSlot[] = [];
  /** request-to-serving times of launched replicas, microseconds */
  readonly leadTimesUs: number[] = [];
  scaleOuts = 0;
  scaleIns = 0;
  failedScaleOuts = 0;
  replaced = 0;
  launched = 0;
  private readonly drainEvents = new Map<number, number>();
  private readonly sim: Simulator;
  private readonly spec: ModelSpec;
  private readonly where: EventContext;
  private readonly target: string;
  private readonly meter?: ServiceMeter;
  private readonly onTick = () => this.tick();
  private readonly onSample = () => this.sample();
  private readonly onDrainTimeout = (replica: number) => this.finishDrain(replica, "drain_timeout");

  constructor(private readonly w: ReplicaSetWiring) {
    const service = w.service;
    this.sim = service.ctx.sim;
    this.spec = service.spec;
    this.desired = service.all.length;
    this.where = { model: this.spec.name, region: w.fleet.topology.regions[service.regionIndex].name };
    this.target = `${this.where.model}/${this.where.region}`;
    if (this.spec.autoscaler) {
      this.autoscaler = createAutoscaler(this.spec.autoscaler);
      this.meter = new ServiceMeter();
      service.meter = this.meter;
    }
    service.onDrained = (replica) => this.finishDrain(replica.index, "drained");
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
    if (!this.autoscaler) return;
    const periodUs = this.autoscaler.periodUs;
    if (periodUs < this.w.endUs) this.sim.at(periodUs, Priority.control, this.onTick);
    if (this.autoscaler.samples) this.sim.at(Math.round(periodUs / SAMPLES_PER_PERIOD), Priority.sample, this.onSample);
    const t = this.w.fleet.topology;
    const idleUs = secondsToUs(this.spec.autoscaler!.idle_shutdown);
    for (const a of t.regions[this.w.service.regionIndex].azs) {
      for (const s of t.azs[a].servers) if (t.servers[s].type.gpu === this.w.gpu) this.w.fleet.enableIdleShutdown(s, idleUs);
    }
  }

  // --- counting ------------------------------------------------------------------------------

  private count(pred: (slot: ReplicaSlot) => boolean): number {
    let n = 0;
    for (const slot of this.slots) if (slot && pred(slot)) n++;
    return n;
  }

  get serving(): number {
    return this.count((s) => s.status === "serving");
  }

  /** replicas serving or on their way to it */
  get active(): number {
    return this.count((s) => s.status === "requested" || s.status === "starting" || s.status === "loading" || s.status === "serving");
  }

  /** Mean request-to-serving time measured so far, else the estimate of a boot, an engine start and a weight load. */
  leadTimeUs(): number {
    const n = this.leadTimesUs.length;
    if (n === 0) return secondsToUs(this.w.bootS + this.w.startS.total);
    return this.leadTimesUs.reduce((a, b) => a + b, 0) / n;
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
    this.meter!.sample(service.waiting, serving > 0 ? kv / serving : 0);
    const next = this.sim.nowUs + Math.round(this.autoscaler!.periodUs / SAMPLES_PER_PERIOD);
    if (next < this.w.endUs) this.sim.at(next, Priority.sample, this.onSample);
  }

  private tick(): void {
    const autoscaler = this.autoscaler!;
    const state = this.state();
    const decision = autoscaler.evaluate(this.meter!.take(state.nowUs), state);
    const { min, max } = autoscaler.bounds(state);
    const desired = Math.min(max, Math.max(min, decision?.desired ?? this.desired));
    if (desired !== this.desired) {
      const kind = desired > this.desired ? "scale_out" : "scale_in";
      if (kind === "scale_out") this.scaleOuts++;
      else this.scaleIns++;
      this.w.fleet.log(kind, this.target, { ...this.where, reason: `${decision?.reason ?? `bounds ${min}..${max}`}: desired ${this.desired} -> ${desired}` });
      this.setDesired(desired);
    }
    this.reconcile();
    const next = state.nowUs + autoscaler.periodUs;
    if (next < this.w.endUs) this.sim.at(next, Priority.control, this.onTick);
  }

  setDesired(desired: number): void {
    this.w.desiredTotal.add(desired - this.desired, this.sim.nowUs);
    this.desired = desired;
  }

  // --- launching and removing ----------------------------------------------------------------

  /** Launches or removes replicas until the active ones match the desired count. */
  reconcile(reason = "reconcile"): void {
    let active = this.active;
    let unplaced = 0;
    while (active < this.desired) {
      if (!this.launch(reason)) {
        unplaced = this.desired - active;
        break;
      }
      active++;
    }
    if (unplaced > 0) {
      this.failedScaleOuts++;
      const down = this.w.fleet.topology.regions[this.w.service.regionIndex].azs.filter((a) => this.w.fleet.azDown[a] > 0).length;
      this.w.fleet.log("scale_out_failed", this.target, {
        ...this.where,
        reason: `no ${this.w.gpusPerReplica} free ${this.w.gpu} GPUs left in ${this.where.region} (server pools at their max${down > 0 ? `, ${down} AZ down` : ""}): ${unplaced} of ${this.desired} desired replicas not placed`,
      });
    }
    while (active > this.desired) {
      this.remove();
      active--;
    }
  }

  private replicasPerAz(): Map<number, number> {
    const counts = new Map<number, number>();
    for (const slot of this.slots) if (slot && slot.status !== "stopped") counts.set(slot.placement.az, (counts.get(slot.placement.az) ?? 0) + 1);
    return counts;
  }

  private launch(reason: string): boolean {
    const { fleet, service } = this.w;
    const placement = acquireGpus(
      fleet,
      { region: service.regionIndex, gpu: this.w.gpu, gpus: this.w.gpusPerReplica, placement: this.spec.placement, replicasPerAz: this.replicasPerAz() },
      { ...this.where, reason },
    );
    if (!placement) return false;
    const replica = service.addReplica();
    const slot = fleet.launch(replica, placement, this, this.w.startS, service.modelIndex, service.regionIndex);
    this.slots[replica.index] = slot;
    this.launched++;
    fleet.log("replica_requested", slot.name, { ...this.where, reason: `on ${fleet.serverName(placement.server)}` });
    if (this.spec.autoscaler) fleet.enableIdleShutdown(placement.server, secondsToUs(this.spec.autoscaler.idle_shutdown));
    return true;
  }

  /** Removes one replica: one still provisioning (newest first) stops at once; else a serving one drains, from the AZ with the most. */
  private remove(): void {
    const live = this.slots.filter((s) => s && (s.status === "requested" || s.status === "starting" || s.status === "loading" || s.status === "serving"));
    const provisioning = live.filter((s) => s.status !== "serving");
    if (provisioning.length > 0) {
      const slot = provisioning[provisioning.length - 1];
      this.w.service.retire(slot.replica);
      this.stopSlot(slot, "scale_in");
      return;
    }
    const perAz = this.replicasPerAz();
    let chosen = live[live.length - 1];
    for (const slot of live) if ((perAz.get(slot.placement.az) ?? 0) > (perAz.get(chosen.placement.az) ?? 0)) chosen = slot;
    // Newest in the fullest AZ.
    for (const slot of live) if (slot.placement.az === chosen.placement.az && slot.replica.index > chosen.replica.index) chosen = slot;
    this.drain(chosen, "scale_in");
  }

  /** Stops routing to a serving replica and lets it finish what it holds, for at most the drain timeout. */
  drain(slot: ReplicaSlot, reason: string): void {
    this.w.service.retire(slot.replica);
    this.w.fleet.drain(slot, reason);
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
    this.w.fleet.stop(slot, reason);
    this.w.service.forget(slot.replica);
  }

  // --- what the fleet tells it ---------------------------------------------------------------

  replicaUp(replica: Replica): void {
    const slot = this.slots[replica.index];
    if (slot.requestedUs >= 0 && slot.readyUs === this.sim.nowUs) this.leadTimesUs.push(slot.readyUs - slot.requestedUs);
    this.w.service.replicaUp(replica);
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
    if (this.active < this.desired) this.replaced++;
    this.reconcile("replace a failed replica");
  }

  busyChanged(delta: number, nowUs: number): void {
    this.meter?.busyChanged(delta, nowUs);
  }
}
