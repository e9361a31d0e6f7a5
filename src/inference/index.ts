/**
 * Serving engines: how a replica turns requests into responses over simulated time. `queue` is a
 * generic slot-based service; `continuous_batching` is an LLM replica on GPUs.
 */
import type { ModelSpec } from "../scenario/schema.js";
import type { SimContext } from "../requests/context.js";
import { BatchingEngine, type BatchingOptions } from "./batching-engine.js";
import type { Deployed } from "./deployment.js";
import { QueueEngine } from "./queue-replica.js";
import type { ServingEngine } from "./replica.js";

export type { Replica, ReplicaHost, ServingEngine } from "./replica.js";
export { BatchingReplica } from "./batching-replica.js";
export { ReplicaStats, summarizeReplica } from "./replica-stats.js";
export type { ReplicaSummary } from "../metrics/replica-summary.js";
export { deployModel, type Deployed } from "./deployment.js";

export function createEngine(model: ModelSpec, ctx: SimContext, deployed: Deployed | undefined, options: BatchingOptions): ServingEngine {
  const engine = model.engine;
  switch (engine.kind) {
    case "queue":
      return new QueueEngine(engine, ctx, model.name, options.tiers);
    case "continuous_batching":
      if (!deployed) throw new Error(`model ${model.name} has no deployment plan`);
      return new BatchingEngine(engine, deployed, ctx, options);
  }
}
