/**
 * A client's retry behaviour, after the AWS SDKs' standard mode: how many attempts, how long to back
 * off before each retry (full jitter), and the retry quota that stops a client from turning an outage
 * into a retry storm. Constants: see RetrySchema (scenario/schema/workload.ts) and their source there.
 */
import { secondsToUs, US_PER_MS, type Rng } from "../engine/index.js";
import type { TenantSpec } from "../scenario/schema.js";
import { RetrySchema } from "../scenario/schema/workload.js";

/** The standard mode's backoff, as the schema defaults it (what `retries: N` uses). */
const STANDARD = RetrySchema.parse({});

/** aws-sdk-js-v3 middleware-retry: what a retry takes from the quota, and what a success gives back. */
const RETRY_COST = 5;
const TIMEOUT_RETRY_COST = 10;
const NO_RETRY_INCREMENT = 1;

export class RetryPolicy {
  readonly maxAttempts: number;
  private readonly baseUs: number;
  private readonly throttleBaseUs: number;
  private readonly capUs: number;
  /** tokens in the quota; Infinity without one */
  private quota: number;
  private readonly quotaMax: number;

  constructor(
    tenant: Pick<TenantSpec, "retries" | "retry">,
    private readonly rng: Rng,
  ) {
    // `retries: N`: N retries with the standard backoff and no quota; no retries by default.
    const retry = tenant.retry ?? { ...STANDARD, max_attempts: 1 + (tenant.retries ?? 0), quota: false as const };
    this.maxAttempts = retry.max_attempts;
    this.baseUs = secondsToUs(retry.base);
    this.throttleBaseUs = secondsToUs(retry.throttle_base);
    this.capUs = secondsToUs(retry.cap);
    this.quotaMax = retry.quota === false ? Infinity : retry.quota;
    this.quota = this.quotaMax;
  }

  /**
   * Whether a request that has made `attempts` attempts may try again after this failure; if so its
   * cost is taken from the quota and returned (0 without a quota), else -1.
   */
  acquire(attempts: number, timedOut: boolean): number {
    if (attempts >= this.maxAttempts) return -1;
    if (this.quotaMax === Infinity) return 0;
    const cost = timedOut ? TIMEOUT_RETRY_COST : RETRY_COST;
    if (this.quota < cost) return -1;
    this.quota -= cost;
    return cost;
  }

  /** A request succeeded: a first-attempt success adds to the quota, a retried one gives back what its last retry took. */
  succeeded(attempts: number, lastRetryCost: number): void {
    if (this.quotaMax === Infinity) return;
    this.quota = Math.min(this.quotaMax, this.quota + (attempts === 1 ? NO_RETRY_INCREMENT : lastRetryCost));
  }

  /**
   * Microseconds to wait before the next attempt of a request that has made `attempts`: the SDK's
   * floor(random(0, 1) x min(cap, base x 2^k)) whole milliseconds for retry k = attempts - 1 (the
   * first retry is k = 0: up to one base).
   */
  backoffUs(attempts: number, throttled: boolean): number {
    const base = throttled ? this.throttleBaseUs : this.baseUs;
    const ceilingUs = Math.min(this.capUs, base * 2 ** (attempts - 1));
    return Math.floor((this.rng() * ceilingUs) / US_PER_MS) * US_PER_MS;
  }

  /** Tokens left in the quota (Infinity without one). */
  get quotaLeft(): number {
    return this.quota;
  }
}
