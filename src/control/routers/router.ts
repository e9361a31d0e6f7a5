import type { Rng } from "../../engine/index.js";

/** Held in the model's central queue until a replica has room. */
export const HOLD = -1;
/** No replica can take the request at all. */
export const NO_REPLICA = -2;

/**
 * What a router knows of one replica when it picks (BLIS's RouterState): read-only values as of the
 * pick, not the live replica, so a policy cannot change what it reads and its tests need no fakes
 * (a plain object literal is a snapshot). The load balancer hands out views that read each value
 * when asked, so a scan of hundreds of replicas copies nothing.
 */
export interface ReplicaSnapshot {
  /** the replica's index in its model's replica list */
  readonly index: number;
  /** what the load balancer's health checks believe (a replica that died looks healthy until they notice) */
  readonly healthy: boolean;
  /** a request sent now would start at once */
  readonly hasFreeSlot: boolean;
  /** requests in service or waiting there */
  readonly outstanding: number;
  /** tokens still to process there: prompt tokens not yet computed plus output tokens not yet generated */
  readonly outstandingTokens: number;
  /** share of its KV cache in use or wanted by its waiting requests (0 for engines without one) */
  readonly kvLoad: number;
  /** prompt tokens of this request it holds in its prefix cache (a lookup: read it only when needed) */
  readonly cachedPrefixTokens: number;
}

/** What a router knows of the request. */
export interface RouteRequest {
  readonly promptTokens: number;
}

/** Picks a replica for each request, as a position in `replicas` (the ones the balancer may send to), or HOLD / NO_REPLICA. */
export interface Router {
  pick(request: RouteRequest, replicas: readonly ReplicaSnapshot[]): number;
}

export interface RouterInputs<S> {
  spec: S;
  rng: Rng;
}
