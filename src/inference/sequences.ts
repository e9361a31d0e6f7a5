/**
 * What a continuous-batching replica knows of each request it serves: the sequence's progress
 * (tokens in the KV cache, tokens generated), the KV blocks it holds and the prefix units it shares,
 * and its token times. Columns indexed by request id, like the request table; a sequence exists from
 * the moment a replica takes the request (`open`) until it lets go of it (`close`). A retry on
 * another replica opens a new sequence there: nothing of the failed attempt carries over.
 */

export class SequenceTable {
  /** tokens whose KV is in the cache (prompt, then generated tokens) */
  computed = new Int32Array(0);
  /** output tokens produced so far */
  generated = new Int32Array(0);
  /** 1 once the prompt is prefilled and the sequence produces a token per iteration */
  decoding = new Uint8Array(0);
  /** private KV blocks held */
  blocks = new Int32Array(0);
  /** KV blocks of the shared prefix units it uses (pinned.length x blocks per unit) */
  sharedBlocks = new Int32Array(0);
  /** tokens scheduled for the iteration in progress */
  chunk = new Int32Array(0);
  /** times it was preempted (its KV dropped, to be recomputed) */
  preemptions = new Int32Array(0);
  firstTokenUs = new Float64Array(0);
  lastTokenUs = new Float64Array(0);
  /** when the request reached its replica */
  submitUs = new Float64Array(0);
  /** prefix units this sequence uses in its replica's cache */
  pinned: (number[] | undefined)[] = [];

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
    this.pinned[req] = undefined;
  }

  /** The replica let go of the sequence (answered, abandoned, lost); its KV must already be dropped. */
  close(req: number): void {
    this.pinned[req] = undefined;
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
    const widen = <T extends Int32Array | Float64Array | Uint8Array>(old: T, make: new (n: number) => T): T => {
      const next = new make(capacity);
      next.set(old);
      return next;
    };
    this.computed = widen(this.computed, Int32Array);
    this.generated = widen(this.generated, Int32Array);
    this.decoding = widen(this.decoding, Uint8Array);
    this.blocks = widen(this.blocks, Int32Array);
    this.sharedBlocks = widen(this.sharedBlocks, Int32Array);
    this.chunk = widen(this.chunk, Int32Array);
    this.preemptions = widen(this.preemptions, Int32Array);
    this.firstTokenUs = widen(this.firstTokenUs, Float64Array);
    this.lastTokenUs = widen(this.lastTokenUs, Float64Array);
    this.submitUs = widen(this.submitUs, Float64Array);
    this.pinned.length = capacity;
    this.capacity = capacity;
  }
}
