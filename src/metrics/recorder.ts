/**
 * Turns request lifecycle events into statistics: outcome counts and latency sketches per scope,
 * time-weighted levels for Little's law, and the time series. Requests that arrived during the
 * warm-up are served and tracked in levels but left out of counts and distributions.
 */
import { CacheUse, type CacheLedger } from "../economics/prompt-cache.js";
import { usToSeconds } from "../engine/index.js";
import { LATENCY_PARTS, type RequestTable } from "../requests/table.js";
import { AttemptResult, type RequestLifecycle } from "../requests/context.js";
import { isServerError, Outcome } from "../requests/outcomes.js";
import { Scopes, ScopeStats } from "./scope.js";
import type { Accounts } from "../requests/scopes.js";
import { RegionAvailability } from "./availability.js";
import { TimeSeries } from "./timeseries.js";
import { BucketedLevel } from "./bucketed-level.js";

/** One finished request, for the optional per-request CSV. Times in seconds; NaN where a step never happened. */
export interface RequestRecord {
  serial: number;
  tenant: number;
  region: number;
  model: number;
  replica: number;
  measured: boolean;
  arrival_s: number;
  outcome: Outcome;
  queue_s: number;
  ttft_s: number;
  e2e_s: number;
  input_tokens: number;
  output_tokens: number;
  /** server-side times of the first token and of the end (NaN where none), seconds; the client sees them a round trip later */
  first_token_at_s: number;
  end_at_s: number;
}

const QUEUE_PART = LATENCY_PARTS.indexOf("queue_s");

export interface SloTargets {
  ttftS: number;
  tpotS: number;
  /** per tenant (by index), where tiers have their own targets: the targets its requests are judged by */
  byTenant?: readonly { ttftS: number; tpotS: number }[];
}

export class Recorder implements RequestLifecycle {
  /** billed prompt caching's ledger, where some tenant bills a checkpoint */
  ledger?: CacheLedger;
  /** receives every request as it ends, when per-request output is asked for */
  onRequestEnd?: (record: RequestRecord) => void;
  /** the (tenant, region) grid that `scopes` is laid out on */
  readonly grid: Scopes;
  /** one per (tenant, region), indexed as `grid` says */
  readonly scopes: ScopeStats[];
  /** API calls and their server errors by 5-minute interval, per region that answered them, per tenant, and per (account, region) */
  readonly availability: RegionAvailability[];
  readonly tenantAvailability: RegionAvailability[];
  /** indexed by account x regions + region */
  readonly accountAvailability: RegionAvailability[];
  /** requests in the system (queued or in service) and waiting, integrated over [warmup, duration] and per interval */
  readonly inSystem: BucketedLevel;
  readonly queued: BucketedLevel;
  /**
   * The window's requests alone in the system and queued, integrated over the whole run (drain
   * included): Little's law holds for them exactly, however overloaded the fleet.
   */
  readonly cohortInSystem: BucketedLevel;
  readonly cohortQueued: BucketedLevel;
  readonly series: TimeSeries;
  /** arrivals during the warm-up, not counted in `scopes` */
  warmupArrivals = 0;
  private readonly regionCount: number;
  /** the measurement window [warm-up, duration] */
  private readonly windowFromUs: number;
  private readonly windowToUs: number;

  constructor(
    private readonly requests: RequestTable,
    tenantCount: number,
    regionCount: number,
    private readonly slo: SloTargets,
    warmupUs: number,
    durationUs: number,
    intervalUs: number,
    /** the customer accounts, and each tenant's (an index into `names`); default: each tenant its own */
    readonly accounts: Accounts = { names: Array.from({ length: tenantCount }, (_, t) => String(t)), ofTenant: Array.from({ length: tenantCount }, (_, t) => t) },
  ) {
    this.grid = new Scopes(tenantCount, regionCount);
    this.scopes = Array.from({ length: this.grid.size }, () => new ScopeStats());
    this.availability = Array.from({ length: regionCount }, () => new RegionAvailability(warmupUs, durationUs));
    this.tenantAvailability = Array.from({ length: tenantCount }, () => new RegionAvailability(warmupUs, durationUs));
    this.accountAvailability = Array.from({ length: accounts.names.length * regionCount }, () => new RegionAvailability(warmupUs, durationUs));
    this.regionCount = regionCount;
    this.windowFromUs = warmupUs;
    this.windowToUs = durationUs;
    this.inSystem = new BucketedLevel(intervalUs, warmupUs, durationUs);
    this.queued = new BucketedLevel(intervalUs, warmupUs, durationUs);
    this.cohortInSystem = new BucketedLevel(intervalUs);
    this.cohortQueued = new BucketedLevel(intervalUs);
    requests.onQueued = (req, delta) => this.queuedChanged(req, delta);
    this.series = new TimeSeries(intervalUs, this.inSystem, this.queued);
  }

