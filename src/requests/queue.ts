/**
 * A FIFO of waiting requests that skips the abandoned. A request whose client gave up stays listed
 * (removing it from the middle would cost a scan) and is released when it reaches the head; every
 * queue of requests (a model's central queue, a replica's own) does this the same way, here.
 */
import { IntFifo } from "../engine/fifo.js";
import { RequestState, type RequestTable } from "./table.js";

export class RequestQueue {
  private fifo = new IntFifo();

  constructor(private readonly requests: RequestTable) {}

  /** Entries listed, abandoned ones included. */
  get length(): number {
    return this.fifo.length;
  }

  push(req: number): void {
    this.fifo.push(req);
  }

  /** The oldest request still waiting, releasing the abandoned ones ahead of it; -1 if none. */
  peek(): number {
    const fifo = this.fifo;
    while (fifo.length > 0) {
      const req = fifo.peek();
      if (this.requests.stateOf(req) !== RequestState.abandoned) return req;
      fifo.shift();
      this.requests.release(req);
    }
    return -1;
  }

  /** Removes and returns the oldest request still waiting (see `peek`); -1 if none. */
  shift(): number {
    const req = this.peek();
    if (req >= 0) this.fifo.shift();
    return req;
  }

  /** Empties the queue, releasing the abandoned and handing each live request to `lost`, oldest first. */
  clear(lost: (req: number) => void): void {
    for (let req = this.shift(); req >= 0; req = this.shift()) lost(req);
  }
}
