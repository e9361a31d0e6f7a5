import { empty } from "../../engine/columns.js";
import type { Rng } from "../../engine/index.js";
import { outstandingRequests, type LoadSignal } from "./least-outstanding.js";
import { NO_REPLICA, type ReplicaSnapshot, type RouteRequest, type Router } from "./router.js";

/**
 * "The power of two choices" (Mitzenmacher 2001): sample `choices` distinct replicas at random and
 * send to the least loaded of them. Nearly as good as least-outstanding, without a global scan.
 */
export class PowerOfChoicesRouter implements Router {
  private readonly sampled: number[] = [];
  constructor(
    private readonly rng: Rng,
    private readonly choices: number,
    private readonly load: LoadSignal = outstandingRequests,
  ) {}

  pick(_request: RouteRequest, replicas: readonly ReplicaSnapshot[]): number {
    const n = replicas.length;
    if (n === 0) return NO_REPLICA;
    const k = Math.min(this.choices, n);
    const sampled = this.sampled;
    empty(sampled);
    let best = -1;
    let bestLoad = Infinity;
    while (sampled.length < k) {
      const i = Math.floor(this.rng() * n);
      if (sampled.includes(i)) continue;
      sampled.push(i);
      const load = this.load(replicas[i]);
      if (load < bestLoad) {
        best = i;
        bestLoad = load;
      }
    }
    return best;
  }
}
