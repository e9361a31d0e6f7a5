import { NO_REPLICA, type ReplicaSnapshot, type RouteRequest, type Router } from "./router.js";

/** Replicas in turn, regardless of load. */
export class RoundRobinRouter implements Router {
  private next = 0;

  pick(_request: RouteRequest, replicas: readonly ReplicaSnapshot[]): number {
    const n = replicas.length;
    if (n === 0) return NO_REPLICA;
    const i = this.next % n;
    this.next = i + 1;
    return i;
  }
}
