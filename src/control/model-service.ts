/**
 * A model deployed in one region: its replicas, its load balancer and (for `central_queue`) the
 * queue in front of them. The load balancer only knows what its health checks tell it: a replica
 * that died keeps receiving traffic (which fails) until enough checks in a row have failed, and a
 * replica that came back gets traffic after its next passing check.
 */
import { Priority, secondsToUs, US_PER_S, type Rng } from "../engine/index.js";
import { RecentWaits } from "./recent-waits.js";
import type { RegionLoad } from "./region-router.js";
import type { BatchingReplicaLike, Replica, ReplicaHost, ServingEngine } from "../inference/replica.js";
import type { KvTransfers } from "../fleet/kv-transfers.js";
import type { ModelSpec } from "../scenario/schema.js";
import type { SimContext } from "../requests/context.js";
import { Outcome } from "../requests/outcomes.js";
import { RequestQueue } from "../requests/queue.js";
import { TierLine } from "../requests/tiers.js";
import { RequestState } from "../requests/table.js";
import type { ServiceMeter } from "./autoscalers/meter.js";
import { createRouter, HOLD, NO_REPLICA, type ReplicaSnapshot, type RouteRequest, type Router } from "./routers/index.js";

/** A health-check event carries its replica and the replica's epoch in one number: index x span + epoch. */
const CHECK_TAG_SPAN = 1e6;
const checkTag = (replica: number, epoch: number) => replica * CHECK_TAG_SPAN + epoch;

/**
 * A replica as a router sees it: read-only, current as of the pick. Values are read when the router
 * asks (a router that never looks at the prefix cache costs no lookup), never written.
 */
class ReplicaView implements ReplicaSnapshot {
  readonly healthy = true; // views exist only for the replicas the balancer believes healthy

  constructor(
    private readonly replica: Replica,
    private readonly routing: { readonly req: number },
  ) {}

  get index(): number {
    return this.replica.index;
  }
  get hasFreeSlot(): boolean {
    return this.replica.hasFreeSlot();
  }
  get outstanding(): number {
    return this.replica.outstanding;
  }
  get outstandingTokens(): number {
    return this.replica.outstandingTokens;
  }
  get kvLoad(): number {
    return this.replica.kvLoad();
  }
  get cachedPrefixTokens(): number {
    return this.replica.prefixMatchTokens(this.routing.req);
  }
}

/**
 * Traffic split between a model's current version (0) and one being rolled out (1): each request
 * draws its version by the share; a version with no routable replica sends its share to the other.
 */
class VersionSplit {
  share = 0;
  readonly views: ReplicaView[][] = [[], []];
  readonly replicas: Replica[][] = [[], []];

  constructor(
    private readonly rng: Rng,
    private readonly errorRng: Rng,
    private readonly errorRate: number,
    readonly onOutcome: (version: number, ok: boolean, ttftUs: number) => void,
  ) {}

  pick(): number {
    const wanted = this.share > 0 && this.rng() < this.share ? 1 : 0;
    return this.replicas[wanted].length > 0 ? wanted : 1 - wanted;
  }

  fails(): boolean {
    return this.errorRate > 0 && this.errorRng() < this.errorRate;
  }

  rebuild(replicas: readonly Replica[], views: readonly ReplicaView[], versionOf: readonly number[]): void {
    for (let v = 0; v < 2; v++) {
      this.replicas[v] = replicas.filter((r) => versionOf[r.index] === v);
      this.views[v] = views.filter((_, k) => versionOf[replicas[k].index] === v);
    }
  }
}

/** Where a model service hands requests that are done, one way or another. */
export interface RequestSink {
  completed(req: number, firstTokenUs: number): void;
  refused(req: number, outcome: Outcome): void;
  /** a server error: the client may retry */
  failed(req: number): void;
}

/** Prefill/decode disaggregation in one region: how KV caches move between the pools, and what the moves measured. */
export interface Disaggregation {
  spec: NonNullable<ModelSpec["disaggregation"]>;
  transfers: KvTransfers;
  /** KV-cache bytes of one token over the whole replica */
  kvBytesPerToken: number;
  /** a transfer inside one server: the GPUs' NVLink rate, bytes per µs */
  nvlinkBytesPerUs: number;
  stats: KvTransferStats;
}

