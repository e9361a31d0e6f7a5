/**
 * The service's front door: takes each new request from a tenant, starts its client timeout, hands
 * it to its model, and ends it exactly once with its outcome.
 */
import { Priority } from "../engine/index.js";
import type { SimContext } from "../workload/context.js";
import { Outcome } from "../workload/outcomes.js";
import { RequestState } from "../workload/requests.js";
import type { ModelService, RequestSink } from "./model-service.js";

export class Frontend implements RequestSink {
  private readonly onTimeout = (req: number) => this.timeout(req);

  constructor(
    private readonly ctx: SimContext,
    private readonly services: readonly ModelService[],
    /** client timeout per tenant, microseconds (Infinity = none) */
    private readonly timeoutUs: readonly number[],
    /** told when a request has ended, whatever its outcome (closed-loop clients send their next) */
    private readonly onEnded: (req: number) => void = () => {},
  ) {}

  submit(req: number): void {
    const { requests, lifecycle, sim } = this.ctx;
    lifecycle.arrived(req, sim.nowUs);
    const timeoutUs = this.timeoutUs[requests.tenant[req]];
    if (timeoutUs !== Infinity) {
      // After completions of the same instant: a response arriving exactly at the deadline counts.
      requests.timeoutEvent[req] = sim.after(timeoutUs, Priority.dispatch, this.onTimeout, req);
    }
    this.services[requests.model[req]].receive(req);
  }

  completed(req: number, firstTokenUs: number): void {
    const { requests, lifecycle, sim } = this.ctx;
    this.cancelTimeout(req);
    lifecycle.completed(req, firstTokenUs, sim.nowUs);
    this.onEnded(req);
    requests.release(req);
  }

  refused(req: number, outcome: Outcome): void {
    const { requests, lifecycle, sim } = this.ctx;
    this.cancelTimeout(req);
    lifecycle.ended(req, outcome, sim.nowUs);
    this.onEnded(req);
    requests.release(req);
  }

  /** Ends every request still queued or in service as `in_flight_at_end`. */
  endRun(): void {
    const { requests, lifecycle, sim } = this.ctx;
    for (let req = 0; req < requests.state.length; req++) {
      const state = requests.state[req];
      if (state !== RequestState.free && state !== RequestState.abandoned) lifecycle.ended(req, Outcome.inFlight, sim.nowUs);
    }
  }

  private timeout(req: number): void {
    const { requests, lifecycle, sim } = this.ctx;
    requests.timeoutEvent[req] = -1;
    lifecycle.ended(req, Outcome.timedOut, sim.nowUs);
    this.onEnded(req);
    this.services[requests.model[req]].abandon(req);
  }

  private cancelTimeout(req: number): void {
    const handle = this.ctx.requests.timeoutEvent[req];
    if (handle >= 0) {
      this.ctx.sim.cancel(handle);
      this.ctx.requests.timeoutEvent[req] = -1;
    }
  }
}
