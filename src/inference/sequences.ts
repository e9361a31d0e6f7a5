/**
 * What a continuous-batching replica knows of each request it serves: the sequence's progress
 * (tokens in the KV cache, tokens generated), the KV blocks it holds and the prefix units it shares,
 * and its token times. Columns indexed by request id, like the request table; a sequence exists from
 * the moment a replica takes the request (`open`) until it lets go of it (`close`). A retry on
 * another replica opens a new sequence there: nothing of the failed attempt carries over.
 */
import { widen } from "../engine/columns.js";
import type { PrefixKeys } from "./kv-cache.js";

/** A heap's columns: each request's key and its position in the heap (-1 when not in it). */
export interface HeapColumns {
  key: Float64Array;
  pos: Int32Array;
}

export class SequenceTable {
  /** tokens whose KV is in the cache (prompt, then generated tokens) */
  computed = new Int32Array(0);
  /** output tokens produced so far */
  generated = new Int32Array(0);
  /** 1 once the prompt is prefilled and the sequence produces a token per iteration */
  decoding = new Uint8Array(0);
  /** private KV blocks held */
  blocks = new Int32Array(0);
  /** KV blocks of the shared prefix units it uses (pinnedUnits x blocks per unit) */
  sharedBlocks = new Int32Array(0);
  /** tokens scheduled for the iteration in progress */
  chunk = new Int32Array(0);
  /** times it was preempted (its KV dropped, to be recomputed) */
  preemptions = new Int32Array(0);
  firstTokenUs = new Float64Array(0);
  lastTokenUs = new Float64Array(0);
  /** when the request reached its replica */
  submitUs = new Float64Array(0);
  /** the prefix keys of the units it uses in its replica's cache: always the first `pinnedUnits` of its own prefix keys */
  pinnedKeys: (PrefixKeys | undefined)[] = [];
  /** how many prefix units it uses (a leading run of `pinnedKeys`) */
  pinnedUnits = new Int32Array(0);
  /** order of its latest admission at its replica: the running list's order */
  admitOrder = new Float64Array(0);
  /** the decode group's clock when its columns were last brought up to date (DecodeGroup) */
  since = new Float64Array(0);
  /** its place in its decode group's member list, -1 when not a member */
  memberPos = new Int32Array(0);
  /** the decode group's heap of finish times */
  readonly finishHeap: HeapColumns = { key: new Float64Array(0), pos: new Int32Array(0) };

  private capacity = 0;

  /** Starts the sequence of request `req`, reaching its replica at `nowUs`. */
  open(req: number, nowUs: number): void {
    if (req >= this.capacity) this.grow(Math.max(req + 1, this.capacity * 2, 1024));
    this.computed[req] = 0;
    this.generated[req] = 0;
    this.decoding[req] = 0;
    this.blocks[req] = 0;
    this.sharedBlocks[req] = 0;
    this.chunk[req] = 0;
    this.preemptions[req] = 0;
    this.firstTokenUs[req] = -1;
    this.submitUs[req] = nowUs;
    this.pinnedKeys[req] = undefined;
    this.pinnedUnits[req] = 0;
    this.memberPos[req] = -1;
    this.finishHeap.pos[req] = -1;
  }

  /** The replica let go of the sequence (answered, abandoned, lost); its KV must already be dropped. */
  close(req: number): void {
    this.pinnedKeys[req] = undefined;
    this.pinnedUnits[req] = 0;
  }

  /** The sequence decoded `steps` more tokens, the last at `nowUs`. */
  decoded(req: number, steps: number, nowUs: number): void {
    this.computed[req] += steps;
    this.generated[req] += steps;
    this.lastTokenUs[req] = nowUs;
  }

  /** Tokens that must be in the KV cache before the next token: the prompt, plus what was generated before a preemption. */
  prefillTarget(req: number, inputTokens: number): number {
    return inputTokens + this.generated[req];
  }

  /** Prompt tokens still to compute plus output tokens still to generate. */
  remainingTokens(req: number, inputTokens: number, outputTokens: number): number {
    const prefill = this.decoding[req] ? 0 : this.prefillTarget(req, inputTokens) - this.computed[req];
    return prefill + outputTokens - this.generated[req];
  }

  private grow(capacity: number): void {
    this.computed = widen(this.computed, capacity);
    this.generated = widen(this.generated, capacity);
    this.decoding = widen(this.decoding, capacity);
    this.blocks = widen(this.blocks, capacity);
    this.sharedBlocks = widen(this.sharedBlocks, capacity);
    this.chunk = widen(this.chunk, capacity);
    this.preemptions = widen(this.preemptions, capacity);
    this.firstTokenUs = widen(this.firstTokenUs, capacity);
    this.lastTokenUs = widen(this.lastTokenUs, capacity);
    this.submitUs = widen(this.submitUs, capacity);
    this.pinnedKeys.length = capacity;
    this.pinnedUnits = widen(this.pinnedUnits, capacity);
    this.admitOrder = widen(this.admitOrder, capacity);
    this.since = widen(this.since, capacity);
    this.memberPos = widen(this.memberPos, capacity);
    this.finishHeap.key = widen(this.finishHeap.key, capacity);
    this.finishHeap.pos = widen(this.finishHeap.pos, capacity);
    this.capacity = capacity;
  }
}
