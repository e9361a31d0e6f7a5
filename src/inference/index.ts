/**
 * Serving engines: how a replica turns requests into responses over simulated time. `queue` is a
 * generic slot-based service; LLM engines (continuous batching) plug in through the same interface.
 */
import type { ModelSpec } from "../scenario/schema.js";
import type { SimContext } from "../workload/context.js";
import { QueueEngine } from "./queue-replica.js";
import type { ServingEngine } from "./replica.js";

export type { Replica, ReplicaHost, ServingEngine } from "./replica.js";

export function createEngine(model: ModelSpec, ctx: SimContext): ServingEngine {
  switch (model.engine.kind) {
    case "queue":
      return new QueueEngine(model.engine, ctx, model.name);
  }
}
