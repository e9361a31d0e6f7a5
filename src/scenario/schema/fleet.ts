/** Scenario format: the fleet (server types, regions, AZs, server pools) and the network between clients and regions. */
import { z } from "zod";
import { count, duration, identifier, nonNegativeNumber, positiveNumber } from "../fields.js";
import { atMost, LIMITS } from "../limits.js";

export const ServerTypeSchema = z
  .strictObject({
    gpu: z.string().min(1).describe("GPU id (catalog) of its GPUs"),
    gpus: count(LIMITS.gpusPerServer, 1).describe(`GPUs per server${atMost(LIMITS.gpusPerServer)}`),
    host_idle_w: nonNegativeNumber("power of everything but the GPUs when idle, W").default(2200),
    host_max_w: nonNegativeNumber("power of everything but the GPUs at full load, W").default(4600),
    usd_per_hour: nonNegativeNumber("on-demand price of the server, USD per hour").optional(),
    purchase_usd: nonNegativeNumber("purchase price, USD (owned fleets)").optional(),
    boot_time: duration("power-on to operating system ready").default(300),
    network_gb_per_s: positiveNumber("its network link to other servers, each way, GB/s (KV transfers between servers share it)", LIMITS.offloadGb).optional(),
    host_memory_gb: positiveNumber("host (CPU) memory, GB of 1e9 bytes: what its replicas' KV offload may use together", LIMITS.offloadGb).optional(),
  })
  .describe("a server type");

const ServerPoolSchema = z
  .strictObject({
    type: z.string().min(1).describe("server type: from the catalog (p5.48xlarge, p5e.48xlarge, p4d.24xlarge, g5.xlarge, dgx-h100, dgx-a100) or `server_types`"),
    count: count(LIMITS.servers).describe(`servers running at the start${atMost(LIMITS.servers)}, all pools together`),
    max: count(LIMITS.servers).optional().describe(`most servers this AZ could ever get (GPU scarcity)${atMost(LIMITS.servers)}. Default: count`),
  })
  .describe("servers of one type in an AZ");

const AzSchema = z
  .strictObject({
    name: identifier("availability zone name, unique in the scenario"),
    servers: z.union([ServerPoolSchema, z.array(ServerPoolSchema).max(LIMITS.pools.max)]).describe(`its server pool, or pools${atMost(LIMITS.pools)}`),
    power_capacity_kw: positiveNumber("facility power this AZ's data hall can supply, kW; the report flags peaks above it").optional(),
  })
  .describe("an availability zone: a failure domain with its own power and servers");

export const RegionSchema = z
  .strictObject({
    name: identifier("region name"),
    geo: z.string().min(1).optional().describe("geography whose clients are closest to this region. Default: the region's name"),
    pue: z
      .union([z.number().min(1), z.strictObject({ hourly: z.array(z.number().min(1)).length(24).describe("PUE for each hour of the day, from 0h") })])
      .default(1.15)
      .describe("power usage effectiveness: facility power / IT power (AWS reports 1.15 globally, ../shared/data/calibration/prices.csv)"),
    electricity_usd_per_kwh: nonNegativeNumber("electricity price, USD per kWh (Virginia commercial 2023: 0.0895, EIA via prices.csv)").default(0.0895),
    carbon_g_per_kwh: nonNegativeNumber("grid carbon intensity, g CO2 per kWh (default 380, a US-grid-like assumption)").default(380),
    azs: z.array(AzSchema).min(1).max(LIMITS.azs.max).describe(`its availability zones${atMost(LIMITS.azs)}`),
  })
  .describe("a region: availability zones, facility efficiency, electricity price and carbon");

export const NetworkSchema = z
  .strictObject({
    rtt_ms: z
      .record(z.string(), z.record(z.string(), nonNegativeNumber("round trip, ms", LIMITS.rttMs)))
      .default({})
      .describe("client geo -> region -> round-trip time, ms; added to TTFT and end-to-end latency"),
    default_rtt_ms: nonNegativeNumber("round trip between a geo and a region not listed: 0 within the region's own geo, this elsewhere", LIMITS.rttMs).default(60),
  })
  .describe("network distance between clients and regions");
