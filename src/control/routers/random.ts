import type { Rng } from "../../engine/index.js";
import type { Replica } from "../../inference/replica.js";
import { NO_REPLICA, type Router } from "./router.js";

/** A uniformly random replica. */
export class RandomRouter implements Router {
  constructor(
    private readonly replicas: readonly Replica[],
    private readonly rng: Rng,
  ) {}

  pick(): number {
    const n = this.replicas.length;
    return n === 0 ? NO_REPLICA : Math.floor(this.rng() * n);
  }
}
