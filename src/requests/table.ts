/**
 * The requests in flight, as columns indexed by request id. Ids are recycled when a request ends,
 * so memory follows the number in flight, not the number simulated.
 *
 * Where a request is (its state) changes only through `moveTo`, which refuses a move the lifecycle
 * does not have (BLIS's INV-2): a request cannot, say, start service from nowhere or be freed twice.
 * What a replica knows of a request while serving it (tokens computed, KV blocks) is not here: it
 * belongs to the serving engine (inference/sequences.ts), so a retry simply starts a new sequence.
 *
 * Because every move goes through `moveTo`, the table also splits each request's time into the parts
 * of its latency by the state it spent it in (`LATENCY_PARTS`): the parts add up to its time in the
 * system, and a new part is a new entry there and in `PART_OF_STATE`.
 */
import { widen } from "../engine/columns.js";

export const RequestState = {
  free: 0,
  /** held by no queue and no replica: arriving, between attempts, or answered and about to end */
  unassigned: 1,
  /** waiting in a model's central queue */
  centralQueue: 2,
  /** waiting in a replica's own queue */
  replicaQueue: 3,
  /** being served by a replica */
  inService: 4,
  /** ended (timed out) while still listed in a queue or a batch; its id is recycled when that lets go of it */
  abandoned: 5,
  /** sent to a replica that has died, which the load balancer still believes healthy: waiting for the connection to time out */
  connecting: 6,
  /** waiting out the client's backoff before its next attempt */
  backingOff: 7,
} as const;
export type RequestState = (typeof RequestState)[keyof typeof RequestState];

const STATE_NAMES = ["free", "unassigned", "centralQueue", "replicaQueue", "inService", "abandoned", "connecting", "backingOff"] as const;

/**
 * The parts of a request's time in the system, by where it was: passing the API gateway (and being
 * routed), waiting out client backoffs between attempts, held by the load balancer on a dead replica
 * until the connection timed out, queued (at a replica or in a model's central queue, preemptions
 * included), and in service (every attempt's, a failed one's too). With the client's network round
 * trip they add up to its end-to-end latency.
 */
export const LATENCY_PARTS = ["gateway_s", "backoff_s", "connect_s", "queue_s", "service_s"] as const;
export type LatencyPart = (typeof LATENCY_PARTS)[number];
const PART = Object.fromEntries(LATENCY_PARTS.map((part, i) => [part, i])) as Record<LatencyPart, number>;
/** The part time in each state counts in (by RequestState), -1 for none (free, or already ended). */
const PART_OF_STATE = Int8Array.from([-1, PART.gateway_s, PART.queue_s, PART.queue_s, PART.service_s, -1, PART.connect_s, PART.backoff_s]);
/** 1 for the states in which a request counts as queued (the occupancy's `mean_queued`), by RequestState. */
const QUEUED = Uint8Array.from([0, 0, 1, 1, 0, 0, 0, 0]);

const S = RequestState;
const bits = (...states: RequestState[]): number => states.reduce((mask: number, s) => mask | (1 << s), 0);
/**
 * The legal moves, by state of origin. Ending (to `free`) is legal from anywhere a request is not
 * listed in a queue that would still hand it out: queued requests are abandoned first, or their
 * queue was emptied (a replica failing) before they end.
 */
const LEGAL_MOVES: readonly number[] = [
  /* free */ bits(S.unassigned),
  /* unassigned: queued, started, connecting to a dead replica, retried before reaching one, backing off, or ended */ bits(S.centralQueue, S.replicaQueue, S.inService, S.connecting, S.unassigned, S.backingOff, S.free),
  /* centralQueue */ bits(S.replicaQueue, S.inService, S.connecting, S.abandoned),
  /* replicaQueue: admitted, abandoned, or lost with its replica (retried or ended) */ bits(S.inService, S.abandoned, S.unassigned, S.free),
  /* inService: preempted, answered, abandoned, or lost with its replica */ bits(S.replicaQueue, S.unassigned, S.abandoned, S.free),
  /* abandoned */ bits(S.free),
  /* connecting: the connection timed out (retried or ended), or the client gave up first */ bits(S.unassigned, S.free),
  /* backingOff: the next attempt, or the client gave up first */ bits(S.unassigned, S.free),
];

export class IllegalTransitionError extends Error {}

