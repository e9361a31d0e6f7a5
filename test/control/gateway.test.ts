/** The gateway's decisions, each against a hand calculation: token buckets, the daily quota, WAF, credentials, validation, overhead. */
import { describe, expect, it } from "vitest";
import { Gateway, LIMITS } from "../../src/control/gateway.js";
import { RandomStreams, US_PER_S, type Rng } from "../../src/engine/index.js";
import { Outcome } from "../../src/requests/outcomes.js";
import { GatewaySchema } from "../../src/scenario/schema/gateway.js";
import { TenantSchema } from "../../src/scenario/schema.js";
import type { TenantSpec } from "../../src/scenario/schema.js";
import { DataFiles } from "../../src/workload/datafiles.js";

const data = new DataFiles(".");
const REQUESTS_PER_MIN = LIMITS.indexOf("requests_per_min");
const TOKENS_PER_MIN = LIMITS.indexOf("tokens_per_min");
const TOKENS_PER_DAY = LIMITS.indexOf("tokens_per_day");
const ADMITTED = -1;
const US_PER_DAY = 86_400 * US_PER_S;

function tenant(name: string, authFailureShare = 0): TenantSpec {
  return TenantSchema.parse({ name, model: "m", arrival: { kind: "poisson", rate_per_s: 1 }, auth_failure_share: authFailureShare });
}

/** A gateway from YAML-shaped input, with tenants a and b (or those given), no context limit unless given. */
function gateway(
  input: Record<string, unknown>,
  options: { tenants?: TenantSpec[]; context?: (number | undefined)[]; streams?: RandomStreams } = {},
): Gateway {
  const tenants = options.tenants ?? [tenant("a"), tenant("b")];
  const context = options.context ?? tenants.map(() => undefined);
  return new Gateway(GatewaySchema.parse(input), tenants, context, options.streams ?? new RandomStreams(7), data);
}

/** Counts admissions of `count` one-token requests spaced `intervalUs` apart from t = 0. */
function admittedOf(g: Gateway, tenantIndex: number, count: number, intervalUs: number): number {
  let admitted = 0;
  for (let k = 0; k < count; k++) if (g.admit(tenantIndex, 1, k * intervalUs) === ADMITTED) admitted++;
  return admitted;
}

/** Streams that remember which names were asked for. */
class RecordingStreams extends RandomStreams {
  readonly names: string[] = [];
  override get(name: string): Rng {
    this.names.push(name);
    return super.get(name);
  }
}