/** KV transfers that started in the measurement window (all the model's regions together). */
export class KvTransferStats {
  count = 0;
  bytes = 0;
  /** per transfer: start to done, and the wait for the decode replica's KV blocks before it (µs) */
  readonly timesUs: number[] = [];
  readonly waitsUs: number[] = [];
  /** transfers that never arrived (a replica at either end went down, or the client gave up) */
  cancelled = 0;

  constructor(
    readonly fromUs: number,
    readonly toUs: number,
  ) {}

  covers(timeUs: number): boolean {
    return timeUs >= this.fromUs && timeUs < this.toUs;
  }
}

export type PoolRole = "prefill" | "decode";

export class ModelService implements ReplicaHost, RegionLoad {
  readonly connectTimeoutUs: number;
  /** told when health checks mark a replica unhealthy or healthy again (the run's event log) */
  onHealthMark?: (kind: "marked_unhealthy" | "marked_healthy", replica: Replica) => void;
  /** queue waits of the attempts that started service here, over the last minute (regional spill reads their p90); kept only when some tenant may spill */
  private recentWaits?: RecentWaits;
  /** every replica, by index (stopped ones too: the report shows what they measured) */
  readonly all: Replica[] = [];
  /** replicas that have not stopped */
  private readonly live: Replica[] = [];
  /** per replica: 1 once the balancer stopped sending to it for good */
  private readonly retired: number[] = [];
  /** told when a retired replica has finished everything it held */
  onDrained?: (replica: Replica) => void;
  /** what an autoscaler reads, kept only for autoscaled services */
  meter?: ServiceMeter;
  /** a disaggregated model's: what each pool's autoscaler reads of that pool alone */
  readonly poolMeters: Partial<Record<PoolRole, ServiceMeter>> = {};
  /** the server each replica runs on, by index (KV transfers move between servers) */
  readonly serverOfReplica: number[] = [];
  /** per replica: 0 for the model's current version, 1 for a version being rolled out */
  private readonly versionOf: number[] = [];
  /** while a rollout runs: how traffic splits between the versions */
  private split?: VersionSplit;
  /** replicas the load balancer sends to (it believes them healthy), in index order */
  readonly replicas: Replica[] = [];
  private router: Router;
  /** what the router sees of `replicas`, position for position (one view per replica, made once) */
  private readonly views: ReplicaView[] = [];
  private readonly viewOf: ReplicaView[] = [];
  /** the request being routed (views read its cached prefix) */
  private readonly routeRequest = { req: -1, promptTokens: 0 };
  private readonly centralQueue: RequestQueue | TierLine;
  private centralWaiting = 0;
  private readonly maxQueue: number;
  /** the answer to a request its queue has no room for: 503, or for provisioned throughput (the tenant bought this much) 429 */
  private readonly queueFull: Outcome;
  private readonly healthRng: Rng;
  /** per replica: offset of its health checks in the interval, and a counter invalidating stale checks */
  private readonly checkPhaseUs: number[] = [];
  private readonly epoch: number[] = [];
  /** set by an autoscaled replica set: wakes a model scaled to zero (desired 0 -> 1); false when it was not at zero */
  wake?: () => boolean;
  /** a wake is under way: no replica routable yet since the model was woken from zero */
  private cold = false;
  /** when the last request arrived (scale to zero waits for an idle spell) */
  lastArrivalUs = 0;
  /** cold starts: when each wake happened and when its first replica took traffic (-1 until then) */
  readonly coldStarts: { wokeUs: number; readyUs: number }[] = [];
  /** attempts that met a model waking from zero: answered 429 model_not_ready, or held until a replica served */
  notReady = 0;
  heldCold = 0;
  /** prefill/decode disaggregation, when the model has it: the pools route apart */
  private disaggregation?: Disaggregation;
  private decodeRouter?: Router;
  /** the pools of `replicas` and `views` (rebuilt when those change) */
  private pools?: Record<PoolRole, { replicas: BatchingReplicaLike[]; views: ReplicaView[] }>;
  /** prefilled requests whose transfer has not started (they wait for a decode replica's blocks): their prefill replica */
  private readonly awaiting = new Map<number, number>();
  /** transfers in flight: their request, source replica and destination */
  private readonly moving = new Map<number, { req: number; from: number; to: BatchingReplicaLike; startUs: number }>();
  private readonly onCheckDown = (arg: number) => this.detectedDown(arg);
  private readonly onCheckUp = (arg: number) => this.detectedUp(arg);

