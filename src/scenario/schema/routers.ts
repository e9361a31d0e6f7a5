/** Scenario format: the load balancers that pick a replica for each request. */
import { z } from "zod";
import { count, defaultsFromFields } from "../fields.js";
import { atMost, LIMITS } from "../limits.js";

const maxQueue = count(LIMITS.queueLength)
  .optional()
  .describe(
    "most requests allowed to wait (in the central queue, or per replica for the other routers); " +
      `more are rejected with 503${atMost(LIMITS.queueLength)}. Default: unlimited`,
  );

const routerKind = <K extends string>(kind: K, description: string) =>
  z.strictObject({ kind: z.literal(kind), max_queue: maxQueue }).describe(description);

export const RouterSchema = z
  .discriminatedUnion("kind", [
    routerKind("central_queue", "one FIFO queue in front of all replicas; a request starts on the first replica with a free slot"),
    routerKind("round_robin", "replicas in turn, each with its own FIFO queue"),
    routerKind("least_outstanding", "the replica with the fewest requests in service or queued (ties: lowest index)"),
    routerKind("random", "a uniformly random replica"),
    routerKind("least_outstanding_tokens", "the replica with the fewest tokens still to process (prompt tokens not yet computed plus output tokens not yet generated)"),
    routerKind("least_kv_load", "the replica whose KV cache is least committed (blocks in use plus those its waiting requests need)"),
    z
      .strictObject({
        kind: z.literal("prefix_affinity"),
        load_slack: z
          .number()
          .min(0)
          .default(0.25)
          .describe("replicas within this fraction of the least outstanding tokens count as not overloaded"),
        max_queue: maxQueue,
      })
      .describe("the replica holding the longest cached prefix of the prompt, among those not overloaded; else the least loaded"),
    z
      .strictObject({
        kind: z.literal("weighted"),
        weights: defaultsFromFields(
          z.strictObject({
            outstanding_tokens: z.number().min(0).default(1).describe("weight of the replica's outstanding tokens (relative to the most loaded)"),
            kv_load: z.number().min(0).default(1).describe("weight of its KV-cache commitment (0..1)"),
            prefix: z.number().min(0).default(1).describe("weight of the share of the prompt it has cached (subtracted)"),
          }),
        ).describe("weights of the scorers; the lowest score wins"),
        max_queue: maxQueue,
      })
      .describe("scores every replica by a weighted sum of load signals (llm-d style) and picks the best"),
    z
      .strictObject({
        kind: z.literal("power_of_two"),
        choices: count(LIMITS.smallCount, 2).default(2).describe(`replicas sampled at random; the least loaded of them wins${atMost(LIMITS.smallCount)}`),
        max_queue: maxQueue,
      })
      .describe("sample `choices` replicas at random, send to the one with the fewest outstanding requests"),
  ])
  .describe("how a model's load balancer picks a replica");

export const RouterKinds = RouterSchema.options.map((option) => option.shape.kind.value);
