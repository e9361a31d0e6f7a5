import type { Replica } from "../../inference/replica.js";
import { NO_REPLICA, type Router } from "./router.js";

/**
 * The replica with the fewest requests in service or queued. Ties go to the first in a scan that
 * starts one past the previous pick, so an idle fleet is filled evenly rather than from replica 0.
 */
export class LeastOutstandingRouter implements Router {
  private next = 0;
  constructor(
    private readonly replicas: readonly Replica[],
    private readonly load: (replica: Replica) => number = (replica) => replica.outstanding,
  ) {}

  pick(): number {
    const n = this.replicas.length;
    if (n === 0) return NO_REPLICA;
    let best = -1;
    let bestLoad = Infinity;
    for (let k = 0; k < n; k++) {
      const i = (this.next + k) % n;
      const load = this.load(this.replicas[i]);
      if (load < bestLoad) {
        best = i;
        bestLoad = load;
      }
    }
    this.next = (best + 1) % n;
    return best;
  }
}
