/** What an LLM replica measures over the measurement window, and its summary (metrics/replica-summary.ts). */
import type { SpeculationCounts } from "./speculation.js";
import { US_PER_S, usToSeconds } from "../engine/index.js";
import { TimeWeightedLevel } from "../metrics/level.js";
import { PRECISIONS } from "../catalog/precisions.js";
import type { Deployed } from "./deployment.js";
import type { BatchShape } from "./latency/shape.js";
import type { ReplicaSummary } from "../metrics/replica-summary.js";

/** What an iteration costs the GPUs beyond its time, for utilisation figures. */
export interface IterationCosts {
  /** FLOPs per token through the linear layers */
  readonly flopsPerToken: number;
  /** bytes of weights streamed per iteration */
  readonly weightBytesPerIteration: number;
  /** bytes of KV cache read per token of context */
  readonly kvBytesPerToken: number;
}

/** Per-replica statistics, integrated over the measurement window. */
export class ReplicaStats {
  busyUs = 0;
  /** integral of running sequences over busy time */
  seqUs = 0;
  /** integral of KV blocks in use */
  kvBlockUs = 0;
  prefillTokens = 0;
  decodeTokens = 0;
  iterations = 0;
  preemptions = 0;
  /** requests that reached the replica in the window and finished there */
  completed = 0;
  residenceUs = 0;
  flops = 0;
  bytes = 0;
  readonly outstanding: TimeWeightedLevel;

  constructor(readonly fromUs: number, readonly toUs: number) {
    this.outstanding = new TimeWeightedLevel(fromUs, toUs);
  }

  /**
   * Adds an iteration (or a jump of `steps` decode steps) that started at `startUs`, prorated by
   * its share inside the window.
   */
  recordIteration(startUs: number, durationUs: number, steps: number, shape: BatchShape, seqs: number, kvBlocksUsed: number, costs: IterationCosts): void {
    const inWindow = this.overlapUs(startUs, startUs + durationUs);
    if (inWindow <= 0) return;
    const share = inWindow / durationUs;
    this.iterations += steps * share;
    this.busyUs += inWindow;
    this.seqUs += seqs * inWindow;
    this.kvBlockUs += kvBlocksUsed * inWindow;
    const decodeTokens = shape.decodeSeqs * steps;
    this.prefillTokens += shape.prefillTokens * share;
    this.decodeTokens += decodeTokens * share;
    const contextRead = steps * shape.decodeKvTokens + (shape.decodeSeqs * steps * (steps - 1)) / 2 + shape.prefillKvTokens;
    // A verify pass computes every proposed position, kept or not.
    this.flops += costs.flopsPerToken * (shape.prefillTokens + decodeTokens * shape.decodeWidth) * share;
    this.bytes += (costs.weightBytesPerIteration * steps + costs.kvBytesPerToken * contextRead) * share;
  }

  /** Output tokens beyond one per sequence-step (speculative steps), for an iteration recorded with recordIteration. */
  recordExtraTokens(startUs: number, durationUs: number, tokens: number): void {
    const inWindow = this.overlapUs(startUs, startUs + durationUs);
    if (inWindow > 0) this.decodeTokens += (tokens * inWindow) / durationUs;
  }

  /** Whether `timeUs` is inside the measurement window. */
  covers(timeUs: number): boolean {
    return timeUs >= this.fromUs && timeUs < this.toUs;
  }

  /** A request that reached the replica at `submittedUs` finished at `nowUs`: counted if it arrived in the window. */
  recordCompletion(submittedUs: number, nowUs: number): void {
    if (submittedUs < this.fromUs || submittedUs >= this.toUs) return;
    this.completed++;
    this.residenceUs += nowUs - submittedUs;
  }

  /** share of [startUs, endUs) inside the window */
  overlapUs(startUs: number, endUs: number): number {
    return Math.max(0, Math.min(endUs, this.toUs) - Math.max(startUs, this.fromUs));
  }
}

/** Prefix units a replica read back from each KV offload tier. */
export interface OffloadHits {
  host: number;
  store: number;
}

/** The prefix-cache counters a summary needs from a KV cache. */
export interface KvCounters {
  readonly capacity: number;
  readonly hits: number;
  readonly evictions: number;
}

export function summarizeReplica(s: ReplicaStats, kv: KvCounters, deployed: Deployed, windowS: number, offloadHits?: OffloadHits, speculation?: SpeculationCounts): ReplicaSummary {
  const busyUs = s.busyUs;
  const gpus = deployed.gpusPerReplica;
  const compute = PRECISIONS[deployed.precision].compute;
  const peakFlops = (deployed.gpu.tflops[compute] ?? deployed.gpu.tflops.bf16) * 1e12 * gpus;
  return {
    busy_fraction: busyUs / (windowS * US_PER_S),
    mean_batch_size: busyUs > 0 ? s.seqUs / busyUs : 0,
    mean_kv_utilization: busyUs > 0 ? s.kvBlockUs / busyUs / kv.capacity : 0,
    tokens_per_s: (s.prefillTokens + s.decodeTokens) / windowS,
    output_tokens_per_s: s.decodeTokens / windowS,
    compute_utilization: s.flops / (peakFlops * windowS),
    bandwidth_utilization: s.bytes / (deployed.gpu.memoryTbPerS * 1e12 * gpus * windowS),
    preemptions: s.preemptions,
    prefix_cache_hits: kv.hits,
    prefix_cache_evictions: kv.evictions,
    ...(offloadHits ? { prefix_cache_host_hits: offloadHits.host, prefix_cache_store_hits: offloadHits.store } : {}),
    ...(speculation ? { speculative: { ...speculation } } : {}),
    mean_outstanding: s.outstanding.mean(s.toUs),
    completed: s.completed,
    mean_residence_s: s.completed > 0 ? usToSeconds(s.residenceUs / s.completed) : null,
  };
}
