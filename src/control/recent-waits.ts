/** The p90 of the queue waits seen over the last minute, kept cheaply enough to ask on every routing decision. */
import { US_PER_S } from "../engine/index.js";

/** How far back the p90 looks: samples added in (now - window, now] count. */
export const RECENT_WAITS_WINDOW_US = 60 * US_PER_S;

/**
 * Bins per doubling of the wait. A bin spans a factor 2^(1/32) ≈ 1.022 and answers with its
 * geometric midpoint, so the p90 is within 1.1 % of the exact one (waits under 1 µs read as 0).
 */
const BINS_PER_OCTAVE = 32;
/** Waits from 2^40 µs (12.7 days) up share the top bin: no queue wait is that long in a run. */
const OCTAVES = 40;
/** Bin 0 holds waits under 1 µs; bin 1 + floor(32 log2 w) the rest. */
const BIN_COUNT = 1 + OCTAVES * BINS_PER_OCTAVE;
/** Bins are summed an octave at a time first, so a query scans 41 octaves and then 32 bins, not 1,281 bins. */
const GROUP_COUNT = Math.ceil(BIN_COUNT / BINS_PER_OCTAVE);

export const RECENT_WAITS_RELATIVE_ERROR = Math.pow(2, 1 / (2 * BINS_PER_OCTAVE)) - 1;

function binOf(waitUs: number): number {
  if (!(waitUs >= 1)) return 0;
  return Math.min(BIN_COUNT - 1, 1 + Math.floor(Math.log2(waitUs) * BINS_PER_OCTAVE));
}

function binMidpointUs(bin: number): number {
  return bin === 0 ? 0 : Math.pow(2, (bin - 1 + 0.5) / BINS_PER_OCTAVE);
}

/**
 * A sliding window of waits as a log-spaced histogram plus the samples' (time, bin) in arrival order.
 * Each sample enters once and leaves once (when it is a minute old), so an add is O(1) amortised;
 * the window is exact in time and only the values are binned. Times must not go backwards.
 */
export class RecentWaits {
  private readonly binCounts = new Int32Array(BIN_COUNT);
  private readonly groupCounts = new Int32Array(GROUP_COUNT);
  private count = 0;
  /** The window's samples, oldest first: a ring of capacity a power of two. */
  private timesUs = new Float64Array(64);
  private bins = new Int16Array(64);
  private head = 0;
  /** The last answer, valid until a sample enters or leaves. */
  private cachedP90Us = 0;
  private cacheValid = true;

  add(waitUs: number, nowUs: number): void {
    this.expire(nowUs);
    if (this.count === this.timesUs.length) this.grow();
    const slot = (this.head + this.count) & (this.timesUs.length - 1);
    const bin = binOf(waitUs);
    this.timesUs[slot] = nowUs;
    this.bins[slot] = bin;
    this.count++;
    this.binCounts[bin]++;
    this.groupCounts[(bin / BINS_PER_OCTAVE) | 0]++;
    this.cacheValid = false;
  }

  /** Nearest-rank p90 (the smallest wait with at least 90 % of the samples at or below it) of the last minute, µs; 0 without samples. */
  p90Us(nowUs: number): number {
    this.expire(nowUs);
    if (this.cacheValid) return this.cachedP90Us;
    this.cachedP90Us = this.count === 0 ? 0 : binMidpointUs(this.binAtRank(Math.ceil(0.9 * this.count)));
    this.cacheValid = true;
    return this.cachedP90Us;
  }

  /** Samples in the window at `nowUs`. */
  size(nowUs: number): number {
    this.expire(nowUs);
    return this.count;
  }

  /** The bin holding the rank-th smallest sample (1-based). */
  private binAtRank(rank: number): number {
    let seen = 0;
    let group = 0;
    while (seen + this.groupCounts[group] < rank) seen += this.groupCounts[group++];
    let bin = group * BINS_PER_OCTAVE;
    while (seen + this.binCounts[bin] < rank) seen += this.binCounts[bin++];
    return bin;
  }

  private expire(nowUs: number): void {
    const oldestKeptUs = nowUs - RECENT_WAITS_WINDOW_US;
    const mask = this.timesUs.length - 1;
    while (this.count > 0 && this.timesUs[this.head] <= oldestKeptUs) {
      const bin = this.bins[this.head];
      this.binCounts[bin]--;
      this.groupCounts[(bin / BINS_PER_OCTAVE) | 0]--;
      this.head = (this.head + 1) & mask;
      this.count--;
      this.cacheValid = false;
    }
  }

  private grow(): void {
    const capacity = this.timesUs.length * 2;
    const timesUs = new Float64Array(capacity);
    const bins = new Int16Array(capacity);
    const mask = this.timesUs.length - 1;
    for (let i = 0; i < this.count; i++) {
      timesUs[i] = this.timesUs[(this.head + i) & mask];
      bins[i] = this.bins[(this.head + i) & mask];
    }
    this.timesUs = timesUs;
    this.bins = bins;
    this.head = 0;
  }
}