describe("gateway rate limits", () => {
  it("a request limit admits one minute's burst, then the refill rate (bucket holds one minute, refilled continuously)", () => {
    // 100/min offered 200/min evenly for 10 minutes: 2,000 requests 0.3 s apart, t = 0 .. 599.7 s.
    // Full bucket of 100 at t = 0, plus 100/60 per s × 599.7 s = 999.5 refilled: 1,099 whole requests.
    const g = gateway({ rate_limits: { default: { requests_per_min: 100 } } });
    expect(admittedOf(g, 0, 2000, 300_000)).toBe(1099);
  });

  it("does not refill faster than the allowance after the initial burst (refill rate is allowance / 60 per second)", () => {
    // Drain the bucket at t = 0, then one minute of requests every 0.1 s admits 100 more, not 600.
    const g = gateway({ rate_limits: { default: { requests_per_min: 100 } } });
    for (let k = 0; k < 100; k++) expect(g.admit(0, 1, 0)).toBe(ADMITTED);
    expect(g.admit(0, 1, 0)).toBe(REQUESTS_PER_MIN);
    let admitted = 0;
    for (let k = 1; k <= 600; k++) if (g.admit(0, 1, k * 100_000) === ADMITTED) admitted++;
    expect(admitted).toBe(100);
  });

  it("a bucket left idle refills only up to one minute's allowance (capacity caps the refill)", () => {
    const g = gateway({ rate_limits: { default: { requests_per_min: 10 } } });
    // An hour idle after t = 0 still leaves only 10 in the bucket.
    let admitted = 0;
    for (let k = 0; k < 50; k++) if (g.admit(0, 1, 3600 * US_PER_S) === ADMITTED) admitted++;
    expect(admitted).toBe(10);
  });

  it("a tokens_per_min bucket refuses a request larger than what is left and names tokens_per_min", () => {
    const g = gateway({ rate_limits: { default: { tokens_per_min: 1000 } } });
    expect(g.admit(0, 600, 0)).toBe(ADMITTED);
    expect(g.admit(0, 500, 0)).toBe(TOKENS_PER_MIN);
    expect(LIMITS[g.admit(0, 500, 0)]).toBe("tokens_per_min");
    // 6 s later 1000/60 × 6 = 100 tokens have come back: 500 fits exactly.
    expect(g.admit(0, 501, 6 * US_PER_S)).toBe(TOKENS_PER_MIN);
    expect(g.admit(0, 500, 6 * US_PER_S)).toBe(ADMITTED);
  });

  it("a refused request takes nothing from the other bucket (no partial admission)", () => {
    const g = gateway({ rate_limits: { default: { requests_per_min: 2, tokens_per_min: 1000 } } });
    expect(g.admit(0, 600, 0)).toBe(ADMITTED);
    expect(g.admit(0, 500, 0)).toBe(TOKENS_PER_MIN);
    // Had the refusal taken a request, this one would hit requests_per_min.
    expect(g.admit(0, 400, 0)).toBe(ADMITTED);
    expect(g.admit(0, 0, 0)).toBe(REQUESTS_PER_MIN);
  });

  it("a tenant entry replaces the default entirely (a tenant with only tokens_per_min is not limited on requests)", () => {
    const g = gateway({ rate_limits: { default: { requests_per_min: 1 }, tenants: { a: { tokens_per_min: 1_000_000 } } } });
    expect(admittedOf(g, 0, 50, 0)).toBe(50);
    expect(g.admit(1, 1, 0)).toBe(ADMITTED);
    expect(g.admit(1, 1, 0)).toBe(REQUESTS_PER_MIN);
  });

  it("a tenant without limits is never throttled", () => {
    const g = gateway({ rate_limits: { tenants: { a: { requests_per_min: 1 } } } });
    expect(admittedOf(g, 1, 1000, 0)).toBe(1000);
    expect(admittedOf(g, 0, 2, 0)).toBe(1);
  });
});

describe("gateway daily quota", () => {
  it("the daily quota refuses until the next day, then admits", () => {
    const g = gateway({ quotas: { a: { tokens_per_day: 1000 } } });
    expect(g.admit(0, 800, 0)).toBe(ADMITTED);
    expect(g.admit(0, 300, 3600 * US_PER_S)).toBe(TOKENS_PER_DAY);
    expect(g.admit(0, 200, 3600 * US_PER_S)).toBe(ADMITTED); // exactly at the quota is allowed
    expect(g.admit(0, 1, US_PER_DAY - 1)).toBe(TOKENS_PER_DAY);
    expect(g.admit(0, 1000, US_PER_DAY)).toBe(ADMITTED);
    expect(g.admit(0, 1, US_PER_DAY + 1)).toBe(TOKENS_PER_DAY);
    // A day with no requests in between does not matter: day 3 starts afresh too.
    expect(g.admit(0, 1000, 3 * US_PER_DAY)).toBe(ADMITTED);
    // The other tenant has no quota.
    expect(g.admit(1, 1e9, 0)).toBe(ADMITTED);
  });

  it("the quota is checked before the rate limits (a request over both is refused as tokens_per_day)", () => {
    const g = gateway({ rate_limits: { default: { requests_per_min: 1 } }, quotas: { a: { tokens_per_day: 10 } } });
    expect(g.admit(0, 10, 0)).toBe(ADMITTED);
    expect(g.admit(0, 1, 0)).toBe(TOKENS_PER_DAY);
  });

  it("a request refused by a rate limit uses none of the quota", () => {
    const g = gateway({ rate_limits: { default: { requests_per_min: 1 } }, quotas: { a: { tokens_per_day: 100 } } });
    expect(g.admit(0, 50, 0)).toBe(ADMITTED);
    expect(g.admit(0, 50, 0)).toBe(REQUESTS_PER_MIN);
    expect(g.admit(0, 50, 60 * US_PER_S)).toBe(ADMITTED);
  });
});

