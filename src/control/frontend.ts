/**
 * The service's front door and the client behind each request. A request arrives, the client starts
 * its timeout, and each attempt passes the API gateway (overhead, WAF, credentials, validation,
 * quotas, rate limits), picks a region (region-router.ts) and goes to that region's model service.
 * An attempt ends in success, a server error (5xx), an attempt timeout or a throttle; the client
 * retries the retryable ones as its retry policy allows, after a backoff. The request ends exactly
 * once, here, with its outcome; every attempt a region answered is counted for availability.
 */
import { Priority } from "../engine/index.js";
import { AttemptResult, type SimContext } from "../requests/context.js";
import { isServerError, Outcome, OUTCOMES } from "../requests/outcomes.js";
import type { Scopes } from "../requests/scopes.js";
import { RequestState } from "../requests/table.js";
import type { RetryPolicy } from "../workload/retry.js";
import type { Gateway } from "./gateway.js";
import type { ModelService, RequestSink } from "./model-service.js";
import type { RegionOption, RegionRouter } from "./region-router.js";

/** A region serving a tenant's model, as the front end uses it. */
export interface RegionChoice extends RegionOption {
  readonly service: ModelService;
}

export interface TenantClient {
  /** picks the region of each attempt among the regions serving the tenant's model */
  router: RegionRouter;
  /** its regions, by region index (undefined where the model is not served) */
  byRegion: (RegionChoice | undefined)[];
  /** the region statistics are counted in before an attempt is routed (the nearest serving region, or region 0) */
  homeRegion: number;
  /** timeout of the whole request and of one attempt, microseconds (Infinity = none) */
  timeoutUs: number;
  attemptTimeoutUs: number;
  retry: RetryPolicy;
}

export class Frontend implements RequestSink {
  private readonly onTimeout = (req: number) => this.timeout(req);
  private readonly onAttemptTimeout = (req: number) => this.attemptTimedOut(req);
  private readonly onPassGateway = (req: number) => this.passGateway(req);
  private readonly onRetry = (req: number) => this.retryNow(req);
  /** the region of each model service, by service id */
  private readonly regionOfService: number[] = [];

  constructor(
    private readonly ctx: SimContext,
    private readonly clients: readonly TenantClient[],
    private readonly scopes: Scopes,
    private readonly gateway: Gateway,
    /** told when a request has ended, whatever its outcome (closed-loop clients send their next) */
    /** told of every request's end (its outcome, and the first token's time for an answer) before its id is freed */
    private readonly onEnded: (req: number, outcome: Outcome, firstTokenUs: number) => void = () => {},
  ) {
    for (const client of clients) for (const choice of client.byRegion) if (choice) this.regionOfService[choice.service.serviceId] = choice.region;
  }

  submit(req: number): void {
    const { requests, lifecycle, sim } = this.ctx;
    const tenant = requests.tenant[req];
    const client = this.clients[tenant];
    requests.scope[req] = this.scopes.at(tenant, client.homeRegion);
    lifecycle.arrived(req, sim.nowUs);
    if (client.timeoutUs !== Infinity) {
      // After completions of the same instant: a response arriving exactly at the deadline counts.
      requests.timeoutEvent[req] = sim.after(client.timeoutUs, Priority.dispatch, this.onTimeout, req);
    }
    this.attempt(req);
  }

  // --- one attempt ---------------------------------------------------------------------------

  /** An attempt enters the gateway, which takes its overhead before deciding. */
  private attempt(req: number): void {
    const { requests, sim } = this.ctx;
    const overheadUs = this.gateway.overheadUs(requests.tenant[req]);
    if (overheadUs > 0) requests.frontEvent[req] = sim.after(overheadUs, Priority.dispatch, this.onPassGateway, req);
    else this.passGateway(req);
  }

