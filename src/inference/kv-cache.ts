/**
 * A replica's paged KV cache: a pool of fixed-size blocks, some held privately by running
 * sequences, some holding shared prompt prefixes (the prefix cache), the rest free. Prefix units
 * (a run of blocks named by a hash of the prompt up to its end) are reference-counted; those no
 * running sequence uses are evicted least-recently-used first when blocks run short.
 *
 * Invariant: capacity = free + private + cached, always.
 */
/** A prompt's prefix-cache keys, one per unit of prompt: key u names the prompt up to the end of unit u. */
export type PrefixKeys = Int32Array;

/** A cached prefix unit: how many running sequences use it, and its place in the LRU list while none does. */
interface Unit {
  key: number;
  refs: number;
  older: Unit | null;
  newer: Unit | null;
}

/**
 * Units of keys below this are found in an array indexed by key (grown as keys arrive, to at most
 * this long: 32 KB of references per replica, so a fleet of thousands of replicas replaying a trace
 * of many hash ids stays small), the others in a Map. Keys are handed out from 0 (PrefixKeySpace), so
 * tenants' shared prefixes are usually array-indexed: an array load is several times faster than a
 * Map lookup, and a sequence on a long shared prefix looks up each of its units three times (match,
 * pin, unpin). Where a unit is kept changes nothing else.
 */
export const DIRECT_KEYS = 1 << 12;

export class KvCache {
  free: number;
  privateBlocks = 0;
  cachedBlocks = 0;
  /** prefix units by key, for keys below DIRECT_KEYS (undefined: not cached) */
  private direct: (Unit | undefined)[] = [];
  /** prefix units by key, for the other keys */
  private readonly spilled = new Map<number, Unit>();
  /** prefix units cached */
  private unitCount = 0;
  /** units no sequence uses, least recently used first: a linked list, so pinning and unpinning are one lookup each */
  private oldest: Unit | null = null;
  private newest: Unit | null = null;
  private evictableUnits = 0;
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
    return this.free + this.evictableUnits * this.blocksPerUnit;
  }

  get usedBlocks(): number {
    return this.capacity - this.free;
  }

  /** Takes `n` private blocks, evicting unused prefixes as needed; takes nothing and returns false if it cannot. */
  allocate(n: number): boolean {
    if (n <= 0) return true;
    if (this.available() < n) return false;
    while (this.free < n) {
      const unit = this.oldest!;
      this.unlink(unit);
      this.remove(unit.key);
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
  match(keys: PrefixKeys, maxUnits: number): number {
    let n = 0;
    while (n < maxUnits && n < keys.length && this.unit(keys[n]) !== undefined) n++;
    return n;
  }

  /** A sequence starts using a cached unit. */
  pin(key: number): void {
    const unit = this.unit(key)!;
    if (unit.refs === 0) this.unlink(unit);
    unit.refs++;
    this.hits++;
  }

  /** A sequence starts using the first `n` units of `keys`, all cached, in order. */
  pinRun(keys: PrefixKeys, n: number): void {
    for (let u = 0; u < n; u++) this.pin(keys[u]);
  }

  /** A sequence stops using the first `n` units of `keys`, in order (so the first becomes the least recently used of them). */
  unpinRun(keys: PrefixKeys, n: number): void {
    for (let u = 0; u < n; u++) this.unpin(keys[u]);
  }

  /** A sequence stops using a unit; when none does, it becomes evictable (most recently used last). */
  unpin(key: number): void {
    const unit = this.unit(key)!;
    if (--unit.refs === 0) this.append(unit);
  }

  /**
   * Turns a unit's worth of a sequence's private blocks into a cached prefix unit it keeps using.
   * Returns false, changing nothing, if the key is already cached (another sequence computed it).
   */
  insert(key: number): boolean {
    if (this.unit(key) !== undefined) return false;
    this.add({ key, refs: 1, older: null, newer: null });
    this.privateBlocks -= this.blocksPerUnit;
    this.cachedBlocks += this.blocksPerUnit;
    return true;
  }

  /** The cached unit of `key`, if any. */
  private unit(key: number): Unit | undefined {
    if (key >= 0 && key < DIRECT_KEYS) return key < this.direct.length ? this.direct[key] : undefined;
    return this.spilled.get(key);
  }

  private remove(key: number): void {
    if (key >= 0 && key < DIRECT_KEYS) this.direct[key] = undefined;
    else this.spilled.delete(key);
    this.unitCount--;
  }

  private add(unit: Unit): void {
    const key = unit.key;
    if (key >= 0 && key < DIRECT_KEYS) {
      const direct = this.direct;
      // Grown by pushes, so the array stays packed (never holey or sparse) and its loads stay fast.
      if (key >= direct.length) for (let n = Math.min(DIRECT_KEYS, Math.max(key + 1, 2 * direct.length, 64)); direct.length < n; ) direct.push(undefined);
      direct[key] = unit;
    } else this.spilled.set(key, unit);
    this.unitCount++;
  }

  private append(unit: Unit): void {
    unit.older = this.newest;
    unit.newer = null;
    if (this.newest) this.newest.newer = unit;
    else this.oldest = unit;
    this.newest = unit;
    this.evictableUnits++;
  }

  private unlink(unit: Unit): void {
    if (unit.older) unit.older.newer = unit.newer;
    else this.oldest = unit.newer;
    if (unit.newer) unit.newer.older = unit.older;
    else this.newest = unit.older;
    unit.older = unit.newer = null;
    this.evictableUnits--;
  }

  /** Throws if the block accounting is broken (for tests and debug runs). */
  check(): void {
    if (this.free < 0 || this.privateBlocks < 0 || this.cachedBlocks < 0 || this.free + this.privateBlocks + this.cachedBlocks !== this.capacity) {
      throw new Error(`KV blocks do not add up: free ${this.free} + private ${this.privateBlocks} + cached ${this.cachedBlocks} != capacity ${this.capacity}`);
    }
    if (this.cachedBlocks !== this.unitCount * this.blocksPerUnit) throw new Error("cached blocks do not match the prefix units held");
    if (this.evictableUnits < 0 || this.evictableUnits > this.unitCount) throw new Error(`${this.evictableUnits} evictable prefix units of ${this.unitCount}`);
  }
}
