/** What every simulated component shares: the kernel, the random streams, the requests and their observer. */
import type { RandomStreams, Simulator } from "../engine/index.js";
import type { DataFiles } from "../workload/datafiles.js";
import type { Outcome } from "./outcomes.js";
import type { RequestTable } from "./table.js";

/** Observer of request lifecycles (implemented by metrics' Recorder; components only report to it). */
export interface RequestLifecycle {
  arrived(req: number, nowUs: number): void;
  /** a request joined (+1) or left (-1) a queue */
  queueChanged(delta: number, nowUs: number): void;
  /** the request left its queue and started service */
  started(req: number, nowUs: number): void;
  /** `count` gaps of `gapS` between consecutive output tokens of measured requests in statistics group `scope` */
  tokenGaps(scope: number, gapS: number, count: number): void;
  completed(req: number, firstTokenUs: number, nowUs: number): void;
  ended(req: number, outcome: Outcome, nowUs: number): void;
}

export interface SimContext {
  readonly sim: Simulator;
  readonly streams: RandomStreams;
  readonly requests: RequestTable;
  readonly lifecycle: RequestLifecycle;
  readonly data: DataFiles;
}
