/** What every simulated component shares: the kernel, the random streams, the requests and their observer. */
import type { RandomStreams, Simulator } from "../engine/index.js";
import type { DataFiles } from "../workload/datafiles.js";
import type { Outcome } from "./outcomes.js";
import type { RequestTable } from "./table.js";

/** Observer of request lifecycles (implemented by metrics' Recorder; components only report to it). */
export interface RequestLifecycle {
  arrived(req: number, nowUs: number): void;
  /** the request left its queue and started service */
  started(req: number, nowUs: number): void;
  /** `count` gaps of `gapS` between consecutive output tokens of measured requests in statistics group `scope` */
  tokenGaps(scope: number, gapS: number, count: number): void;
  completed(req: number, firstTokenUs: number, nowUs: number): void;
  ended(req: number, outcome: Outcome, nowUs: number): void;
  /** One API call answered by `region` ended: availability counts attempts, not requests (a retried failure is still a failure). */
  attemptEnded(req: number, region: number, result: AttemptResult, nowUs: number): void;
  /** An attempt was refused by the gateway's limit `limit` (an index in control/gateway.ts's LIMITS). */
  throttled(req: number, limit: number, nowUs: number): void;
  /** An attempt found no region its residency allows that could serve it. */
  residencyRefused(req: number, nowUs: number): void;
}

/** How an API call ended, as availability sees it; client errors (400, 403, 429) are none of these and not counted. */
export const AttemptResult = {
  success: 0,
  /** a 5xx: the service failed it (a replica died, could not be reached, had no room) */
  serverError: 1,
  /** the client stopped waiting for it */
  timeout: 2,
} as const;
export type AttemptResult = (typeof AttemptResult)[keyof typeof AttemptResult];

export interface SimContext {
  readonly sim: Simulator;
  readonly streams: RandomStreams;
  readonly requests: RequestTable;
  readonly lifecycle: RequestLifecycle;
  readonly data: DataFiles;
}
