import { describe, expect, it } from "vitest";
import { DIRECT_KEYS, KvCache } from "../../src/inference/kv-cache.js";
import { SequenceKv } from "../../src/inference/sequence-kv.js";
import { SequenceTable } from "../../src/inference/sequences.js";
import { PREFIX_KEYS, PrefixKeySpace } from "../../src/workload/tenant-source.js";

const keys = (...k: number[]) => Int32Array.from(k);

describe("KvCache", () => {
  it("takes nothing when it cannot take all it is asked for", () => {
    const kv = new KvCache(10, 2);
    expect(kv.allocate(8)).toBe(true);
    expect(kv.allocate(3)).toBe(false);
    expect([kv.free, kv.privateBlocks]).toEqual([2, 8]);
    kv.check();
  });

  it("evicts prefixes no sequence uses, least recently used first, and never a pinned one", () => {
    const seqs = new SequenceTable();
    const kv = new SequenceKv(6, 1, 16, seqs);
    // Three sequences each cache one unit; unit 2 stays pinned by its running sequence.
    for (const [req, key] of [[0, 1], [1, 2], [2, 3]]) {
      seqs.open(req, 0);
      expect(kv.admit(req, undefined, 0, 1)).toBe(true);
      kv.sharePrompt(req, keys(key), 1);
    }
    kv.drop(0); // unit 1 unused first
    kv.drop(2); // then unit 3
    seqs.open(3, 0);
    expect(kv.tryGrow(3, 4)).toBe(true); // 3 free + 1 evicted
    expect(kv.cache.evictions).toBe(1);
    expect(kv.match(keys(1), 1)).toBe(0); // the least recently used went first
    expect(kv.match(keys(3), 1)).toBe(1);
    expect(kv.tryGrow(3, 2)).toBe(false); // only unit 3 is evictable: unit 2 is pinned
    expect(kv.match(keys(2), 1)).toBe(1);
    kv.cache.check();
  });

  it("shares a prefix another sequence cached meanwhile and frees the duplicate's blocks", () => {
    const seqs = new SequenceTable();
    const kv = new SequenceKv(10, 2, 16, seqs);
    for (const req of [0, 1]) {
      seqs.open(req, 0);
      kv.admit(req, undefined, 0, 3); // 48 tokens each, both computing unit 5 themselves
      seqs.computed[req] = 48;
    }
    kv.sharePrompt(0, keys(5), 1);
    kv.sharePrompt(1, keys(5), 1);
    expect([seqs.blocks[0], seqs.blocks[1], seqs.sharedBlocks[1]]).toEqual([1, 1, 2]);
    expect([kv.cache.privateBlocks, kv.cache.cachedBlocks, kv.cache.free]).toEqual([2, 2, 6]);
    kv.check([0, 1], (req) => req);
    kv.drop(0);
    kv.drop(1);
    expect(kv.cache.free + kv.cache.cachedBlocks).toBe(10);
    expect(kv.cache.available()).toBe(10);
  });

  it("reserve gives back blocks a shorter horizon no longer needs", () => {
    const seqs = new SequenceTable();
    const kv = new SequenceKv(10, 1, 16, seqs);
    seqs.open(0, 0);
    kv.reserve(0, 80);
    expect(seqs.blocks[0]).toBe(5);
    kv.reserve(0, 33);
    expect([seqs.blocks[0], kv.cache.free]).toEqual([3, 7]);
  });

  it("extends a sequence's shared run only under the keys it was admitted with", () => {
    const seqs = new SequenceTable();
    const kv = new SequenceKv(10, 1, 16, seqs);
    const own = keys(4, 5, 6);
    seqs.open(0, 0);
    kv.admit(0, undefined, 0, 3);
    kv.sharePrompt(0, own, 1);
    seqs.open(1, 0);
    expect(kv.match(own, 2)).toBe(1);
    expect(kv.admit(1, own, 1, 2)).toBe(true);
    expect(() => kv.sharePrompt(1, keys(4, 5, 6), 3)).toThrow(/other prefix keys/); // equal values, another prompt
    kv.sharePrompt(1, own, 3);
    expect([seqs.pinnedUnits[1], seqs.sharedBlocks[1], seqs.blocks[1]]).toEqual([3, 3, 0]);
    kv.drop(1);
    kv.drop(0);
    expect([kv.cache.cachedBlocks, kv.cache.available()]).toEqual([3, 10]);
    kv.cache.check();
  });

  it("behaves the same whether its keys are array-indexed (small) or in its Map (large)", () => {
    /** A replica's cache under a fixed pseudo-random load of sequences on 6 prompts of 5 units sharing leading units; what it saw. */
    const run = (offset: number) => {
      const prompts = [0, 1, 2, 3, 4, 5].map((p) => Int32Array.from({ length: 5 }, (_, u) => offset + (u < p % 3 ? u : 10 * p + u)));
      const seqs = new SequenceTable();
      const kv = new SequenceKv(24, 2, 16, seqs);
      const running: number[] = [];
      const seen: number[] = [];
      let state = 12345;
      const next = (n: number) => ((state = (state * 1103515245 + 12345) % 2 ** 31) >>> 8) % n;
      for (let step = 0; step < 400; step++) {
        if (running.length > 0 && (running.length > 4 || next(3) === 0)) {
          const req = running.splice(next(running.length), 1)[0];
          kv.drop(req);
          seqs.close(req);
          continue;
        }
        const req = step + 100;
        const keys = prompts[next(prompts.length)];
        seqs.open(req, 0);
        const matched = kv.match(keys, 5);
        const ok = kv.admit(req, keys, matched, 2 * (5 - matched));
        seen.push(matched, ok ? 1 : 0);
        if (!ok) continue;
        running.push(req);
        kv.sharePrompt(req, keys, 5);
      }
      kv.cache.check();
      return { seen, hits: kv.cache.hits, evictions: kv.cache.evictions, cached: kv.cache.cachedBlocks, available: kv.cache.available() };
    };
    const small = run(0);
    expect(small.evictions).toBeGreaterThan(10);
    expect(small.hits).toBeGreaterThan(100);
    expect(run(DIRECT_KEYS - 20)).toEqual(small); // straddling the array's end
    expect(run(PREFIX_KEYS - 100)).toEqual(small);
  });
});

describe("PrefixKeySpace", () => {
  it("hands out consecutive keys and refuses to go past 32 bits", () => {
    const space = new PrefixKeySpace();
    expect(space.reserve(10)).toBe(0);
    expect(space.reserve(PREFIX_KEYS - 20)).toBe(10);
    expect(() => space.reserve(11)).toThrow(/prefix-cache keys: 2147483649 needed/);
    expect(space.reserve(10)).toBe(PREFIX_KEYS - 10);
  });
});
