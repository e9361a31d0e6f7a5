/**
 * A tenant's request source: draws arrival times and token lengths from the tenant's own random
 * streams and creates requests. Open-loop tenants keep exactly one arrival event pending; closed-loop
 * tenants keep one per user, and a user's next request follows the end of the previous one.
 */
import type { BatchJob, JobBoard } from "./batch-jobs.js";
import { Priority, secondsToUs, US_PER_S } from "../engine/index.js";
import type { TenantSpec } from "../scenario/schema.js";
import { makeArrivalProcess, type ArrivalProcess } from "./arrivals.js";
import type { SimContext } from "../requests/context.js";
import { makeSampler, makeTokenSampler, type Sampler } from "./distributions.js";
import { hashIdRange, type Trace } from "./trace.js";

/** Defaults when a tenant gives no lengths: lognormal fits of the Azure LLM inference trace 2023 (conversation). */
export const DEFAULT_INPUT_TOKENS = { dist: "lognormal", mean: 1155, cv: 0.96 } as const;
export const DEFAULT_OUTPUT_TOKENS = { dist: "lognormal", mean: 211, cv: 0.77 } as const;

/** Prefix-cache keys are 0 .. PREFIX_KEYS - 1, so they fit an Int32Array (and V8's small integers). */
export const PREFIX_KEYS = 2 ** 31;

/**
 * Hands out ranges of prefix-cache keys, so the keys of different tenants never collide and stay small
 * integers: a tenant's shared prefix takes a key per KV block, and small integer keys keep the
 * cache's lookups fast (keys above 2^31 made runs with long shared prefixes a third slower; the
 * cache indexes an array by the smallest keys).
 */
export class PrefixKeySpace {
  private next = 0;

  /** `count` fresh consecutive keys; returns the first. Throws if they would not all be below PREFIX_KEYS (scenario validation checks this first). */
  reserve(count: number): number {
    const first = this.next;
    if (count > PREFIX_KEYS - first) throw new RangeError(`prefix-cache keys: ${first + count} needed, more than the ${PREFIX_KEYS} that fit in 32 bits`);
    this.next += count;
    return first;
  }
}

export interface TenantWiring {
  tenantIndex: number;
  modelIndex: number;
  warmupUs: number;
  /** the run's arrivals stop at this time (the tenant's own `stop` may end them earlier) */
  endUs: number;
  trace?: Trace;
  /** tokens per prefix-cache unit of the tenant's model (0: the model has no prefix cache) */
  prefixUnitTokens: number;
  /** where the tenant's prefix-cache keys come from (shared by all tenants of a run) */
  prefixKeys: PrefixKeySpace;
  submit(req: number): void;
  /** where a batch-job tenant submits its jobs */
  jobs?: JobBoard;
}

