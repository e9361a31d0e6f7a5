/**
 * Assembles a world from a validated scenario and runs it: tenants feed the front end, which picks
 * a region and hands requests to that region's model service and its replicas; replicas sit on the
 * fleet's servers, whose power, failures and recoveries the fleet tracks; the recorder turns what
 * happens into statistics.
 */
import { RandomStreams, Simulator, secondsToUs } from "./engine/index.js";
import { Frontend, type RegionChoice, type TenantClient } from "./control/frontend.js";
import { Gateway } from "./control/gateway.js";
import { RegionRouter } from "./control/region-router.js";
import { RetryPolicy } from "./workload/retry.js";
import { ModelService, type PoolRole } from "./control/model-service.js";
import { ReplicaSet } from "./control/replica-set.js";
import { KvTransfers } from "./fleet/kv-transfers.js";
import { poolSpecs } from "./fleet/topology.js";
import { KvTransferStats } from "./control/model-service.js";
import { Rollout } from "./control/rollout.js";
import { BucketedLevel } from "./metrics/bucketed-level.js";
import { defaultServerFor } from "./catalog/servers.js";
import { createEngine, deployModel, type Deployed } from "./inference/index.js";
import type { BatchingReplicaLike } from "./inference/replica.js";
import type { Calibration } from "./inference/latency/efficiency.js";
import { prefixUnitTokens } from "./inference/batching-engine.js";
import { Recorder, type RequestRecord, type SloTargets } from "./metrics/recorder.js";
import { accountsOf } from "./requests/scopes.js";
import { Fleet } from "./fleet/fleet.js";
import { startFaults } from "./fleet/faults.js";
import { planTopology, type Topology } from "./fleet/topology.js";
import { loadTrace, type LoadedScenario } from "./scenario/load.js";
import type { ModelSpec, Scenario } from "./scenario/schema.js";
import type { SimContext } from "./requests/context.js";
import type { Outcome } from "./requests/outcomes.js";
import { RequestTable } from "./requests/table.js";
import { TIERS, type TierOrder } from "./requests/tiers.js";
import { PrefixKeySpace, TenantSource } from "./workload/tenant-source.js";
import { JobBoard } from "./workload/batch-jobs.js";
import { CacheLedger } from "./economics/prompt-cache.js";

export interface SimulationResult {
  scenario: Scenario;
  /** the scenario source's SHA-256 and the overrides applied */
  provenance: LoadedScenario["provenance"];
  recorder: Recorder;
  topology: Topology;
  fleet: Fleet;
  /** model services: [model][k] for the model's k-th region */
  services: ModelService[][];
  /** replica sets: [model][k] for the model's k-th region (undefined for models with a fixed fleet, and for disaggregated ones) */
  replicaSets: (ReplicaSet | undefined)[][];
  /** a disaggregated model's replica sets, one per pool: [model][k] (undefined where neither pool autoscales) */
  poolSets: (Record<PoolRole, ReplicaSet> | undefined)[][];
  /** rollouts: [model][k] for the model's k-th region */
  rollouts: (Rollout | undefined)[][];
  /** desired replicas summed over the fleet */
  desiredTotal: BucketedLevel;
  /** deployment plan per model (undefined for non-LLM services) */
  deployments: (Deployed | undefined)[];
  /** batch inference jobs, where some tenant submits them */
  jobs?: JobBoard;
  /** per model with prefill/decode disaggregation: its KV transfers */
  kvTransfers: (KvTransferStats | undefined)[];
  /** servers at the start; those after them were added by scale-outs */
  initialServers: number;
  /** simulated time when the run ended (all drained, or the drain limit) */
  endUs: number;
  events: number;
  /** requests generated, including those of the warm-up */
  generated: number;
  /** events of the same time and class ran in a seeded random order (`shuffleTies`) */
  shuffledTies: boolean;
}

