/**
 * The scenario format, version 1. This zod schema is the single source of the scenario's types,
 * validation, defaults and field documentation; `fleetsim schema` exports it as JSON Schema.
 * Objects are strict: an unknown key (usually a typo) is an error, never silently ignored.
 * Each section is declared in its own module under ./schema/; this one assembles the scenario and
 * names the types the rest of the simulator uses.
 */
import { z } from "zod";
import { parseThresholds } from "../metrics/thresholds.js";
import { defaultsFromFields, duration } from "./fields.js";
import { atMost, LIMITS } from "./limits.js";
import { EngineSchema } from "./schema/engine.js";
import { FaultSchema } from "./schema/faults.js";
import { gatewayDefaults, slaDefaults } from "./schema/gateway.js";
import { NetworkSchema, RegionSchema, ServerTypeSchema } from "./schema/fleet.js";
import { ModelSchema } from "./schema/models.js";
import { CostsSchema, SloSchema } from "./schema/money.js";
import { ReportSchema } from "./schema/report.js";
import { RouterKinds, RouterSchema } from "./schema/routers.js";
import { ArrivalSchema, TenantSchema, WorkloadSchema } from "./schema/workload.js";

export { ArrivalSchema, EngineSchema, ModelSchema, ReportSchema, RouterKinds, RouterSchema, TenantSchema, WorkloadSchema };

export const ScenarioSchema = z
  .strictObject({
    version: z.literal(1).describe("scenario format version; this is version 1"),
    name: z.string().min(1).describe("scenario name, shown in reports"),
    description: z.string().optional().describe("free text shown in the report"),
    seed: z.int().min(0).default(1).describe("seed of every random stream; same scenario + seed = same report, byte for byte"),
    duration: duration("simulated time during which requests arrive; the run then drains", { positive: true }),
    warmup: duration("requests arriving before this are served but left out of the statistics").default(0),
    drain: duration(
      "longest time after `duration` to let in-flight requests finish; what is left is reported as in_flight_at_end. Default: until all finish",
    ).optional(),
    server_types: z.record(z.string(), ServerTypeSchema).default({}).describe("server types, added to (or replacing) the built-in catalog"),
    regions: z
      .array(RegionSchema)
      .max(LIMITS.regions.max)
      .optional()
      .describe(`where the fleet is${atMost(LIMITS.regions)}. Default: one region with one AZ and as many servers as the replicas need`),
    network: defaultsFromFields(NetworkSchema),
    gateway: gatewayDefaults(),
    models: z.array(ModelSchema).max(LIMITS.models.max).default([]).describe(`deployed models and services${atMost(LIMITS.models)}`),
    workload: defaultsFromFields(WorkloadSchema),
    faults: z.array(FaultSchema).max(LIMITS.entries.max).default([]).describe(`failures and outages${atMost(LIMITS.entries)}`),
    costs: defaultsFromFields(CostsSchema),
    slo: defaultsFromFields(SloSchema),
    sla: slaDefaults(),
    thresholds: z
      .record(z.string(), z.array(z.string().min(1)).max(LIMITS.smallCount.max))
      .default({})
      .describe('pass/fail criteria, k6 style: { ttft: ["p(99) < 2s"], error_rate: ["rate < 0.001"], availability: ["value >= 99.9%"] }; `fleetsim check` exits 99 when one fails')
      // Parsed once here; checkScenario reports the expressions that did not parse.
      .transform(parseThresholds),
    report: defaultsFromFields(ReportSchema),
  })
  .describe("a fleetsim scenario");

export type Scenario = z.output<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type ModelSpec = Scenario["models"][number];
export type TenantSpec = Scenario["workload"]["tenants"][number];
export type ArrivalSpec = TenantSpec["arrival"];
export type RouterSpec = ModelSpec["router"];
export type EngineSpec = ModelSpec["engine"];
export type BatchingEngineSpec = Extract<EngineSpec, { kind: "continuous_batching" }>;
export type RegionSpec = NonNullable<Scenario["regions"]>[number];
export type FaultSpec = Scenario["faults"][number];
export type GatewaySpec = Scenario["gateway"];
export type RetrySpec = TenantSpec["retry"];
export type TenantRoutingSpec = TenantSpec["routing"];
export type ServerTypeSpec = Scenario["server_types"][string];
export type AutoscalerSpec = NonNullable<ModelSpec["autoscaler"]>;
export type RolloutSpec = NonNullable<ModelSpec["rollout"]>;
