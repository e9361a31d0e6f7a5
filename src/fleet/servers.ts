/**
 * The fleet's servers: each up, booting, failed (for as long as any cause holds it down: its own
 * failure, an AZ or region outage) or off (released: neither paid nor counted); when each is paid
 * for; the idle shutdown that releases a server with nothing on it; and the power each draws and
 * the state of each of its GPUs, kept as levels per AZ.
 *
 * Every GPU of a server that is not off is in exactly one state: free, booting, starting, loading,
 * serving, draining or failed; their sum is the GPUs paid for (`check`). What the replicas on a
 * server are doing comes from its occupants (replica-slots.ts); what takes a server down and brings
 * it back, from breakdowns.ts.
 */
import { Priority, secondsToUs } from "../engine/index.js";
import type { BucketedLevel } from "../metrics/bucketed-level.js";
import type { GpuPower } from "../catalog/power.js";
import type { ServerType } from "../catalog/servers.js";
import type { SimContext } from "../requests/context.js";
import type { EventContext, FleetLog } from "./fleet-log.js";
import type { ReplicaSlot } from "./replica-slots.js";
import type { Topology } from "./topology.js";
import { FacilityPower, hostWatts, idleServerWatts } from "./power.js";
import { GPU_STATES, newServerRuntime, type ServerRuntime, type ServerStatus } from "./server-runtime.js";

export { GPU_STATES, type GpuState } from "./server-runtime.js";

const FREE = 0;
const BOOTING = 1;
const STARTING = 2;
const LOADING = 3;
const SERVING = 4;
const DRAINING = 5;
const FAILED = 6;

/** What the servers need of the replicas on them. */
export interface Occupants {
  /** ids of the slots (not stopped) on server `s` */
  on(s: number): readonly number[];
  slot(id: number): Readonly<ReplicaSlot>;
  /** per GPU of server `s`: the slot (not stopped) holding it, or -1 */
  gpuOwners(s: number): Int32Array;
  /** what the log says of server `s`'s boot: the model and region of its first replica */
  describe(s: number): EventContext;
  /** server `s` is up: its replicas start */
  serverUp(s: number): void;
}

export class Servers {
  private readonly runtime: ServerRuntime[] = [];
  /** IT power per AZ, W */
  readonly itPower: BucketedLevel[];
  /** GPUs per state per AZ */
  readonly gpuStates: BucketedLevel[][];
  /** facility power per AZ whose region's PUE changes by the hour (undefined where it is constant) */
  readonly facilityPower: (FacilityPower | undefined)[];
  /** called for each server added at run time (fault processes start on it) */
  onAdded?: (server: number) => void;
  private readonly onBoot = (s: number) => this.booted(s);
  private readonly onIdle = (s: number) => this.powerOff(s);
  /** set once every server has been counted, so checks compare whole AZs */
  private ready = false;

  constructor(
    private readonly ctx: SimContext,
    private readonly topology: Topology,
    makeLevel: () => BucketedLevel,
    /** paid time counts inside the window [warm-up, duration] */
    private readonly windowFromUs: number,
    private readonly windowToUs: number,
    private readonly occupants: Occupants,
    private readonly events: FleetLog,
    private readonly debugChecks: boolean,
  ) {
    this.itPower = topology.azs.map(() => makeLevel());
    this.gpuStates = topology.azs.map(() => GPU_STATES.map(() => makeLevel()));
    this.facilityPower = topology.azs.map((az) => {
      const region = topology.regions[az.region];
      return typeof region.pue === "number" ? undefined : new FacilityPower(region, makeLevel());
    });
    for (let s = 0; s < topology.servers.length; s++) this.runtime.push(this.newRuntime(topology.servers[s].type, "up"));
    for (let s = 0; s < topology.servers.length; s++) this.refresh(s);
    this.ready = true;
  }

  private newRuntime(type: ServerType, status: ServerStatus): ServerRuntime {
    return newServerRuntime(this.topology.gpus.get(type.gpu)!, type.gpus, status === "off" ? -1 : this.ctx.sim.nowUs, status);
  }

  // --- what a server is ----------------------------------------------------------------------

  /** Whether new replicas may go on it: up, or booting with no failure cause. */
  usable(s: number): boolean {
    const status = this.runtime[s].status;
    return status === "up" || status === "booting";
  }

  /** Released and held down by nothing: it may be powered on. */
  isOff(s: number): boolean {
    return this.runtime[s].status === "off" && this.runtime[s].downCauses === 0;
  }

  isUp(s: number): boolean {
    return this.runtime[s].status === "up";
  }

