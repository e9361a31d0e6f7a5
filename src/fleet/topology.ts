/**
 * The fleet's static plan: regions, AZs, servers and where each model's replicas go. It is checked
 * before a run (so an impossible plan is a scenario error naming what is missing) and then built.
 */
import { GPUS, type GpuSpec } from "../catalog/gpus.js";
import { defaultServerFor, SERVER_TYPES, type ServerType } from "../catalog/servers.js";
import { unknownName, type PathSegment } from "../scenario/issues.js";
import type { ModelSpec, RegionSpec, Scenario } from "../scenario/schema.js";
import { RegionSchema } from "../scenario/schema/fleet.js";
import { resolveGpu } from "../inference/deployment.js";

export interface RegionPlan {
  name: string;
  geo: string;
  /** facility / IT power, constant or per hour of day */
  pue: number | number[];
  electricityUsdPerKwh: number;
  carbonGPerKwh: number;
  azs: number[];
}

export interface ServerPlan {
  az: number;
  type: ServerType;
}

export interface AzPlan {
  name: string;
  region: number;
  /** power the AZ can supply, kW (facility side) */
  powerCapacityKw?: number;
  servers: number[];
  /** servers the AZ could ever get, per type (for later scaling) */
  maxServers: Map<string, number>;
}

export interface ReplicaPlacement {
  az: number;
  server: number;
  firstGpu: number;
  gpus: number;
}

export interface Topology {
  /** no `regions:` in the scenario: one implicit region and AZ with servers made to fit */
  implicit: boolean;
  regions: RegionPlan[];
  azs: AzPlan[];
  servers: ServerPlan[];
  serverTypes: Map<string, ServerType>;
  /** per model, per region index: where its replicas sit (empty for services not on GPUs) */
  placements: ReplicaPlacement[][][];
  /** per model: the regions it serves */
  modelRegions: number[][];
  /** per model: the GPU id its replicas use */
  modelGpu: (string | undefined)[];
  /** every GPU a server may hold, by id: the catalog's and the models' inline ones */
  gpus: ReadonlyMap<string, GpuSpec>;
}

type Problem = { path: PathSegment[]; message: string };

function serverTypes(scenario: Scenario): Map<string, ServerType> {
  const types = new Map(Object.entries(SERVER_TYPES));
  for (const [id, t] of Object.entries(scenario.server_types)) {
    types.set(id, {
      id,
      gpu: t.gpu,
      gpus: t.gpus,
      hostIdleW: t.host_idle_w,
      hostMaxW: t.host_max_w,
      usdPerHour: t.usd_per_hour,
      purchaseUsd: t.purchase_usd,
      bootS: t.boot_time,
      hostMemoryGb: t.host_memory_gb,
      networkGbPerS: t.network_gb_per_s,
      source: "scenario server_types",
    });
  }
  return types;
}

/**
 * The catalog's GPUs plus the models' inline ones, so servers made for an inline GPU find its power
 * and memory by id like any other. An inline GPU may not reuse a catalog id or another inline GPU's id
 * with different figures: servers would not know which one they hold.
 */
function gpuSpecs(scenario: Scenario, problems: Problem[]): Map<string, GpuSpec> {
  const gpus = new Map(Object.entries(GPUS));
  const inline = new Map<string, string>();
  scenario.models.forEach((model, mi) => {
    if (model.gpu === undefined || typeof model.gpu === "string") return;
    const spec = resolveGpu(model.gpu) as GpuSpec;
    const figures = JSON.stringify(model.gpu);
    if (GPUS[spec.id]) problems.push({ path: ["models", mi, "gpu", "id"], message: `'${spec.id}' is a catalog GPU; give the inline GPU an id of its own, or use gpu: ${spec.id}` });
    else if (inline.has(spec.id) && inline.get(spec.id) !== figures) problems.push({ path: ["models", mi, "gpu", "id"], message: `another model defines an inline GPU '${spec.id}' with different figures` });
    else {
      inline.set(spec.id, figures);
      gpus.set(spec.id, spec);
    }
  });
  return gpus;
}

function gpuIdOf(model: ModelSpec): string | undefined {
  return model.gpu === undefined ? undefined : typeof model.gpu === "string" ? model.gpu : model.gpu.id;
}

export function gpusPerReplica(model: ModelSpec): number {
  return model.engine.kind === "continuous_batching" ? model.tensor_parallel * model.pipeline_parallel : 0;
}

/**
 * A disaggregated model's pools as model entries of their own: the pool's replicas, autoscaler, GPU,
 * tensor parallelism and precision, and the model's KV element type for both (a KV cache moves
 * between them as it is).
 */
