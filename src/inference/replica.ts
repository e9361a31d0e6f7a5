/** The contract between a model's load balancer and its replicas, whatever their serving engine. */
import type { ReplicaSummary } from "./replica-stats.js";
import type { SimContext } from "../requests/context.js";

/** What a replica reports back to the service that owns it. */
export interface ReplicaHost {
  readonly ctx: SimContext;
  /** identifies the host's requests (RequestTable.service) */
  readonly serviceId: number;
  /** The request produced its whole response; the host records it and frees the request. */
  completed(req: number, firstTokenUs: number): void;
  /** The replica could start another request now (a central queue may hand it one). */
  hasRoom(replica: Replica): void;
  /** The request failed on this replica (it went down, or was already down): a server error. */
  failed(req: number): void;
}

export interface Replica {
  /** position in its model's replica list */
  readonly index: number;
  /** requests in service or waiting at this replica */
  outstanding: number;
  /** requests waiting at this replica */
  waiting: number;
  /** true when a request submitted now would start at once */
  hasFreeSlot(): boolean;
  /** tokens still to process for its requests: prompt tokens not yet computed plus output tokens not yet generated */
  outstandingTokens: number;
  /** share of its KV cache in use or wanted by its waiting requests (0 for engines without one) */
  kvLoad(): number;
  /** prompt tokens of `req` it already holds in its prefix cache */
  prefixMatchTokens(req: number): number;
  /** Starts the request, or queues it here. */
  submit(req: number): void;
  /** The client gave up on the request: drop it from the queue or stop serving it. */
  abandon(req: number): void;
  /** False while the replica is down: requests sent to it fail at once. */
  readonly alive: boolean;
  /** It went down: every request it holds fails, its state (KV cache included) is lost. */
  fail(): void;
  /** It serves again, empty. */
  restart(): void;
  /** What it measured over the measurement window (engines that keep per-replica statistics). */
  summary?(windowS: number): ReplicaSummary;
  /** Told when an iteration starts (busy, with this share of prompt work) or the replica goes idle; the fleet meters power with it. */
  onPower?: (fractionPrompt: number, busy: boolean) => void;
}

/** A serving engine: samples each request's demand on arrival and builds replicas. */
export interface ServingEngine {
  /** Called once per request routed to this model, in arrival order. */
  prepare(req: number): void;
  /** False for a request no replica could ever serve (longer than the context or the KV cache). */
  accepts(req: number): boolean;
  createReplica(index: number, host: ReplicaHost): Replica;
}

/** The counts every replica keeps for routers and the fleet, and the first step of taking a request in. */
export abstract class ReplicaBase {
  alive = true;
  onPower?: (fractionPrompt: number, busy: boolean) => void;
  outstanding = 0;
  waiting = 0;
  outstandingTokens = 0;

  constructor(
    readonly index: number,
    protected readonly host: ReplicaHost,
  ) {}

  restart(): void {
    this.alive = true;
  }

  /** Counts `req` as outstanding here; false if the replica is down, the request having failed at once. */
  protected takeIn(req: number): boolean {
    if (!this.alive) {
      this.host.failed(req);
      return false;
    }
    const requests = this.host.ctx.requests;
    this.outstanding++;
    this.outstandingTokens += requests.inputTokens[req] + requests.outputTokens[req];
    requests.replica[req] = this.index;
    return true;
  }
}