  /** Not released: paid for (up, booting or failed). */
  isPaid(s: number): boolean {
    return this.runtime[s].status !== "off";
  }

  power(s: number): GpuPower {
    return this.runtime[s].power;
  }

  gpuFailed(s: number, gpu: number): boolean {
    return this.runtime[s].failedGpus[gpu] === 1;
  }

  name(s: number): string {
    const plan = this.topology.servers[s];
    const az = this.topology.azs[plan.az];
    return `${az.name}/server-${az.servers.indexOf(s)}`;
  }

  // --- coming and going ----------------------------------------------------------------------

  /** Adds a server of `type` to an AZ and boots it (requested now: paid from now). */
  add(az: number, type: ServerType, ctx: EventContext): number {
    const s = this.topology.servers.length;
    this.topology.servers.push({ az, type });
    this.topology.azs[az].servers.push(s);
    this.runtime.push(this.newRuntime(type, "off"));
    this.onAdded?.(s);
    this.powerOn(s, ctx);
    return s;
  }

  /** Boots a server that is off. */
  powerOn(s: number, ctx: EventContext): void {
    const server = this.runtime[s];
    if (server.status !== "off" || server.downCauses > 0) throw new Error(`${this.name(s)} cannot power on: it is ${server.status}`);
    server.paidSinceUs = this.ctx.sim.nowUs;
    server.launching = true;
    this.events.log("server_requested", this.name(s), ctx);
    this.boot(s);
  }

  boot(s: number): void {
    const server = this.runtime[s];
    server.status = "booting";
    server.bootEvent = this.ctx.sim.after(secondsToUs(this.topology.servers[s].type.bootS), Priority.fault, this.onBoot, s);
    this.refresh(s);
  }

  private booted(s: number): void {
    const server = this.runtime[s];
    server.bootEvent = -1;
    server.status = "up";
    if (server.launching) {
      server.launching = false;
      this.events.log("server_booted", this.name(s), this.occupants.describe(s));
    }
    this.occupants.serverUp(s);
    this.refresh(s);
    this.armIdleShutdown(s);
  }

  /**
   * A cause holds the server down (an outage cuts its power too). True when this takes it down now:
   * the first cause on a server that is not off. The caller then takes down its replicas and
   * calls `fail`.
   */
  holdDown(s: number, outage: boolean): boolean {
    const server = this.runtime[s];
    server.downCauses++;
    if (outage) {
      server.outageCauses++;
      if (server.outageCauses === 1 && server.status === "failed") this.refresh(s); // its power is cut now
    }
    return server.downCauses === 1 && server.status !== "off";
  }

  /** A cause clears. True when none is left on a server that is not off: the caller boots it. */
  release(s: number, outage: boolean): boolean {
    const server = this.runtime[s];
    server.downCauses--;
    if (outage) {
      server.outageCauses--;
      if (server.outageCauses === 0 && server.status === "failed") this.refresh(s); // power back, still broken
    }
    return server.downCauses === 0 && server.status !== "off";
  }

  /** The server is down: a boot in progress stops, and it cannot power off meanwhile. */
  fail(s: number): void {
    const server = this.runtime[s];
    if (server.bootEvent >= 0) this.ctx.sim.cancel(server.bootEvent);
    server.bootEvent = -1;
    server.launching = false;
    this.cancelIdleShutdown(s);
    server.status = "failed";
  }

  /** Marks one GPU failed or repaired (the caller refreshes the server). */
  setGpuFailed(s: number, gpu: number, failed: boolean): void {
    this.runtime[s].failedGpus[gpu] = failed ? 1 : 0;
  }

  // --- idle shutdown and paid time -----------------------------------------------------------

  /** From now on the server powers off after `afterUs` with nothing on it. */
  enableIdleShutdown(s: number, afterUs: number): void {
    const server = this.runtime[s];
    server.idleShutdownUs = Math.min(server.idleShutdownUs, afterUs);
    this.armIdleShutdown(s);
  }

  armIdleShutdown(s: number): void {
    const server = this.runtime[s];
    if (server.idleShutdownUs === Infinity || this.occupants.on(s).length > 0 || server.idleEvent >= 0) return;
    if (server.status === "off" || server.status === "failed") return;
    server.idleEvent = this.ctx.sim.after(server.idleShutdownUs, Priority.control, this.onIdle, s);
    server.idleAtUs = this.ctx.sim.nowUs + server.idleShutdownUs;
  }

