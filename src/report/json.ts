/** report.json: the keys users and tests rely on (see SCENARIO-FORMAT.md), built from a finished run. */
import { LATENCY_METRICS, ScopeStats, type LatencyMetric } from "../metrics/scope.js";
import type { DistributionSummary } from "../metrics/sketch.js";
import { OUTCOME_REPORT_KEYS } from "../workload/outcomes.js";
import type { SimulationResult } from "../simulate.js";
import { BatchingReplica } from "../inference/batching-replica.js";
import type { Deployed } from "../inference/deployment.js";
import { PRECISIONS } from "../catalog/precisions.js";

export const REPORT_SCHEMA_VERSION = 1;

export type RequestCounts = { arrived: number } & Record<(typeof OUTCOME_REPORT_KEYS)[number], number>;

export interface GroupReport {
  requests: RequestCounts;
  latency: Record<LatencyMetric, DistributionSummary>;
  throughput: { requests_per_s: number; input_tokens_per_s: number; output_tokens_per_s: number };
}

export interface Report extends GroupReport {
  schema_version: number;
  scenario: { name: string; description?: string; seed: number; duration_s: number; warmup_s: number };
  run: { simulated_s: number; events: number; requests_generated: number; warmup_requests_excluded: number };
  /** time averages over [warmup, duration]; with throughput and latency they satisfy Little's law */
  occupancy: { mean_in_system: number; mean_queued: number; waited_fraction: number | null };
  by_tenant: Record<string, GroupReport & { model: string }>;
  by_model: Record<string, ModelReport>;
  by_region: Record<string, GroupReport>;
}

/** One LLM replica over the measurement window. */
export interface ReplicaReport {
  index: number;
  /** share of the window it spent running iterations (the "GPU utilisation" autoscalers use) */
  busy_fraction: number;
  /** running sequences per iteration, averaged over busy time */
  mean_batch_size: number;
  /** KV blocks in use, averaged over busy time, as a share of capacity */
  mean_kv_utilization: number;
  tokens_per_s: number;
  output_tokens_per_s: number;
  /** model FLOPs over the GPUs' peak for the precision, over the window */
  compute_utilization: number;
  /** bytes of weights and KV cache streamed over the GPUs' memory bandwidth, over the window */
  bandwidth_utilization: number;
  preemptions: number;
  prefix_cache_hits: number;
  prefix_cache_evictions: number;
  /** requests at the replica (queued or running), time-averaged: Little's law holds per replica */
  mean_outstanding: number;
  completed: number;
  mean_residence_s: number | null;
}

export interface ModelReport extends GroupReport {
  replicas: number;
  deployment?: {
    gpu: string;
    gpus_per_replica: number;
    weights_gb_per_gpu: number;
    kv_cache_gb_per_gpu: number;
    kv_blocks_per_replica: number;
    kv_tokens_per_replica: number;
  };
  replicas_detail: ReplicaReport[];
}

function replicaReport(replica: BatchingReplica, deployed: Deployed, windowS: number): ReplicaReport {
  const s = replica.stats;
  const busyUs = s.busyUs;
  const windowUs = windowS * 1e6;
  const gpus = deployed.gpusPerReplica;
  const compute = PRECISIONS[deployed.precision].compute;
  const peakFlops = (deployed.gpu.tflops[compute] ?? deployed.gpu.tflops.bf16) * 1e12 * gpus;
  return {
    index: replica.index,
    busy_fraction: busyUs / windowUs,
    mean_batch_size: busyUs > 0 ? s.seqUs / busyUs : 0,
    mean_kv_utilization: busyUs > 0 ? s.kvBlockUs / busyUs / replica.kv.capacity : 0,
    tokens_per_s: (s.prefillTokens + s.decodeTokens) / windowS,
    output_tokens_per_s: s.decodeTokens / windowS,
    compute_utilization: s.flops / (peakFlops * windowS),
    bandwidth_utilization: s.bytes / (deployed.gpu.memoryTbPerS * 1e12 * gpus * windowS),
    preemptions: s.preemptions,
    prefix_cache_hits: replica.kv.hits,
    prefix_cache_evictions: replica.kv.evictions,
    mean_outstanding: s.outstanding.mean(s.toUs),
    completed: s.completed,
    mean_residence_s: s.completed > 0 ? s.residenceUs / s.completed / 1e6 : null,
  };
}

