/** The API gateway's decisions (overhead, WAF, credentials, validation, quotas, rate limits); the front end schedules the events. */
import { secondsToUs, US_PER_S, type RandomStreams, type Rng } from "../engine/index.js";
import { Outcome } from "../requests/outcomes.js";
import type { GatewaySpec, TenantSpec } from "../scenario/schema.js";
import type { DataFiles } from "../workload/datafiles.js";
import { makeSampler, type Sampler } from "../workload/distributions.js";

/** The limits `admit` enforces; a limit's id is its index here. */
export const LIMITS = ["requests_per_min", "tokens_per_min", "tokens_per_day", "model_requests_per_min", "model_tokens_per_min"] as const;
/** the tenant's own limits (always reported), then the model's shared ones (reported where a model has one) */
export const TENANT_LIMITS = 3;
export type LimitName = (typeof LIMITS)[number];

const REQUESTS_PER_MIN = LIMITS.indexOf("requests_per_min");
const TOKENS_PER_MIN = LIMITS.indexOf("tokens_per_min");
const TOKENS_PER_DAY = LIMITS.indexOf("tokens_per_day");
const MODEL_REQUESTS_PER_MIN = LIMITS.indexOf("model_requests_per_min");
const MODEL_TOKENS_PER_MIN = LIMITS.indexOf("model_tokens_per_min");
/** `admit`'s answer when every limit passed. */
const ADMITTED = -1;

const US_PER_MIN = 60 * US_PER_S;
const US_PER_DAY = 86_400 * US_PER_S;
/**
 * Bucket levels are floats refilled by (elapsed µs × allowance / 60e6), so a level meant to land
 * exactly on a request's cost can fall a rounding error short of it. A level counts as enough when it
 * is at most this share of the bucket's capacity below the cost: one part in 10^9, far below a whole
 * token or request for any capacity under 10^9 per minute, and far above float error (10^-16).
 */
const RELATIVE_EPSILON = 1e-9;

/**
 * One gateway in front of every region. Per tenant it holds two token buckets (requests, tokens) and
 * a daily token quota, as typed arrays indexed by tenant, so `admit` allocates nothing. A bucket or
 * quota a tenant does not have has capacity Infinity and is never checked.
 */
export class Gateway {
  /** bucket capacity: one minute's allowance (Infinity = no limit) */
  private readonly requestCapacity: Float64Array;
  private readonly tokenCapacity: Float64Array;
  private readonly requestLevel: Float64Array;
  private readonly tokenLevel: Float64Array;
  /** when each tenant's buckets were last refilled, µs */
  private readonly lastRefillUs: Float64Array;
  /** input + output tokens a tenant may use per simulated day (Infinity = no quota) */
  private readonly quotaTokensPerDay: Float64Array;
  private readonly quotaTokensUsed: Float64Array;
  /** the day (floor(t / 86,400 s)) quotaTokensUsed counts */
  private readonly quotaDay: Float64Array;

  private readonly wafBlockShare: Float64Array;
  private readonly authFailureShare: Float64Array;
  /** streams only for tenants whose share is > 0, so a share of 0 draws nothing */
  private readonly wafRng: (Rng | undefined)[];
  private readonly authRng: (Rng | undefined)[];
  /** prompt + output tokens a request may hold (Infinity = no limit) */
  private readonly contextTokens: Float64Array;
  /**
   * Bedrock's quota accounting, per tenant with a max_tokens or whose model burns output down faster
   * than 1: an attempt reserves prompt + max_tokens and settles at its end to prompt (less cache
   * reads) + burndown x output. Others reserve prompt + actual output and never settle (as before).
   */
  private readonly settles: Uint8Array;
  private readonly maxTokens: Float64Array;
  private readonly burndown: Float64Array;
  private readonly modelOfTenant: Int32Array;

