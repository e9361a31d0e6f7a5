/**
 * The KV cache as a sequence sees it: hold enough private blocks for its tokens, share the prefix
 * units already cached, give it all back. KvCache counts blocks; this adds which sequence holds
 * which (in the SequenceTable), so the replica never touches block counts itself.
 */
import { KvCache, type OffloadTier, type PrefixKeys } from "./kv-cache.js";
import type { SequenceTable } from "./sequences.js";
import type { OffloadHits } from "./replica-stats.js";

export class SequenceKv {
  private kv: KvCache;
  /** tokens in one prefix unit */
  readonly unitTokens: number;
  /** prefix units read back from each offload tier, over the replica's life (a new host tier after a failure included) */
  readonly offloadHits: OffloadHits = { host: 0, store: 0 };

  constructor(
    capacityBlocks: number,
    readonly blocksPerUnit: number,
    readonly blockSize: number,
    private readonly seqs: SequenceTable,
    /** the replica's own offload tier (host memory), made anew when the replica is; undefined without KV offload */
    private readonly offloadTier: () => OffloadTier | undefined = () => undefined,
  ) {
    this.kv = new KvCache(capacityBlocks, blocksPerUnit, offloadTier());
    this.unitTokens = blocksPerUnit * blockSize;
  }

  /** The block pool (counts, prefix-cache hits and evictions). */
  get cache(): KvCache {
    return this.kv;
  }

  /** Loses every block and prefix unit (the replica went down); the hit and eviction counts carry on. */
  reset(): void {
    const lost = this.kv;
    this.kv = new KvCache(lost.capacity, this.blocksPerUnit, this.offloadTier());
    this.kv.hits = lost.hits;
    this.kv.evictions = lost.evictions;
  }

  /**
   * Units of `keys` from `from` on (before `maxUnits`) found below the GPU's leading run: each in an
   * offload tier, or again in GPU memory (the part of a prefix evicted last stays there while its start
   * went down a tier). Those in GPU memory are copied, at no cost counted, into the sequence's own
   * blocks with the rest, and shared again when its prompt is.
   */
  offloaded(keys: PrefixKeys, from: number, maxUnits: number): number {
    let u = from;
    while (u < maxUnits && u < keys.length && (this.kv.holds(keys[u]) || this.tierOf(keys[u]))) u++;
    return u - from;
  }

  /** Reads back the `n` offloaded units of `keys` from `from` on; returns how long that takes (µs): each tier's latency, then its units at its bandwidth. */
  readOffloaded(keys: PrefixKeys, from: number, n: number): number {
    let us = 0;
    for (let tier = this.kv.offload; tier; tier = tier.below) {
      let units = 0;
      for (let u = from; u < from + n; u++) {
        if (this.kv.holds(keys[u]) || this.tierOf(keys[u]) !== tier) continue;
        tier.touch(keys[u]);
        units++;
      }
      this.offloadHits[tier.name] += units;
      us += tier.readUs(units);
    }
    return us;
  }

  /** The highest offload tier holding `key`, if any. */
  private tierOf(key: number): OffloadTier | undefined {
    for (let tier = this.kv.offload; tier; tier = tier.below) if (tier.has(key)) return tier;
    return undefined;
  }

  /** Private blocks sequence `req` needs to hold `tokens` tokens, beyond the prefix units it shares. */
  privateBlocksFor(req: number, tokens: number): number {
    const blocks = (((tokens + this.blockSize - 1) / this.blockSize) | 0) - this.seqs.sharedBlocks[req];
    return blocks > 0 ? blocks : 0;
  }

  /** Blocks `req` needs beyond those it holds to hold `tokens` tokens (negative if it holds more). */
  shortfall(req: number, tokens: number): number {
    return this.privateBlocksFor(req, tokens) - this.seqs.blocks[req];
  }

  /** Gives `req` `n` more private blocks; false, changing nothing, if the pool cannot. */
  tryGrow(req: number, n: number): boolean {
    if (!this.kv.allocate(n)) return false;
    if (n > 0) this.seqs.blocks[req] += n;
    return true;
  }