  private passGateway(req: number): void {
    const { requests, lifecycle, sim } = this.ctx;
    requests.frontEvent[req] = -1;
    const tenant = requests.tenant[req];
    if (requests.attempts[req] === 1) {
      // WAF, credentials and validation answer the first attempt for good: a client does not retry a 400 or a 403.
      const verdict = this.gateway.screen(tenant, requests.inputTokens[req], requests.outputTokens[req]);
      if (verdict !== Outcome.ok) {
        this.end(req, verdict, -1);
        return;
      }
    }
    // A batch job's records are paced by the job, and a request within its tenant's reservation by that, not by the on-demand limits.
    requests.reserved[req] = requests.job[req] < 0 && this.gateway.reserve(tenant, requests.inputTokens[req], requests.outputTokens[req], sim.nowUs) ? 1 : 0;
    const paced = requests.job[req] >= 0 || requests.reserved[req] === 1;
    const tokens = this.gateway.reservation(tenant, requests.inputTokens[req], requests.outputTokens[req]);
    const limit = paced ? -1 : this.gateway.admit(tenant, tokens, sim.nowUs);
    if (limit >= 0) {
      lifecycle.throttled(req, limit, sim.nowUs);
      this.retryOrEnd(req, Outcome.throttled, false, true);
      return;
    }
    const client = this.clients[tenant];
    const option = client.router.choose(sim.nowUs);
    if (option === null) {
      // No region the tenant's residency allows can serve it now (or the model is deployed nowhere): a 503 no region answered.
      if (client.router.lastReason === "residency") lifecycle.residencyRefused(req, sim.nowUs);
      this.retryOrEnd(req, Outcome.rejected, false, false);
      return;
    }
    const choice = client.byRegion[option.region]!;
    // The model's shared limit in that region, after the tenant's own (which gives back what it took if this one fires).
    const modelLimit = paced ? -1 : this.gateway.admitModel(tenant, choice.service.modelIndex, choice.region, tokens, sim.nowUs);
    if (modelLimit >= 0) {
      this.gateway.refund(tenant, tokens);
      lifecycle.throttled(req, modelLimit, sim.nowUs);
      this.retryOrEnd(req, Outcome.throttled, false, true);
      return;
    }
    requests.scope[req] = this.scopes.at(tenant, choice.region);
    requests.rttUs[req] = choice.rttUs;
    if (client.attemptTimeoutUs !== Infinity) {
      requests.attemptTimeoutEvent[req] = sim.after(client.attemptTimeoutUs, Priority.dispatch, this.onAttemptTimeout, req);
    }
    choice.service.receive(req);
  }

  // --- how attempts end (RequestSink) --------------------------------------------------------

  completed(req: number, firstTokenUs: number): void {
    const { requests } = this.ctx;
    const tenant = requests.tenant[req];
    this.settle(req, this.gateway.charge(tenant, requests.inputTokens[req], requests.cachedTokens[req], requests.outputTokens[req]), true);
    this.attemptEnded(req, AttemptResult.success);
    this.clients[tenant].retry.succeeded(requests.attempts[req], requests.lastRetryCost[req]);
    this.end(req, Outcome.ok, firstTokenUs);
  }

  /**
   * The service refused the attempt: a 503 (no replica, queue full, too long for any replica) counts
   * against availability; a 4xx (a 429 of a full provisioned model, a model not ready) is in neither
   * count, as the outcome table says. A 429 is retried after the throttle backoff.
   */
  refused(req: number, outcome: Outcome): void {
    this.settle(req, 0);
    if (isServerError(outcome)) this.attemptEnded(req, AttemptResult.serverError);
    else this.cancelAttemptTimeout(req);
    this.retryOrEnd(req, outcome, false, OUTCOMES[outcome].httpStatus === 429);
  }

  /** A server error: its replica died under it, or could not be reached. */
  failed(req: number): void {
    this.settle(req, this.ctx.requests.inputTokens[req]);
    this.attemptEnded(req, AttemptResult.serverError);
    this.retryOrEnd(req, Outcome.failed, false, false);
  }

  private attemptTimedOut(req: number): void {
    const { requests, sim } = this.ctx;
    requests.attemptTimeoutEvent[req] = -1;
    this.settle(req, requests.inputTokens[req]);
    this.attemptEnded(req, AttemptResult.timeout);
    const client = this.clients[requests.tenant[req]];
    const cost = client.retry.acquire(requests.attempts[req], true);
    if (cost < 0) {
      this.record(req, Outcome.timedOut, -1);
      this.abandonAttempt(req);
      return;
    }
    // The old attempt stays listed at its service until it is reached; the retry goes on under a new id.
    const hadDeadline = requests.timeoutEvent[req] >= 0;
    if (hadDeadline) sim.cancel(requests.timeoutEvent[req]);
    const next = requests.detach(req);
    this.abandonAttempt(req);
    if (hadDeadline) requests.timeoutEvent[next] = sim.at(requests.arrivalUs[next] + client.timeoutUs, Priority.dispatch, this.onTimeout, next);
    this.backOff(next, cost, false);
  }

  /** The client gave up on the whole request. */
  private timeout(req: number): void {
    const { requests, sim } = this.ctx;
    requests.timeoutEvent[req] = -1;
    if (requests.frontEvent[req] >= 0) {
      // In the gateway or backing off: no attempt is out.
      sim.cancel(requests.frontEvent[req]);
      requests.frontEvent[req] = -1;
      this.end(req, Outcome.timedOut, -1);
      return;
    }
    this.settle(req, requests.inputTokens[req]);
    this.attemptEnded(req, AttemptResult.timeout);
    this.record(req, Outcome.timedOut, -1);
    this.abandonAttempt(req);
  }

  /** A batch job's window closed on this record: it ends `expired` wherever it is (not a server error, nothing retries it). */
  expire(req: number): void {
    const { requests, sim } = this.ctx;
    if (requests.frontEvent[req] >= 0) {
      // In the gateway or backing off: no attempt is out.
      sim.cancel(requests.frontEvent[req]);
      requests.frontEvent[req] = -1;
      this.end(req, Outcome.expired, -1);
      return;
    }
    this.settle(req, requests.inputTokens[req]);
    this.record(req, Outcome.expired, -1);
    this.abandonAttempt(req);
  }

