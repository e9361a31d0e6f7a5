import type { Replica } from "../../inference/replica.js";
import { NO_REPLICA, type Router } from "./router.js";

/** Replicas in turn, regardless of load. */
export class RoundRobinRouter implements Router {
  private next = 0;
  constructor(private readonly replicas: readonly Replica[]) {}

  pick(): number {
    const n = this.replicas.length;
    if (n === 0) return NO_REPLICA;
    const i = this.next % n;
    this.next = i + 1;
    return i;
  }
}