  constructor(
    readonly ctx: SimContext,
    readonly serviceId: number,
    readonly modelIndex: number,
    readonly regionIndex: number,
    readonly spec: ModelSpec,
    private readonly engine: ServingEngine,
    private readonly sink: RequestSink,
    readonly initialReplicas: number,
    streamName: string,
    /** a disaggregated model's pools: the engine of each (the model's engine is then only its plan) */
    private readonly poolEngines?: { prefill: ServingEngine; decode: ServingEngine },
  ) {
    this.centralQueue = engine.tiers ? new TierLine(ctx.requests, engine.tiers) : new RequestQueue(ctx.requests);
    this.connectTimeoutUs = secondsToUs(spec.health_check.connect_timeout);
    this.maxQueue = spec.router.max_queue ?? Infinity;
    this.queueFull = spec.provisioned ? Outcome.throttled : Outcome.rejected;
    this.router = createRouter({ spec: spec.router, rng: ctx.streams.get(`${streamName}/router`) });
    this.healthRng = ctx.streams.get(`${streamName}/health_checks`);
    for (let i = 0; i < initialReplicas; i++) {
      const replica = this.addReplica();
      this.replicas.push(replica);
      this.views.push(this.viewOf[i]);
    }
  }

  /**
   * A new replica, not yet routed to: it gets traffic after its first passing health check once it
   * serves. A disaggregated model's replica belongs to a pool: the one asked for, or for the initial
   * replicas prefill first, then decode.
   */
  addReplica(pool?: PoolRole): Replica {
    const i = this.all.length;
    const pools = this.spec.disaggregation;
    const role = pools ? (pool ?? (i < pools.prefill.replicas.initial ? "prefill" : "decode")) : undefined;
    const replica = (role ? this.poolEngines![role] : this.engine).createReplica(i, this);
    if (role) (replica as BatchingReplicaLike).role = role;
    this.all.push(replica);
    this.live.push(replica);
    this.retired.push(0);
    this.versionOf.push(0);
    this.viewOf.push(new ReplicaView(replica, this.routeRequest));
    this.checkPhaseUs.push(Math.floor(this.healthRng() * this.spec.health_check.interval * US_PER_S));
    this.epoch.push(0);
    return replica;
  }

  /**
   * The replica never gets traffic again once this returns (it drains, or is removed); pending health
   * checks are void. With `keepRouting` (it died) the balancer still sends to it until its health
   * checks give up on it.
   */
  retire(replica: Replica, { keepRouting = false } = {}): void {
    const i = replica.index;
    this.retired[i] = 1;
    if (keepRouting) return;
    this.epoch[i]++;
    this.unroute(i);
  }

  /** The replica is gone: it no longer counts anywhere. */
  forget(replica: Replica): void {
    const k = this.live.indexOf(replica);
    if (k >= 0) this.live.splice(k, 1);
  }

  /** Tells the drain watcher when a retired replica holds nothing more. */
  private checkDrained(i: number): void {
    if (i >= 0 && this.retired[i] && this.all[i].outstanding === 0) this.onDrained?.(this.all[i]);
  }

  private unroute(i: number): boolean {
    const k = this.replicas.indexOf(this.all[i]);
    if (k < 0) return false;
    this.replicas.splice(k, 1);
    this.views.splice(k, 1);
    this.split?.rebuild(this.replicas, this.views, this.versionOf);
    this.rebuildPools();
    return true;
  }

  // --- versions (rollouts) -------------------------------------------------------------------

