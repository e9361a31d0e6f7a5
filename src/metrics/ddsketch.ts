/**
 * DDSketch with the lowest bins collapsed: quantiles with a relative-error guarantee in bounded memory.
 *
 * The algorithm is Masson, Rim and Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with
 * Relative-Error Guarantees", PVLDB 12(12): 2195-2205, 2019. For a relative accuracy α let
 * γ = (1 + α) / (1 − α); a value v > 0 is counted in the bin with key ⌈log_γ v⌉, whose representative
 * value 2γ^k / (1 + γ) is within α of every value in the bin. The counts of consecutive keys are kept in
 * a dense array; when more than `binLimit` keys would be needed, the lowest ones are collapsed into one,
 * which leaves the high quantiles that latency reports use accurate. The q-quantile is the bin in which
 * the running count (zeros first) first exceeds the rank q·(n − 1).
 *
 * This is our own implementation of what @datadog/sketches-js 2.1.1's `LogCollapsingLowestDenseDDSketch`
 * computes, and it gives bit-identical quantiles (test/metrics/ddsketch.test.ts holds it to the library):
 * the same floating-point expressions for keys and bin values, the same handling of values too small to
 * index, the same rank rule, and the library's collapsing rule with its quirks (see `collapseBelow` and
 * `mergeBins`). Unlike the library, it keeps its counts in a Float64Array that grows geometrically and is
 * only re-centred when the keys in use run off one end, and it can be cleared and reused.
 *
 * Differences from the library: negative and infinite values are refused (durations are neither; the
 * library keeps negatives apart and then drops them when merging), and merging is right where the
 * library's miscounts. (1) A sketch whose highest key is 0 (values within 0.5 % of 1 s): the library does
 * not extend the range to that key (`secondKey || key` takes 0 for none) and those bins become NaN;
 * LatencySketch used to work around it by extending the range first, which gives the counts computed
 * here. (2) A merge that collapses and reads one key past the end of the other sketch's array: the library
 * reads undefined there and the lowest bin becomes NaN; here a key outside a sketch's range counts 0.
 */

/** sketches-js grows its array of bins by chunks of this many keys, centred on the keys in use. */
const CHUNK_KEYS = 128;

export class DDSketch {
  /** log2(v) times this is log_γ(v), computed as sketches-js does so that keys agree to the last bit. */
  private readonly keysPerOctave: number;
  /** Values at or below this (2^-1023 γ) are counted as zeros. */
  private readonly minIndexable: number;
  /** The factor from γ^k to the bin's representative value 2γ^k / (1 + γ). */
  private readonly binValueFactor: number;

  /** Counts of the keys minKey..maxKey at bins[key - binsBase]; every other entry is 0. */
  private bins = new Float64Array(0);
  private binsBase = 0;
  private minKey = Infinity;
  private maxKey = -Infinity;
  /** Weight added to the bins (the library's store count; after a collapse the bins can hold more). */
  private binnedWeight = 0;
  /** Once the lowest keys have been collapsed, keys below the range are counted in its lowest bin. */
  private collapsed = false;
  /**
   * Where the library's own array of bins would start and how long it would be: it decides one detail of
   * collapsing (`collapseBelow`), so it is tracked here although the counts live elsewhere.
   */
  private windowStart = 0;
  private windowLength = 0;

  /** Total weight of the values added. */
  count = 0;
  /** Weight of the values counted as zeros. */
  zeroWeight = 0;

