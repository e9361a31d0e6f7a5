/**
 * The requests in flight, as columns indexed by request id. Ids are recycled when a request ends,
 * so memory follows the number in flight, not the number simulated.
 */

export const RequestState = {
  free: 0,
  /** waiting in a model's central queue */
  centralQueue: 1,
  /** waiting in a replica's own queue */
  replicaQueue: 2,
  /** being served by a replica */
  inService: 3,
  /** ended (timed out) while still listed in a queue; its id is recycled when the queue reaches it */
  abandoned: 4,
  /** allocated, not yet queued or in service */
  arriving: 5,
} as const;

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
  /** attempts so far (1 + retries) */
  attempts = new Int32Array(0);
  state = new Uint8Array(0);
  /** 1 if the request arrived after the warm-up and counts in the statistics */
  measured = new Uint8Array(0);
  /** service demand sampled at arrival (queue engine), so every variant of a scenario sees the same work */
  workUs = new Float64Array(0);
  /** pending timeout event handle, -1 if none */
  timeoutEvent = new Float64Array(0);
  /** pending service-completion event handle, -1 if none */
  serviceEvent = new Float64Array(0);
  /** keys of the prompt's prefix units (Mooncake hash ids or a tenant's shared prefix), for prefix caching */
  prefixKeys: (Float64Array | undefined)[] = [];
  // LLM serving progress (continuous-batching replicas)
  /** tokens whose KV is in the cache (prompt, then generated tokens) */
  computed = new Int32Array(0);
  /** output tokens produced so far */
  generated = new Int32Array(0);
  /** 1 once the prompt is prefilled and the sequence produces a token per iteration */
  decoding = new Uint8Array(0);
  /** private KV blocks held */
  blocks = new Int32Array(0);
  /** KV blocks of the shared prefix units it uses (pinned.length x blocks per unit) */
  sharedBlocks = new Int32Array(0);
  /** tokens scheduled for the iteration in progress */
  chunk = new Int32Array(0);
  firstTokenUs = new Float64Array(0);
  lastTokenUs = new Float64Array(0);
  /** when the request reached its replica */
  submitUs = new Float64Array(0);
  /** prefix units this request uses in its replica's cache */
  pinned: (number[] | undefined)[] = [];

  private free: number[] = [];
  private capacity = 0;
  inFlight = 0;
  /** requests created so far */
  created = 0;

  constructor(initialCapacity = 1024) {
    this.grow(initialCapacity);
  }

  allocate(): number {
    if (this.free.length === 0) this.grow(this.capacity * 2);
    const id = this.free.pop()!;
    this.inFlight++;
    this.serial[id] = this.created++;
    this.startUs[id] = -1;
    this.timeoutEvent[id] = -1;
    this.prefixKeys[id] = undefined;
    this.rttUs[id] = 0;
    this.attempts[id] = 1;
    this.service[id] = -1;
    this.resetProgress(id);
    return id;
  }

  /** Clears serving progress so the request can be sent again (a client retry). */
  resetProgress(id: number): void {
    this.computed[id] = 0;
    this.generated[id] = 0;
    this.decoding[id] = 0;
    this.blocks[id] = 0;
    this.sharedBlocks[id] = 0;
    this.chunk[id] = 0;
    this.firstTokenUs[id] = -1;
    this.cachedTokens[id] = 0;
    this.pinned[id] = undefined;
    this.replica[id] = -1;
    this.serviceEvent[id] = -1;
    this.state[id] = RequestState.arriving;
  }

  release(id: number): void {
    this.state[id] = RequestState.free;
    this.prefixKeys[id] = undefined;
    this.pinned[id] = undefined;
    this.free.push(id);
    this.inFlight--;
  }

  private grow(capacity: number): void {
    const widen = <T extends Int32Array | Float64Array | Uint8Array>(old: T, make: new (n: number) => T): T => {
      const next = new make(capacity);
      next.set(old);
      return next;
    };
    this.serial = widen(this.serial, Float64Array);
    this.tenant = widen(this.tenant, Int32Array);
    this.scope = widen(this.scope, Int32Array);
    this.model = widen(this.model, Int32Array);
    this.arrivalUs = widen(this.arrivalUs, Float64Array);
    this.inputTokens = widen(this.inputTokens, Int32Array);
    this.outputTokens = widen(this.outputTokens, Int32Array);
    this.startUs = widen(this.startUs, Float64Array);
    this.replica = widen(this.replica, Int32Array);
    this.service = widen(this.service, Int32Array);
    this.rttUs = widen(this.rttUs, Float64Array);
    this.cachedTokens = widen(this.cachedTokens, Int32Array);
    this.attempts = widen(this.attempts, Int32Array);
    this.state = widen(this.state, Uint8Array);
    this.measured = widen(this.measured, Uint8Array);
    this.workUs = widen(this.workUs, Float64Array);
    this.timeoutEvent = widen(this.timeoutEvent, Float64Array);
    this.serviceEvent = widen(this.serviceEvent, Float64Array);
    this.computed = widen(this.computed, Int32Array);
    this.generated = widen(this.generated, Int32Array);
    this.decoding = widen(this.decoding, Uint8Array);
    this.blocks = widen(this.blocks, Int32Array);
    this.sharedBlocks = widen(this.sharedBlocks, Int32Array);
    this.chunk = widen(this.chunk, Int32Array);
    this.firstTokenUs = widen(this.firstTokenUs, Float64Array);
    this.lastTokenUs = widen(this.lastTokenUs, Float64Array);
    this.submitUs = widen(this.submitUs, Float64Array);
    this.prefixKeys.length = capacity;
    this.pinned.length = capacity;
    // Hand out low ids first (pop takes from the end).
    for (let id = capacity - 1; id >= this.capacity; id--) this.free.push(id);
    this.capacity = capacity;
  }
}
