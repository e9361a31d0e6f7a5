import type { Replica } from "../../inference/replica.js";
import { LeastOutstandingRouter } from "./least-outstanding.js";

/** The replica with the fewest tokens still to process: prompt tokens not yet computed plus output not yet generated. */
export const leastOutstandingTokens = (replicas: readonly Replica[]) => new LeastOutstandingRouter(replicas, (r) => r.outstandingTokens);

/** The replica whose KV cache is least committed (blocks in use plus those its waiting prompts need). */
export const leastKvLoad = (replicas: readonly Replica[]) => new LeastOutstandingRouter(replicas, (r) => r.kvLoad());
