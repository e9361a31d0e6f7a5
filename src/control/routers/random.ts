import type { Rng } from "../../engine/index.js";
import { NO_REPLICA, type ReplicaSnapshot, type RouteRequest, type Router } from "./router.js";

/** A uniformly random replica. */
export class RandomRouter implements Router {
  constructor(private readonly rng: Rng) {}

  pick(_request: RouteRequest, replicas: readonly ReplicaSnapshot[]): number {
    const n = replicas.length;
    return n === 0 ? NO_REPLICA : Math.floor(this.rng() * n);
  }
}