  /** Counted in its scope when it ends: the region it is counted in is the one its last attempt went to. */
  arrived(req: number, nowUs: number): void {
    if (!this.requests.measured[req]) this.warmupArrivals++;
    else this.cohortInSystem.add(1, nowUs);
    this.series.arrival(nowUs);
    this.inSystem.add(1, nowUs);
  }

  /** A request entered (+1) or left (-1) a queue, as the request table's one transition function says. */
  private queuedChanged(req: number, delta: number): void {
    const nowUs = this.requests.clock.nowUs;
    this.queued.add(delta, nowUs);
    if (this.requests.measured[req]) this.cohortQueued.add(delta, nowUs);
  }

  /** The wait is counted when the request ends, in the scope of its last attempt, like the rest of it (a retry may change region). */
  started(req: number, nowUs: number): void {
    this.requests.startUs[req] = nowUs;
  }

  /** Token-level statistics added in bulk: `count` gaps of `gapS` in one group (callers count only measured requests). */
  tokenGaps(scope: number, gapS: number, count: number): void {
    if (count > 0) this.scopes[scope].latency.tbt_s.add(gapS, count);
  }

  /** Latencies are as the client sees them: the network round trip is added to TTFT and E2E. */
  completed(req: number, firstTokenUs: number, nowUs: number): void {
    const r = this.requests;
    const ttftS = usToSeconds(firstTokenUs + r.rttUs[req] - r.arrivalUs[req]);
    const e2eS = usToSeconds(nowUs + r.rttUs[req] - r.arrivalUs[req]);
    if (r.measured[req]) {
      const scope = this.scopes[r.scope[req]];
      scope.arrived++;
      scope.attempts += r.attempts[req];
      scope.outcomes[Outcome.ok]++;
      // Where its time went: the parts add up to its end-to-end latency.
      const parts = scope.parts;
      for (let part = 0; part < parts.length; part++) parts[part].add(usToSeconds(r.partUs[part][req]));
      scope.latency.network_s.add(usToSeconds(r.rttUs[req]));
      scope.latency.ttft_s.add(ttftS);
      scope.latency.e2e_s.add(e2eS);
      const output = r.outputTokens[req];
      // Only streamed responses have a time per output token; a one-piece answer has none.
      const tpotS = output > 1 && nowUs > firstTokenUs ? usToSeconds(nowUs - firstTokenUs) / (output - 1) : 0;
      if (tpotS > 0) scope.latency.tpot_s.add(tpotS);
      const slo = this.slo.byTenant?.[r.tenant[req]] ?? this.slo;
      if (ttftS <= slo.ttftS && tpotS <= slo.tpotS) scope.sloMet++;
    }
    this.countTokens(this.scopes[r.scope[req]], req, firstTokenUs, nowUs);
    this.series.completion(nowUs, ttftS, e2eS, r.outputTokens[req]);
    if (this.onRequestEnd) this.log(req, Outcome.ok, firstTokenUs, nowUs);
    this.inSystem.add(-1, nowUs);
    if (r.measured[req]) this.cohortInSystem.add(-1, nowUs);
  }