  /** per model and region (model x regions + region): its shared buckets, as the tenants' */
  private readonly modelBuckets: ModelBucket[] = [];
  private readonly regionCount: number;
  /** per tenant: whether its tier is one a model's limit throttles first (flex, batch) */
  private readonly lowTier: Uint8Array;

  /** reserved capacity per tenant: input and output tokens a minute (Infinity-free: 0 where none), and this minute's use */
  private readonly reservedIn: Float64Array;
  private readonly reservedOut: Float64Array;
  private readonly reservedMinute: Float64Array;
  private readonly reservedInUsed: Float64Array;
  private readonly reservedOutUsed: Float64Array;

  /** a fixed overhead in µs, or per-tenant samplers (seconds) when the overhead is a distribution */
  private readonly fixedOverheadUs: number;
  private readonly overheadS: Sampler[] | undefined;

  constructor(
    spec: GatewaySpec,
    tenants: readonly TenantSpec[],
    contextTokens: readonly (number | undefined)[],
    streams: RandomStreams,
    data: DataFiles,
    /** the model names (by index) and how many regions: a model's shared limit is kept per region */
    models: readonly string[] = [],
    regionCount = 1,
    /** per model: how many times an output token counts against token limits */
    burndowns: readonly number[] = [],
  ) {
    const n = tenants.length;
    this.regionCount = regionCount;
    this.modelOfTenant = Int32Array.from(tenants, (t) => models.indexOf(t.model));
    this.reservedIn = Float64Array.from(tenants, (t) => t.reserved?.input_tokens_per_min ?? 0);
    this.reservedOut = Float64Array.from(tenants, (t) => t.reserved?.output_tokens_per_min ?? 0);
    this.reservedMinute = new Float64Array(n).fill(-1);
    this.reservedInUsed = new Float64Array(n);
    this.reservedOutUsed = new Float64Array(n);
    this.maxTokens = Float64Array.from(tenants, (t) => t.max_tokens ?? Infinity);
    this.burndown = Float64Array.from(tenants, (t) => burndowns[models.indexOf(t.model)] ?? 1);
    this.settles = Uint8Array.from(tenants, (_, i) => (this.maxTokens[i] !== Infinity || this.burndown[i] !== 1 ? 1 : 0));
    this.lowTier = Uint8Array.from(tenants, (t) => (t.tier === "flex" || t.tier === "batch" ? 1 : 0));
    models.forEach((name, m) => {
      const limit = spec.rate_limits?.models[name];
      for (let r = 0; r < regionCount; r++) if (limit) this.modelBuckets[m * regionCount + r] = new ModelBucket(limit);
    });
    this.requestCapacity = new Float64Array(n);
    this.tokenCapacity = new Float64Array(n);
    this.quotaTokensPerDay = new Float64Array(n);
    this.wafBlockShare = new Float64Array(n);
    this.authFailureShare = new Float64Array(n);
    this.contextTokens = new Float64Array(n);
    this.wafRng = new Array<Rng | undefined>(n);
    this.authRng = new Array<Rng | undefined>(n);
    tenants.forEach((tenant, i) => {
      // A tenant's own entry replaces the default entirely: a limit it leaves out is no limit.
      const limits = spec.rate_limits?.tenants[tenant.name] ?? spec.rate_limits?.default;
      this.requestCapacity[i] = limits?.requests_per_min ?? Infinity;
      this.tokenCapacity[i] = limits?.tokens_per_min ?? Infinity;
      // A daily quota of its own, else (Bedrock) 1,440 minutes of its tokens-per-minute limit where it has quota accounting.
      this.quotaTokensPerDay[i] = spec.quotas[tenant.name]?.tokens_per_day ?? (this.settles[i] && limits?.tokens_per_min !== undefined ? 1440 * limits.tokens_per_min : Infinity);
      this.wafBlockShare[i] = spec.waf?.block[tenant.name] ?? 0;
      this.authFailureShare[i] = tenant.auth_failure_share;
      this.wafRng[i] = this.wafBlockShare[i] > 0 ? streams.get(`gateway/${tenant.name}/waf`) : undefined;
      this.authRng[i] = this.authFailureShare[i] > 0 ? streams.get(`gateway/${tenant.name}/auth`) : undefined;
      this.contextTokens[i] = contextTokens[i] ?? Infinity;
    });
    // Buckets are full at t = 0.
    this.requestLevel = Float64Array.from(this.requestCapacity);
    this.tokenLevel = Float64Array.from(this.tokenCapacity);
    this.lastRefillUs = new Float64Array(n);
    this.quotaTokensUsed = new Float64Array(n);
    this.quotaDay = new Float64Array(n);

    const overhead = spec.overhead;
    if (typeof overhead === "number") {
      this.fixedOverheadUs = secondsToUs(overhead);
      this.overheadS = undefined;
    } else {
      this.fixedOverheadUs = 0;
      // One stream per tenant, so one tenant's traffic does not shift another's overheads.
      this.overheadS = tenants.map((tenant) => makeSampler(overhead, streams.get(`gateway/${tenant.name}/overhead`), data));
    }
  }

