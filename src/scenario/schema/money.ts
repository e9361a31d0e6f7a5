/** Scenario format: how costs are counted, and the latency objectives (SLO) goodput is measured against. */
import { TIERS } from "./workload.js";
import { z } from "zod";
import { duration, identifier, nonNegativeNumber, positiveNumber } from "../fields.js";
import { atMost, LIMITS } from "../limits.js";

export const CostsSchema = z
  .strictObject({
    gpu_pricing: z.enum(["on_demand", "owned"]).default("on_demand").describe("rent servers by the hour, or own them (purchase price amortised, plus facility cost)"),
    amortization_years: positiveNumber("years over which owned servers are written off", LIMITS.years).default(4),
    facility_usd_per_kw_month: nonNegativeNumber("owned: data-centre space, power and cooling capacity, USD per kW of server nameplate power per month").default(150),
    electricity: z
      .enum(["included", "billed"])
      .optional()
      .describe(
        "whether electricity is a cost item: billed (the fleet pays each kWh at its region's price) or included (the servers' price covers power, as cloud on-demand prices do). Default: included for on_demand, billed for owned. Energy (kWh, carbon, what it would cost) is reported either way",
      ),
    other: z
      .array(
        z
          .strictObject({
            name: identifier("cost item name (network, monitoring, security, gateway, load_balancers, database, ...)"),
            usd_per_hour: nonNegativeNumber("a fixed cost, USD per hour").optional(),
            fraction_of_compute: nonNegativeNumber("a cost proportional to the GPU-server cost").optional(),
          })
          .describe("another cost of running the service"),
      )
      .max(LIMITS.entries.max)
      .default([])
      .describe(`costs besides servers and electricity${atMost(LIMITS.entries)}`),
  })
  .describe("how costs are counted");

const TierSlo = z
  .strictObject({
    ttft: duration("time-to-first-token target of the tier's requests").optional(),
    tpot: duration("time-per-output-token target of the tier's requests").optional(),
  })
  .describe("a tier's own objectives; a target it leaves out is the scenario's");

export const SloSchema = z
  .strictObject({
    ttft: duration("time-to-first-token target").default(2),
    tpot: duration("time-per-output-token target (mean gap between tokens of a request)").default(0.2),
    tiers: z
      .partialRecord(z.enum(TIERS), TierSlo)
      .optional()
      .describe("per service tier, its own targets (flex may wait longer than priority): a request's attainment and goodput are judged by its tenant's tier"),
  })
  .describe("latency objectives: a request meeting both counts toward SLO attainment and goodput (DistServe's definition)");