describe("gateway screen", () => {
  it("the WAF blocks about its share (binomial bounds) and only for its tenant", () => {
    const g = gateway({ waf: { block: { a: 0.2 } } });
    const n = 10_000;
    let blockedA = 0;
    let blockedB = 0;
    for (let k = 0; k < n; k++) {
      if (g.screen(0, 100, 100) === Outcome.blocked) blockedA++;
      if (g.screen(1, 100, 100) === Outcome.blocked) blockedB++;
    }
    // mean 2,000, sd sqrt(10,000 × 0.2 × 0.8) = 40: five sd either side.
    expect(Math.abs(blockedA - 2000)).toBeLessThan(200);
    expect(blockedB).toBe(0);
  });

  it("credentials fail for about auth_failure_share of requests", () => {
    const g = gateway({}, { tenants: [tenant("a", 0.1), tenant("b")] });
    let unauthorized = 0;
    for (let k = 0; k < 10_000; k++) if (g.screen(0, 10, 10) === Outcome.unauthorized) unauthorized++;
    // mean 1,000, sd sqrt(10,000 × 0.1 × 0.9) = 30: five sd either side.
    expect(Math.abs(unauthorized - 1000)).toBeLessThan(150);
  });

  it("validation: empty prompt and prompt+output over context are invalid, exactly at context is ok", () => {
    const g = gateway({}, { context: [100, undefined] });
    expect(g.screen(0, 0, 10)).toBe(Outcome.invalid);
    expect(g.screen(0, 60, 41)).toBe(Outcome.invalid);
    expect(g.screen(0, 60, 40)).toBe(Outcome.ok);
    expect(g.screen(0, 1, 0)).toBe(Outcome.ok);
    // No context limit (a non-LLM service): any length passes, an empty prompt still does not.
    expect(g.screen(1, 1, 1e9)).toBe(Outcome.ok);
    expect(g.screen(1, 0, 1)).toBe(Outcome.invalid);
  });

  it("screen order: a blocked request is not also counted unauthorized, an unauthorized one not invalid", () => {
    const g = gateway({ waf: { block: { a: 1 } } }, { tenants: [tenant("a", 1), tenant("b", 1)], context: [100, 100] });
    expect(g.screen(0, 0, 1000)).toBe(Outcome.blocked);
    expect(g.screen(1, 0, 1000)).toBe(Outcome.unauthorized);
  });

  it("draws nothing for tenants with no share and no overhead (their streams stay untouched)", () => {
    const streams = new RecordingStreams(7);
    const g = gateway({ waf: { block: { a: 0.5 } } }, { tenants: [tenant("a"), tenant("b", 0.5), tenant("c")], streams });
    for (let k = 0; k < 10; k++) for (let t = 0; t < 3; t++) g.screen(t, 10, 10);
    expect(g.overheadUs(2)).toBe(0);
    expect([...new Set(streams.names)].sort()).toEqual(["gateway/a/waf", "gateway/b/auth"]);
  });
});

describe("gateway overhead", () => {
  it("a fixed overhead is that many microseconds at every attempt", () => {
    const g = gateway({ overhead: "5ms" });
    expect(g.overheadUs(0)).toBe(5000);
    expect(g.overheadUs(1)).toBe(5000);
  });

  it("overhead sampled from a distribution has the right mean", () => {
    const g = gateway({ overhead: { dist: "exponential", mean: "4ms" } });
    const n = 100_000;
    let sumUs = 0;
    for (let k = 0; k < n; k++) sumUs += g.overheadUs(k % 2);
    // Standard error of the mean: 4,000 µs / sqrt(100,000) ≈ 12.6 µs; allow 1 % (about 3 SE).
    expect(Math.abs(sumUs / n / 4000 - 1)).toBeLessThan(0.01);
  });
});
