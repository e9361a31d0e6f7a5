import { HOLD, NO_REPLICA, type ReplicaSnapshot, type RouteRequest, type Router } from "./router.js";

/** One FIFO in front of all replicas: a request starts on a replica with a free slot, else waits centrally. */
export class CentralQueueRouter implements Router {
  private next = 0;

  pick(_request: RouteRequest, replicas: readonly ReplicaSnapshot[]): number {
    const n = replicas.length;
    if (n === 0) return NO_REPLICA;
    // Scan from where the last pick stopped, so idle replicas share the work evenly.
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      if (replicas[i].hasFreeSlot) {
        this.next = (i + 1) % n;
        return i;
      }
    }
    return HOLD;
  }
}
