/**
 * A replica's paged KV cache: a pool of fixed-size blocks, some held privately by running
 * sequences, some holding shared prompt prefixes (the prefix cache), the rest free. Prefix units
 * (a run of blocks named by a hash of the prompt up to its end) are reference-counted; those no
 * running sequence uses are evicted least-recently-used first when blocks run short.
 *
 * Invariant: capacity = free + private + cached, always.
 */
import { widen } from "../engine/columns.js";

/** A prompt's prefix-cache keys, one per unit of prompt: key u names the prompt up to the end of unit u. */
export type PrefixKeys = Int32Array;

/**
 * Units of keys below this are found in an array indexed by key (grown as keys arrive, to at most
 * this long: 16 KB per replica, so a fleet of thousands of replicas replaying a trace of many hash
 * ids stays small), the others in a Map. Keys are handed out from 0 (PrefixKeySpace), so tenants'
 * shared prefixes are usually array-indexed: an array load is several times faster than a Map
 * lookup, and a sequence on a long shared prefix looks up each of its units three times (match,
 * pin, unpin). Where a unit is found changes nothing else.
 */
export const DIRECT_KEYS = 1 << 12;

/** No unit (an absent key, or the end of the LRU list). */
const NONE = -1;

/**
 * A lower tier of the prefix cache (a replica's host memory, or a store its model's replicas share):
 * the prefix units evicted from the tier above, kept up to a capacity and dropped least recently used
 * first, into the tier below when there is one. A unit found here is read back into GPU memory at the
 * tier's bandwidth instead of being computed again; it stays here as well (a copy, as vLLM's CPU
 * offload and LMCache keep it).
 */
export class OffloadTier {
  /** the units held, least recently used first (a Map keeps insertion order) */
  private readonly units = new Map<number, true>();

  constructor(
    readonly name: "host" | "store",
    readonly capacityUnits: number,
    /** microseconds to read one unit back, after a fixed latency per read */
    readonly unitReadUs: number,
    readonly readLatencyUs: number,
    readonly below?: OffloadTier,
  ) {}

  has(key: number): boolean {
    return this.units.has(key);
  }

  /** Keeps `key` (evicted from the tier above) as the most recently used; the oldest unit moves down when full. */
  put(key: number): void {
    if (this.capacityUnits <= 0) return this.below?.put(key);
    this.units.delete(key);
    this.units.set(key, true);
    if (this.units.size > this.capacityUnits) {
      const oldest = this.units.keys().next().value as number;
      this.units.delete(oldest);
      this.below?.put(oldest);
    }
  }

  /** The unit of `key` was read back: it is now the most recently used. */
  touch(key: number): void {
    this.units.delete(key);
    this.units.set(key, true);
  }

  /** Microseconds to read `n` units back. */
  readUs(n: number): number {
    return n > 0 ? this.readLatencyUs + n * this.unitReadUs : 0;
  }
}

/**
 * The block pool. Cached prefix units live in columns indexed by a slot number (handed out densely,
 * recycled on eviction) rather than as an object each: pinning or unpinning a sequence's run of
 * units then reads a few short typed arrays in order, where objects scattered over the heap cost a
 * cache miss per unit (128 units per agent turn on bedrock-day's shared 8,192-token prompts).
 */
export class KvCache {
  free: number;
  privateBlocks = 0;
  cachedBlocks = 0;
  /** the slot of the unit of each key below DIRECT_KEYS (NONE: not cached) */
  private slotByKey = new Int32Array(0);
  /** the slots of the other keys' units */
  private readonly spilled = new Map<number, number>();
  /** per slot: the unit's key, how many running sequences use it, and its LRU neighbours while none does */
  private keyOf = new Int32Array(0);
  private refs = new Int32Array(0);
  private older = new Int32Array(0);
  private newer = new Int32Array(0);
  /** slots handed out so far, and those freed by eviction (reused first) */
  private slotsUsed = 0;
  private readonly freeSlots: number[] = [];
  /** prefix units cached */
  private unitCount = 0;
  /** units no sequence uses, least recently used first: a linked list, so pinning and unpinning are one lookup each */
  private oldest = NONE;
  private newest = NONE;
  private evictableUnits = 0;
  evictions = 0;
  hits = 0;