  /** Marks a replica as the new version's (before it serves). */
  setVersion(replica: Replica, version: number): void {
    this.versionOf[replica.index] = version;
  }

  versionOfReplica(index: number): number {
    return this.versionOf[index];
  }

  /** From now on a share of traffic goes to the new version, whose requests fail at `errorRate`; outcomes per version are reported. */
  startSplit(errorRate: number, onOutcome: (version: number, ok: boolean, ttftUs: number) => void): void {
    const name = `models/${this.spec.name}/${this.regionIndex}/versions`;
    this.split = new VersionSplit(this.ctx.streams.get(name), this.ctx.streams.get(`${name}/errors`), errorRate, onOutcome);
    this.split.rebuild(this.replicas, this.views, this.versionOf);
  }

  /** Share (0-1) of requests sent to the new version. */
  setShare(share: number): void {
    if (this.split) this.split.share = share;
  }

  /** The new version becomes the only one (rollout done), or is gone (rolled back): no more split. */
  endSplit(): void {
    this.split = undefined;
  }

  /** Whether the load balancer has any replica to send to. */
  get routable(): boolean {
    return this.replicas.length > 0;
  }

  /** Requests waiting in the central queue or at replicas. */
  get waiting(): number {
    let total = this.centralWaiting;
    for (const replica of this.live) total += replica.waiting;
    return total;
  }

  /** Requests waiting per replica the balancer sends to (Infinity with none): how loaded the region looks. */
  waitingPerReplica(): number {
    return this.replicas.length > 0 ? this.waiting / this.replicas.length : Infinity;
  }

  /** Starts keeping the last minute's queue waits (a tenant's routing may spill on them). */
  trackQueueWaits(): void {
    this.recentWaits ??= new RecentWaits();
  }

  queueWaitP90Us(nowUs: number): number {
    return this.recentWaits?.p90Us(nowUs) ?? 0;
  }

  started(req: number): void {
    const { requests, lifecycle, sim } = this.ctx;
    this.recentWaits?.add(sim.nowUs - requests.attemptStartUs[req], sim.nowUs);
    if (requests.startUs[req] < 0) lifecycle.started(req, sim.nowUs);
  }

  /** The meter a replica's requests count in: its pool's, or the service's. */
  private meterOf(replica: number): ServiceMeter | undefined {
    return this.disaggregation ? this.poolMeters[(this.all[replica] as BatchingReplicaLike).role as PoolRole] : this.meter;
  }

  /** A request left the service unanswered: it no longer counts in flight (at its pool, for a disaggregated model). */
  private endMeter(req: number): void {
    const i = this.ctx.requests.replica[req];
    const meter = this.disaggregation ? (i >= 0 ? this.meterOf(i) : undefined) : this.meter;
    meter?.ended(this.ctx.sim.nowUs);
  }

  /** Whether the decider keeps a prompt whole (prefill and decode on one decode replica). */
  private keptWhole(req: number): boolean {
    const decider = this.disaggregation!.spec.decider;
    return decider !== "always" && this.ctx.requests.inputTokens[req] < decider.min_prompt_tokens;
  }

  receive(req: number): void {
    this.ctx.requests.attemptStartUs[req] = this.ctx.sim.nowUs;
    this.lastArrivalUs = this.ctx.sim.nowUs;
    if (this.disaggregation) this.poolMeters[this.keptWhole(req) ? "decode" : "prefill"]?.arrived();
    else this.meter?.arrived();
    // A disaggregated request must fit both pools' replicas (the decode one holds it whole).
    const pools = this.poolEngines;
    if (!(pools ? pools.prefill.accepts(req) && pools.decode.accepts(req) : this.engine.accepts(req))) {
      this.sink.refused(req, Outcome.rejected);
      return;
    }
    this.ctx.requests.service[req] = this.serviceId;
    this.engine.prepare(req);
    if (this.disaggregation) {
      this.receivePooled(req);
      return;
    }
    // A model scaled to zero wakes on the first request for it; until a replica serves, requests wait or are told it is not ready.
    if (this.replicas.length === 0 && (this.cold || this.wakeUp())) {
      this.holdCold(req);
      return;
    }
    const split = this.split;
    const version = split ? split.pick() : 0;
    const choice = this.router.pick(this.describe(req), split ? split.views[version] : this.views);
    if (choice === NO_REPLICA) {
      this.sink.refused(req, Outcome.rejected);
    } else if (choice === HOLD) {
      if (this.centralWaiting >= this.maxQueue) {
        this.sink.refused(req, this.queueFull);
        return;
      }
      this.meter?.accepted(this.ctx.sim.nowUs);
      const { requests } = this.ctx;
      requests.moveTo(req, RequestState.centralQueue);
      this.centralQueue.push(req);
      this.centralWaiting++;
    } else {
      this.sendTo(req, split ? split.replicas[version][choice] : this.replicas[choice]);
    }
  }

