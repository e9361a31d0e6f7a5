/**
 * A tenant's request source: draws arrival times and token lengths from the tenant's own random
 * streams and creates requests. Exactly one arrival event per tenant is pending at any time.
 */
import { Priority } from "../engine/index.js";
import type { TenantSpec } from "../scenario/schema.js";
import { makeArrivalProcess, type ArrivalProcess } from "./arrivals.js";
import type { SimContext } from "./context.js";
import { makeSampler, type Sampler } from "./distributions.js";
import type { Trace } from "./trace.js";

/** Defaults when a tenant gives no lengths: lognormal fits of the Azure LLM inference trace 2023 (conversation). */
export const DEFAULT_INPUT_TOKENS = { dist: "lognormal", mean: 1155, cv: 0.96 } as const;
export const DEFAULT_OUTPUT_TOKENS = { dist: "lognormal", mean: 211, cv: 0.77 } as const;

export interface TenantWiring {
  tenantIndex: number;
  modelIndex: number;
  scopeIndex: number;
  warmupUs: number;
  /** arrivals stop at this time */
  endUs: number;
  trace?: Trace;
  submit(req: number): void;
}

export class TenantSource {
  private readonly arrivals: ArrivalProcess;
  private readonly inputTokens?: Sampler;
  private readonly outputTokens?: Sampler;
  private readonly onArrival = () => this.arrive();
  /** arrival time of the pending arrival event */
  private nextUs = Infinity;
  generated = 0;

  constructor(
    private readonly ctx: SimContext,
    private readonly spec: TenantSpec,
    private readonly wiring: TenantWiring,
  ) {
    const stream = (what: string) => ctx.streams.get(`workload/${spec.name}/${what}`);
    this.arrivals = makeArrivalProcess(spec.arrival, stream("arrivals"), wiring.trace);
    const fromTrace = wiring.trace !== undefined;
    const input = spec.input_tokens ?? (fromTrace ? undefined : DEFAULT_INPUT_TOKENS);
    const output = spec.output_tokens ?? (fromTrace ? undefined : DEFAULT_OUTPUT_TOKENS);
    if (input) this.inputTokens = makeSampler(input, stream("input_tokens"), ctx.data);
    if (output) this.outputTokens = makeSampler(output, stream("output_tokens"), ctx.data);
  }

  start(): void {
    this.scheduleNext();
  }

  private scheduleNext(): void {
    const tUs = Math.round(this.arrivals.next() * 1e6);
    if (tUs < this.wiring.endUs) {
      this.nextUs = tUs;
      this.ctx.sim.at(tUs, Priority.arrival, this.onArrival);
    } else {
      this.nextUs = Infinity;
    }
  }

  private arrive(): void {
    const { requests } = this.ctx;
    const w = this.wiring;
    const req = requests.allocate();
    const row = this.arrivals.traceRow;
    requests.tenant[req] = w.tenantIndex;
    requests.model[req] = w.modelIndex;
    requests.scope[req] = w.scopeIndex;
    requests.arrivalUs[req] = this.nextUs;
    requests.measured[req] = this.nextUs >= w.warmupUs ? 1 : 0;
    // Every request has at least one prompt token and produces at least one token (possibly end-of-sequence).
    requests.inputTokens[req] = Math.max(1, Math.round(this.inputTokens ? this.inputTokens() : w.trace!.inputTokens[row]));
    requests.outputTokens[req] = Math.max(1, Math.round(this.outputTokens ? this.outputTokens() : w.trace!.outputTokens[row]));
    if (w.trace?.hashIds && row >= 0) requests.hashIds[req] = w.trace.hashIds[row];
    this.generated++;
    // Schedule the next arrival before handing this one on, so the tenant's stream order never
    // depends on what the rest of the system does with the request.
    this.scheduleNext();
    w.submit(req);
  }
}
