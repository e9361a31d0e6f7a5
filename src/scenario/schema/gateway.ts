/** Scenario format: the API gateway in front of every region (overhead, rate limits, quotas, WAF) and the SLA's credit basis. */
import { z } from "zod";
import { defaultsFromFields, duration, positiveNumber, timeDistribution } from "../fields.js";
import { LIMITS } from "../limits.js";

const share = (description: string) => z.number().min(0).max(1).describe(description);

export const RateLimitSchema = z
  .strictObject({
    requests_per_min: positiveNumber("requests a tenant may send per minute; the bucket holds one minute's allowance", LIMITS.requestsPerMin).optional(),
    tokens_per_min: positiveNumber("input + output tokens a tenant may send per minute (a request takes both at admission)", LIMITS.tokenBudget).optional(),
  })
  .describe("a tenant's rate limits, as token buckets refilled continuously (429 `throttled` when one is empty)");

const ModelLimitSchema = z
  .strictObject({
    requests_per_min: positiveNumber("requests the model takes per minute in each region, all tenants together", LIMITS.requestsPerMin).optional(),
    tokens_per_min: positiveNumber("input + output tokens the model takes per minute in each region, all tenants together", LIMITS.tokenBudget).optional(),
    flex_share: share(
      "share of each bucket that flex and batch requests may use: they are throttled once less than (1 - flex_share) of it is left, so flex is throttled before on_demand and priority",
    ).default(0.5),
  })
  .describe("a model's shared limit in each region, as token buckets (429 `throttled`)");

export const GatewaySchema = z
  .strictObject({
    overhead: z
      .union([duration("fixed time the gateway adds to every request"), timeDistribution("time the gateway adds to every request")])
      .default(0)
      .describe('time the gateway adds to every attempt (auth, validation, routing): a duration ("5ms") or a distribution'),
    rate_limits: z
      .strictObject({
        default: RateLimitSchema.optional().describe("limits of every tenant not listed under `tenants`. Default: none"),
        tenants: z.record(z.string(), RateLimitSchema).default({}).describe("tenant name -> its limits, replacing the default for that tenant"),
        models: z
          .record(z.string(), ModelLimitSchema)
          .default({})
          .describe("model name -> a limit all its tenants share, per region (Bedrock's per-model, per-Region quota), checked after the tenant's own"),
      })
      .optional()
      .describe("per-tenant request and token rate limits"),
    quotas: z
      .record(z.string(), z.strictObject({ tokens_per_day: positiveNumber("input + output tokens a tenant may use per simulated day (429 until the day turns)", LIMITS.tokenBudget) }))
      .default({})
      .describe("tenant name -> daily token quota"),
    waf: z
      .strictObject({ block: z.record(z.string(), share("share of the tenant's requests the rule blocks")).default({}).describe("tenant name -> share of its requests blocked (403 `blocked`)") })
      .optional()
      .describe("a web-application-firewall rule against flagged tenants (DDoS scenarios)"),
  })
  .describe("the API gateway: every attempt passes it before reaching a region's load balancer");

export const SlaSchema = z
  .strictObject({
    credit_basis: z
      .enum(["window", "month"])
      .default("window")
      .describe("uptime the SLA credit is tiered on: over the simulated window, or over a 30-day month whose other intervals are error-free"),
  })
  .describe("how service credits are computed");

export const gatewayDefaults = () => defaultsFromFields(GatewaySchema);
export const slaDefaults = () => defaultsFromFields(SlaSchema);
