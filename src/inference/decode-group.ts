/**
 * The decoding sequences of one replica (or pipeline lane), credited lazily. Every decoding
 * sequence of a batch gains one token per iteration (or `steps` per decode jump), so instead of
 * touching each sequence per iteration the group keeps a clock of decode steps credited to all its
 * members; a member's own columns (computed, generated, lastTokenUs) are brought up to the clock only
 * when something reads them (`sync`). A heap says which member finishes first (the decode jump's
 * length, and who finishes at its end); the batch's context length is kept as a sum.
 *
 * KV blocks are counted for the group as a whole. Between iterations a decoding sequence holds
 * exactly the blocks its context needs, ceil(context / block size) with its shared prefix units
 * (batch formation only ever grows a sequence to what its next tokens need), so a member with
 * context c needs a new block for its next token exactly when c is a multiple of the block size.
 * The group keeps how many members sit at each phase of their context modulo the block size; the
 * blocks that `k` more steps need are then a sum over a run of at most one block's worth of phases
 * (PhaseCounts keeps such sums to hand), and a member's own block count is written only when it is
 * synced.
 *
 * Membership: a running sequence whose prompt is computed. Ties in the heaps are broken by the
 * order of admission, which is the running list's order, so sequences finishing at the same
 * iteration are answered in the order the eager scheduler would answer them.
 */
import type { HeapColumns, SequenceTable } from "./sequences.js";

/** A binary min-heap of request ids by (key, admission order); positions live in `cols`, so any member can be removed. */
class SequenceHeap {
  private ids: number[] = [];

  constructor(
    private readonly cols: HeapColumns,
    private readonly seqs: SequenceTable,
  ) {}

  get size(): number {
    return this.ids.length;
  }

  /** the smallest key, or Infinity when empty */
  topKey(): number {
    return this.ids.length > 0 ? this.cols.key[this.ids[0]] : Infinity;
  }

  push(req: number, key: number): void {
    this.cols.key[req] = key;
    this.ids.push(req);
    this.up(this.ids.length - 1);
  }

  pop(): number {
    const top = this.ids[0];
    this.removeAt(0);
    return top;
  }

  /** Removes `req` if it is in the heap. */
  remove(req: number): void {
    const at = this.cols.pos[req];
    if (at >= 0 && at < this.ids.length && this.ids[at] === req) this.removeAt(at);
  }

  clear(): void {
    for (const req of this.ids) this.cols.pos[req] = -1;
    this.ids.length = 0;
  }

  private removeAt(at: number): void {
    const ids = this.ids;
    const removed = ids[at];
    const last = ids.pop()!;
    this.cols.pos[removed] = -1;
    if (at < ids.length) {
      ids[at] = last;
      this.cols.pos[last] = at;
      this.down(at);
      this.up(this.cols.pos[last]);
    }
  }

  private less(a: number, b: number): boolean {
    const key = this.cols.key;
    return key[a] < key[b] || (key[a] === key[b] && this.seqs.admitOrder[a] < this.seqs.admitOrder[b]);
  }

  private up(at: number): void {
    const ids = this.ids;
    const pos = this.cols.pos;
    const req = ids[at];
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.less(req, ids[parent])) break;
      ids[at] = ids[parent];
      pos[ids[at]] = at;
      at = parent;
    }
    ids[at] = req;
    pos[req] = at;
  }

  private down(at: number): void {
    const ids = this.ids;
    const pos = this.cols.pos;
    const n = ids.length;
    const req = ids[at];
    for (;;) {
      const left = 2 * at + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.less(ids[right], ids[left]) ? right : left;
      if (!this.less(ids[child], req)) break;
      ids[at] = ids[child];
      pos[ids[at]] = at;
      at = child;
    }
    ids[at] = req;
    pos[req] = at;
  }
}

/**
 * Members counted by phase (0 .. size - 1), summed over any run of phases in O(log size) steps: a
 * Fenwick tree. The decode group sums runs of up to a block's worth of phases several times per
 * iteration (64 with TensorRT-LLM's blocks) but moves a member between phases only when it joins
 * or leaves, so the sums are what must be cheap. Counts are integers: the sums are exact.
 */
class PhaseCounts {
  /** tree[i] counts the phases (i - lowbit(i), i], 1-based */
  private readonly tree: Int32Array;
  private total = 0;

  constructor(private readonly size: number) {
    this.tree = new Int32Array(size + 1);
  }

  add(phase: number, delta: number): void {
    const tree = this.tree;
    for (let i = phase + 1; i <= this.size; i += i & -i) tree[i] += delta;
    this.total += delta;
  }

  /** Members at the `length` phases from `start` on, wrapping round past size - 1 (0 <= start < size, 0 <= length <= size). */
  run(start: number, length: number): number {
    const end = start + length;
    return end <= this.size ? this.below(end) - this.below(start) : this.total - this.below(start) + this.below(end - this.size);
  }

  clear(): void {
    this.tree.fill(0);
    this.total = 0;
  }

  /** Members at phases below `end`. */
  private below(end: number): number {
    const tree = this.tree;
    let sum = 0;
    for (let i = end; i > 0; i -= i & -i) sum += tree[i];
    return sum;
  }
}