export class RequestTable {
  /** order of creation over the whole run (ids are recycled, serials are not) */
  serial = new Float64Array(0);
  tenant = new Int32Array(0);
  /** statistics group the request is counted in (see Recorder) */
  scope = new Int32Array(0);
  model = new Int32Array(0);
  arrivalUs = new Float64Array(0);
  inputTokens = new Int32Array(0);
  outputTokens = new Int32Array(0);
  /** when service started (the request left its queue), -1 before */
  startUs = new Float64Array(0);
  replica = new Int32Array(0);
  /** the model service (model in a region) handling it */
  service = new Int32Array(0);
  /** client-region round trip, added to what the client sees */
  rttUs = new Float64Array(0);
  /** prompt tokens served from a prefix cache (billed at the cached price) */
  cachedTokens = new Int32Array(0);
  /** the batch job the request is a record of (an index into its model's job board), -1 for none */
  job = new Int32Array(0);
  /** 1 while the current attempt runs under its tenant's reserved capacity (served first, billed by the hour) */
  reserved = new Uint8Array(0);
  /** which of its tenant's prefix variants the request starts with (-1: none drawn); billed prompt caching keys its ledger on it */
  prefixVariant = new Int32Array(0);
  /** attempts so far (1 + retries) */
  attempts = new Int32Array(0);
  /** retry-quota tokens its last retry took (given back if it then succeeds) */
  lastRetryCost = new Int32Array(0);
  /** where each request is (RequestState): read with `stateOf`, changed only by `moveTo` */
  private states = new Uint8Array(0);
  /** 1 if the request arrived after the warm-up and counts in the statistics */
  measured = new Uint8Array(0);
  /** service demand sampled at arrival (queue engine), so every variant of a scenario sees the same work */
  workUs = new Float64Array(0);
  /** pending timeout event handle, -1 if none */
  timeoutEvent = new Float64Array(0);
  /** pending service-completion (or connection-timeout) event handle, -1 if none */
  serviceEvent = new Float64Array(0);
  /** pending front-end timer (gateway overhead, retry backoff), -1 if none */
  frontEvent = new Float64Array(0);
  /** pending per-attempt timeout, -1 if none */
  attemptTimeoutEvent = new Float64Array(0);
  /** when the current attempt reached its region's load balancer */
  attemptStartUs = new Float64Array(0);
  /** keys of the prompt's prefix units (Mooncake hash ids or a tenant's shared prefix), for prefix caching */
  prefixKeys: (Int32Array | undefined)[] = [];
  /** when the request entered its current state */
  private sinceUs = new Float64Array(0);
  /** microseconds spent in each latency part so far, by LATENCY_PARTS index */
  partUs: Float64Array[] = LATENCY_PARTS.map(() => new Float64Array(0));
  /** the simulation's clock, read at every move (a table without one counts no time) */
  clock: { readonly nowUs: number } = { nowUs: 0 };
  /** told when a move takes a request into a queue (+1) or out of one (-1): the recorder's queue occupancy */
  onQueued?: (req: number, delta: number) => void;

  private free: number[] = [];
  private capacity = 0;
  inFlight = 0;
  /** requests created so far */
  created = 0;

  constructor(initialCapacity = 1024) {
    this.grow(initialCapacity);
  }

  /** A new request, `unassigned`. */
  allocate(): number {
    if (this.free.length === 0) this.grow(this.capacity * 2);
    const id = this.free.pop()!;
    this.inFlight++;
    this.serial[id] = this.created++;
    this.startUs[id] = -1;
    this.timeoutEvent[id] = -1;
    this.frontEvent[id] = -1;
    this.attemptTimeoutEvent[id] = -1;
    this.prefixKeys[id] = undefined;
    this.rttUs[id] = 0;
    this.attempts[id] = 1;
    this.lastRetryCost[id] = 0;
    this.service[id] = -1;
    this.job[id] = -1;
    this.reserved[id] = 0;
    for (const part of this.partUs) part[id] = 0;
    this.forgetAttempt(id);
    this.moveTo(id, RequestState.unassigned);
    return id;
  }

  /** The only way a request changes state; throws on a move its lifecycle does not have. */
  moveTo(req: number, to: RequestState): void {
    const from = this.states[req] as RequestState;
    if ((LEGAL_MOVES[from] & (1 << to)) === 0) {
      throw new IllegalTransitionError(`request ${this.serial[req]} cannot move from ${STATE_NAMES[from]} to ${STATE_NAMES[to]}`);
    }
    this.states[req] = to;
    const nowUs = this.clock.nowUs;
    const part = PART_OF_STATE[from];
    if (part >= 0) this.partUs[part][req] += nowUs - this.sinceUs[req];
    this.sinceUs[req] = nowUs;
    const queued = QUEUED[to] - QUEUED[from];
    if (queued !== 0) this.onQueued?.(req, queued);
  }

