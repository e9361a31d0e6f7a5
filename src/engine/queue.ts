/**
 * A binary min-heap of pending events, stored as columns so the hot loop allocates nothing.
 *
 * Each event lives in a slot; the heap orders slot numbers by (time, priority class, tie key).
 * Priority and tie key are folded into one float `order = priority * 2^44 + key`, exact while
 * key < 2^44 (1.7e13 events) and priority < 2^9. The tie key is the insertion sequence number, or,
 * when ties are shuffled, a seeded bijective hash of it (32 bits), so events of the same time and
 * class run in a pseudo-random but reproducible order. The heap keeps every slot's position, so a
 * cancelled event is removed at once instead of lingering until popped.
 */
const ORDER_PRIORITY_SCALE = 2 ** 44;
/** Handles pack (generation, slot); slots stay below 2^24, i.e. 16.7 million pending events. */
const SLOT_BITS_SCALE = 2 ** 24;
const GENERATION_WRAP = 2 ** 29;

export type EventFn = (arg: number) => void;

/** A seeded permutation of 32-bit sequence numbers (murmur3's finaliser after an xor with the seed): distinct keys, no visible order. */
function shuffledTieKey(seq: number, seed: number): number {
  let h = (seq ^ seed) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class EventQueue {
  private timeUs = new Float64Array(1024);
  private order = new Float64Array(1024);
  private arg = new Float64Array(1024);
  private generation = new Uint32Array(1024);
  private positionOf = new Int32Array(1024).fill(-1);
  private fns: (EventFn | undefined)[] = new Array(1024);
  private heap = new Int32Array(1024);
  private freeSlots = new Int32Array(1024);
  private freeCount = 0;
  private slotsUsed = 0;
  private seq = 0;
  size = 0;

  /** `tieSeed`: order events of the same time and class by a hash of their sequence number seeded with it, instead of by insertion. */
  constructor(private readonly tieSeed?: number) {}

  /** Adds an event and returns a handle for `cancel`. */
  push(timeUs: number, priority: number, fn: EventFn, arg: number): number {
    const slot = this.allocateSlot();
    this.timeUs[slot] = timeUs;
    const seq = this.seq++;
    this.order[slot] = priority * ORDER_PRIORITY_SCALE + (this.tieSeed === undefined ? seq : shuffledTieKey(seq, this.tieSeed));
    this.arg[slot] = arg;
    this.fns[slot] = fn;
    this.heap[this.size] = slot;
    this.positionOf[slot] = this.size;
    this.siftUp(this.size++);
    return this.generation[slot] * SLOT_BITS_SCALE + slot;
  }

  /** Removes a pending event; returns false if it already fired or was cancelled. */
  cancel(handle: number): boolean {
    const slot = handle % SLOT_BITS_SCALE;
    if (slot >= this.slotsUsed) return false;
    const position = this.positionOf[slot];
    if (position < 0 || this.generation[slot] !== (handle - slot) / SLOT_BITS_SCALE) return false;
    this.removeAt(position);
    this.releaseSlot(slot);
    return true;
  }

  /** Time of the earliest event; only meaningful when size > 0. */
  peekTimeUs(): number {
    return this.timeUs[this.heap[0]];
  }

  /** Removes the earliest event; its time, function and argument are left in the `popped*` fields. */
  pop(): void {
    const slot = this.heap[0];
    this.poppedTimeUs = this.timeUs[slot];
    this.poppedFn = this.fns[slot]!;
    this.poppedArg = this.arg[slot];
    this.removeAt(0);
    this.releaseSlot(slot);
  }
  poppedTimeUs = 0;
  poppedFn: EventFn = () => {};
  poppedArg = 0;

  private removeAt(position: number): void {
    const slot = this.heap[position];
    this.positionOf[slot] = -1;
    const last = --this.size;
    if (position === last) return;
    const moved = this.heap[last];
    this.heap[position] = moved;
    this.positionOf[moved] = position;
    if (position > 0 && this.less(moved, this.heap[(position - 1) >> 1])) this.siftUp(position);
    else this.siftDown(position);
  }

  private less(a: number, b: number): boolean {
    const ta = this.timeUs[a];
    const tb = this.timeUs[b];
    return ta < tb || (ta === tb && this.order[a] < this.order[b]);
  }

  private siftUp(position: number): void {
    const heap = this.heap;
    const slot = heap[position];
    while (position > 0) {
      const parentPosition = (position - 1) >> 1;
      const parent = heap[parentPosition];
      if (!this.less(slot, parent)) break;
      heap[position] = parent;
      this.positionOf[parent] = position;
      position = parentPosition;
    }
    heap[position] = slot;
    this.positionOf[slot] = position;
  }

  private siftDown(position: number): void {
    const heap = this.heap;
    const size = this.size;
    const slot = heap[position];
    for (;;) {
      let child = 2 * position + 1;
      if (child >= size) break;
      if (child + 1 < size && this.less(heap[child + 1], heap[child])) child++;
      if (!this.less(heap[child], slot)) break;
      heap[position] = heap[child];
      this.positionOf[heap[child]] = position;
      position = child;
    }
    heap[position] = slot;
    this.positionOf[slot] = position;
  }

  private allocateSlot(): number {
    if (this.freeCount > 0) return this.freeSlots[--this.freeCount];
    if (this.slotsUsed === this.timeUs.length) this.grow();
    return this.slotsUsed++;
  }

  private releaseSlot(slot: number): void {
    this.fns[slot] = undefined;
    this.generation[slot] = (this.generation[slot] + 1) % GENERATION_WRAP;
    this.freeSlots[this.freeCount++] = slot;
  }

  private grow(): void {
    const capacity = this.timeUs.length * 2;
    if (capacity > SLOT_BITS_SCALE) throw new Error(`event queue overflow: more than ${SLOT_BITS_SCALE} pending events`);
    const widen = <T extends Float64Array | Uint32Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.timeUs = widen(this.timeUs, (n) => new Float64Array(n));
    this.order = widen(this.order, (n) => new Float64Array(n));
    this.arg = widen(this.arg, (n) => new Float64Array(n));
    this.generation = widen(this.generation, (n) => new Uint32Array(n));
    const positions = new Int32Array(capacity).fill(-1);
    positions.set(this.positionOf);
    this.positionOf = positions;
    this.heap = widen(this.heap, (n) => new Int32Array(n));
    this.freeSlots = widen(this.freeSlots, (n) => new Int32Array(n));
    this.fns.length = capacity;
  }
}