  /** When the server would power off if nothing changed: its pending idle shutdown, or never (Infinity). */
  releasedAtUs(s: number): number {
    const server = this.runtime[s];
    return server.idleEvent >= 0 ? server.idleAtUs : Infinity;
  }

  cancelIdleShutdown(s: number): void {
    const server = this.runtime[s];
    if (server.idleEvent >= 0) this.ctx.sim.cancel(server.idleEvent);
    server.idleEvent = -1;
  }

  private powerOff(s: number): void {
    const server = this.runtime[s];
    server.idleEvent = -1;
    if (this.occupants.on(s).length > 0 || server.status === "off") return;
    if (server.bootEvent >= 0) this.ctx.sim.cancel(server.bootEvent);
    server.bootEvent = -1;
    this.closePaid(server, this.ctx.sim.nowUs);
    server.status = "off";
    this.events.log("server_powered_off", this.name(s), { reason: "idle_shutdown" });
    this.refresh(s);
  }

  private closePaid(server: ServerRuntime, nowUs: number): void {
    if (server.paidSinceUs < 0) return;
    server.paidUs += this.inWindowUs(server.paidSinceUs, nowUs);
    server.paidSinceUs = -1;
  }

  /** The part of [fromUs, toUs) inside the window. */
  private inWindowUs(fromUs: number, toUs: number): number {
    return Math.max(0, Math.min(toUs, this.windowToUs) - Math.max(fromUs, this.windowFromUs));
  }

  /** Time each server was paid for inside the window, given that the run has reached `nowUs`, microseconds. */
  paidUs(nowUs: number): number[] {
    return this.runtime.map((server) => (server.paidSinceUs < 0 ? server.paidUs : server.paidUs + this.inWindowUs(server.paidSinceUs, nowUs)));
  }

  // --- power and GPU states ------------------------------------------------------------------

  /**
   * A replica on server `s` changed its power by `deltaW` while the server is up: the hottest path
   * of the fleet, so the server's power moves by the difference instead of being recounted.
   */
  addPower(s: number, az: number, deltaW: number): void {
    this.runtime[s].itW += deltaW;
    this.addItPower(az, deltaW, this.ctx.sim.nowUs);
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
    this.facilityPower[az]?.setIt(level.value, nowUs);
  }

  /** Recounts a server's power and GPU states, and moves its AZ's levels by the difference. */
  refresh(s: number): void {
    const server = this.runtime[s];
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
      const inSlot = this.occupants.gpuOwners(s);
      let busyGpus = 0;
      for (let g = 0; g < type.gpus; g++) {
        if (server.failedGpus[g]) {
          states[FAILED]++;
          continue;
        }
        const slot = inSlot[g] >= 0 ? this.occupants.slot(inSlot[g]) : undefined;
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
    if (this.debugChecks && this.ready) this.check();
  }

  /** Integrates the levels up to the end of the run. */
  finish(endUs: number): void {
    for (const level of this.itPower) level.advance(endUs);
    for (const facility of this.facilityPower) facility?.advance(endUs);
    for (const states of this.gpuStates) for (const level of states) level.advance(endUs);
  }

  /**
   * Throws if a GPU is in no state or two, an AZ's counters drifted from a recount, or (given the
   * end of the run) the GPU-hours counted by state are not the GPU-hours paid (INVARIANTS.md 19).
   */
  check(endUs?: number): void {
    const now = this.ctx.sim.nowUs;
    this.topology.azs.forEach((az, a) => {
      const total = az.servers.reduce((sum, s) => sum + (this.runtime[s].status === "off" ? 0 : this.topology.servers[s].type.gpus), 0);
      let counted = 0;
      for (let k = 0; k < GPU_STATES.length; k++) {
        const recount = az.servers.reduce((sum, s) => sum + this.runtime[s].states[k], 0);
        if (recount !== this.gpuStates[a][k].value) throw new Error(`AZ ${az.name}: ${GPU_STATES[k]} GPUs counted ${this.gpuStates[a][k].value}, recounted ${recount} at ${now} us`);
        counted += recount;
      }
      if (counted !== total) throw new Error(`AZ ${az.name}: GPU states add up to ${counted}, not ${total}`);
    });
    if (endUs === undefined) return;
    const paid = this.paidUs(endUs).reduce((sum, us, s) => sum + us * this.topology.servers[s].type.gpus, 0);
    let byState = 0;
    for (const levels of this.gpuStates) for (const level of levels) byState += level.windowIntegral(endUs);
    if (Math.abs(byState - paid) > 1e-6 * Math.max(1, paid)) throw new Error(`GPU time by state ${byState} us, paid ${paid} us`);
  }
}
