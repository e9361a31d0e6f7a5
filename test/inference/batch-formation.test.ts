import { describe, expect, it } from "vitest";
import { emptyBatch, formBatch, prefillChunk, PREEMPT_LAST_ADMITTED, type BatchLimits, type FormationPolicy, type WaitingLine } from "../../src/inference/batch-formation.js";
import { RunningSet } from "../../src/inference/running-set.js";
import { SequenceKv } from "../../src/inference/sequence-kv.js";
import { SequenceTable } from "../../src/inference/sequences.js";

const BLOCK = 16;

/** A replica's scheduling state with `blocks` KV blocks of 16 tokens, prefix units of one block. */
function replica(blocks: number, limits: Partial<BatchLimits> = {}, policy: FormationPolicy = PREEMPT_LAST_ADMITTED) {
  const seqs = new SequenceTable();
  const kv = new SequenceKv(blocks, 1, BLOCK, seqs);
  const inputTokens = new Int32Array(16);
  const prefixKeys: (Int32Array | undefined)[] = [];
  const queue: number[] = [];
  const waiting: WaitingLine = { peek: () => (queue.length > 0 ? queue[0] : -1), take: () => void queue.shift() };
  const set = new RunningSet(seqs, kv, 1);
  const all = { maxSeqs: 8, maxTokens: 512, chunkedPrefill: true, prefixCaching: false, watermarkBlocks: 0, decodeWidth: 1, ...limits } as BatchLimits;
  const out = emptyBatch();
  const formation = { seqs, kv, requests: { inputTokens, prefixKeys }, limits: all, policy, alwaysLayOut: true };
  const form = () => formBatch(formation, set, waiting, out);
  /** a request of `prompt` tokens arriving at the replica */
  const arrive = (req: number, prompt: number, keys?: number[]) => {
    inputTokens[req] = prompt;
    prefixKeys[req] = keys && Int32Array.from(keys);
    seqs.open(req, 0);
    queue.push(req);
  };
  /** what finishing the iteration does to the sequences in it */
  const finishIteration = () => {
    for (const req of out.batch) {
      seqs.computed[req] += seqs.chunk[req];
      if (seqs.decoding[req]) seqs.generated[req]++;
      else if (seqs.computed[req] >= inputTokens[req] + seqs.generated[req]) {
        seqs.decoding[req] = 1;
        seqs.generated[req]++;
        seqs.firstTokenUs[req] = 1;
      }
    }
  };
  /** the running sequences in running order (formation visits them all: `alwaysLayOut`) */
  const running = () => set.listed;
  return { seqs, kv, queue, running, out, form, arrive, finishIteration };
}

describe("batch formation", () => {
  it("caps an iteration at max_batched_tokens by chunking the prompt that does not fit", () => {
    const r = replica(1000, { maxTokens: 100 });
    r.arrive(0, 60);
    r.arrive(1, 300);
    r.form();
    expect(r.out.admitted).toEqual([0, 1]);
    expect([r.seqs.chunk[0], r.seqs.chunk[1]]).toEqual([60, 40]);
    expect(r.out.shape.prefillTokens).toBe(100);
    expect(r.out.decodeOnly).toBe(false);
  });

  it("without chunked prefill, holds back a prompt over the remaining budget, but runs one alone in an empty batch", () => {
    expect(prefillChunk(300, 100, false, false)).toBe(0);
    expect(prefillChunk(300, 100, false, true)).toBe(300);
    expect(prefillChunk(300, 100, true, false)).toBe(100);
    const r = replica(1000, { maxTokens: 100, chunkedPrefill: false });
    r.arrive(0, 60);
    r.arrive(1, 300);
    r.form();
    expect(r.out.admitted).toEqual([0]);
    expect(r.queue).toEqual([1]);
  });

  it("preempts the most recently admitted sequence, not the one that needs the block (vLLM's recompute order)", () => {
    const r = replica(4);
    r.arrive(0, 32); // 2 blocks
    r.arrive(1, 32); // 2 blocks: the cache is full
    r.form();
    expect(r.out.admitted).toEqual([0, 1]);
    r.finishIteration();
    // Both decode next; sequence 0's 33rd token needs a third block and none is free.
    r.form();
    expect(r.out.preempted).toEqual([1]);
    expect(r.running()).toEqual([0]);
    expect(r.out.batch).toEqual([0]);
    expect([r.seqs.computed[1], r.seqs.decoding[1], r.seqs.blocks[1], r.seqs.preemptions[1]]).toEqual([0, 0, 0, 1]);
    // Its prompt and its one generated token are to be recomputed.
    expect(r.out.recomputeTokens).toBe(33);
    expect(r.kv.cache.privateBlocks).toBe(3);
  });

  it("preempts the victim its policy names, among the sequences not yet scheduled this iteration", () => {
    // The first sequence still to schedule instead of the last: sequence 0 needs a block and is its own victim.
    const r = replica(4, {}, { victim: (_running, from) => from });
    r.arrive(0, 32);
    r.arrive(1, 32);
    r.form();
    r.finishIteration();
    r.form();
    expect(r.out.preempted).toEqual([0]);
    expect(r.out.batch).toEqual([]);
    expect(r.running()).toEqual([1]);
    // A policy naming a sequence already in this iteration's batch is refused, not obeyed halfway.
    const bad = replica(4, {}, { victim: () => 0 });
    bad.arrive(0, 20); // 2 blocks with room for its next tokens
    bad.arrive(1, 32); // 2 blocks, full: its 33rd token needs a third
    bad.form();
    bad.finishIteration();
    expect(() => bad.form()).toThrow(/victim at 0 of 2/);
  });

  it("admits nothing in an iteration that preempted, so the victim is not readmitted at once", () => {
    const r = replica(4);
    r.arrive(0, 32);
    r.arrive(1, 32);
    r.form();
    r.finishIteration();
    r.arrive(2, 1);
    r.form();
    expect(r.out.preempted).toEqual([1]);
    expect(r.out.admitted).toEqual([]);
    expect(r.queue).toEqual([2]);
  });

  it("keeps the watermark free when admitting beside running sequences", () => {
    const r = replica(10, { watermarkBlocks: 3 });
    r.arrive(0, 16); // 1 block
    r.arrive(1, 96); // 6 blocks: 10 - 1 - 6 = 3 left, exactly the watermark
    r.arrive(2, 16); // would leave 2
    r.form();
    expect(r.out.admitted).toEqual([0, 1]);
    expect(r.queue).toEqual([2]);
  });

  it("computes only the uncached part of a prompt whose prefix is in the cache, and leaves its last token to compute", () => {
    const r = replica(100, { prefixCaching: true });
    r.arrive(0, 48, [7, 8, 9]);
    r.form();
    r.finishIteration();
    r.kv.sharePrompt(0, Int32Array.from([7, 8, 9]), 3);
    // Same three units: all 48 tokens are cached, but the last unit is not used so one token remains to compute.
    r.arrive(1, 48, [7, 8, 9]);
    r.form();
    expect(r.out.admitted).toEqual([1]);
    expect(r.seqs.computed[1]).toBe(32);
    expect(r.seqs.chunk[1]).toBe(16);
    expect(r.seqs.sharedBlocks[1]).toBe(2);
    r.kv.check(r.running(), (req) => req);
  });
});
