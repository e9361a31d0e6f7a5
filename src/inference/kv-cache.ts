/**
 * A replica's paged KV cache: a pool of fixed-size blocks, some held privately by running
 * sequences, some holding shared prompt prefixes (the prefix cache), the rest free. Prefix units
 * (a run of blocks named by a hash of the prompt up to its end) are reference-counted; those no
 * running sequence uses are evicted least-recently-used first when blocks run short.
 *
 * Invariant: capacity = free + private + cached, always.
 */
export class KvCache {
  free: number;
  privateBlocks = 0;
  cachedBlocks = 0;
  /** prefix units by key, with the number of running sequences using each */
  private readonly refs = new Map<number, number>();
  /** units no sequence uses, least recently used first (Map keeps insertion order) */
  private readonly evictable = new Map<number, true>();
  evictions = 0;
  hits = 0;

  constructor(
    readonly capacity: number,
    readonly blocksPerUnit: number,
  ) {
    this.free = capacity;
  }

  /** Blocks a new allocation could get: free ones plus those of unused prefixes. */
  available(): number {
    return this.free + this.evictable.size * this.blocksPerUnit;
  }

  get usedBlocks(): number {
    return this.capacity - this.free;
  }

  /** Takes `n` private blocks, evicting unused prefixes as needed; takes nothing and returns false if it cannot. */
  allocate(n: number): boolean {
    if (n <= 0) return true;
    if (this.available() < n) return false;
    for (const key of this.evictable.keys()) {
      if (this.free >= n) break;
      this.evictable.delete(key);
      this.refs.delete(key);
      this.cachedBlocks -= this.blocksPerUnit;
      this.free += this.blocksPerUnit;
      this.evictions++;
    }
    this.free -= n;
    this.privateBlocks += n;
    return true;
  }

  release(n: number): void {
    this.privateBlocks -= n;
    this.free += n;
  }

  /** How many leading keys are cached now (each a unit of prompt). */
  match(keys: Float64Array, maxUnits: number): number {
    let n = 0;
    while (n < maxUnits && n < keys.length && this.refs.has(keys[n])) n++;
    return n;
  }

  /** A sequence starts using a cached unit. */
  pin(key: number): void {
    const refs = this.refs.get(key)!;
    if (refs === 0) this.evictable.delete(key);
    this.refs.set(key, refs + 1);
    this.hits++;
  }

  /** A sequence stops using a unit; when none does, it becomes evictable (most recently used last). */
  unpin(key: number): void {
    const refs = this.refs.get(key)! - 1;
    this.refs.set(key, refs);
    if (refs === 0) this.evictable.set(key, true);
  }

  /**
   * Turns a unit's worth of a sequence's private blocks into a cached prefix unit it keeps using.
   * Returns false, changing nothing, if the key is already cached (another sequence computed it).
   */
  insert(key: number): boolean {
    if (this.refs.has(key)) return false;
    this.refs.set(key, 1);
    this.privateBlocks -= this.blocksPerUnit;
    this.cachedBlocks += this.blocksPerUnit;
    return true;
  }

  /** Throws if the block accounting is broken (for tests and debug runs). */
  check(): void {
    if (this.free < 0 || this.privateBlocks < 0 || this.cachedBlocks < 0 || this.free + this.privateBlocks + this.cachedBlocks !== this.capacity) {
      throw new Error(`KV blocks do not add up: free ${this.free} + private ${this.privateBlocks} + cached ${this.cachedBlocks} != capacity ${this.capacity}`);
    }
    if (this.cachedBlocks !== this.refs.size * this.blocksPerUnit) throw new Error("cached blocks do not match the prefix units held");
  }
}