export class DecodeGroup {
  /** decode steps credited to every member so far */
  clock = 0;
  /** when the last steps were credited: a member's last token time until it is synced */
  private creditUs = 0;
  /** members */
  count = 0;
  /** the sum over members of (computed - since): their context is contextBase + count x clock */
  private contextBase = 0;
  /** steps beyond the clock whose KV blocks the members already hold (the iteration or jump in progress) */
  private reservedSteps = 0;
  /** members counted in the measurement, per scope: the weights of their token gaps */
  readonly measuredByScope: Float64Array;
  /** members by (-(computed - since)) mod block size: those at phase (clock + k) mod block size need a block for step k */
  private readonly phases: PhaseCounts;
  private readonly members: number[] = [];
  /** by the clock value at which a member has generated its whole output */
  private readonly finishing: SequenceHeap;

  constructor(
    private readonly seqs: SequenceTable,
    private readonly blockSize: number,
    scopeCount: number,
  ) {
    this.measuredByScope = new Float64Array(scopeCount);
    this.phases = new PhaseCounts(blockSize);
    this.finishing = new SequenceHeap(seqs.finishHeap, seqs);
  }

  /** KV-cache tokens the members hold: the sum of their context lengths. */
  contextTokens(): number {
    return this.contextBase + this.count * this.clock;
  }

  /** Decode steps until the first member has its whole output (Infinity when empty). */
  stepsToFirstFinish(): number {
    return this.finishing.topKey() - this.clock;
  }

  /**
   * `req` (synced, decoding, holding exactly the blocks its context needs) joins between iterations;
   * `outputTokens` is its whole output, `scope` its measurement scope or -1.
   */
  join(req: number, outputTokens: number, scope: number): void {
    const seqs = this.seqs;
    if (this.reservedSteps !== 0) throw new Error("a sequence joined the decode group during an iteration");
    seqs.since[req] = this.clock;
    seqs.memberPos[req] = this.members.length;
    this.members.push(req);
    this.count++;
    this.contextBase += seqs.computed[req] - this.clock;
    if (scope >= 0) this.measuredByScope[scope]++;
    this.finishing.push(req, outputTokens - seqs.generated[req] + this.clock);
    this.phases.add(this.phaseOf(req), 1);
  }

  /** `req` leaves, its columns synced. */
  leave(req: number, scope: number): void {
    this.sync(req);
    const seqs = this.seqs;
    const at = seqs.memberPos[req];
    const last = this.members.pop()!;
    if (last !== req) {
      this.members[at] = last;
      seqs.memberPos[last] = at;
    }
    seqs.memberPos[req] = -1;
    this.count--;
    this.contextBase -= seqs.computed[req] - this.clock;
    if (scope >= 0) this.measuredByScope[scope]--;
    this.phases.add(this.phaseOf(req), -1);
    this.finishing.remove(req);
  }

  isMember(req: number): boolean {
    const at = this.seqs.memberPos[req];
    return at >= 0 && at < this.members.length && this.members[at] === req;
  }

  /** Every member has decoded `steps` more tokens (whose blocks were reserved), the last at `nowUs`. */
  credit(steps: number, nowUs: number): void {
    this.clock += steps;
    this.reservedSteps -= steps;
    this.creditUs = nowUs;
  }

  /**
   * KV blocks the members need, beyond those they hold for `from` steps ahead of the clock, to hold
   * `to` steps ahead: one per member each time a step starts a new block.
   */
  blocksBetween(from: number, to: number): number {
    const size = this.blockSize;
    const span = to - from;
    if (span <= 0) return 0;
    return Math.floor(span / size) * this.count + this.phases.run((this.clock + from) % size, span % size);
  }

  /** Steps ahead of the clock whose blocks the members hold. */
  get reserved(): number {
    return this.reservedSteps;
  }

  /** The members now hold blocks for `steps` steps ahead of the clock (the caller allocated or released the difference). */
  reserve(steps: number): void {
    this.reservedSteps = steps;
  }

  /** Brings `req`'s columns up to the clock, its block count included. */
  sync(req: number): void {
    const seqs = this.seqs;
    const behind = this.clock - seqs.since[req];
    if (behind > 0) {
      seqs.decoded(req, behind, this.creditUs);
      seqs.since[req] = this.clock;
    }
    const size = this.blockSize;
    seqs.blocks[req] = Math.ceil((seqs.computed[req] + this.reservedSteps) / size) - seqs.sharedBlocks[req];
  }

  /** Moves the members that have their whole output into `out` (in admission order among equal finish times); they stay members. */
  takeFinished(out: number[]): void {
    while (this.finishing.size > 0 && this.finishing.topKey() <= this.clock) out.push(this.finishing.pop());
  }

  /** Calls `f` on each member (unordered). */
  forEach(f: (req: number) => void): void {
    for (let i = 0; i < this.members.length; i++) f(this.members[i]);
  }

  /** Syncs every member and empties the group; the members, unordered. */
  dissolve(): number[] {
    const all = this.members.slice();
    for (const req of all) {
      this.sync(req);
      this.seqs.memberPos[req] = -1;
    }
    this.members.length = 0;
    this.finishing.clear();
    this.phases.clear();
    this.count = 0;
    this.contextBase = 0;
    this.measuredByScope.fill(0);
    return all;
  }

  /** The member's phase: its next step needs a block when (clock + k) mod block size equals it. */
  private phaseOf(req: number): number {
    const size = this.blockSize;
    const base = this.seqs.computed[req] - this.seqs.since[req];
    return (((-base) % size) + size) % size;
  }
}