  /** Ends every request still queued, in service or waiting to retry as `in_flight_at_end`. */
  endRun(): void {
    const { requests, lifecycle, sim } = this.ctx;
    for (let req = 0; req < requests.idLimit; req++) {
      const state = requests.stateOf(req);
      if (state !== RequestState.free && state !== RequestState.abandoned) lifecycle.ended(req, Outcome.inFlight, sim.nowUs);
    }
  }

  // --- retries and endings -------------------------------------------------------------------

  /** After a retryable failure: back off and try again if the client may, else end with `outcome`. */
  private retryOrEnd(req: number, outcome: Outcome, timedOut: boolean, throttled: boolean): void {
    const { requests } = this.ctx;
    const cost = this.clients[requests.tenant[req]].retry.acquire(requests.attempts[req], timedOut);
    if (cost < 0) {
      this.end(req, outcome, -1);
      return;
    }
    this.backOff(req, cost, throttled);
  }

  /** Waits the client's backoff, then sends the request again. */
  private backOff(req: number, retryCost: number, throttled: boolean): void {
    const { requests, sim } = this.ctx;
    this.cancelAttemptTimeout(req);
    const backoffUs = this.clients[requests.tenant[req]].retry.backoffUs(requests.attempts[req], throttled);
    requests.retry(req);
    requests.moveTo(req, RequestState.backingOff);
    requests.lastRetryCost[req] = retryCost;
    requests.frontEvent[req] = sim.after(backoffUs, Priority.dispatch, this.onRetry, req);
  }

  private retryNow(req: number): void {
    const requests = this.ctx.requests;
    requests.frontEvent[req] = -1;
    requests.moveTo(req, RequestState.unassigned);
    this.attempt(req);
  }

  /** Stops the attempt in progress at its service (the client stopped waiting for it); frees the id if no service holds it. */
  private abandonAttempt(req: number): void {
    const { requests } = this.ctx;
    const choice = requests.stateOf(req) !== RequestState.unassigned ? this.serviceOf(req) : undefined;
    if (choice) choice.service.abandon(req);
    else requests.release(req);
  }

  /** The region choice whose service has the request's current attempt; undefined when none has it. */
  private serviceOf(req: number): RegionChoice | undefined {
    const { requests } = this.ctx;
    const service = requests.service[req];
    return service < 0 ? undefined : this.clients[requests.tenant[req]].byRegion[this.regionOfService[service]];
  }

  /** An admitted attempt ended having used `charged` tokens: the gateway settles its limits (under quota accounting). */
  private settle(req: number, charged: number, answered = false): void {
    const { requests, sim } = this.ctx;
    if (requests.job[req] >= 0) return; // records took nothing from the limits
    if (requests.reserved[req]) {
      this.gateway.settleReserved(requests.tenant[req], requests.attemptStartUs[req], answered ? requests.outputTokens[req] : 0, sim.nowUs);
      return;
    }
    const tenant = requests.tenant[req];
    this.gateway.settle(tenant, this.scopes.regionOf(requests.scope[req]), this.gateway.reservation(tenant, requests.inputTokens[req], requests.outputTokens[req]), charged);
  }

  /** Counts the attempt in progress for availability, in the region whose service has it. */
  private attemptEnded(req: number, result: AttemptResult): void {
    const { requests, lifecycle, sim } = this.ctx;
    this.cancelAttemptTimeout(req);
    const choice = this.serviceOf(req);
    if (choice) lifecycle.attemptEnded(req, choice.region, result, sim.nowUs);
  }

  /** Ends a request the client got an answer for: the one place an answer is recorded and its id freed. */
  private end(req: number, outcome: Outcome, firstTokenUs: number): void {
    this.record(req, outcome, firstTokenUs);
    this.ctx.requests.release(req);
  }

  /** Records the request's outcome and stops its timers; the id is freed by whoever holds the request last. */
  private record(req: number, outcome: Outcome, firstTokenUs: number): void {
    const { lifecycle, sim } = this.ctx;
    this.cancelTimeout(req);
    this.cancelAttemptTimeout(req);
    if (outcome === Outcome.ok) lifecycle.completed(req, firstTokenUs, sim.nowUs);
    else lifecycle.ended(req, outcome, sim.nowUs);
    this.onEnded(req, outcome, firstTokenUs);
  }

  private cancelTimeout(req: number): void {
    this.cancel(this.ctx.requests.timeoutEvent, req);
  }

  private cancelAttemptTimeout(req: number): void {
    this.cancel(this.ctx.requests.attemptTimeoutEvent, req);
  }

  /** Cancels the event whose handle `handles[req]` holds, if one is pending. */
  private cancel(handles: Float64Array, req: number): void {
    if (handles[req] >= 0) {
      this.ctx.sim.cancel(handles[req]);
      handles[req] = -1;
    }
  }
}
