import type { Rng } from "../../engine/index.js";
import type { Replica } from "../../inference/replica.js";
import type { SimContext } from "../../requests/context.js";

/** Held in the model's central queue until a replica has room. */
export const HOLD = -1;
/** No replica can take the request at all. */
export const NO_REPLICA = -2;

/** Picks a replica for each request; reads the model's live replica list, which may change between calls. */
export interface Router {
  pick(req: number): number;
}

export interface RouterInputs<S> {
  spec: S;
  /** the replicas that may receive traffic now (healthy and serving) */
  replicas: readonly Replica[];
  rng: Rng;
  ctx: SimContext;
}