  /** Microseconds this attempt of `tenant`'s request spends in the gateway (0 when overhead is 0: draw nothing then). */
  overheadUs(tenant: number): number {
    const sampler = this.overheadS;
    return sampler === undefined ? this.fixedOverheadUs : secondsToUs(sampler[tenant]());
  }

  /**
   * Checks made once per request, at its first attempt, in this order: WAF block share
   * (Outcome.blocked), credentials (auth_failure_share -> Outcome.unauthorized), validation
   * (inputTokens < 1, or inputTokens + outputTokens > context -> Outcome.invalid). Returns the
   * outcome that ends the request, or Outcome.ok to go on.
   */
  screen(tenant: number, inputTokens: number, outputTokens: number): Outcome {
    // With a max_tokens, validation checks what the request asks for, not what it will get.
    if (this.maxTokens[tenant] !== Infinity) outputTokens = this.maxTokens[tenant];
    // A request the WAF blocks never reaches the credential check, so it draws no auth number.
    const waf = this.wafRng[tenant];
    if (waf !== undefined && waf() < this.wafBlockShare[tenant]) return Outcome.blocked;
    const auth = this.authRng[tenant];
    if (auth !== undefined && auth() < this.authFailureShare[tenant]) return Outcome.unauthorized;
    if (inputTokens < 1 || inputTokens + outputTokens > this.contextTokens[tenant]) return Outcome.invalid;
    return Outcome.ok;
  }

  /**
   * Checks at every attempt: the daily token quota, then the request and token rate limits. If all
   * pass, takes 1 request and `tokens` tokens from the buckets and the quota and returns -1; else
   * returns the id (index in LIMITS) of the first limit that fired and takes nothing.
   * A request larger than a bucket's capacity (more tokens than tokens_per_min) is always refused, as
   * real APIs answer 429 to it. Times must not go backwards; an earlier call refills nothing.
   */
  admit(tenant: number, tokens: number, nowUs: number): number {
    this.refill(tenant, nowUs);
    const quota = this.quotaTokensPerDay[tenant];
    if (quota !== Infinity) {
      const day = Math.floor(nowUs / US_PER_DAY);
      if (day !== this.quotaDay[tenant]) {
        this.quotaDay[tenant] = day;
        this.quotaTokensUsed[tenant] = 0;
      }
      if (this.quotaTokensUsed[tenant] + tokens > quota) return TOKENS_PER_DAY;
    }
    const requestCapacity = this.requestCapacity[tenant];
    if (requestCapacity !== Infinity && this.requestLevel[tenant] < 1 - RELATIVE_EPSILON * requestCapacity) return REQUESTS_PER_MIN;
    const tokenCapacity = this.tokenCapacity[tenant];
    if (tokenCapacity !== Infinity && this.tokenLevel[tenant] < tokens - RELATIVE_EPSILON * tokenCapacity) return TOKENS_PER_MIN;

    // Every limit passed: take from each. A level left a rounding error below 0 is clamped to 0.
    if (requestCapacity !== Infinity) this.requestLevel[tenant] = Math.max(0, this.requestLevel[tenant] - 1);
    if (tokenCapacity !== Infinity) this.tokenLevel[tenant] = Math.max(0, this.tokenLevel[tenant] - tokens);
    if (quota !== Infinity) this.quotaTokensUsed[tenant] += tokens;
    return ADMITTED;
  }

