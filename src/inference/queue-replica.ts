/**
 * The `queue` engine: each replica has `concurrency` slots and a FIFO queue; a request holds one
 * slot for its service time, drawn at arrival from the model's service-time distribution.
 */
import { Priority, secondsToUs } from "../engine/index.js";
import type { EngineSpec } from "../scenario/schema.js";
import type { SimContext } from "../requests/context.js";
import { makeSampler } from "../workload/distributions.js";
import { RequestQueue } from "../requests/queue.js";
import { TierLine, type TierOrder } from "../requests/tiers.js";
import { RequestState } from "../requests/table.js";
import { ReplicaBase, type Replica, type ReplicaHost, type ServingEngine } from "./replica.js";

type QueueEngineSpec = Extract<EngineSpec, { kind: "queue" }>;

export class QueueEngine implements ServingEngine {
  private readonly serviceTimeS: () => number;

  constructor(
    private readonly spec: QueueEngineSpec,
    private readonly ctx: SimContext,
    modelName: string,
    /** service tiers, when the model's tenants span several: the queue takes requests by tier */
    readonly tiers?: TierOrder,
  ) {
    this.serviceTimeS = makeSampler(spec.service_time, ctx.streams.get(`models/${modelName}/service_time`), ctx.data);
  }

  prepare(req: number): void {
    this.ctx.requests.workUs[req] = secondsToUs(this.serviceTimeS());
  }

  accepts(): boolean {
    return true;
  }

  createReplica(index: number, host: ReplicaHost): Replica {
    return new QueueReplica(index, this.spec.concurrency, host, this.tiers);
  }
}

export class QueueReplica extends ReplicaBase implements Replica {
  private busy = 0;
  private readonly queue: RequestQueue | TierLine;
  private readonly onServiceDone = (req: number) => this.finish(req);

  constructor(
    index: number,
    private readonly concurrency: number,
    host: ReplicaHost,
    tiers?: TierOrder,
  ) {
    super(index, host);
    this.queue = tiers ? new TierLine(host.ctx.requests, tiers) : new RequestQueue(host.ctx.requests);
  }

  hasFreeSlot(): boolean {
    return this.busy + this.connecting < this.concurrency;
  }

  kvLoad(): number {
    return this.outstanding / this.concurrency;
  }

  prefixMatchTokens(): number {
    return 0;
  }

  private tokensOf(req: number): number {
    const r = this.host.ctx.requests;
    return r.inputTokens[req] + r.outputTokens[req];
  }

  submit(req: number): void {
    const { requests } = this.host.ctx;
    if (!this.takeIn(req)) return;
    if (this.busy < this.concurrency) {
      this.start(req);
    } else {
      requests.moveTo(req, RequestState.replicaQueue);
      this.queue.push(req);
      this.waiting++;
    }
  }

  abandon(req: number): void {
    if (this.dropConnecting(req)) return;
    const { requests, sim } = this.host.ctx;
    this.outstanding--;
    this.outstandingTokens -= this.tokensOf(req);
    if (requests.stateOf(req) === RequestState.replicaQueue) {
      // Left in the FIFO and skipped (and its id recycled) when the queue reaches it.
      requests.moveTo(req, RequestState.abandoned);
      this.waiting--;
    } else {
      sim.cancel(requests.serviceEvent[req]);
      this.busy--;
      requests.release(req);
      this.startWaiting();
    }
  }

  fail(): void {
    const { requests, sim } = this.host.ctx;
    this.alive = false;
    const lost: number[] = [];
    for (let req = 0; req < requests.idLimit; req++) {
      if (requests.replica[req] !== this.index || requests.service[req] !== this.host.serviceId) continue;
      const state = requests.stateOf(req);
      if (state === RequestState.inService) {
        sim.cancel(requests.serviceEvent[req]);
        requests.serviceEvent[req] = -1;
        lost.push(req);
      } else if (state === RequestState.replicaQueue) lost.push(req);
    }
    this.queue.clear(() => {}); // the live ones are in `lost` already
    this.waiting = 0;
    this.busy = 0;
    // Requests still connecting from an earlier death keep counting until their connections time out.
    this.outstanding = this.connecting;
    this.outstandingTokens = this.connectingTokens;
    for (const req of lost) this.host.failed(req);
  }

  private start(req: number): void {
    const { requests, sim } = this.host.ctx;
    this.busy++;
    requests.moveTo(req, RequestState.inService);
    this.host.started(req);
    requests.serviceEvent[req] = sim.after(requests.workUs[req], Priority.completion, this.onServiceDone, req);
  }

  private finish(req: number): void {
    this.busy--;
    this.outstanding--;
    this.outstandingTokens -= this.tokensOf(req);
    this.host.ctx.requests.serviceEvent[req] = -1;
    // A generic service answers in one piece: its first byte is its last.
    this.host.completed(req, this.host.ctx.sim.nowUs);
    this.startWaiting();
  }

  private startWaiting(): void {
    while (this.busy < this.concurrency) {
      const req = this.queue.shift();
      if (req < 0) break;
      this.waiting--;
      this.start(req);
    }
    if (this.busy < this.concurrency) this.host.hasRoom(this);
  }
}