export interface SimulationOptions {
  /** receives every request as it ends (for per-request output) */
  onRequestEnd?: (record: RequestRecord) => void;
  /** check KV-cache and GPU-slot accounting after every change (slower; for tests) */
  debugChecks?: boolean;
  /** told now and then how far the run got (simulated microseconds, events handled) */
  onProgress?: (nowUs: number, events: number) => void;
  /** form every continuous batch by walking the running list, never through the decode group (the same results, slower; for tests) */
  eagerBatching?: boolean;
  /**
   * run events of the same microsecond and priority class in a pseudo-random order seeded from the
   * scenario's seed, instead of the order they were scheduled (`--shuffle-ties`): a run that still
   * reproduces, for showing that results do not depend on how ties happen to be broken
   */
  shuffleTies?: boolean;
  /** the latency model's efficiency factors (default: the ones in force); for a calibration fit trying others */
  calibration?: Calibration;
}

/** Round trip between a client geo and a region: listed, else 0 within the region's own geo, else the default. */
function rttMs(scenario: Scenario, geo: string, regionName: string, regionGeo: string): number {
  return scenario.network.rtt_ms[geo]?.[regionName] ?? (geo === regionGeo ? 0 : scenario.network.default_rtt_ms);
}

/** The SLO targets requests are judged by: the scenario's, or per tenant its tier's where tiers have their own. */
function sloTargets(scenario: Scenario): SloTargets {
  const { slo } = scenario;
  const base = { ttftS: slo.ttft, tpotS: slo.tpot };
  if (!slo.tiers) return base;
  return { ...base, byTenant: scenario.workload.tenants.map((t) => ({ ttftS: slo.tiers![t.tier]?.ttft ?? slo.ttft, tpotS: slo.tiers![t.tier]?.tpot ?? slo.tpot })) };
}

/** How a model orders waiting requests by tier: only where its tenants span more than one tier (else first come, first served, as before). */
function tierOrder(scenario: Scenario, model: ModelSpec): TierOrder | undefined {
  const tenants = scenario.workload.tenants;
  const own = tenants.filter((t) => t.model === model.name);
  const ranks = new Set(own.map((t) => TIERS.indexOf(t.tier)));
  // A reservation's requests are served first: a tenant with one makes a second class.
  if (ranks.size < 2 && !own.some((t) => t.reserved)) return undefined;
  return { rankOfTenant: Uint8Array.from(tenants, (t) => TIERS.indexOf(t.tier)), agingUs: secondsToUs(model.priority_aging) };
}

/** Boot time of the first server type in the region with this GPU (what a new server of its pools takes). */
function bootTimeS(topology: Topology, region: number, gpu: string): number {
  for (const a of topology.regions[region].azs) {
    for (const [id] of topology.azs[a].maxServers) {
      const type = topology.serverTypes.get(id)!;
      if (type.gpu === gpu) return type.bootS;
    }
  }
  return defaultServerFor(gpu).bootS;
}