  /**
   * The model's shared limit in the region the attempt was routed to: takes 1 request and `tokens`
   * and returns -1, or returns the limit that fired and takes nothing. Flex and batch requests may
   * only use the top `flex_share` of each bucket.
   */
  admitModel(tenant: number, model: number, region: number, tokens: number, nowUs: number): number {
    const bucket = this.modelBuckets[model * this.regionCount + region];
    if (!bucket) return ADMITTED;
    return bucket.admit(tokens, this.lowTier[tenant] === 1, nowUs);
  }

  /**
   * Whether the attempt fits what is left of its tenant's reservation this minute (prompt, and
   * max_tokens or else its output); if so it is taken. Each minute of the clock starts afresh.
   */
  reserve(tenant: number, inputTokens: number, outputTokens: number, nowUs: number): boolean {
    if (this.reservedIn[tenant] === 0) return false;
    const minute = Math.floor(nowUs / US_PER_MIN);
    if (minute !== this.reservedMinute[tenant]) {
      this.reservedMinute[tenant] = minute;
      this.reservedInUsed[tenant] = 0;
      this.reservedOutUsed[tenant] = 0;
    }
    const out = this.maxTokens[tenant] === Infinity ? outputTokens : this.maxTokens[tenant];
    if (this.reservedInUsed[tenant] + inputTokens > this.reservedIn[tenant] || this.reservedOutUsed[tenant] + out > this.reservedOut[tenant]) return false;
    this.reservedInUsed[tenant] += inputTokens;
    this.reservedOutUsed[tenant] += out;
    return true;
  }

  /** A reserved attempt ended having produced `outputTokens`: what it held of max_tokens beyond that comes back, if its minute is still running. */
  settleReserved(tenant: number, admittedUs: number, outputTokens: number, nowUs: number): void {
    if (this.maxTokens[tenant] === Infinity || Math.floor(admittedUs / US_PER_MIN) !== Math.floor(nowUs / US_PER_MIN)) return;
    this.reservedOutUsed[tenant] = Math.max(0, this.reservedOutUsed[tenant] - (this.maxTokens[tenant] - outputTokens));
  }

  /** Tokens an attempt takes from the limits at admission: prompt + max_tokens under quota accounting, else prompt + its actual output. */
  reservation(tenant: number, inputTokens: number, outputTokens: number): number {
    return inputTokens + (this.settles[tenant] ? this.maxTokens[tenant] === Infinity ? outputTokens * this.burndown[tenant] : this.maxTokens[tenant] : outputTokens);
  }

  /**
   * An admitted attempt ended: under quota accounting, the tenant's limits and its model's in the
   * attempt's region are settled from the reservation to what it used (`charged`: prompt less cache
   * reads plus burndown x output for an answer, the prompt for a failure, nothing for a refusal). A
   * level may end below zero: the tenant owes it and waits longer for the next request.
   */
  settle(tenant: number, region: number, reserved: number, charged: number): void {
    if (!this.settles[tenant]) return;
    const back = reserved - charged;
    if (this.tokenCapacity[tenant] !== Infinity) this.tokenLevel[tenant] = Math.min(this.tokenCapacity[tenant], this.tokenLevel[tenant] + back);
    if (this.quotaTokensPerDay[tenant] !== Infinity) this.quotaTokensUsed[tenant] -= back;
    this.modelBuckets[this.modelOfTenant[tenant] * this.regionCount + region]?.giveBack(back);
  }