export function poolSpecs(model: ModelSpec): { prefill: ModelSpec; decode: ModelSpec } | undefined {
  const d = model.disaggregation;
  if (!d) return undefined;
  const kv = model.kv_cache_precision ?? (model.precision === "fp8" ? "fp8" : "fp16");
  const pool = (p: (typeof d)["prefill"]): ModelSpec => ({
    ...model,
    replicas: p.replicas,
    autoscaler: p.autoscaler ?? model.autoscaler,
    gpu: p.gpu ?? model.gpu,
    tensor_parallel: p.tensor_parallel ?? model.tensor_parallel,
    precision: p.precision ?? model.precision,
    kv_cache_precision: kv,
    disaggregation: undefined,
  });
  return { prefill: pool(d.prefill), decode: pool(d.decode) };
}

/** GPUs of the model's replica `r`: a disaggregated model's prefill replicas come first, then its decode ones. */
export function gpusOfReplica(model: ModelSpec, r: number): number {
  const pools = poolSpecs(model);
  if (!pools) return gpusPerReplica(model);
  return gpusPerReplica(r < model.disaggregation!.prefill.replicas.initial ? pools.prefill : pools.decode);
}

/** The GPU type of the model's replica `r`: its pool's, or the model's (`modelGpu`). */
export function gpuOfReplica(model: ModelSpec, r: number, modelGpu: string): string {
  const d = model.disaggregation;
  if (!d) return modelGpu;
  return (r < d.prefill.replicas.initial ? d.prefill.gpu : d.decode.gpu) ?? modelGpu;
}

/** Plans the fleet; returns what is wrong instead of throwing. */
export function planTopology(scenario: Scenario): { topology?: Topology; problems: Problem[] } {
  const problems: Problem[] = [];
  const types = serverTypes(scenario);
  const regions: RegionPlan[] = [];
  const azs: AzPlan[] = [];
  const servers: ServerPlan[] = [];
  const implicit = scenario.regions === undefined;
  const gpus = gpuSpecs(scenario, problems);

  for (const [id, t] of Object.entries(scenario.server_types)) {
    if (!GPUS[t.gpu]) problems.push({ path: ["server_types", id, "gpu"], message: unknownName("GPU", t.gpu, Object.keys(GPUS)) });
  }

  // Without `regions`, one region with the schema's defaults for its power, price and carbon.
  const regionSpecs: RegionSpec[] = scenario.regions ?? [RegionSchema.parse({ name: "default", geo: "default", azs: [{ name: "default-a", servers: [] }] })];
  const azNames = new Map<string, number[]>();
  regionSpecs.forEach((r, ri) => {
    const region: RegionPlan = {
      name: r.name,
      geo: r.geo ?? r.name,
      pue: typeof r.pue === "number" ? r.pue : r.pue.hourly,
      electricityUsdPerKwh: r.electricity_usd_per_kwh,
      carbonGPerKwh: r.carbon_g_per_kwh,
      azs: [],
    };
    r.azs.forEach((a, ai) => {
      const index = azs.length;
      azNames.set(a.name, [...(azNames.get(a.name) ?? []), index]);
      const plan: AzPlan = { name: a.name, region: ri, powerCapacityKw: a.power_capacity_kw, servers: [], maxServers: new Map() };
      const pools = Array.isArray(a.servers) ? a.servers : [a.servers];
      pools.forEach((pool, pi) => {
        const type = types.get(pool.type);
        const path: PathSegment[] = ["regions", ri, "azs", ai, "servers", ...(Array.isArray(a.servers) ? [pi] : []), "type"];
        if (!type) {
          problems.push({ path, message: unknownName("server type", pool.type, [...types.keys()]) });
          return;
        }
        if (pool.max !== undefined && pool.max < pool.count) {
          problems.push({ path: [...path.slice(0, -1), "max"], message: `max (${pool.max}) is below count (${pool.count})` });
        }
        for (let i = 0; i < pool.count; i++) {
          plan.servers.push(servers.length);
          servers.push({ az: index, type });
        }
        plan.maxServers.set(type.id, (plan.maxServers.get(type.id) ?? 0) + Math.max(pool.count, pool.max ?? pool.count));
      });
      region.azs.push(index);
      azs.push(plan);
    });
    regions.push(region);
  });
  for (const [name, where] of azNames) if (where.length > 1) problems.push({ path: ["regions"], message: `AZ name '${name}' is used more than once` });
  const regionNames = regions.map((r) => r.name);
  if (new Set(regionNames).size !== regionNames.length) problems.push({ path: ["regions"], message: "region names must be unique" });

  // Which regions and GPU each model uses.
  const modelRegions: number[][] = [];
  const modelGpu: (string | undefined)[] = [];
  scenario.models.forEach((model, mi) => {
    const wanted = model.regions ?? regionNames;
    const indices: number[] = [];
    model.regions?.forEach((name, k) => {
      const index = regionNames.indexOf(name);
      if (index < 0) problems.push({ path: ["models", mi, "regions", k], message: unknownName("region", name, regionNames) });
    });
    for (const name of wanted) if (regionNames.includes(name)) indices.push(regionNames.indexOf(name));
    modelRegions.push(indices);
    if (gpusPerReplica(model) === 0) {
      modelGpu.push(undefined);
      return;
    }
    const explicit = gpuIdOf(model);
    if (implicit) {
      modelGpu.push(explicit ?? "h100-sxm");
      return;
    }
    const available = new Set(indices.flatMap((r) => regions[r].azs.flatMap((a) => azs[a].servers.map((s) => servers[s].type.gpu))));
    for (const pool of ["prefill", "decode"] as const) {
      const own = model.disaggregation?.[pool].gpu;
      if (own !== undefined && !available.has(own)) {
        problems.push({ path: ["models", mi, "disaggregation", pool, "gpu"], message: `no server in ${wanted.join(", ")} has ${own} GPUs (they have: ${[...available].join(", ") || "none"})` });
      }
    }
    if (explicit !== undefined) {
      if (!available.has(explicit)) {
        const inline = typeof model.gpu === "string" ? "" : "; server types hold catalog GPUs, so an inline GPU runs only in a scenario without regions";
        problems.push({ path: ["models", mi, "gpu"], message: `no server in ${wanted.join(", ")} has ${explicit} GPUs (they have: ${[...available].join(", ") || "none"})${inline}` });
      }
      modelGpu.push(explicit);
    } else if (available.size === 1) {
      modelGpu.push([...available][0]);
    } else {
      problems.push({
        path: ["models", mi, "gpu"],
        message: available.size === 0 ? `the model's regions (${wanted.join(", ")}) have no servers` : `its regions have several GPU types (${[...available].join(", ")}): say which with gpu`,
      });
      modelGpu.push(undefined);
    }
  });
  if (problems.length > 0) return { problems };

  const placements = place(scenario, { implicit, regions, azs, servers, serverTypes: types, placements: [], modelRegions, modelGpu, gpus }, problems);
  if (problems.length > 0) return { problems };
  return { topology: { implicit, regions, azs, servers, serverTypes: types, placements, modelRegions, modelGpu, gpus }, problems };
}

