/**
 * A deployed model: its replicas, its load balancer and (for `central_queue`) the queue in front of
 * them. Requests come in from the front end; outcomes go back to it.
 */
import { IntFifo } from "../engine/index.js";
import type { Replica, ReplicaHost, ServingEngine } from "../inference/replica.js";
import type { ModelSpec } from "../scenario/schema.js";
import type { SimContext } from "../workload/context.js";
import { Outcome } from "../workload/outcomes.js";
import { RequestState } from "../workload/requests.js";
import { createRouter, HOLD, NO_REPLICA, type Router } from "./routers/index.js";

/** Where a model service hands requests that are done, one way or another. */
export interface RequestSink {
  completed(req: number, firstTokenUs: number): void;
  refused(req: number, outcome: Outcome): void;
}

export class ModelService implements ReplicaHost {
  /** replicas that may receive traffic, in a stable order */
  readonly replicas: Replica[] = [];
  private readonly router: Router;
  private readonly centralQueue = new IntFifo();
  private centralWaiting = 0;
  private readonly maxQueue: number;

  constructor(
    readonly ctx: SimContext,
    readonly index: number,
    readonly spec: ModelSpec,
    private readonly engine: ServingEngine,
    private readonly sink: RequestSink,
  ) {
    this.maxQueue = spec.router.max_queue ?? Infinity;
    this.router = createRouter({
      spec: spec.router,
      replicas: this.replicas,
      rng: ctx.streams.get(`models/${spec.name}/router`),
      ctx,
    });
    for (let i = 0; i < spec.replicas.initial; i++) this.replicas.push(engine.createReplica(i, this));
  }

  /** Requests waiting in the central queue or at replicas. */
  get waiting(): number {
    let total = this.centralWaiting;
    for (const replica of this.replicas) total += replica.waiting;
    return total;
  }

  receive(req: number): void {
    if (!this.engine.accepts(req)) {
      this.sink.refused(req, Outcome.rejected);
      return;
    }
    this.engine.prepare(req);
    const choice = this.router.pick(req);
    if (choice === NO_REPLICA) {
      this.sink.refused(req, Outcome.rejected);
    } else if (choice === HOLD) {
      if (this.centralWaiting >= this.maxQueue) {
        this.sink.refused(req, Outcome.rejected);
        return;
      }
      const { requests, lifecycle, sim } = this.ctx;
      requests.state[req] = RequestState.centralQueue;
      this.centralQueue.push(req);
      this.centralWaiting++;
      lifecycle.queueChanged(1, sim.nowUs);
    } else {
      const replica = this.replicas[choice];
      if (!replica.hasFreeSlot() && replica.waiting >= this.maxQueue) this.sink.refused(req, Outcome.rejected);
      else replica.submit(req);
    }
  }

  /** The client gave up on a request that is still queued or in service here. */
  abandon(req: number): void {
    const { requests, lifecycle, sim } = this.ctx;
    if (requests.state[req] === RequestState.centralQueue) {
      requests.state[req] = RequestState.abandoned;
      this.centralWaiting--;
      lifecycle.queueChanged(-1, sim.nowUs);
    } else {
      this.replicas[requests.replica[req]].abandon(req);
    }
  }

  completed(req: number, firstTokenUs: number): void {
    this.sink.completed(req, firstTokenUs);
  }

  hasRoom(replica: Replica): void {
    const { requests, lifecycle, sim } = this.ctx;
    while (this.centralQueue.length > 0 && replica.hasFreeSlot()) {
      const req = this.centralQueue.shift();
      if (requests.state[req] === RequestState.abandoned) {
        requests.release(req);
        continue;
      }
      this.centralWaiting--;
      lifecycle.queueChanged(-1, sim.nowUs);
      replica.submit(req);
    }
  }
}