  /** Microseconds `req` has spent in a latency part so far, the current state's time included. */
  partSoFarUs(req: number, part: number): number {
    const current = PART_OF_STATE[this.states[req]] === part ? this.clock.nowUs - this.sinceUs[req] : 0;
    return this.partUs[part][req] + current;
  }

  stateOf(req: number): RequestState {
    return this.states[req] as RequestState;
  }

  /** Ids in use or free: every request in flight has an id below this. */
  get idLimit(): number {
    return this.capacity;
  }

  /** The client sends the request again after a server error: a new attempt, held by nothing yet. */
  retry(req: number): void {
    this.attempts[req]++;
    this.forgetAttempt(req);
    this.moveTo(req, RequestState.unassigned);
  }

  /**
   * The client gives up on an attempt still listed at a service and will send the request again: the
   * request moves to a new id (same serial, arrival, tokens, attempts), and the old id is left
   * `abandoned` for whoever holds it to free. Timers keyed by the old id are the caller's to move.
   */
  detach(req: number): number {
    const next = this.allocate();
    this.job[next] = this.job[req];
    this.reserved[next] = this.reserved[req];
    this.prefixVariant[next] = this.prefixVariant[req];
    this.created--; // the same request, not a new one
    this.serial[next] = this.serial[req];
    this.tenant[next] = this.tenant[req];
    this.scope[next] = this.scope[req];
    this.model[next] = this.model[req];
    this.arrivalUs[next] = this.arrivalUs[req];
    this.inputTokens[next] = this.inputTokens[req];
    this.outputTokens[next] = this.outputTokens[req];
    this.startUs[next] = this.startUs[req];
    this.rttUs[next] = this.rttUs[req];
    this.attempts[next] = this.attempts[req];
    this.lastRetryCost[next] = this.lastRetryCost[req];
    this.measured[next] = this.measured[req];
    this.workUs[next] = this.workUs[req];
    this.prefixKeys[next] = this.prefixKeys[req];
    // The time so far carries over; the old id's current state counts up to now.
    for (let part = 0; part < this.partUs.length; part++) this.partUs[part][next] = this.partSoFarUs(req, part);
    this.sinceUs[req] = this.clock.nowUs;
    this.timeoutEvent[req] = -1;
    return next;
  }

  /** The request has ended: its id goes back to the pool. */
  release(id: number): void {
    this.moveTo(id, RequestState.free);
    this.prefixKeys[id] = undefined;
    this.free.push(id);
    this.inFlight--;
  }

  /** Clears what belonged to one attempt at serving the request. */
  private forgetAttempt(id: number): void {
    this.cachedTokens[id] = 0;
    this.replica[id] = -1;
    this.service[id] = -1;
    this.serviceEvent[id] = -1;
  }

  private grow(capacity: number): void {
    this.serial = widen(this.serial, capacity);
    this.tenant = widen(this.tenant, capacity);
    this.scope = widen(this.scope, capacity);
    this.model = widen(this.model, capacity);
    this.arrivalUs = widen(this.arrivalUs, capacity);
    this.inputTokens = widen(this.inputTokens, capacity);
    this.outputTokens = widen(this.outputTokens, capacity);
    this.startUs = widen(this.startUs, capacity);
    this.replica = widen(this.replica, capacity);
    this.service = widen(this.service, capacity);
    this.rttUs = widen(this.rttUs, capacity);
    this.cachedTokens = widen(this.cachedTokens, capacity);
    this.job = widen(this.job, capacity);
    this.reserved = widen(this.reserved, capacity);
    this.prefixVariant = widen(this.prefixVariant, capacity);
    this.attempts = widen(this.attempts, capacity);
    this.lastRetryCost = widen(this.lastRetryCost, capacity);
    this.states = widen(this.states, capacity);
    this.measured = widen(this.measured, capacity);
    this.workUs = widen(this.workUs, capacity);
    this.timeoutEvent = widen(this.timeoutEvent, capacity);
    this.serviceEvent = widen(this.serviceEvent, capacity);
    this.frontEvent = widen(this.frontEvent, capacity);
    this.attemptTimeoutEvent = widen(this.attemptTimeoutEvent, capacity);
    this.attemptStartUs = widen(this.attemptStartUs, capacity);
    this.sinceUs = widen(this.sinceUs, capacity);
    this.partUs = this.partUs.map((part) => widen(part, capacity));
    this.prefixKeys.length = capacity;
    // Hand out low ids first (pop takes from the end).
    for (let id = capacity - 1; id >= this.capacity; id--) this.free.push(id);
    this.capacity = capacity;
  }
}