  /** Starts a cold start if the model is at zero replicas (its replica set says); true if it did. */
  private wakeUp(): boolean {
    if (!this.wake?.()) return false;
    this.cold = true;
    this.coldStarts.push({ wokeUs: this.ctx.sim.nowUs, readyUs: -1 });
    return true;
  }

  /** A request met the model waking up: a 429 model_not_ready, or it waits (in the central queue) for the first replica. */
  private holdCold(req: number): void {
    const measured = this.ctx.requests.measured[req] === 1;
    if (this.spec.cold_start?.on_no_replica !== "wait" || this.centralWaiting >= this.maxQueue) {
      if (measured) this.notReady++;
      this.sink.refused(req, Outcome.throttled);
      return;
    }
    if (measured) this.heldCold++;
    this.meter?.accepted(this.ctx.sim.nowUs);
    this.ctx.requests.moveTo(req, RequestState.centralQueue);
    this.centralQueue.push(req);
    this.centralWaiting++;
  }

  /** The first replica after a cold start takes traffic: the requests that waited go to the replicas (a central queue drains itself). */
  private warmedUp(): void {
    this.cold = false;
    this.coldStarts[this.coldStarts.length - 1].readyUs = this.ctx.sim.nowUs;
    if (this.spec.router.kind === "central_queue") return;
    for (let req = this.centralQueue.shift(); req >= 0; req = this.centralQueue.shift()) {
      this.centralWaiting--;
      const choice = this.router.pick(this.describe(req), this.views);
      this.replicas[choice >= 0 ? choice : 0].submit(req);
    }
  }

  /** Sends `req` to the replica its router picked, unless that replica's queue is full. */
  private sendTo(req: number, replica: Replica): void {
    if (!replica.hasFreeSlot() && replica.waiting >= this.maxQueue) {
      this.sink.refused(req, this.queueFull);
      return;
    }
    const split = this.split;
    if (split && this.versionOf[replica.index] === 1 && split.fails()) {
      // The new version answers this one with a 5xx.
      split.onOutcome(1, false, 0);
      this.sink.failed(req);
      return;
    }
    this.meterOf(replica.index)?.accepted(this.ctx.sim.nowUs);
    replica.submit(req);
  }

  // --- prefill/decode disaggregation ----------------------------------------------------------

  /** From now on the pools route apart and KV caches move between them. */
  disaggregate(d: Disaggregation): void {
    this.disaggregation = d;
    const streams = `models/${this.spec.name}/${this.regionIndex}`;
    if (d.spec.prefill.router) this.router = createRouter({ spec: d.spec.prefill.router, rng: this.ctx.streams.get(`${streams}/prefill-router`) });
    this.decodeRouter = createRouter({ spec: d.spec.decode.router ?? this.spec.router, rng: this.ctx.streams.get(`${streams}/decode-router`) });
    this.rebuildPools();
  }

  /** Splits the replicas the balancer sends to into the pools (again whenever those change), with the router's views of them. */
  private rebuildPools(): void {
    if (!this.disaggregation) return;
    const pool = (role: "prefill" | "decode") => {
      const ks = this.replicas.map((_, k) => k).filter((k) => (this.replicas[k] as BatchingReplicaLike).role === role);
      return { replicas: ks.map((k) => this.replicas[k] as BatchingReplicaLike), views: ks.map((k) => this.views[k]) };
    };
    this.pools = { prefill: pool("prefill"), decode: pool("decode") };
  }

