/** Statistics of one group of requests (a tenant in a region), the (tenant, region) grid they form, and roll-ups over it. */
import { LatencySketch } from "./sketch.js";
import { OUTCOMES, serverErrors, type OutcomeKey } from "../requests/outcomes.js";
import { LATENCY_PARTS } from "../requests/table.js";

export { Scopes } from "../requests/scopes.js";

/**
 * Latency distributions kept per group: the parts of a completed request's end-to-end time (where it
 * spent it, requests/table.ts's LATENCY_PARTS, and the network round trip), which add up to it, then
 * time to first token, between tokens, per output token, and end to end.
 */
export const LATENCY_METRICS = [...LATENCY_PARTS, "network_s", "ttft_s", "tbt_s", "tpot_s", "e2e_s"] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

/** Gateway limits counted separately (requests per minute, tokens per minute, tokens per day). */
const THROTTLE_LIMITS = 5;

export class ScopeStats {
  arrived = 0;
  /** indexed by Outcome */
  readonly outcomes = new Float64Array(OUTCOMES.length);
  readonly latency = Object.fromEntries(LATENCY_METRICS.map((metric) => [metric, new LatencySketch()])) as Record<LatencyMetric, LatencySketch>;
  /** the latency parts' sketches (the same objects), by LATENCY_PARTS index: every completion adds to each */
  readonly parts: readonly LatencySketch[] = LATENCY_PARTS.map((part) => this.latency[part]);
  /**
   * Tokens of answered requests (whenever they arrived) produced inside the window: a prompt counts
   * when its first token is out, output tokens at their times, taken as evenly spaced from the first
   * token to the last, so a request straddling the window's end is split where its tokens fall.
   * Throughput and revenue are these over the window.
   */
  inputTokens = 0;
  outputTokens = 0;
  /** of the input tokens, those served from a prefix cache */
  cachedInputTokens = 0;
  /** of the tokens above, those of requests served under a reservation (paid by the hour, not by token), and the requests */
  reservedInputTokens = 0;
  reservedCachedTokens = 0;
  reservedOutputTokens = 0;
  reservedAnswered = 0;
  /** prompt tokens under billed cache checkpoints, by use (read, written for 5 minutes, for an hour), and of them those the replica found in its physical cache */
  cacheReadTokens = 0;
  cacheWrite5mTokens = 0;
  cacheWrite1hTokens = 0;
  checkpointCachedTokens = 0;
  /** requests answered inside the window, whenever they arrived */
  answeredInWindow = 0;
  /** completed requests that met the TTFT and TPOT objectives */
  sloMet = 0;
  /** API calls the requests took, retries included */
  attempts = 0;
  /** attempts refused by each gateway limit (indexed as control/gateway.ts's LIMITS) */
  readonly throttles = new Float64Array(THROTTLE_LIMITS);
  /** attempts that found no region their residency allows able to serve them */
  residencyRefusals = 0;

  merge(other: ScopeStats): void {
    this.reservedInputTokens += other.reservedInputTokens;
    this.reservedCachedTokens += other.reservedCachedTokens;
    this.reservedOutputTokens += other.reservedOutputTokens;
    this.reservedAnswered += other.reservedAnswered;
    this.cacheReadTokens += other.cacheReadTokens;
    this.cacheWrite5mTokens += other.cacheWrite5mTokens;
    this.cacheWrite1hTokens += other.cacheWrite1hTokens;
    this.checkpointCachedTokens += other.checkpointCachedTokens;
    this.arrived += other.arrived;
    for (let i = 0; i < this.outcomes.length; i++) this.outcomes[i] += other.outcomes[i];
    for (const metric of LATENCY_METRICS) this.latency[metric].merge(other.latency[metric]);
    this.inputTokens += other.inputTokens;
    this.outputTokens += other.outputTokens;
    this.cachedInputTokens += other.cachedInputTokens;
    this.answeredInWindow += other.answeredInWindow;
    this.sloMet += other.sloMet;
    this.attempts += other.attempts;
    for (let i = 0; i < this.throttles.length; i++) this.throttles[i] += other.throttles[i];
    this.residencyRefusals += other.residencyRefusals;
  }

  static merged(parts: Iterable<ScopeStats>): ScopeStats {
    const total = new ScopeStats();
    for (const part of parts) total.merge(part);
    return total;
  }
}

export type RequestCounts = { arrived: number } & Record<Exclude<OutcomeKey, "expired">, number> & { expired?: number };

/** Arrivals and outcome counts under their report keys, arrivals first; `expired` only where tenants run batch jobs (`withExpired`), so other reports keep their keys. */
export function requestCounts(stats: ScopeStats, withExpired = false): RequestCounts {
  const counts = { arrived: stats.arrived } as RequestCounts;
  OUTCOMES.forEach((outcome, i) => {
    if (outcome.key !== "expired" || withExpired) counts[outcome.key] = stats.outcomes[i];
  });
  return counts;
}

/** Share of requests that started service later than they arrived (Erlang C's P(wait > 0)); null without any. */
export function waitedFraction(stats: ScopeStats): number | null {
  const queue = stats.latency.queue_s;
  return queue.count > 0 ? 1 - queue.zeros / queue.count : null;
}

/** Adds numbers left to right from 0: every float sum of the report keeps this order. */
export function sum(values: readonly number[]): number {
  return values.reduce((total, x) => total + x, 0);
}

/** Server errors among named counts: the one definition (requests/outcomes.ts) applied to a report's `requests`. */
export function serverErrorsOf(counts: RequestCounts): number {
  return serverErrors(OUTCOMES.map((outcome) => counts[outcome.key] ?? 0));
}
