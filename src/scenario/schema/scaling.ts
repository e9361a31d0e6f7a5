/** Scenario format: a model's autoscaler (one kind per entry) and its rollouts of a new version. */
import { z } from "zod";
import { capped, count, duration, identifier, positiveNumber } from "../fields.js";
import { atMost, formatLimit, LIMITS } from "../limits.js";
import { parseDurationSeconds } from "../units.js";

export const SCALING_METRICS = ["requests_per_replica", "gpu_utilization", "kv_utilization", "queue_length", "ttft_p90"] as const;

const metric = z
  .enum(SCALING_METRICS)
  .describe(
    "requests_per_replica: requests in flight (queued or running) per serving replica; gpu_utilization: share of serving replicas running an iteration; " +
      "kv_utilization: mean KV-cache load of serving replicas; queue_length: requests waiting per serving replica; ttft_p90: p90 TTFT at the service, seconds",
  );

/** A positive value; for ttft_p90 it may be written as a duration ("2s"). */
const target = (description: string) =>
  z
    .union([z.number(), z.string()])
    .transform((raw, ctx) => {
      const value = typeof raw === "number" ? raw : parseDurationSeconds(raw);
      if (value === undefined || !(value > 0)) {
        ctx.addIssue({ code: "custom", message: `expected a number > 0 (or a duration such as "2s" for ttft_p90), got ${JSON.stringify(raw)}` });
        return z.NEVER;
      }
      return value;
    })
    .describe(description);

const period = duration("time between datapoints; each datapoint is the metric averaged over the period just ended", { positive: true }).default(60);
const idleShutdown = duration("a server with no replica on it powers off (and stops being paid for) after this long", { positive: true }).default(600);
const scaleToZeroAfter = duration(
  "with replicas.min 0: the last replica stays until no request has arrived for this long, then the model scales to zero (Bedrock evicts an idle imported model after about an hour); a request for a model with no replica wakes it. Default: the autoscaler's own decisions may reach zero",
  { positive: true },
).optional();

/** After AWS Application Auto Scaling target tracking (evaluation periods, the 90 % scale-in band, scale-in cooldown), as SageMaker endpoints use it. */
const trackingFields = {
  metric,
  target: target("the value the metric is kept near, per serving replica"),
  period,
  scale_out_periods: count(LIMITS.smallCount, 1).default(3).describe(`consecutive datapoints above the target before scaling out (AWS: 3 one-minute datapoints)${atMost(LIMITS.smallCount)}`),
  scale_in_periods: count(LIMITS.smallCount, 1).default(15).describe(`consecutive datapoints below 90 % of the target before scaling in (AWS: 15)${atMost(LIMITS.smallCount)}`),
  scale_in_cooldown: duration("least time between two scale-ins").default(300),
  max_step: count(LIMITS.replicas, 1).optional().describe(`most replicas one decision adds or removes${atMost(LIMITS.replicas)}. Default: no limit`),
  idle_shutdown: idleShutdown,
  scale_to_zero_after: scaleToZeroAfter,
};

const TargetTracking = z.strictObject({ kind: z.literal("target_tracking"), ...trackingFields }).describe("keep a metric near a target (AWS target tracking)");

const StepSchema = z
  .strictObject({
    above: z.number().optional().describe("this step applies while the metric is above this value"),
    below: z.number().optional().describe("this step applies while the metric is below this value"),
    add: capped(z.int().min(-LIMITS.replicas.max), LIMITS.replicas).describe(`replicas to add (negative: remove) relative to the serving replicas (-${formatLimit(LIMITS.replicas.max)} to ${formatLimit(LIMITS.replicas.max)})`),
  })
  .describe("one step: give `above` or `below`, and `add`");

