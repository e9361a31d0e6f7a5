import { LeastOutstandingRouter } from "./least-outstanding.js";

/** The replica with the fewest tokens still to process: prompt tokens not yet computed plus output not yet generated. */
export const leastOutstandingTokens = () => new LeastOutstandingRouter((r) => r.outstandingTokens);

/** The replica whose KV cache is least committed (blocks in use plus those its waiting prompts need). */
export const leastKvLoad = () => new LeastOutstandingRouter((r) => r.kvLoad);