  /** Sets `req`'s private blocks to exactly what `tokens` tokens need, taking or giving back the difference. */
  reserve(req: number, tokens: number): void {
    const delta = this.shortfall(req, tokens);
    if (delta > 0) this.kv.allocate(delta);
    else if (delta < 0) this.kv.release(-delta);
    this.seqs.blocks[req] += delta;
  }

  /** Leading prefix units of `keys` cached now, at most `maxUnits`. */
  match(keys: PrefixKeys, maxUnits: number): number {
    return this.kv.match(keys, maxUnits);
  }

  /**
   * Starts `req` on the first `matched` cached units of `keys` plus `privateBlocks` blocks of its own;
   * false, changing nothing, if the pool cannot give them. The matched units are pinned first, so
   * making room for the rest cannot evict them.
   */
  admit(req: number, keys: PrefixKeys | undefined, matched: number, privateBlocks: number): boolean {
    if (matched > 0) this.kv.pinRun(keys!, matched);
    if (!this.kv.allocate(privateBlocks)) {
      if (matched > 0) this.kv.unpinRun(keys!, matched);
      return false;
    }
    const seqs = this.seqs;
    seqs.pinnedKeys[req] = matched > 0 ? keys : undefined;
    seqs.pinnedUnits[req] = matched;
    seqs.sharedBlocks[req] = matched * this.blocksPerUnit;
    seqs.blocks[req] = privateBlocks;
    return true;
  }

  /**
   * The prompt of `req` is computed: its first `units` whole units become shareable prefix-cache
   * entries. A unit another sequence cached meanwhile is shared instead, and `req`'s copy freed.
   */
  sharePrompt(req: number, keys: PrefixKeys, units: number): void {
    const seqs = this.seqs;
    const pinned = seqs.pinnedUnits[req];
    if (units <= pinned) return;
    if (pinned > 0 && seqs.pinnedKeys[req] !== keys) throw new Error(`sequence ${req}: its prompt is shared under other prefix keys than those it was admitted with`);
    const kv = this.kv;
    for (let u = pinned; u < units; u++) {
      const key = keys[u];
      if (!kv.insert(key)) {
        kv.pin(key);
        kv.release(this.blocksPerUnit);
      }
    }
    seqs.blocks[req] -= (units - pinned) * this.blocksPerUnit;
    seqs.pinnedKeys[req] = keys;
    seqs.pinnedUnits[req] = units;
    seqs.sharedBlocks[req] = units * this.blocksPerUnit;
  }

  /** Gives back `req`'s private blocks and its hold on shared prefix units. */
  drop(req: number): void {
    const seqs = this.seqs;
    this.kv.release(seqs.blocks[req]);
    seqs.blocks[req] = 0;
    const pinned = seqs.pinnedUnits[req];
    if (pinned > 0) this.kv.unpinRun(seqs.pinnedKeys[req]!, pinned);
    seqs.pinnedKeys[req] = undefined;
    seqs.pinnedUnits[req] = 0;
    seqs.sharedBlocks[req] = 0;
  }

  /** Throws if the blocks the `running` sequences hold do not add up to the pool's count (KV-block conservation). */
  check(running: readonly number[], serialOf: (req: number) => number, reserved = 0): void {
    this.kv.check();
    const seqs = this.seqs;
    let held = 0;
    for (const req of running) {
      held += seqs.blocks[req];
      const units = seqs.pinnedUnits[req];
      const needed = Math.ceil(seqs.computed[req] / this.blockSize) - units * this.blocksPerUnit;
      if (seqs.sharedBlocks[req] !== units * this.blocksPerUnit) throw new Error(`request ${serialOf(req)}: shared blocks out of step with its prefix units`);
      if (seqs.blocks[req] < needed) throw new Error(`request ${serialOf(req)} holds ${seqs.blocks[req]} blocks for ${seqs.computed[req]} tokens`);
      if (seqs.decoding[req] && seqs.firstTokenUs[req] < 0) throw new Error(`request ${serialOf(req)} decodes before its first token`);
    }
    if (held + reserved !== this.kv.privateBlocks) throw new Error(`running sequences hold ${held} private blocks (and ${reserved} are reserved for KV transfers), the pool counts ${this.kv.privateBlocks}`);
  }
}
