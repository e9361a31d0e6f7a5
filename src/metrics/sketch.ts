/**
 * Latency distributions: a DDSketch (relative-error quantiles, mergeable, bounded memory) plus the
 * exact count, sum, min and max, so means and counts in reports are exact and only quantiles are estimated.
 */
import { DDSketch } from "./ddsketch.js";

/** Quantiles are within 0.5 % of a true sample value (DDSketch's relative-accuracy guarantee). */
export const SKETCH_RELATIVE_ACCURACY = 0.005;
/** At 0.5 % accuracy, 2,048 bins span about 9 decades (1 µs to 1,000 s); below that the lowest bins merge. */
const SKETCH_BIN_LIMIT = 2048;

export interface DistributionSummary {
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
  p999: number | null;
  max: number | null;
}

export class LatencySketch {
  private readonly sketch = new DDSketch(SKETCH_RELATIVE_ACCURACY, SKETCH_BIN_LIMIT);
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  /** Values exactly 0 (e.g. requests that did not wait), counted exactly. */
  zeros = 0;

  add(value: number, weight = 1): void {
    this.count += weight;
    this.sum += value * weight;
    if (value > this.max) this.max = value;
    if (value < this.min) this.min = value;
    if (value === 0) this.zeros += weight;
    this.sketch.add(value, weight);
  }

  merge(other: LatencySketch): void {
    if (other.count === 0) return;
    this.count += other.count;
    this.sum += other.sum;
    this.zeros += other.zeros;
    if (other.max > this.max) this.max = other.max;
    if (other.min < this.min) this.min = other.min;
    this.sketch.merge(other.sketch);
  }

  get mean(): number {
    return this.count > 0 ? this.sum / this.count : NaN;
  }

  /** The sketch's estimate kept inside the exact [min, max]: its bins' midpoints can fall outside (all-equal values gave p99 < mean). */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    return Math.max(this.min, Math.min(this.max, this.sketch.quantile(q)));
  }

  /** Back to empty, keeping the sketch's memory for the next values. */
  clear(): void {
    this.sketch.clear();
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.zeros = 0;
  }

  summary(): DistributionSummary {
    if (this.count === 0) {
      return { count: 0, mean: null, p50: null, p90: null, p95: null, p99: null, p999: null, max: null };
    }
    return {
      count: this.count,
      mean: this.mean,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p95: this.quantile(0.95),
      p99: this.quantile(0.99),
      p999: this.quantile(0.999),
      max: this.max,
    };
  }

  static merged(parts: Iterable<LatencySketch>): LatencySketch {
    const total = new LatencySketch();
    for (const part of parts) total.merge(part);
    return total;
  }
}