/** Puts each model's replicas on servers: a replica's GPUs are on one server; AZs by spread or pack. */
function place(scenario: Scenario, t: Topology, problems: Problem[]): ReplicaPlacement[][][] {
  const freeGpus = t.servers.map((s) => s.type.gpus);
  return scenario.models.map((model, mi) => {
    return t.modelRegions[mi].map((ri) => {
      const region = t.regions[ri];
      const placed: ReplicaPlacement[] = [];
      if (gpusPerReplica(model) === 0) return placed;
      let gpu = t.modelGpu[mi]!;
      let need = gpusOfReplica(model, 0);
      if (t.implicit) {
        const az = region.azs[0];
        for (let r = 0; r < model.replicas.initial; r++) {
          need = gpusOfReplica(model, r);
          gpu = gpuOfReplica(model, r, t.modelGpu[mi]!);
          // Unlimited servers: add 8-GPU servers of the model's GPU as needed.
          const type = defaultServerFor(gpu, Math.max(8, need));
          let server = t.azs[az].servers.find((s) => t.servers[s].type.gpu === gpu && freeGpus[s] >= need);
          if (server === undefined) {
            server = t.servers.length;
            t.servers.push({ az, type });
            t.azs[az].servers.push(server);
            freeGpus.push(type.gpus);
          }
          placed.push({ az, server, firstGpu: t.servers[server].type.gpus - freeGpus[server], gpus: need });
          freeGpus[server] -= need;
        }
        return placed;
      }
      const fits = (s: number) => t.servers[s].type.gpu === gpu && freeGpus[s] >= need;
      for (let r = 0; r < model.replicas.initial; r++) {
        need = gpusOfReplica(model, r);
        gpu = gpuOfReplica(model, r, t.modelGpu[mi]!);
        const order = model.placement === "spread" ? region.azs.map((_, k) => region.azs[(r + k) % region.azs.length]) : region.azs;
        let chosen: number | undefined;
        for (const az of order) {
          chosen = t.azs[az].servers.find(fits);
          if (chosen !== undefined) break;
        }
        if (chosen === undefined) {
          const free = region.azs.flatMap((a) => t.azs[a].servers.filter((s) => t.servers[s].type.gpu === gpu)).reduce((sum, s) => sum + freeGpus[s], 0);
          const total = region.azs.flatMap((a) => t.azs[a].servers.filter((s) => t.servers[s].type.gpu === gpu)).reduce((sum, s) => sum + t.servers[s].type.gpus, 0);
          problems.push({
            path: ["models", mi, "replicas", "initial"],
            message:
              `${model.name} needs ${model.replicas.initial} replicas x ${need} ${gpu} GPUs = ${model.replicas.initial * need} GPUs in ${region.name}, ` +
              `each replica's ${need} on one server; only ${r} fit (${total} ${gpu} GPUs there, ${free} left free after placing the others)`,
          });
          return placed;
        }
        placed.push({ az: t.servers[chosen].az, server: chosen, firstGpu: t.servers[chosen].type.gpus - freeGpus[chosen], gpus: need });
        freeGpus[chosen] -= need;
      }
      return placed;
    });
  });
}

