/**
 * The time average of a piecewise-constant level (requests in system, replicas busy), integrated
 * exactly at every change and restricted to a window [fromUs, toUs].
 */
export class TimeWeightedLevel {
  private level = 0;
  private lastUs = 0;
  private areaUs = 0;

  constructor(
    private readonly fromUs: number,
    private readonly toUs: number,
  ) {}

  get value(): number {
    return this.level;
  }

  /** Changes the level at time nowUs (times must not decrease). */
  set(level: number, nowUs: number): void {
    this.accumulate(nowUs);
    this.level = level;
  }

  add(delta: number, nowUs: number): void {
    this.set(this.level + delta, nowUs);
  }

  /** Mean level over the window, given that the run has reached nowUs. */
  mean(nowUs: number): number {
    this.accumulate(nowUs);
    const span = Math.min(nowUs, this.toUs) - this.fromUs;
    return span > 0 ? this.areaUs / span : NaN;
  }

  private accumulate(nowUs: number): void {
    const a = Math.max(this.lastUs, this.fromUs);
    const b = Math.min(nowUs, this.toUs);
    if (b > a) this.areaUs += this.level * (b - a);
    this.lastUs = nowUs;
  }
}
