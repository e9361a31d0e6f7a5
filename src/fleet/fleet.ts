/**
 * The fleet at run time, in three rooms with small interfaces between them:
 * - `servers` (servers.ts): power states, boot, paid time, idle shutdown, and the power and GPU
 *   states they add up to per AZ;
 * - `replicas` (replica-slots.ts): replica slots on the servers' GPUs through their lifecycle, and
 *   the power each draws as it iterates;
 * - `breakdowns` (breakdowns.ts): what takes servers, GPUs and AZs down and brings them back.
 * Placement of new replicas is capacity.ts; when faults happen, faults.ts.
 */
import type { SimContext } from "../requests/context.js";
import { BucketedLevel } from "../metrics/bucketed-level.js";
import { Breakdowns } from "./breakdowns.js";
import { FleetLog, type EventContext } from "./fleet-log.js";
import { ReplicaSlots } from "./replica-slots.js";
import { Servers } from "./servers.js";
import type { Topology } from "./topology.js";

export { GPU_STATES, type GpuState } from "./servers.js";
export { REPLICA_STATES, type ReplicaOwner, type ReplicaSlot, type ReplicaStatus, type StartTimes } from "./replica-slots.js";
export type { EventContext, FleetEvent } from "./fleet-log.js";

export class Fleet {
  readonly servers: Servers;
  readonly replicas: ReplicaSlots;
  readonly breakdowns: Breakdowns;
  private readonly journal: FleetLog;

  constructor(
    ctx: SimContext,
    readonly topology: Topology,
    bucketUs: number,
    /** the measurement window [warm-up, duration]: levels and paid time count inside it, the period whose tokens and revenue are counted */
    windowFromUs: number,
    windowToUs: number,
    modelNames: readonly string[],
    readonly debugChecks = false,
  ) {
    const makeLevel = () => new BucketedLevel(bucketUs, windowFromUs, windowToUs);
    this.journal = new FleetLog(ctx.sim);
    this.replicas = new ReplicaSlots(ctx, topology, makeLevel, modelNames, this.journal, debugChecks);
    this.servers = new Servers(ctx, topology, makeLevel, windowFromUs, windowToUs, this.replicas, this.journal, debugChecks);
    this.replicas.servers = this.servers;
    this.breakdowns = new Breakdowns(topology, this.servers, this.replicas, this.journal);
  }

  get events() {
    return this.journal.events;
  }

  log(kind: string, target: string, ctx: EventContext = {}): void {
    this.journal.log(kind, target, ctx);
  }

  /** Integrates every level up to the end of the run (and, with checks on, checks that GPU time by state is the time paid). */
  finish(endUs: number): void {
    this.servers.finish(endUs);
    this.replicas.finish(endUs);
    if (this.debugChecks) this.servers.check(endUs);
  }
}
