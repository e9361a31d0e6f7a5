/**
 * A piecewise-constant level integrated exactly into fixed-width time buckets (for time series),
 * and in total over a window (for averages), at every change.
 */
export class BucketedLevel {
  private level = 0;
  private lastUs = 0;
  private readonly areas: number[] = [0];
  /** the bucket `lastUs` lies in and where it ends: most changes stay in it and skip the division */
  private bucket = 0;
  private bucketEndUs: number;
  private windowArea = 0;
  peak = 0;

  /** Times are integer microseconds (the simulator's), so a bucket is exactly [k, k + 1) x bucketUs. */
  constructor(
    private readonly bucketUs: number,
    private readonly windowFromUs = 0,
    private readonly windowToUs = Infinity,
  ) {
    this.bucketEndUs = bucketUs;
  }

  get value(): number {
    return this.level;
  }

  set(level: number, nowUs: number): void {
    if (level === this.level) return;
    this.advance(nowUs);
    this.level = level;
    if (level > this.peak) this.peak = level;
  }

  add(delta: number, nowUs: number): void {
    this.set(this.level + delta, nowUs);
  }

  advance(nowUs: number): void {
    let t = this.lastUs;
    const a = Math.max(t, this.windowFromUs);
    const b = Math.min(nowUs, this.windowToUs);
    if (b > a) this.windowArea += this.level * (b - a);
    if (nowUs <= t) return;
    this.lastUs = nowUs;
    if (nowUs < this.bucketEndUs) {
      this.areas[this.bucket] += this.level * (nowUs - t);
      return;
    }
    while (t < nowUs) {
      const bucket = Math.floor(t / this.bucketUs);
      const end = Math.min(nowUs, (bucket + 1) * this.bucketUs);
      while (this.areas.length <= bucket) this.areas.push(0);
      this.areas[bucket] += this.level * (end - t);
      t = end;
    }
    this.bucket = Math.floor(nowUs / this.bucketUs);
    this.bucketEndUs = (this.bucket + 1) * this.bucketUs;
    while (this.areas.length <= this.bucket) this.areas.push(0);
  }

  /** Level x microseconds accumulated in the window so far. */
  windowIntegral(nowUs: number): number {
    this.advance(nowUs);
    return this.windowArea;
  }

  /** Mean level over the window, given that the run has reached nowUs. */
  windowMean(nowUs: number): number {
    const span = Math.min(nowUs, this.windowToUs) - this.windowFromUs;
    return span > 0 ? this.windowIntegral(nowUs) / span : NaN;
  }

  /** Level x microseconds per bucket up to endUs. */
  bucketIntegrals(endUs: number): number[] {
    this.advance(endUs);
    const n = Math.max(1, Math.ceil(endUs / this.bucketUs));
    return Array.from({ length: n }, (_, i) => this.areas[i] ?? 0);
  }
}
