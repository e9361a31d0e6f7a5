/**
 * Per-interval series for timeseries.csv and the report's charts: counts by interval, exact time
 * averages of levels (integrated at every change), and latency quantiles of the requests that
 * finished in the interval.
 */
import { usToSeconds } from "../engine/index.js";
import type { BucketedLevel } from "./bucketed-level.js";
import { LatencySketch } from "./sketch.js";

export interface TimeSeriesRow {
  time_s: number;
  arrivals: number;
  completed: number;
  /** server errors (5xx and timeouts) of requests that ended in the interval, and of those the timed-out ones */
  errors: number;
  timed_out: number;
  requests_per_s: number;
  output_tokens_per_s: number;
  mean_in_system: number;
  mean_queued: number;
  ttft_mean_s: number | null;
  ttft_p99_s: number | null;
  e2e_p99_s: number | null;
  /** fleet columns, filled in when the run has a fleet */
  it_kw?: number;
  facility_kw?: number;
  gpus_free?: number;
  gpus_booting?: number;
  gpus_starting?: number;
  gpus_loading?: number;
  gpus_serving?: number;
  gpus_draining?: number;
  gpus_failed?: number;
  /** replicas the autoscalers (or fixed counts) want, and replicas by lifecycle state */
  replicas_desired?: number;
  replicas_requested?: number;
  replicas_starting?: number;
  replicas_loading?: number;
  replicas_serving?: number;
  replicas_draining?: number;
  replicas_down?: number;
}

export class TimeSeries {
  private readonly arrivals: number[] = [];
  private readonly completed: number[] = [];
  private readonly errors: number[] = [];
  private readonly timedOut: number[] = [];
  private readonly outputTokens: number[] = [];
  private readonly ttftMean: (number | null)[] = [];
  private readonly ttftP99: (number | null)[] = [];
  private readonly e2eP99: (number | null)[] = [];
  private currentBucket = 0;
  /** the requests that finished in the current interval; emptied (not replaced) when it closes */
  private readonly ttft = new LatencySketch();
  private readonly e2e = new LatencySketch();
  /** `inSystem` and `queued` are the recorder's levels, integrated per interval. */
  constructor(
    readonly intervalUs: number,
    private readonly inSystem: BucketedLevel,
    private readonly queued: BucketedLevel,
  ) {}

  private bucket(timeUs: number): number {
    return Math.floor(timeUs / this.intervalUs);
  }

  private bump(series: number[], bucket: number, by: number): void {
    while (series.length <= bucket) series.push(0);
    series[bucket] += by;
  }

  arrival(nowUs: number): void {
    this.bump(this.arrivals, this.bucket(nowUs), 1);
  }

  error(nowUs: number, timedOut: boolean): void {
    this.bump(this.errors, this.bucket(nowUs), 1);
    if (timedOut) this.bump(this.timedOut, this.bucket(nowUs), 1);
  }

  /** A request finished at nowUs (times must not decrease between calls). */
  completion(nowUs: number, ttftS: number, e2eS: number, outputTokens: number): void {
    const bucket = this.bucket(nowUs);
    this.closeLatencyBuckets(bucket);
    this.bump(this.completed, bucket, 1);
    this.bump(this.outputTokens, bucket, outputTokens);
    this.ttft.add(ttftS);
    this.e2e.add(e2eS);
  }

  private closeLatencyBuckets(upTo: number): void {
    while (this.currentBucket < upTo) {
      const b = this.currentBucket++;
      while (this.ttftMean.length < b) {
        this.ttftMean.push(null);
        this.ttftP99.push(null);
        this.e2eP99.push(null);
      }
      const has = this.ttft.count > 0;
      this.ttftMean.push(has ? this.ttft.mean : null);
      this.ttftP99.push(has ? this.ttft.quantile(0.99) : null);
      this.e2eP99.push(has ? this.e2e.quantile(0.99) : null);
      if (has) {
        this.ttft.clear();
        this.e2e.clear();
      }
    }
  }

  /** Rows covering [0, endUs). */
  rows(endUs: number): TimeSeriesRow[] {
    const inSystemArea = this.inSystem.bucketIntegrals(endUs);
    const queuedArea = this.queued.bucketIntegrals(endUs);
    const n = Math.max(1, Math.ceil(endUs / this.intervalUs));
    this.closeLatencyBuckets(n);
    const rows: TimeSeriesRow[] = [];
    for (let b = 0; b < n; b++) {
      const widthUs = Math.min(this.intervalUs, endUs - b * this.intervalUs);
      const widthS = usToSeconds(widthUs);
      const completed = this.completed[b] ?? 0;
      rows.push({
        time_s: usToSeconds(b * this.intervalUs),
        arrivals: this.arrivals[b] ?? 0,
        completed,
        errors: this.errors[b] ?? 0,
        timed_out: this.timedOut[b] ?? 0,
        requests_per_s: completed / widthS,
        output_tokens_per_s: (this.outputTokens[b] ?? 0) / widthS,
        mean_in_system: (inSystemArea[b] ?? 0) / widthUs,
        mean_queued: (queuedArea[b] ?? 0) / widthUs,
        ttft_mean_s: this.ttftMean[b] ?? null,
        ttft_p99_s: this.ttftP99[b] ?? null,
        e2e_p99_s: this.e2eP99[b] ?? null,
      });
    }
    return rows;
  }
}