export class TenantSource {
  private readonly arrivals?: ArrivalProcess;
  private readonly inputTokens?: Sampler;
  private readonly outputTokens?: Sampler;
  /** the tenant's max_tokens: no response is longer */
  private readonly maxTokens?: number;
  private readonly thinkTimeS?: Sampler;
  private readonly variantRng?: () => number;
  private readonly prefixKeysByVariant?: Int32Array[];
  private readonly traceKeys?: (Int32Array | undefined)[];
  /** the key of a trace's hash id 0 */
  private traceKeyBase = 0;
  private readonly onArrival = () => this.arrive();
  private readonly onSubmit = (k: number) => {
    const a = this.spec.arrival as Extract<TenantSpec["arrival"], { kind: "batch_job" }>;
    this.wiring.jobs!.submit(this.wiring.tenantIndex, this.wiring.modelIndex, a.jobs[k].records, secondsToUs(a.completion_window));
  };
  /** the tenant sends requests in [startUs, stopUs): its own window within the run's */
  private readonly startUs: number;
  private readonly stopUs: number;
  generated = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly spec: TenantSpec,
    private readonly wiring: TenantWiring,
  ) {
    this.startUs = secondsToUs(spec.start ?? 0);
    this.stopUs = Math.min(wiring.endUs, spec.stop === undefined ? Infinity : secondsToUs(spec.stop));
    const stream = (what: string) => ctx.streams.get(`workload/${spec.name}/${what}`);
    const arrival = spec.arrival;
    if (arrival.kind === "closed_loop") this.thinkTimeS = makeSampler(arrival.think_time, stream("think_time"), ctx.data);
    else if (arrival.kind !== "batch_job") this.arrivals = makeArrivalProcess(arrival, stream("arrivals"), wiring.trace);
    const fromTrace = wiring.trace !== undefined;
    const input = spec.input_tokens ?? (fromTrace ? undefined : DEFAULT_INPUT_TOKENS);
    const output = spec.output_tokens ?? (fromTrace ? undefined : DEFAULT_OUTPUT_TOKENS);
    if (input) this.inputTokens = makeTokenSampler(input, stream("input_tokens"), ctx.data);
    if (output) this.outputTokens = makeTokenSampler(output, stream("output_tokens"), ctx.data);
    this.maxTokens = spec.max_tokens;

    const hashIds = wiring.trace?.hashIds;
    if (hashIds) {
      this.traceKeys = new Array(hashIds.length);
      const { min, max } = hashIdRange(hashIds);
      this.traceKeyBase = wiring.prefixKeys.reserve(max - min + 1) - min;
    } else if (spec.prefix && wiring.prefixUnitTokens > 0) {
      const units = Math.floor(spec.prefix.tokens / wiring.prefixUnitTokens);
      const first = wiring.prefixKeys.reserve(spec.prefix.variants * units);
      this.prefixKeysByVariant = Array.from({ length: spec.prefix.variants }, (_, v) => Int32Array.from({ length: units }, (_, u) => first + v * units + u));
      this.variantRng = stream("prefix_variant");
    } else if (spec.prefix?.cache_ttl) {
      // A billed checkpoint without a physical prefix cache: the variant is still drawn, for the ledger.
      this.variantRng = stream("prefix_variant");
    }
  }

  start(): void {
    if (this.startUs >= this.stopUs) return; // starts after the run ends: nothing to send, nothing to skip through
    const arrival = this.spec.arrival;
    if (arrival.kind === "batch_job") {
      // Each job is submitted at its time (within the tenant's own window and the run's).
      arrival.jobs.forEach((job, k) => {
        const atUs = secondsToUs(job.at);
        if (atUs >= this.startUs && atUs < this.stopUs) this.ctx.sim.at(atUs, Priority.arrival, this.onSubmit, k);
      });
      return;
    }
    if (arrival.kind !== "closed_loop") {
      this.scheduleNext();
      return;
    }
    for (let user = 0; user < arrival.concurrency; user++) {
      const atUs = this.startUs + Math.round((arrival.ramp_up * US_PER_S * user) / arrival.concurrency);
      if (atUs < this.stopUs) this.ctx.sim.at(atUs, Priority.arrival, this.onArrival);
    }
  }

  /** A request of this tenant ended (any outcome): a closed-loop user thinks, then sends the next. */
  ended(): void {
    if (!this.thinkTimeS) return;
    const atUs = this.ctx.sim.nowUs + secondsToUs(this.thinkTimeS());
    if (atUs < this.stopUs) this.ctx.sim.at(atUs, Priority.arrival, this.onArrival);
  }

  private scheduleNext(): void {
    // Arrivals before the tenant's start are drawn and dropped here, so the process keeps its
    // absolute times and a dropped arrival neither makes a request nor costs an event.
    let tUs: number;
    do tUs = secondsToUs(this.arrivals!.next());
    while (tUs < this.startUs);
    if (tUs < this.stopUs) this.ctx.sim.at(Math.max(tUs, this.ctx.sim.nowUs), Priority.arrival, this.onArrival);
  }

  private prefixKeysFor(row: number): Int32Array | undefined {
    if (this.traceKeys && row >= 0) {
      let keys = this.traceKeys[row];
      if (!keys) {
        const base = this.traceKeyBase;
        keys = Int32Array.from(this.wiring.trace!.hashIds![row], (id) => base + id);
        this.traceKeys[row] = keys;
      }
      return keys;
    }
    if (this.prefixKeysByVariant) {
      const variant = Math.floor(this.variantRng!() * this.prefixKeysByVariant.length);
      this.variant = variant;
      return this.prefixKeysByVariant[variant];
    }
    if (this.variantRng) this.variant = Math.floor(this.variantRng() * this.spec.prefix!.variants);
    return undefined;
  }

  /** the prefix variant the last request drew (-1: none) */
  private variant = -1;

  /** A starting batch job's records, all entering now, each a request of this tenant. */
  emitRecords(job: BatchJob): void {
    for (let i = 0; i < job.records; i++) {
      const req = this.newRequest();
      this.ctx.requests.job[req] = job.index;
      this.wiring.submit(req);
    }
  }

  private arrive(): void {
    const req = this.newRequest();
    // Schedule the next arrival before handing this one on, so the tenant's stream order never
    // depends on what the rest of the system does with the request.
    if (this.arrivals) this.scheduleNext();
    this.wiring.submit(req);
  }

  /** A request of this tenant arriving now: its lengths drawn (or its trace row read) and its prefix chosen. */
  private newRequest(): number {
    const { requests, sim } = this.ctx;
    const w = this.wiring;
    const req = requests.allocate();
    const row = this.arrivals ? this.arrivals.traceRow : -1;
    const nowUs = sim.nowUs;
    requests.tenant[req] = w.tenantIndex;
    requests.model[req] = w.modelIndex;
    requests.arrivalUs[req] = nowUs;
    requests.measured[req] = nowUs >= w.warmupUs ? 1 : 0;
    // Every request has at least one prompt token and produces at least one token (possibly end-of-sequence).
    requests.inputTokens[req] = this.inputTokens ? this.inputTokens() : Math.max(1, Math.round(w.trace!.inputTokens[row]));
    const output = this.outputTokens ? this.outputTokens() : Math.max(1, Math.round(w.trace!.outputTokens[row]));
    // A response stops at the request's max_tokens.
    requests.outputTokens[req] = this.maxTokens === undefined ? output : Math.min(output, this.maxTokens);
    this.variant = -1;
    requests.prefixKeys[req] = this.prefixKeysFor(row);
    requests.prefixVariant[req] = this.variant;
    this.generated++;
    return req;
  }
}