export function runSimulation(loaded: LoadedScenario, options: SimulationOptions = {}): SimulationResult {
  const { scenario, data } = loaded;
  const planned = planTopology(scenario);
  if (!planned.topology) throw new Error(`fleet plan failed: ${planned.problems.map((p) => p.message).join("; ")}`);
  const topology = planned.topology;
  const initialServers = topology.servers.length;
  const streams = new RandomStreams(scenario.seed);
  const sim = new Simulator({ shuffleTiesSeed: options.shuffleTies ? Math.floor(streams.get("engine/tie-order")() * 2 ** 32) : undefined });
  sim.onProgress = options.onProgress;
  const requests = new RequestTable();
  requests.clock = sim;
  const durationUs = secondsToUs(scenario.duration);
  const warmupUs = secondsToUs(scenario.warmup);
  const intervalUs = secondsToUs(scenario.report.interval);
  const tenants = scenario.workload.tenants;
  const regionCount = topology.regions.length;
  const recorder = new Recorder(requests, tenants.length, regionCount, sloTargets(scenario), warmupUs, durationUs, intervalUs, accountsOf(tenants));
  recorder.onRequestEnd = options.onRequestEnd;
  if (CacheLedger.wanted(scenario)) recorder.ledger = new CacheLedger(scenario);
  const ctx: SimContext = { sim, streams, requests, lifecycle: recorder, data };
  // The fleet's levels and paid time are counted over the window [warmup, duration], the period whose
  // tokens, revenue and cost the report sets side by side; the drain after it is reported as its length.
  const fleet = new Fleet(ctx, topology, intervalUs, warmupUs, durationUs, scenario.models.map((m) => m.name), options.debugChecks ?? false);
  const desiredTotal = new BucketedLevel(intervalUs, warmupUs, durationUs);

  const deployments = scenario.models.map((m, i) => deployModel(m, data, topology.modelGpu[i], options.calibration).deployed);
  let frontend: Frontend | undefined;
  const sink = {
    completed: (req: number, firstTokenUs: number) => frontend!.completed(req, firstTokenUs),
    refused: (req: number, outcome: Outcome) => frontend!.refused(req, outcome),
    failed: (req: number) => frontend!.failed(req),
  };
  const engineOptions = {
    windowFromUs: warmupUs,
    windowToUs: durationUs,
    scopeCount: recorder.grid.size,
    debugChecks: options.debugChecks ?? false,
    eagerBatching: options.eagerBatching ?? false,
    acceptanceByTenant: tenants.map((t) => t.speculative_acceptance_rate),
  };
  const traces = tenants.map((t) => (t.arrival.kind === "trace" ? loadTrace(data, t.arrival.file, t.arrival.format) : undefined));
  // One key size per model's prefix cache: a KV block, or the hash-id grain of a trace one of its tenants replays.
  const prefixUnits = scenario.models.map((spec) =>
    spec.engine.kind === "continuous_batching" ? prefixUnitTokens(spec.engine, tenants.some((t, i) => t.model === spec.name && traces[i]?.hashIds !== undefined)) : 0,
  );
  let serviceId = 0;
  const replicaSets: (ReplicaSet | undefined)[][] = [];
  const poolSets: (Record<PoolRole, ReplicaSet> | undefined)[][] = [];
  const services = scenario.models.map((spec, m) => {
    const modelOptions = { ...engineOptions, prefixUnitTokens: prefixUnits[m], tiers: tierOrder(scenario, spec) };
    const engine = createEngine(spec, ctx, deployments[m], modelOptions);
    // A disaggregated model's pools are engines of their own (each may have its own tensor parallelism).
    const pools = poolSpecs(spec);
    const poolDeployed = pools && { prefill: deployModel(pools.prefill, data, topology.modelGpu[m], options.calibration).deployed!, decode: deployModel(pools.decode, data, topology.modelGpu[m], options.calibration).deployed! };
    const poolEngines = pools && { prefill: createEngine(pools.prefill, ctx, poolDeployed!.prefill, modelOptions), decode: createEngine(pools.decode, ctx, poolDeployed!.decode, modelOptions) };
    const deployed = deployments[m];
    // Weights in GB (1e9 bytes) of the whole replica, loaded at the replica's rate after the engine starts.
    const startOf = (d: Deployed | undefined) => (d ? { engine: spec.startup.engine, total: spec.startup.engine + (d.memory.weightsGb * d.gpusPerReplica) / spec.startup.weight_load_gb_per_s } : { engine: 0, total: 0 });
    const startS = startOf(deployed);
    const sets: (ReplicaSet | undefined)[] = [];
    const poolSetsOfModel: (Record<PoolRole, ReplicaSet> | undefined)[] = [];
    replicaSets.push(sets);
    poolSets.push(poolSetsOfModel);
    return topology.modelRegions[m].map((region, k) => {
      const placements = topology.placements[m][k];
      const count = deployed ? placements.length : spec.replicas.initial;
      const name = `models/${spec.name}/${topology.regions[region].name}`;
      const service = new ModelService(ctx, serviceId++, m, region, spec, engine, sink, count, name, poolEngines);
      const where = `${spec.name}/${topology.regions[region].name}`;
      service.onHealthMark = (kind, replica) => fleet.log(kind, `${where}/${replica.index}`, { model: spec.name, region: topology.regions[region].name, reason: "health checks" });
      const gpu = topology.modelGpu[m];
      const setFor = (d: Deployed, setGpu: string, pool?: { role: PoolRole; spec: ModelSpec }) =>
        new ReplicaSet({
          fleet,
          service,
          gpu: setGpu,
          gpusPerReplica: d.gpusPerReplica,
          startS: startOf(d),
          bootS: bootTimeS(topology, region, setGpu),
          desiredTotal,
          endUs: durationUs,
          ...(pool ? { pool: pool.role, spec: pool.spec, initial: pool.spec.replicas.initial } : {}),
        });
      // Each pool of a disaggregated model scales apart, on its own GPUs, when either has an autoscaler.
      const byPool =
        pools && gpu && (pools.prefill.autoscaler || pools.decode.autoscaler)
          ? {
              prefill: setFor(poolDeployed!.prefill, spec.disaggregation!.prefill.gpu ?? gpu, { role: "prefill", spec: pools.prefill }),
              decode: setFor(poolDeployed!.decode, spec.disaggregation!.decode.gpu ?? gpu, { role: "decode", spec: pools.decode }),
            }
          : undefined;
      const set = !pools && deployed && gpu && (spec.autoscaler || spec.rollout) ? setFor(deployed, gpu) : undefined;
      sets.push(set);
      poolSetsOfModel.push(byPool);
      if (deployed) {
        desiredTotal.add(count, 0);
        service.all.forEach((replica, i) => {
          const role = pools ? ((replica as BatchingReplicaLike).role as PoolRole) : undefined;
          const owner = role && byPool ? byPool[role] : (set ?? service);
          const slot = fleet.replicas.attach(replica, placements[i], owner, role ? startOf(poolDeployed![role]) : startS, m, region);
          service.serverOfReplica[i] = placements[i].server;
          if (owner !== service) (owner as ReplicaSet).adopt(slot);
        });
      }
      return service;
    });
  });
  // Prefill/decode disaggregation: one network of server links for every model's KV transfers.
  let transfers: KvTransfers | undefined;
  const kvTransfers = scenario.models.map((spec, m) => {
    const pools = spec.disaggregation;
    const deployed = deployments[m];
    if (!pools || !deployed) return undefined;
    transfers ??= new KvTransfers(sim, (server) => (topology.servers[server].type.networkGbPerS ?? 0) * 1e3);
    const stats = new KvTransferStats(warmupUs, durationUs);
    services[m].forEach((service) => {
      service.disaggregate({
        spec: pools,
        transfers: transfers!,
        kvBytesPerToken: deployed.memory.kvBytesPerTokenPerGpu * deployed.gpusPerReplica,
        nvlinkBytesPerUs: deployed.gpu.interconnectGbPerS * 1e3,
        stats,
      });
    });
    return stats;
  });
  for (const sets of replicaSets) for (const set of sets) set?.start();
  for (const sets of poolSets) for (const pair of sets) if (pair) for (const set of [pair.prefill, pair.decode]) set.start();
  const rollouts = scenario.models.map((spec, m) =>
    replicaSets[m].map((set, k) => {
      if (!set || !spec.rollout) return undefined;
      const rollout = new Rollout(spec.rollout, set, services[m][k], fleet, durationUs);
      rollout.start();
      return rollout;
    }),
  );

  const sources: TenantSource[] = [];
  const defaultGeo = topology.regions[0].geo;
  const clients: TenantClient[] = tenants.map((t) => {
    const m = scenario.models.findIndex((model) => model.name === t.model);
    const geo = t.geo ?? defaultGeo;
    const choices: RegionChoice[] = topology.modelRegions[m]
      .map((region, k) => {
        const r = topology.regions[region];
        return { service: services[m][k], load: services[m][k], region, name: r.name, geo: r.geo, rttUs: secondsToUs(rttMs(scenario, geo, r.name, r.geo) / 1e3) };
      })
      .sort((a, b) => a.rttUs - b.rttUs || a.region - b.region);
    if (t.routing.profile !== "none") for (const choice of choices) choice.service.trackQueueWaits();
    const byRegion: (RegionChoice | undefined)[] = topology.regions.map(() => undefined);
    for (const choice of choices) byRegion[choice.region] = choice;
    return {
      router: new RegionRouter(t.routing, choices, ctx.streams.get(`regions/${t.name}`)),
      byRegion,
      homeRegion: choices[0]?.region ?? 0,
      timeoutUs: t.timeout === undefined ? Infinity : secondsToUs(t.timeout),
      attemptTimeoutUs: t.attempt_timeout === undefined ? Infinity : secondsToUs(t.attempt_timeout),
      retry: new RetryPolicy(t, ctx.streams.get(`clients/${t.name}/backoff`)),
    };
  });
  const contextTokens = tenants.map((t) => deployments[scenario.models.findIndex((model) => model.name === t.model)]?.architecture.maxContext);
  const gateway = new Gateway(
    scenario.gateway,
    tenants,
    contextTokens,
    ctx.streams,
    data,
    scenario.models.map((m) => m.name),
    regionCount,
    scenario.models.map((m) => m.output_burndown),
  );
  // Batch jobs: one board for every model's jobs, where some tenant submits them.
  const jobs = tenants.some((t) => t.arrival.kind === "batch_job")
    ? new JobBoard(sim, requests, scenario.models.length, (req) => frontend!.expire(req), (job) => sources[job.tenant].emitRecords(job), durationUs)
    : undefined;
  frontend = new Frontend(ctx, clients, recorder.grid, gateway, (req, outcome, firstTokenUs) => {
    sources[requests.tenant[req]].ended();
    jobs?.ended(req, outcome, firstTokenUs + requests.rttUs[req] - requests.arrivalUs[req]);
  });
  const submit = (req: number) => frontend!.submit(req);
  const prefixKeys = new PrefixKeySpace();
  tenants.forEach((spec, i) => {
    const m = scenario.models.findIndex((model) => model.name === spec.model);
    sources.push(
      new TenantSource(ctx, spec, {
        tenantIndex: i,
        modelIndex: m,
        warmupUs,
        endUs: durationUs,
        trace: traces[i],
        prefixUnitTokens: prefixUnits[m],
        prefixKeys,
        submit,
        jobs,
      }),
    );
  });
  for (const source of sources) source.start();
  startFaults(ctx, fleet, scenario.faults, durationUs);

  const drainUntilUs = scenario.drain === undefined ? Infinity : durationUs + secondsToUs(scenario.drain);
  sim.run(drainUntilUs);
  const endUs = Math.max(sim.nowUs, durationUs);
  sim.advanceTo(endUs);
  frontend.endRun();
  fleet.finish(endUs);
  desiredTotal.advance(endUs);
  return {
    scenario,
    provenance: loaded.provenance,
    recorder,
    topology,
    fleet,
    services,
    initialServers,
    replicaSets,
    poolSets,
    rollouts,
    desiredTotal,
    deployments,
    kvTransfers,
    jobs,
    endUs,
    events: sim.eventsHandled,
    generated: sources.reduce((sum, s) => sum + s.generated, 0),
    shuffledTies: options.shuffleTies ?? false,
  };
}