  constructor(
    relativeAccuracy: number,
    private readonly binLimit: number,
  ) {
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) throw new RangeError(`relative accuracy must be in (0, 1), got ${relativeAccuracy}`);
    if (!(Number.isInteger(binLimit) && binLimit >= 1)) throw new RangeError(`bin limit must be a positive integer, got ${binLimit}`);
    const gammaMinusOne = (2 * relativeAccuracy) / (1 - relativeAccuracy);
    const gamma = 1 + gammaMinusOne;
    this.keysPerOctave = (1 / Math.log1p(gammaMinusOne)) * Math.log(2);
    this.minIndexable = Math.pow(2, -1023) * gamma;
    this.binValueFactor = 2 / (1 + gamma);
  }

  /** Counts `value` (≥ 0, finite) with `weight` (> 0). */
  add(value: number, weight = 1): void {
    if (weight <= 0) throw new RangeError(`weight must be positive, got ${weight}`);
    if (value > this.minIndexable) {
      if (value === Infinity) throw new RangeError("DDSketch counts finite values only");
      this.addToKey(Math.ceil(Math.log2(value) * this.keysPerOctave), weight);
    } else if (value < -this.minIndexable) {
      throw new RangeError(`DDSketch counts values ≥ 0 only, got ${value}`);
    } else {
      this.zeroWeight += weight; // NaN lands here too, as in the library
    }
    this.count += weight;
  }

  /** The estimate of the q-quantile (0 ≤ q ≤ 1); NaN when empty. */
  quantile(q: number): number {
    if (q < 0 || q > 1 || this.count === 0) return NaN;
    const rank = q * (this.count - 1);
    // A total weight below 1 gives a negative rank, which the library looks up among negative values
    // (there are none) and answers −0.
    if (rank < 0) return -0;
    if (rank < this.zeroWeight) return 0;
    return this.binValue(this.keyAtRank(rank - this.zeroWeight));
  }

  /** Adds the counts of `other`, which must have the same accuracy and bin limit. */
  merge(other: DDSketch): void {
    if (other.keysPerOctave !== this.keysPerOctave || other.binLimit !== this.binLimit) {
      throw new RangeError("cannot merge DDSketches of different accuracies or bin limits");
    }
    if (other.count === 0) return;
    this.mergeBins(other);
    this.zeroWeight += other.zeroWeight;
    this.count += other.count;
  }

  /** Empties the sketch but keeps its array, so that refilling it allocates nothing. */
  clear(): void {
    this.clearBins();
    this.binnedWeight = 0;
    this.collapsed = false;
    this.windowStart = 0;
    this.windowLength = 0;
    this.count = 0;
    this.zeroWeight = 0;
  }

  private binValue(key: number): number {
    return Math.pow(2, key / this.keysPerOctave) * this.binValueFactor;
  }

  /** The lowest key at which the running count exceeds `rank`, or the highest key if none does. */
  private keyAtRank(rank: number): number {
    const { bins, binsBase } = this;
    let running = 0;
    for (let key = this.minKey; key <= this.maxKey; key++) {
      running += bins[key - binsBase];
      if (running > rank) return key;
    }
    return this.maxKey;
  }

  private addToKey(key: number, weight: number): void {
    if (key < this.minKey) {
      if (!this.collapsed) this.extendRange(key, key);
      // the library counts it in its array's first bin, which after a collapse is the lowest key
      if (this.collapsed) key = this.minKey;
    } else if (key > this.maxKey) {
      this.extendRange(key, key);
    }
    this.bins[key - this.binsBase] += weight;
    this.binnedWeight += weight;
  }

  /**
   * Makes the range take in lowKey..highKey, as the library does: its array grows by chunks up to
   * binLimit keys and is centred on the range, or, when the range would be wider than that, the lowest
   * keys are collapsed.
   */
  private extendRange(lowKey: number, highKey: number): void {
    const low = Math.min(lowKey, this.minKey);
    const high = Math.max(highKey, this.maxKey);
    if (low >= this.minKey && high < this.windowStart + this.windowLength) {
      this.setRange(low, high);
      return;
    }
    const span = high - low + 1;
    this.windowLength = Math.max(this.windowLength, Math.min(CHUNK_KEYS * Math.ceil(span / CHUNK_KEYS), this.binLimit));
    if (span <= this.windowLength) {
      this.windowStart = low + Math.floor(span / 2) - Math.floor(this.windowLength / 2);
      this.setRange(low, high);
    } else {
      this.collapseBelow(high - this.windowLength + 1, high);
    }
  }

  /**
   * The range becomes newMin..newMax (binLimit keys) and the counts below newMin go to newMin.
   *
   * Two quirks of the library are kept, because quantiles must not change: when every count lies at or
   * below newMin, that bin is set to the store's total weight; otherwise, when its array started below
   * newMin (windowStart < newMin), it sums the counts from the lowest key up to and including newMin and
   * adds that to newMin, so the count already there is doubled. (When the array started at or above
   * newMin, no count lies below it and nothing moves.)
   */
  private collapseBelow(newMin: number, newMax: number): void {
    if (newMin >= this.maxKey) {
      this.clearBins();
      this.makeRoom(newMin, newMax);
      this.bins[newMin - this.binsBase] = this.binnedWeight;
    } else {
      if (this.windowStart < newMin && this.minKey <= newMin) {
        const { bins, binsBase } = this;
        let folded = 0;
        for (let key = this.minKey; key <= newMin; key++) folded += bins[key - binsBase];
        bins.fill(0, this.minKey - binsBase, newMin - binsBase);
        bins[newMin - binsBase] += folded;
      }
      this.makeRoom(newMin, newMax);
    }
    this.minKey = newMin;
    this.maxKey = newMax;
    this.windowStart = newMin;
    this.collapsed = true;
  }

  private setRange(low: number, high: number): void {
    this.makeRoom(low, high);
    this.minKey = low;
    this.maxKey = high;
  }

  /**
   * Makes `bins` cover keys low..high, keeping the counts of the keys in use that lie in it (callers
   * have already moved any others). A new array has room for half as many keys again as the range
   * (up to binLimit + 25 %), so that re-centring is rare; otherwise the counts are re-centred in place.
   */
  private makeRoom(low: number, high: number): void {
    const { bins: old, binsBase: oldBase } = this;
    if (low >= oldBase && high < oldBase + old.length) return;
    const span = high - low + 1;
    const wanted = Math.min(CHUNK_KEYS * Math.ceil((span + (span >> 1)) / CHUNK_KEYS), this.binLimit + (this.binLimit >> 2));
    const length = Math.max(old.length, wanted, span);
    const base = low - Math.floor((length - span) / 2);
    const keepLow = Math.max(this.minKey, low);
    const keepHigh = Math.min(this.maxKey, high);
    if (length > old.length) {
      const bins = new Float64Array(length);
      if (keepLow <= keepHigh) bins.set(old.subarray(keepLow - oldBase, keepHigh - oldBase + 1), keepLow - base);
      this.bins = bins;
    } else if (keepLow <= keepHigh) {
      old.copyWithin(keepLow - base, keepLow - oldBase, keepHigh - oldBase + 1);
      old.fill(0, 0, keepLow - base);
      old.fill(0, keepHigh - base + 1);
    } else {
      old.fill(0);
    }
    this.binsBase = base;
  }

  /** Zeroes the counts in use and leaves the range empty. */
  private clearBins(): void {
    if (this.minKey <= this.maxKey) this.bins.fill(0, this.minKey - this.binsBase, this.maxKey - this.binsBase + 1);
    this.minKey = Infinity;
    this.maxKey = -Infinity;
  }

  /** The count at a key, 0 outside the range. */
  private countAt(key: number): number {
    return key >= this.minKey && key <= this.maxKey ? this.bins[key - this.binsBase] : 0;
  }

  /**
   * The library's store merge, with its range extended to both of other's ends. When that collapses,
   * other's keys below the range go to the lowest bin: like the library, the sum runs up to and
   * including min(minKey, other.maxKey + 1), so other's count at minKey is added twice.
   */
  private mergeBins(other: DDSketch): void {
    if (other.binnedWeight === 0) return;
    if (this.binnedWeight === 0) {
      this.copyBins(other);
      return;
    }
    if (other.minKey < this.minKey || other.maxKey > this.maxKey) this.extendRange(other.minKey, other.maxKey);
    const { bins, binsBase } = this;
    let from = other.minKey;
    if (other.minKey < this.minKey) {
      const end = Math.min(this.minKey, other.maxKey + 1);
      let folded = 0;
      for (let key = other.minKey; key <= end; key++) folded += other.countAt(key);
      bins[this.minKey - binsBase] += folded;
      from = end;
    }
    for (let key = from; key <= other.maxKey; key++) bins[key - binsBase] += other.bins[key - other.binsBase];
    this.binnedWeight += other.binnedWeight;
  }

  private copyBins(other: DDSketch): void {
    this.clearBins();
    this.makeRoom(other.minKey, other.maxKey);
    this.bins.set(other.bins.subarray(other.minKey - other.binsBase, other.maxKey - other.binsBase + 1), other.minKey - this.binsBase);
    this.minKey = other.minKey;
    this.maxKey = other.maxKey;
    this.binnedWeight = other.binnedWeight;
    this.collapsed = other.collapsed;
    this.windowStart = other.windowStart;
    this.windowLength = other.windowLength;
  }
}
