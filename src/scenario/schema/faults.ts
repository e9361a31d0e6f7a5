/** Scenario format: failures and outages injected into a run. */
import { z } from "zod";
import { duration, timeDistribution, weibullShape } from "../fields.js";
import { LIMITS } from "../limits.js";

export const FaultSchema = z
  .discriminatedUnion("kind", [
    z
      .strictObject({ kind: z.literal("az_outage"), az: z.string().min(1).describe("the AZ"), at: duration("start"), duration: duration("length", { positive: true }) })
      .describe("an AZ goes dark: every server in it fails, and comes back (boot, weight loading) after `duration`"),
    z
      .strictObject({ kind: z.literal("region_outage"), region: z.string().min(1).describe("the region"), at: duration("start"), duration: duration("length", { positive: true }) })
      .describe("every AZ of a region goes dark"),
    z
      .strictObject({
        kind: z.literal("server_failures"),
        mtbf: duration("mean time between failures of one server", { positive: true, max: LIMITS.mtbf }),
        mttr: duration("mean time to repair (exponential)", { positive: true, max: LIMITS.mtbf }),
        distribution: z.enum(["exponential", "weibull"]).default("exponential").describe("distribution of the time to failure"),
        shape: weibullShape("Weibull shape (< 1: infant mortality, > 1: wear-out)").default(1),
        azs: z.array(z.string().min(1)).optional().describe("AZs it applies to. Default: all"),
      })
      .describe("random server failures: the replicas on a failed server go down until it is repaired and reloaded"),
    z
      .strictObject({
        kind: z.literal("gpu_failures"),
        mtbf: duration("mean time between failures of one GPU", { positive: true, max: LIMITS.mtbf }),
        mttr: duration("mean time to replace a failed GPU (exponential)", { positive: true, max: LIMITS.mtbf }),
        azs: z.array(z.string().min(1)).optional().describe("AZs it applies to. Default: all"),
      })
      .describe("random GPU failures: the one replica using that GPU goes down until it is replaced"),
    z
      .strictObject({
        kind: z.literal("random_az_outages"),
        mtbf: duration("mean time between outages of one AZ (exponential)", { positive: true, max: LIMITS.mtbf }),
        duration: timeDistribution("how long an outage lasts"),
        azs: z.array(z.string().min(1)).optional().describe("AZs it applies to. Default: all"),
      })
      .describe("AZ outages at random times"),
  ])
  .describe("something that breaks");