function group(stats: ScopeStats, windowS: number): GroupReport {
  const requests = { arrived: stats.arrived } as RequestCounts;
  OUTCOME_REPORT_KEYS.forEach((key, i) => (requests[key] = stats.outcomes[i]));
  const latency = {} as Record<LatencyMetric, DistributionSummary>;
  for (const metric of LATENCY_METRICS) latency[metric] = stats.latency[metric].summary();
  return {
    requests,
    latency,
    throughput: {
      requests_per_s: requests.completed / windowS,
      input_tokens_per_s: stats.inputTokens / windowS,
      output_tokens_per_s: stats.outputTokens / windowS,
    },
  };
}

/** Rounds every number to 10 significant digits: stable, diff-friendly, far below model error. */
function roundNumbers<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === "number" && Number.isFinite(v) ? Number(v.toPrecision(10)) : v)));
}

export function buildReport(result: SimulationResult): Report {
  const { scenario, recorder } = result;
  const windowS = scenario.duration - scenario.warmup;
  const tenants = scenario.workload.tenants;
  const total = ScopeStats.merged(recorder.scopes);
  const byTenant: Report["by_tenant"] = {};
  tenants.forEach((tenant, i) => (byTenant[tenant.name] = { model: tenant.model, ...group(recorder.scopes[i], windowS) }));
  const byModel: Report["by_model"] = {};
  scenario.models.forEach((model, m) => {
    const scopes = tenants.flatMap((tenant, i) => (tenant.model === model.name ? [recorder.scopes[i]] : []));
    const deployed = result.deployments[m];
    const replicas = result.services[m].replicas;
    byModel[model.name] = {
      replicas: replicas.length,
      ...group(ScopeStats.merged(scopes), windowS),
      ...(deployed
        ? {
            deployment: {
              gpu: deployed.gpu.id,
              gpus_per_replica: deployed.gpusPerReplica,
              weights_gb_per_gpu: deployed.memory.weightsGb,
              kv_cache_gb_per_gpu: deployed.memory.kvGb,
              kv_blocks_per_replica: deployed.memory.kvBlocks,
              kv_tokens_per_replica: deployed.memory.kvBlocks * deployed.memory.blockSize,
            },
          }
        : {}),
      replicas_detail: deployed
        ? replicas.filter((r): r is BatchingReplica => r instanceof BatchingReplica).map((r) => replicaReport(r, deployed, windowS))
        : [],
    };
  });
  const endUs = result.endUs;
  return roundNumbers({
    schema_version: REPORT_SCHEMA_VERSION,
    scenario: {
      name: scenario.name,
      ...(scenario.description ? { description: scenario.description } : {}),
      seed: scenario.seed,
      duration_s: scenario.duration,
      warmup_s: scenario.warmup,
    },
    run: {
      simulated_s: endUs / 1e6,
      events: result.events,
      requests_generated: result.generated,
      warmup_requests_excluded: recorder.warmupArrivals,
    },
    ...group(total, windowS),
    occupancy: {
      mean_in_system: recorder.inSystem.mean(endUs),
      mean_queued: recorder.queued.mean(endUs),
      // Share of requests that started service later than they arrived (Erlang C's P(wait > 0)).
      waited_fraction: total.latency.queue_s.count > 0 ? 1 - total.latency.queue_s.zeros / total.latency.queue_s.count : null,
    },
    by_tenant: byTenant,
    by_model: byModel,
    // One implicit region until the scenario declares regions.
    by_region: { default: group(total, windowS) },
  });
}