  /** What of an answered request's tokens fell inside the window (ScopeStats.inputTokens says how they are placed in time). */
  private countTokens(scope: ScopeStats, req: number, firstTokenUs: number, nowUs: number): void {
    const r = this.requests;
    const from = this.windowFromUs;
    const to = this.windowToUs;
    const endInWindow = nowUs >= from && nowUs <= to;
    if (endInWindow) scope.answeredInWindow++;
    const firstInWindow = firstTokenUs >= from && firstTokenUs <= to;
    const reserved = r.reserved[req] === 1;
    if (reserved && endInWindow) scope.reservedAnswered++;
    // A billed checkpoint is used when the prompt is done (the ledger moves whether or not in the window).
    const use = this.ledger && !reserved ? this.ledger.use(r, req, firstTokenUs) : CacheUse.none;
    if (use !== CacheUse.none && firstTokenUs >= from && firstTokenUs <= to) {
      const tokens = this.ledger!.checkpointTokens(r, req);
      if (use === CacheUse.read) scope.cacheReadTokens += tokens;
      else if (use === CacheUse.write5m) scope.cacheWrite5mTokens += tokens;
      else scope.cacheWrite1hTokens += tokens;
      scope.checkpointCachedTokens += Math.min(tokens, r.cachedTokens[req]);
    }
    if (firstInWindow) {
      scope.inputTokens += r.inputTokens[req];
      scope.cachedInputTokens += r.cachedTokens[req];
      if (reserved) {
        scope.reservedInputTokens += r.inputTokens[req];
        scope.reservedCachedTokens += r.cachedTokens[req];
      }
    }
    const output = r.outputTokens[req];
    let produced = firstInWindow ? 1 : 0;
    if (output > 1) {
      // The other output - 1 tokens evenly over (first token, last token]; all at once if that has no length.
      const spanUs = nowUs - firstTokenUs;
      const insideUs = Math.max(0, Math.min(nowUs, to) - Math.max(firstTokenUs, from));
      produced += spanUs > 0 ? ((output - 1) * insideUs) / spanUs : endInWindow ? output - 1 : 0;
    }
    scope.outputTokens += produced;
    if (reserved) scope.reservedOutputTokens += produced;
  }

  /** A request ended without being served: throttled, rejected, failed, timed out or left in flight. */
  ended(req: number, outcome: Outcome, nowUs: number): void {
    const r = this.requests;
    if (r.measured[req]) {
      const scope = this.scopes[r.scope[req]];
      scope.arrived++;
      scope.attempts += r.attempts[req];
      scope.outcomes[outcome]++;
    }
    if (isServerError(outcome)) this.series.error(nowUs, outcome === Outcome.timedOut);
    if (this.onRequestEnd) this.log(req, outcome, NaN, nowUs);
    this.inSystem.add(-1, nowUs);
    if (r.measured[req]) this.cohortInSystem.add(-1, nowUs);
  }

  attemptEnded(req: number, region: number, result: AttemptResult, nowUs: number): void {
    const error = result !== AttemptResult.success;
    this.availability[region].count(nowUs, error);
    const tenant = this.requests.tenant[req];
    this.tenantAvailability[tenant].count(nowUs, error);
    this.accountAvailability[this.accounts.ofTenant[tenant] * this.regionCount + region].count(nowUs, error);
  }

  throttled(req: number, limit: number): void {
    if (this.requests.measured[req]) this.scopes[this.requests.scope[req]].throttles[limit]++;
  }

  residencyRefused(req: number): void {
    if (this.requests.measured[req]) this.scopes[this.requests.scope[req]].residencyRefusals++;
  }

  private log(req: number, outcome: Outcome, firstTokenUs: number, nowUs: number): void {
    const r = this.requests;
    const arrivalUs = r.arrivalUs[req];
    this.onRequestEnd!({
      serial: r.serial[req],
      tenant: r.tenant[req],
      region: this.grid.regionOf(r.scope[req]),
      model: r.model[req],
      replica: r.replica[req],
      measured: r.measured[req] === 1,
      arrival_s: usToSeconds(arrivalUs),
      outcome,
      queue_s: usToSeconds(r.partSoFarUs(req, QUEUE_PART)),
      ttft_s: usToSeconds(firstTokenUs + r.rttUs[req] - arrivalUs),
      e2e_s: outcome === Outcome.ok ? usToSeconds(nowUs + r.rttUs[req] - arrivalUs) : NaN,
      input_tokens: r.inputTokens[req],
      output_tokens: r.outputTokens[req],
      first_token_at_s: usToSeconds(firstTokenUs),
      end_at_s: usToSeconds(nowUs),
    });
  }
}
