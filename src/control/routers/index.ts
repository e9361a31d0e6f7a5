/** Load balancers: one file per policy, chosen by the scenario's `router.kind`. */
import type { RouterSpec } from "../../scenario/schema.js";
import { CentralQueueRouter } from "./central-queue.js";
import { LeastOutstandingRouter } from "./least-outstanding.js";
import { PowerOfChoicesRouter } from "./power-of-two.js";
import { RandomRouter } from "./random.js";
import { RoundRobinRouter } from "./round-robin.js";
import { leastKvLoad, leastOutstandingTokens } from "./least-outstanding-tokens.js";
import { PrefixAffinityRouter } from "./prefix-affinity.js";
import { WeightedRouter } from "./weighted.js";
import type { Router, RouterInputs } from "./router.js";

export { HOLD, NO_REPLICA, type Router } from "./router.js";

type Factories = { [K in RouterSpec["kind"]]: (inputs: RouterInputs<Extract<RouterSpec, { kind: K }>>) => Router };

const factories: Factories = {
  central_queue: ({ replicas }) => new CentralQueueRouter(replicas),
  round_robin: ({ replicas }) => new RoundRobinRouter(replicas),
  least_outstanding: ({ replicas }) => new LeastOutstandingRouter(replicas),
  random: ({ replicas, rng }) => new RandomRouter(replicas, rng),
  power_of_two: ({ replicas, rng, spec }) => new PowerOfChoicesRouter(replicas, rng, spec.choices),
  least_outstanding_tokens: ({ replicas }) => leastOutstandingTokens(replicas),
  least_kv_load: ({ replicas }) => leastKvLoad(replicas),
  prefix_affinity: ({ replicas, spec }) => new PrefixAffinityRouter(replicas, spec.load_slack),
  weighted: ({ replicas, spec, ctx }) => new WeightedRouter(replicas, spec.weights, ctx),
};

export function createRouter(inputs: RouterInputs<RouterSpec>): Router {
  const make = factories[inputs.spec.kind] as (inputs: RouterInputs<RouterSpec>) => Router;
  return make(inputs);
}