  /** The decider sends a prompt to the prefill pool (or keeps it whole on a decode replica). */
  private receivePooled(req: number): void {
    const whole = this.keptWhole(req);
    const pool = this.pools![whole ? "decode" : "prefill"];
    const choice = (whole ? this.decodeRouter! : this.router).pick(this.describe(req), pool.views);
    if (choice < 0) this.sink.refused(req, Outcome.rejected);
    else this.sendTo(req, pool.replicas[choice]);
  }

  /** A prefill replica produced the first token: the decode pool's router picks where the rest is made. */
  prefilled(req: number, firstTokenUs: number): void {
    const from = this.ctx.requests.replica[req];
    const pool = this.pools!.decode;
    const choice = this.decodeRouter!.pick(this.describe(req), pool.views);
    this.awaiting.set(req, from);
    // No decode replica to send to: a server error, which the client may retry.
    if (choice < 0) return this.failed(req);
    // The prefill pool is done with it (its first token is its TTFT); the decode pool has it from now on.
    const nowUs = this.ctx.sim.nowUs;
    this.poolMeters.prefill?.completed(firstTokenUs - this.ctx.requests.attemptStartUs[req], nowUs);
    const decode = this.poolMeters.decode;
    decode?.arrived();
    decode?.accepted(nowUs);
    pool.replicas[choice].acceptPrefilled(req, firstTokenUs, from);
  }

  startTransfer(req: number, from: number, to: BatchingReplicaLike, waitedUs: number): number {
    const d = this.disaggregation!;
    const { requests, sim } = this.ctx;
    if (d.stats.covers(sim.nowUs)) d.stats.waitsUs.push(waitedUs);
    const bytes = requests.inputTokens[req] * d.kvBytesPerToken;
    const source = this.serverOfReplica[from];
    const destination = this.serverOfReplica[to.index];
    const capBytesPerUs = d.spec.kv_transfer.bandwidth_gb_per_s * 1e3;
    const startUs = sim.nowUs;
    this.awaiting.delete(req);
    const id = d.transfers.start({
      bytes,
      from: source,
      to: destination,
      capBytesPerUs: source === destination ? Math.min(capBytesPerUs, d.nvlinkBytesPerUs) : capBytesPerUs,
      latencyUs: d.spec.kv_transfer.latency * US_PER_S,
      done: () => {
        this.moving.delete(id);
        (this.all[from] as BatchingReplicaLike).releaseOutgoing(req);
        if (d.stats.covers(startUs)) {
          d.stats.count++;
          d.stats.bytes += bytes;
          d.stats.timesUs.push(sim.nowUs - startUs);
        }
        to.landPrefilled(req);
      },
    });
    this.moving.set(id, { req, from, to, startUs });
    return id;
  }

  cancelTransfer(transfer: number): void {
    const t = this.moving.get(transfer);
    if (!t) return;
    this.moving.delete(transfer);
    (this.all[t.from] as BatchingReplicaLike).releaseOutgoing(t.req);
    this.disaggregation!.transfers.cancel(transfer);
    if (this.disaggregation!.stats.covers(t.startUs)) this.disaggregation!.stats.cancelled++;
  }

  private describe(req: number): RouteRequest {
    this.routeRequest.req = req;
    this.routeRequest.promptTokens = this.ctx.requests.inputTokens[req];
    return this.routeRequest;
  }

  /** A prefilled request that will not move (it failed or was abandoned before its transfer): its prefill replica frees its KV cache. */
  private releaseAwaiting(req: number): void {
    const from = this.awaiting.get(req);
    if (from === undefined) return;
    this.awaiting.delete(req);
    (this.all[from] as BatchingReplicaLike).releaseOutgoing(req);
  }