  /** Tokens an answered attempt counts against the limits: prompt less cache reads, plus output times the model's burndown. */
  charge(tenant: number, inputTokens: number, cachedTokens: number, outputTokens: number): number {
    return inputTokens - cachedTokens + this.burndown[tenant] * outputTokens;
  }

  /** Gives back what `admit` took for an attempt refused after it (the model's limit fired): the tenant did not use its allowance. */
  refund(tenant: number, tokens: number): void {
    if (this.requestCapacity[tenant] !== Infinity) this.requestLevel[tenant] = Math.min(this.requestCapacity[tenant], this.requestLevel[tenant] + 1);
    if (this.tokenCapacity[tenant] !== Infinity) this.tokenLevel[tenant] = Math.min(this.tokenCapacity[tenant], this.tokenLevel[tenant] + tokens);
    if (this.quotaTokensPerDay[tenant] !== Infinity) this.quotaTokensUsed[tenant] -= tokens;
  }

  /** Refills the tenant's buckets for the time since their last refill, at capacity / 60 per second, up to capacity. */
  private refill(tenant: number, nowUs: number): void {
    const elapsedUs = nowUs - this.lastRefillUs[tenant];
    if (elapsedUs <= 0) return;
    this.lastRefillUs[tenant] = nowUs;
    const requestCapacity = this.requestCapacity[tenant];
    if (requestCapacity !== Infinity) {
      this.requestLevel[tenant] = Math.min(requestCapacity, this.requestLevel[tenant] + (elapsedUs * requestCapacity) / US_PER_MIN);
    }
    const tokenCapacity = this.tokenCapacity[tenant];
    if (tokenCapacity !== Infinity) {
      this.tokenLevel[tenant] = Math.min(tokenCapacity, this.tokenLevel[tenant] + (elapsedUs * tokenCapacity) / US_PER_MIN);
    }
  }
}

/** One model's shared limit in one region: a request bucket and a token bucket, each refilled continuously, one minute's allowance deep. */
class ModelBucket {
  private readonly capacity: number[];
  private readonly level: number[];
  /** what flex and batch requests must leave in each bucket */
  private readonly floor: number[];
  private lastRefillUs = 0;

  constructor(limit: { requests_per_min?: number; tokens_per_min?: number; flex_share: number }) {
    this.capacity = [limit.requests_per_min ?? Infinity, limit.tokens_per_min ?? Infinity];
    this.level = [...this.capacity];
    this.floor = this.capacity.map((c) => (c === Infinity ? 0 : (1 - limit.flex_share) * c));
  }

  /** Settles a reservation: `back` tokens return to the token bucket (negative: more are taken). */
  giveBack(back: number): void {
    if (this.capacity[1] !== Infinity) this.level[1] = Math.min(this.capacity[1], this.level[1] + back);
  }

  admit(tokens: number, lowTier: boolean, nowUs: number): number {
    const elapsedUs = nowUs - this.lastRefillUs;
    if (elapsedUs > 0) {
      this.lastRefillUs = nowUs;
      for (let k = 0; k < 2; k++) if (this.capacity[k] !== Infinity) this.level[k] = Math.min(this.capacity[k], this.level[k] + (elapsedUs * this.capacity[k]) / US_PER_MIN);
    }
    // Bucket 0 takes one request, bucket 1 the tokens.
    for (let k = 0; k < 2; k++) {
      const capacity = this.capacity[k];
      if (capacity === Infinity) continue;
      const floor = lowTier ? this.floor[k] : 0;
      if (this.level[k] - (k === 0 ? 1 : tokens) < floor - RELATIVE_EPSILON * capacity) return k === 0 ? MODEL_REQUESTS_PER_MIN : MODEL_TOKENS_PER_MIN;
    }
    for (let k = 0; k < 2; k++) if (this.capacity[k] !== Infinity) this.level[k] = Math.max(0, this.level[k] - (k === 0 ? 1 : tokens));
    return ADMITTED;
  }
}
