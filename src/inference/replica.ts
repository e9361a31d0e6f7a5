/** The contract between a model's load balancer and its replicas, whatever their serving engine. */
import type { TierOrder } from "../requests/tiers.js";
import { Priority } from "../engine/index.js";
import { RequestState } from "../requests/table.js";
import type { ReplicaSummary } from "../metrics/replica-summary.js";
import type { SimContext } from "../requests/context.js";

/** What a replica reports back to the service that owns it. */
export interface ReplicaHost {
  readonly ctx: SimContext;
  /** identifies the host's requests (RequestTable.service) */
  readonly serviceId: number;
  /** how long a request sent to a dead replica waits for its connection before failing, microseconds */
  readonly connectTimeoutUs: number;
  /** The request's current attempt started service here (left its queue for the first time in this attempt). */
  started(req: number): void;
  /** The request produced its whole response; the host records it and frees the request. */
  completed(req: number, firstTokenUs: number): void;
  /** The replica could start another request now (a central queue may hand it one). */
  hasRoom(replica: Replica): void;
  /** The request failed on this replica (it went down, or was already down): a server error. */
  failed(req: number): void;
  /** Disaggregation: a prefill replica computed the request's prompt and first token; its KV cache goes to a decode replica. */
  prefilled?(req: number, firstTokenUs: number): void;
  /** Disaggregation: `to` holds the KV blocks of `req` (from the prefill replica `from`), after waiting `waitedUs` for them: move them; returns the transfer's id. */
  startTransfer?(req: number, from: number, to: BatchingReplicaLike, waitedUs: number): number;
  /** Disaggregation: the transfer of `req` is void (its decode replica dropped it). */
  cancelTransfer?(transfer: number): void;
}

/** What a disaggregated model's service asks of a decode replica. */
export interface BatchingReplicaLike extends Replica {
  role: "whole" | "prefill" | "decode";
  /** At a prefill replica: the KV cache of `req`, handed on from here, has arrived or will not; its blocks are free. */
  releaseOutgoing(req: number): void;
  /** Its prefilled request's KV cache cannot come (its prefill replica went down): the request fails. */
  failHandoff(req: number): void;
  /** Takes a prefilled request: waits for its KV blocks, then has its KV cache moved in from replica `from`. */
  acceptPrefilled(req: number, firstTokenUs: number, from: number): void;
  /** Its KV cache is here: it decodes from now on. */
  landPrefilled(req: number): void;
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
  /** its iteration times relative to the model's latency model (a rolled-out version may be slower) */
  latencyFactor: number;
  /** What it measured over the measurement window (engines that keep per-replica statistics). */
  summary?(windowS: number): ReplicaSummary;
  /** Told when an iteration starts (busy, with the share of its time its FLOPs need at full tensor throughput) or the replica goes idle; the fleet meters power with it. */
  onPower?: (computeShare: number, busy: boolean) => void;
}

/** A serving engine: samples each request's demand on arrival and builds replicas. */
export interface ServingEngine {
  /** Called once per request routed to this model, in arrival order. */
  prepare(req: number): void;
  /** False for a request no replica could ever serve (longer than the context or the KV cache). */
  accepts(req: number): boolean;
  createReplica(index: number, host: ReplicaHost): Replica;
  /** service tiers, when the model's tenants span several (a central queue in front takes requests by them too) */
  readonly tiers?: TierOrder;
}

/** The counts every replica keeps for routers and the fleet, and the first step of taking a request in. */
export abstract class ReplicaBase {
  alive = true;
  latencyFactor = 1;
  onPower?: (computeShare: number, busy: boolean) => void;
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

  /** requests sent here while it is down, waiting for their connection to time out */
  connecting = 0;
  /** their prompt tokens, and prompt plus output tokens */
  protected connectingPromptTokens = 0;
  protected connectingTokens = 0;
  private readonly onConnectTimeout = (req: number) => this.connectTimedOut(req);

  /**
   * Counts `req` as outstanding here. False if the replica is down: then, like a load balancer's
   * connection to a dead target, the request waits out the connect timeout before failing (a 504),
   * and counts as outstanding meanwhile, so load-based routers do not take the dead replica for idle.
   */
  protected takeIn(req: number): boolean {
    const { requests, sim } = this.host.ctx;
    const tokens = requests.inputTokens[req] + requests.outputTokens[req];
    this.outstanding++;
    this.outstandingTokens += tokens;
    requests.replica[req] = this.index;
    if (this.alive) return true;
    this.connecting++;
    this.connectingPromptTokens += requests.inputTokens[req];
    this.connectingTokens += tokens;
    requests.moveTo(req, RequestState.connecting);
    requests.serviceEvent[req] = sim.after(this.host.connectTimeoutUs, Priority.completion, this.onConnectTimeout, req);
    return false;
  }

  /** The client gave up on `req`: if it was still connecting here, it is dropped and freed (true). */
  protected dropConnecting(req: number): boolean {
    const { requests, sim } = this.host.ctx;
    if (requests.stateOf(req) !== RequestState.connecting) return false;
    sim.cancel(requests.serviceEvent[req]);
    this.forgetConnecting(req);
    requests.release(req);
    return true;
  }

  private connectTimedOut(req: number): void {
    this.forgetConnecting(req);
    this.host.failed(req);
  }

  private forgetConnecting(req: number): void {
    const requests = this.host.ctx.requests;
    requests.serviceEvent[req] = -1;
    const tokens = requests.inputTokens[req] + requests.outputTokens[req];
    this.outstanding--;
    this.outstandingTokens -= tokens;
    this.connecting--;
    this.connectingPromptTokens -= requests.inputTokens[req];
    this.connectingTokens -= tokens;
  }
}