  /** The client gave up on a request that is still queued or in service here. */
  abandon(req: number): void {
    const { requests, sim } = this.ctx;
    if (this.awaiting.size > 0) this.releaseAwaiting(req);
    this.endMeter(req);
    if (requests.stateOf(req) === RequestState.centralQueue) {
      requests.moveTo(req, RequestState.abandoned);
      this.centralWaiting--;
    } else if (requests.replica[req] >= 0) {
      const i = requests.replica[req];
      this.all[i].abandon(req);
      this.checkDrained(i);
    }
  }

  completed(req: number, firstTokenUs: number): void {
    const i = this.ctx.requests.replica[req];
    const ttftUs = firstTokenUs - this.ctx.requests.attemptStartUs[req];
    this.meterOf(i)?.completed(ttftUs, this.ctx.sim.nowUs);
    this.split?.onOutcome(this.versionOf[i], true, ttftUs);
    this.sink.completed(req, firstTokenUs);
    this.checkDrained(i);
  }

  failed(req: number): void {
    if (this.awaiting.size > 0) this.releaseAwaiting(req);
    const i = this.ctx.requests.replica[req];
    this.endMeter(req);
    if (i >= 0) this.split?.onOutcome(this.versionOf[i], false, 0);
    this.sink.failed(req);
    this.checkDrained(i);
  }

  hasRoom(replica: Replica): void {
    if (this.retired[replica.index]) return this.checkDrained(replica.index);
    while (replica.alive && replica.hasFreeSlot()) {
      const req = this.centralQueue.shift();
      if (req < 0) break;
      this.centralWaiting--;
      replica.submit(req);
    }
  }

  // --- health checks -------------------------------------------------------------------------

  /** Time of this replica's first health check at or after `t`. */
  private nextCheckUs(index: number, t: number): number {
    const intervalUs = this.spec.health_check.interval * US_PER_S;
    const phase = this.checkPhaseUs[index];
    return phase + Math.ceil((t - phase) / intervalUs) * intervalUs;
  }

  replicaDown(replica: Replica): void {
    const i = replica.index;
    // A prefill replica that went down takes the KV caches it was sending with it.
    if (this.disaggregation) {
      for (const t of [...this.moving.values()]) if (t.from === i) t.to.failHandoff(t.req);
      for (const [req, from] of [...this.awaiting]) if (from === i) (this.all[this.ctx.requests.replica[req]] as BatchingReplicaLike).failHandoff(req);
    }
    const epoch = ++this.epoch[i];
    const hc = this.spec.health_check;
    // The first failing check is the next one; the balancer gives up after `unhealthy_threshold` in a row.
    const detectUs = this.nextCheckUs(i, this.ctx.sim.nowUs + 1) + (hc.unhealthy_threshold - 1) * hc.interval * US_PER_S;
    this.ctx.sim.at(detectUs, Priority.control, this.onCheckDown, checkTag(i, epoch));
  }

  replicaUp(replica: Replica): void {
    const i = replica.index;
    const epoch = ++this.epoch[i];
    this.ctx.sim.at(this.nextCheckUs(i, this.ctx.sim.nowUs + 1), Priority.control, this.onCheckUp, checkTag(i, epoch));
  }

  private detectedDown(arg: number): void {
    const i = Math.floor(arg / CHECK_TAG_SPAN);
    if (this.epoch[i] !== arg - i * CHECK_TAG_SPAN) return; // it came back before the checks gave up on it
    if (this.unroute(i)) this.onHealthMark?.("marked_unhealthy", this.all[i]);
  }

  private detectedUp(arg: number): void {
    const i = Math.floor(arg / CHECK_TAG_SPAN);
    if (this.epoch[i] !== arg - i * CHECK_TAG_SPAN) return;
    const replica = this.all[i];
    if (this.retired[i] || this.replicas.includes(replica)) return;
    let k = 0;
    while (k < this.replicas.length && this.replicas[k].index < i) k++;
    this.replicas.splice(k, 0, replica);
    this.views.splice(k, 0, this.viewOf[i]);
    this.split?.rebuild(this.replicas, this.views, this.versionOf);
    this.rebuildPools();
    this.onHealthMark?.("marked_healthy", replica);
    if (this.cold) this.warmedUp();
    this.hasRoom(replica);
  }
}
