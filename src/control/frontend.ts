/**
 * The service's front door. For each new request it picks a region (the nearest one serving the
 * model whose load balancer has a replica to send to: DNS-style failover), starts the client's
 * timeout, hands the request to that region's model service, and ends it exactly once with its
 * outcome. A server error is retried by the client while it has retries left.
 */
import { Priority } from "../engine/index.js";
import type { SimContext } from "../requests/context.js";
import { Outcome } from "../requests/outcomes.js";
import type { Scopes } from "../requests/scopes.js";
import { RequestState } from "../requests/table.js";
import type { ModelService, RequestSink } from "./model-service.js";

export interface RegionChoice {
  service: ModelService;
  region: number;
  rttUs: number;
}

export interface TenantRouting {
  /** regions serving the tenant's model, nearest first */
  choices: RegionChoice[];
  /** client timeout, microseconds (Infinity = none) */
  timeoutUs: number;
  retries: number;
}

export class Frontend implements RequestSink {
  private readonly onTimeout = (req: number) => this.timeout(req);

  constructor(
    private readonly ctx: SimContext,
    private readonly tenants: readonly TenantRouting[],
    private readonly scopes: Scopes,
    /** told when a request has ended, whatever its outcome (closed-loop clients send their next) */
    private readonly onEnded: (req: number) => void = () => {},
  ) {}

  /** The nearest region that can take the request, or the nearest of all if none can. */
  private route(req: number): RegionChoice | undefined {
    const { requests } = this.ctx;
    const choices = this.tenants[requests.tenant[req]].choices;
    if (choices.length === 0) {
      // The model is deployed nowhere: counted in the first region.
      requests.scope[req] = this.scopes.at(requests.tenant[req], 0);
      return undefined;
    }
    const choice = choices.find((c) => c.service.routable) ?? choices[0];
    requests.scope[req] = this.scopes.at(requests.tenant[req], choice.region);
    requests.rttUs[req] = choice.rttUs;
    return choice;
  }

  submit(req: number): void {
    const { requests, lifecycle, sim } = this.ctx;
    const tenant = this.tenants[requests.tenant[req]];
    const choice = this.route(req);
    lifecycle.arrived(req, sim.nowUs);
    if (tenant.timeoutUs !== Infinity) {
      // After completions of the same instant: a response arriving exactly at the deadline counts.
      requests.timeoutEvent[req] = sim.after(tenant.timeoutUs, Priority.dispatch, this.onTimeout, req);
    }
    if (!choice) this.refused(req, Outcome.rejected);
    else choice.service.receive(req);
  }

  completed(req: number, firstTokenUs: number): void {
    this.end(req, Outcome.ok, firstTokenUs);
  }

  refused(req: number, outcome: Outcome): void {
    this.end(req, outcome, -1);
  }

  /** Ends a request the client got an answer for: the one place an answer is recorded and its id freed. */
  private end(req: number, outcome: Outcome, firstTokenUs: number): void {
    const { requests, lifecycle, sim } = this.ctx;
    this.cancelTimeout(req);
    if (outcome === Outcome.ok) lifecycle.completed(req, firstTokenUs, sim.nowUs);
    else lifecycle.ended(req, outcome, sim.nowUs);
    this.onEnded(req);
    requests.release(req);
  }

  failed(req: number): void {
    const { requests } = this.ctx;
    if (requests.attempts[req] <= this.tenants[requests.tenant[req]].retries) {
      requests.retry(req);
      const choice = this.route(req);
      if (choice) {
        choice.service.receive(req);
        return;
      }
    }
    this.refused(req, Outcome.failed);
  }

  /** Ends every request still queued or in service as `in_flight_at_end`. */
  endRun(): void {
    const { requests, lifecycle, sim } = this.ctx;
    for (let req = 0; req < requests.idLimit; req++) {
      const state = requests.stateOf(req);
      if (state !== RequestState.free && state !== RequestState.abandoned) lifecycle.ended(req, Outcome.inFlight, sim.nowUs);
    }
  }

  private timeout(req: number): void {
    const { requests, lifecycle, sim } = this.ctx;
    requests.timeoutEvent[req] = -1;
    lifecycle.ended(req, Outcome.timedOut, sim.nowUs);
    this.onEnded(req);
    const service = requests.service[req];
    const choice = this.tenants[requests.tenant[req]].choices.find((c) => c.service.serviceId === service);
    if (choice) choice.service.abandon(req);
    else requests.release(req);
  }

  private cancelTimeout(req: number): void {
    const handle = this.ctx.requests.timeoutEvent[req];
    if (handle >= 0) {
      this.ctx.sim.cancel(handle);
      this.ctx.requests.timeoutEvent[req] = -1;
    }
  }
}
