import { EventQueue, type EventFn } from "./queue.js";

/**
 * The discrete-event kernel: a clock in integer microseconds and a queue of pending events.
 *
 * Events at the same microsecond run in priority-class order, then in the order they were
 * scheduled, so a run never depends on anything but its inputs. With `shuffleTiesSeed`, events of
 * the same microsecond and class run in a seeded pseudo-random order instead (still reproducible):
 * a test that results do not hinge on which of two simultaneous events happens to go first.
 * Handlers are plain functions of one number (typically an index into the caller's own tables),
 * which lets components bind their handlers once and schedule millions of events without allocating.
 */
const PROGRESS_MASK = 0xffff;

export class Simulator {
  private clockUs = 0;
  /** Number of events handled so far. */
  eventsHandled = 0;
  /** told every 65,536 events (a progress display; it must not touch the simulation) */
  onProgress?: (nowUs: number, events: number) => void;
  private readonly queue: EventQueue;
  private stopped = false;

  constructor(options: { shuffleTiesSeed?: number } = {}) {
    this.queue = new EventQueue(options.shuffleTiesSeed);
  }

  /** Current simulated time, integer microseconds since the start of the run; only the kernel moves it. */
  get nowUs(): number {
    return this.clockUs;
  }

  /**
   * Moves the clock forward to `timeUs` with no event (the end of a run); refuses to go back, and
   * to pass a pending event, which would then run in the past.
   */
  advanceTo(timeUs: number): void {
    if (timeUs < this.clockUs) throw new RangeError(`cannot move the clock back from ${this.clockUs} us to ${timeUs} us`);
    if (this.queue.size > 0 && this.queue.peekTimeUs() < timeUs) throw new RangeError(`cannot move the clock to ${timeUs} us past an event pending at ${this.queue.peekTimeUs()} us`);
    this.clockUs = timeUs;
  }

  /** Runs `fn(arg)` at absolute time `atUs` (rounded to the microsecond, never in the past). */
  at(atUs: number, priority: number, fn: EventFn, arg = 0): number {
    const timeUs = Math.round(atUs);
    if (!(timeUs >= this.clockUs)) {
      throw new RangeError(`cannot schedule at ${atUs} us: the clock is already at ${this.clockUs} us`);
    }
    return this.queue.push(timeUs, priority, fn, arg);
  }

  /** Runs `fn(arg)` after `delayUs` microseconds. */
  after(delayUs: number, priority: number, fn: EventFn, arg = 0): number {
    return this.at(this.clockUs + delayUs, priority, fn, arg);
  }

  /** Cancels a pending event by the handle `at`/`after` returned; false if it is no longer pending. */
  cancel(handle: number): boolean {
    return this.queue.cancel(handle);
  }

  get pendingEvents(): number {
    return this.queue.size;
  }

  /** Handles events in order until none is left, the next is later than `untilUs`, or `stop()` is called. */
  run(untilUs = Number.POSITIVE_INFINITY): void {
    const queue = this.queue;
    this.stopped = false;
    while (queue.size > 0 && !this.stopped) {
      if (queue.peekTimeUs() > untilUs) break;
      queue.pop();
      this.clockUs = queue.poppedTimeUs;
      this.eventsHandled++;
      queue.poppedFn(queue.poppedArg);
      if ((this.eventsHandled & PROGRESS_MASK) === 0 && this.onProgress) this.onProgress(this.clockUs, this.eventsHandled);
    }
    if (!this.stopped && untilUs !== Number.POSITIVE_INFINITY && untilUs > this.clockUs) this.clockUs = untilUs;
  }

  /** Makes `run` return after the current event. */
  stop(): void {
    this.stopped = true;
  }
}