/** Checks fault specs against the topology and the simulated time. */
export function checkFaults(scenario: Scenario, t: Topology): Problem[] {
  const problems: Problem[] = [];
  const azNames = t.azs.map((a) => a.name);
  const regionNames = t.regions.map((r) => r.name);
  scenario.faults.forEach((f, i) => {
    const azList = "azs" in f ? f.azs : undefined;
    azList?.forEach((name, k) => {
      if (!azNames.includes(name)) problems.push({ path: ["faults", i, "azs", k], message: unknownName("AZ", name, azNames) });
    });
    if (f.kind === "az_outage" && !azNames.includes(f.az)) problems.push({ path: ["faults", i, "az"], message: unknownName("AZ", f.az, azNames) });
    if (f.kind === "region_outage" && !regionNames.includes(f.region)) problems.push({ path: ["faults", i, "region"], message: unknownName("region", f.region, regionNames) });
    if ((f.kind === "az_outage" || f.kind === "region_outage") && f.at >= scenario.duration) {
      problems.push({ path: ["faults", i, "at"], message: `the outage starts at ${f.at} s, after the simulated time ends (${scenario.duration} s)` });
    }
  });
  return problems;
}

/**
 * KV offload's host memory against the servers that would hold it: every replica of a model on one
 * server keeps its own `host_memory_gb`, and together they must fit the server type's host memory
 * (where the type says how much it has). Offload also needs the prefix cache whose blocks it keeps.
 */
export function checkOffloadMemory(scenario: Scenario, t: Topology): Problem[] {
  const problems: Problem[] = [];
  scenario.models.forEach((model, mi) => {
    const engine = model.engine;
    if (engine.kind !== "continuous_batching" || !engine.kv_offload) return;
    const path: PathSegment[] = ["models", mi, "engine", "kv_offload"];
    if (!engine.prefix_caching) {
      problems.push({ path, message: "KV offload keeps the prefix-cache blocks evicted from GPU memory: it needs prefix_caching: true" });
      return;
    }
    const need = gpusPerReplica(model);
    for (const type of serverTypesOf(t, mi, [t.modelGpu[mi]])) {
      if (type.hostMemoryGb === undefined || need > type.gpus) continue;
      const perServer = Math.floor(type.gpus / need);
      const wanted = perServer * engine.kv_offload.host_memory_gb;
      if (wanted > type.hostMemoryGb) {
        problems.push({
          path: [...path, "host_memory_gb"],
          message: `${perServer} replica(s) of ${model.name} fit on a ${type.id} (${type.gpus} GPUs, ${need} each) and would hold ${formatGb(wanted)} GB of host memory together; it has ${formatGb(type.hostMemoryGb)} GB`,
        });
      }
    }
  });
  return problems;
}

const formatGb = (gb: number) => (Number.isInteger(gb) ? String(gb) : gb.toFixed(1));

/** A disaggregated model moves KV caches between servers: each server type it may run on must say how fast its network is. */
export function checkTransferNetwork(scenario: Scenario, t: Topology): Problem[] {
  const problems: Problem[] = [];
  scenario.models.forEach((model, mi) => {
    const d = model.disaggregation;
    if (!d) return;
    for (const type of serverTypesOf(t, mi, [d.prefill.gpu ?? t.modelGpu[mi], d.decode.gpu ?? t.modelGpu[mi]])) {
      if (type.networkGbPerS !== undefined) continue;
      problems.push({ path: ["models", mi, "disaggregation"], message: `server type ${type.id} has no network_gb_per_s: KV transfers between its servers need the rate of their network` });
    }
  });
  return problems;
}

/** The server types of model `mi`'s regions that hold one of `gpus`, each once, in the order first met. */
function serverTypesOf(t: Topology, mi: number, gpus: readonly (string | undefined)[]): ServerType[] {
  const regions = new Set(t.modelRegions[mi]);
  const types = new Map<string, ServerType>();
  for (const s of t.servers) if (gpus.includes(s.type.gpu) && regions.has(t.azs[s.az].region)) types.set(s.type.id, s.type);
  return [...types.values()];
}
