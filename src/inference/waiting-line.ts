/**
 * The requests waiting at a replica in the order batch formation admits them (its `WaitingLine`):
 * requests preempted from the batch first, the last preempted first, then new ones first come first
 * served, as vLLM's scheduler does. Another admission order (service tiers) is another class with
 * the same three calls. Abandoned requests stay in the line until they reach its head, where they
 * are skipped and their ids recycled.
 */
import { RequestQueue } from "../requests/queue.js";
import { RequestState, type RequestTable } from "../requests/table.js";
import type { WaitingLine } from "./batch-formation.js";

export class ArrivalOrderLine implements WaitingLine {
  private readonly queue: RequestQueue;
  /** preempted requests, resumed before new ones (last preempted first) */
  private resume: number[] = [];

  constructor(private readonly requests: RequestTable) {
    this.queue = new RequestQueue(requests);
  }

  /** A new request joins at the back. */
  push(req: number): void {
    this.queue.push(req);
  }

  /** A preempted request waits to resume, ahead of every new request. */
  pushPreempted(req: number): void {
    this.resume.push(req);
  }

  peek(): number {
    const requests = this.requests;
    while (this.resume.length > 0) {
      const req = this.resume[this.resume.length - 1];
      if (requests.stateOf(req) !== RequestState.abandoned) return req;
      this.resume.pop();
      requests.release(req);
    }
    return this.queue.peek();
  }

  take(req: number): void {
    if (this.resume.length > 0 && this.resume[this.resume.length - 1] === req) this.resume.pop();
    else this.queue.shift();
  }

  /** Empties the line, calling `f` on each request in it (abandoned ones included), preempted ones first. */
  clear(f: (req: number) => void): void {
    for (const req of this.resume) f(req);
    this.resume = [];
    this.queue.clear(f);
  }
}