  constructor(
    readonly capacity: number,
    readonly blocksPerUnit: number,
    /** where evicted prefix units go (KV offload), if anywhere */
    readonly offload?: OffloadTier,
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
      const slot = this.oldest;
      this.unlink(slot);
      this.offload?.put(this.keyOf[slot]);
      this.remove(slot);
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

  /** Whether the unit of `key` is cached in GPU memory. */
  holds(key: number): boolean {
    return this.slotOf(key) !== NONE;
  }

  /** How many leading keys are cached now (each a unit of prompt). */
  match(keys: PrefixKeys, maxUnits: number): number {
    let n = 0;
    while (n < maxUnits && n < keys.length && this.slotOf(keys[n]) !== NONE) n++;
    return n;
  }

  /** A sequence starts using a cached unit. */
  pin(key: number): void {
    const slot = this.slotOf(key);
    if (this.refs[slot] === 0) this.unlink(slot);
    this.refs[slot]++;
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
    const slot = this.slotOf(key);
    if (--this.refs[slot] === 0) this.append(slot);
  }

  /**
   * Turns a unit's worth of a sequence's private blocks into a cached prefix unit it keeps using.
   * Returns false, changing nothing, if the key is already cached (another sequence computed it).
   */
  insert(key: number): boolean {
    if (this.slotOf(key) !== NONE) return false;
    const slot = this.add(key);
    this.refs[slot] = 1;
    this.privateBlocks -= this.blocksPerUnit;
    this.cachedBlocks += this.blocksPerUnit;
    return true;
  }

  /** The slot of the cached unit of `key`, or NONE. */
  private slotOf(key: number): number {
    if (key >= 0 && key < DIRECT_KEYS) return key < this.slotByKey.length ? this.slotByKey[key] : NONE;
    return this.spilled.get(key) ?? NONE;
  }

  /** A slot for a new unit of `key` (not cached), found by its key from now on. */
  private add(key: number): number {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      slot = this.slotsUsed++;
      if (slot >= this.refs.length) {
        const slots = Math.max(64, 2 * this.refs.length);
        this.keyOf = widen(this.keyOf, slots);
        this.refs = widen(this.refs, slots);
        this.older = widen(this.older, slots);
        this.newer = widen(this.newer, slots);
      }
    }
    this.keyOf[slot] = key;
    this.older[slot] = this.newer[slot] = NONE;
    if (key >= 0 && key < DIRECT_KEYS) {
      if (key >= this.slotByKey.length) {
        const known = this.slotByKey.length;
        this.slotByKey = widen(this.slotByKey, Math.min(DIRECT_KEYS, Math.max(key + 1, 2 * known, 64))).fill(NONE, known);
      }
      this.slotByKey[key] = slot;
    } else this.spilled.set(key, slot);
    this.unitCount++;
    return slot;
  }

  /** Forgets the unit in `slot` (evicted); the slot is reused. */
  private remove(slot: number): void {
    const key = this.keyOf[slot];
    if (key >= 0 && key < DIRECT_KEYS) this.slotByKey[key] = NONE;
    else this.spilled.delete(key);
    this.freeSlots.push(slot);
    this.unitCount--;
  }

  private append(slot: number): void {
    this.older[slot] = this.newest;
    this.newer[slot] = NONE;
    if (this.newest !== NONE) this.newer[this.newest] = slot;
    else this.oldest = slot;
    this.newest = slot;
    this.evictableUnits++;
  }

  private unlink(slot: number): void {
    const older = this.older[slot];
    const newer = this.newer[slot];
    if (older !== NONE) this.newer[older] = newer;
    else this.oldest = newer;
    if (newer !== NONE) this.older[newer] = older;
    else this.newest = older;
    this.older[slot] = this.newer[slot] = NONE;
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