const Step = z
  .strictObject({
    kind: z.literal("step"),
    metric,
    period,
    steps: z.array(StepSchema).min(1).max(LIMITS.entries.max).describe("the `above` step with the highest bound the metric exceeds applies, else the `below` step with the lowest bound it is under"),
    cooldown: duration("least time between two scale-ins").default(300),
    idle_shutdown: idleShutdown,
    scale_to_zero_after: scaleToZeroAfter,
  })
  .describe("add or remove replicas by how far the metric is past a bound (AWS step scaling)");

const Scheduled = z
  .strictObject({
    kind: z.literal("scheduled"),
    period,
    table: z
      .array(
        z
          .strictObject({
            at: duration("time of day the entry takes effect (the table repeats every day)"),
            min: count(LIMITS.replicas).optional().describe(`fewest replicas from then on${atMost(LIMITS.replicas)}`),
            max: count(LIMITS.replicas).optional().describe(`most replicas from then on${atMost(LIMITS.replicas)}`),
            desired: count(LIMITS.replicas).optional().describe(`replicas to run from then on (kept within min..max)${atMost(LIMITS.replicas)}`),
          })
          .describe("a scheduled action"),
      )
      .min(1)
      .max(LIMITS.entries.max)
      .describe("scheduled actions, in time-of-day order; the last one of the day is in force until the first of the next"),
    idle_shutdown: idleShutdown,
    scale_to_zero_after: scaleToZeroAfter,
  })
  .describe("change min, max and desired replicas at times of day (AWS scheduled scaling)");

const Predictive = z
  .strictObject({
    kind: z.literal("predictive"),
    ...trackingFields,
    season: duration("length of the load's cycle: each period's arrival rate is forecast from the same time one season earlier", { positive: true }).default(86400),
    fallback: z.literal("target_tracking").default("target_tracking").describe("the policy that also runs, as a safety net (and alone during the first season)"),
  })
  .describe("provision ahead of the load forecast from one season earlier, by the measured lead time (AWS predictive scaling), with target tracking as a safety net");

export const AutoscalerSchema = z
  .discriminatedUnion("kind", [TargetTracking, Step, Scheduled, Predictive])
  .describe("how the number of replicas follows the load, between replicas.min and replicas.max (per region)");

export const RolloutSchema = z
  .strictObject({
    at: duration("when the rollout starts"),
    strategy: z
      .enum(["blue_green", "canary"])
      .describe("both provision a full second fleet of the new version; blue_green moves all traffic at once, canary by stages"),
    version: z
      .strictObject({
        name: identifier("name of the new version"),
        latency_factor: positiveNumber("its iteration times relative to the current version", LIMITS.factor).default(1),
        error_rate: z.number().min(0).max(1).default(0).describe("share of its requests that fail with a 5xx"),
      })
      .describe("the new version"),
    stages: z
      .array(
        z
          .strictObject({
            share: z.number().min(0).max(1).describe("share (0-1) of the model's traffic sent to the new version"),
            bake: duration("time at this share before the next stage"),
          })
          .describe("a traffic-shifting stage"),
      )
      .min(1)
      .max(LIMITS.entries.max)
      .default([{ share: 1, bake: 900 }])
      .describe("traffic shares, the last one 1.0. Default: all at once, baked for 15 minutes"),
    alarms: z
      .strictObject({
        error_rate: z.number().min(0).max(1).optional().describe("roll back when the new version's share of requests ending in a 5xx exceeds this"),
        ttft_p99: duration("roll back when the new version's p99 TTFT exceeds this", { positive: true }).optional(),
        window: duration("the alarms look at requests that ended within this trailing window", { positive: true }).default(300),
        min_requests: count(LIMITS.queueLength, 1).default(20).describe(`requests in the window before an alarm may fire${atMost(LIMITS.queueLength)}`),
      })
      .optional()
      .describe("alarms that roll the new version back at once (SageMaker deployment guardrails' auto-rollback)"),
  })
  .describe("a rollout of a new model version (SageMaker blue/green deployment guardrails: all at once or canary)");
