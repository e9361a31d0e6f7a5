import { NO_REPLICA, type ReplicaSnapshot, type RouteRequest, type Router } from "./router.js";

/** A replica's load as a router compares it. */
export type LoadSignal = (replica: ReplicaSnapshot) => number;

export const outstandingRequests: LoadSignal = (replica) => replica.outstanding;

/**
 * The replica with the lowest load (by default the fewest requests in service or queued). Ties go
 * to the first in a scan that starts one past the previous pick, so an idle fleet is filled evenly
 * rather than from replica 0.
 */
export class LeastOutstandingRouter implements Router {
  private next = 0;
  constructor(private readonly load: LoadSignal = outstandingRequests) {}

  pick(_request: RouteRequest, replicas: readonly ReplicaSnapshot[]): number {
    const n = replicas.length;
    if (n === 0) return NO_REPLICA;
    let best = -1;
    let bestLoad = Infinity;
    // The scan from `next` round to `next - 1`, wrapping without a modulo per replica.
    for (let k = 0, i = this.next % n; k < n; k++, i = i + 1 === n ? 0 : i + 1) {
      const load = this.load(replicas[i]);
      if (load < bestLoad) {
        best = i;
        bestLoad = load;
      }
    }
    this.next = (best + 1) % n;
    return best;
  }
}
