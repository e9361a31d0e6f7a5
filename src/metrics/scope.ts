/** Statistics of one group of requests (a tenant in a region); groups merge into totals at report time. */
import { LatencySketch } from "./sketch.js";
import { OUTCOME_REPORT_KEYS } from "../requests/outcomes.js";

export const LATENCY_METRICS = ["queue_s", "ttft_s", "tbt_s", "tpot_s", "e2e_s"] as const;
export type LatencyMetric = (typeof LATENCY_METRICS)[number];

export class ScopeStats {
  arrived = 0;
  readonly outcomes = new Float64Array(OUTCOME_REPORT_KEYS.length);
  readonly latency: Record<LatencyMetric, LatencySketch> = {
    queue_s: new LatencySketch(),
    ttft_s: new LatencySketch(),
    tbt_s: new LatencySketch(),
    tpot_s: new LatencySketch(),
    e2e_s: new LatencySketch(),
  };
  /** tokens of completed requests */
  inputTokens = 0;
  outputTokens = 0;
  /** of the input tokens, those served from a prefix cache */
  cachedInputTokens = 0;
  /** completed requests that met the TTFT and TPOT objectives */
  sloMet = 0;

  merge(other: ScopeStats): void {
    this.arrived += other.arrived;
    for (let i = 0; i < this.outcomes.length; i++) this.outcomes[i] += other.outcomes[i];
    for (const metric of LATENCY_METRICS) this.latency[metric].merge(other.latency[metric]);
    this.inputTokens += other.inputTokens;
    this.outputTokens += other.outputTokens;
    this.cachedInputTokens += other.cachedInputTokens;
    this.sloMet += other.sloMet;
  }

  static merged(parts: Iterable<ScopeStats>): ScopeStats {
    const total = new ScopeStats();
    for (const part of parts) total.merge(part);
    return total;
  }
}
