import type { Replica } from "../../inference/replica.js";
import { HOLD, NO_REPLICA, type Router } from "./router.js";

/** One FIFO in front of all replicas: a request starts on a replica with a free slot, else waits centrally. */
export class CentralQueueRouter implements Router {
  private next = 0;
  constructor(private readonly replicas: readonly Replica[]) {}

  pick(): number {
    const n = this.replicas.length;
    if (n === 0) return NO_REPLICA;
    // Scan from where the last pick stopped, so idle replicas share the work evenly.
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      if (this.replicas[i].hasFreeSlot()) {
        this.next = (i + 1) % n;
        return i;
      }
    }
    return HOLD;
  }
}
