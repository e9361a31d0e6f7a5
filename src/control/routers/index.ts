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

export { HOLD, NO_REPLICA, type ReplicaSnapshot, type RouteRequest, type Router } from "./router.js";

type Factories = { [K in RouterSpec["kind"]]: (inputs: RouterInputs<Extract<RouterSpec, { kind: K }>>) => Router };

const factories: Factories = {
  central_queue: () => new CentralQueueRouter(),
  round_robin: () => new RoundRobinRouter(),
  least_outstanding: () => new LeastOutstandingRouter(),
  random: ({ rng }) => new RandomRouter(rng),
  power_of_two: ({ rng, spec }) => new PowerOfChoicesRouter(rng, spec.choices),
  least_outstanding_tokens: () => leastOutstandingTokens(),
  least_kv_load: () => leastKvLoad(),
  prefix_affinity: ({ spec }) => new PrefixAffinityRouter(spec.load_slack),
  weighted: ({ spec }) => new WeightedRouter(spec.weights),
};

export function createRouter(inputs: RouterInputs<RouterSpec>): Router {
  const make = factories[inputs.spec.kind] as (inputs: RouterInputs<RouterSpec>) => Router;
  return make(inputs);
}
