/**
 * The `continuous_batching` engine: what the replicas of one LLM deployment share — the engine's
 * settings, the deployment plan (GPUs, KV capacity, latency model), the table of their sequences —
 * and the one check made before routing: whether any replica could ever hold a request.
 */
import { activeParams } from "../catalog/models.js";
import { PRECISIONS } from "../catalog/precisions.js";
import { HARDWARE_EFFICIENCY } from "./latency/efficiency.js";
import type { SimContext } from "../requests/context.js";
import type { BatchingEngineSpec } from "../scenario/schema.js";
import type { BatchLimits } from "./batch-formation.js";
import { BatchingReplica } from "./batching-replica.js";
import { PipelinedReplica } from "./pipelined-replica.js";
import type { Deployed } from "./deployment.js";
import type { DecodeCost } from "./latency/shape.js";
import type { Replica, ReplicaHost, ServingEngine } from "./replica.js";
import { SequenceTable } from "./sequences.js";
import { OffloadTier } from "./kv-cache.js";
import { US_PER_S } from "../engine/index.js";

import type { TierOrder } from "../requests/tiers.js";

/** vLLM keeps 1 % of KV blocks free when admitting new requests, so running ones can grow. */
const WATERMARK_FRACTION = 0.01;

export interface BatchingOptions {
  /** measurement window for replica statistics */
  windowFromUs: number;
  windowToUs: number;
  scopeCount: number;
  /** check KV-block conservation after every iteration (tests) */
  debugChecks: boolean;
  /** never form batches through the decode group (tests compare both ways) */
  eagerBatching?: boolean;
  /** tokens per prefix-cache key of this model (`prefixUnitTokens`); 0 or absent: one KV block */
  prefixUnitTokens?: number;
  /** per tenant (by index): its own speculative acceptance probability, if it sets one */
  acceptanceByTenant?: readonly (number | undefined)[];
  /** service tiers, when the model's tenants span more than one: waiting requests are taken and running ones preempted by tier */
  tiers?: TierOrder;
}

/**
 * Tokens per prefix-cache key of a model: one KV block, so a tenant's shared prefix caches all its
 * whole blocks (1,000 tokens: 62 blocks, 992 tokens); but when a tenant of the model replays a trace
 * with hash ids, the trace's grain (`prefix_block_tokens`, Mooncake: 512), because a hash id names
 * that many tokens and one cache has one key size. 0 when the model has no prefix cache.
 */
export function prefixUnitTokens(spec: BatchingEngineSpec, servesHashIdTrace: boolean): number {
  if (!spec.prefix_caching) return 0;
  return servesHashIdTrace ? spec.prefix_block_tokens : spec.block_size;
}

export class BatchingEngine implements ServingEngine {
  get tiers(): TierOrder | undefined {
    return this.options.tiers;
  }

  /** KV blocks in one prefix-cache unit */
  readonly blocksPerUnit: number;
  /** KV blocks of one lane: the replica's, split evenly among its pipeline's micro-batch lanes */
  readonly laneBlocks: number;
  readonly limits: BatchLimits;
  /** the sequences of every replica of this engine (a request is at one replica at a time) */
  readonly sequences = new SequenceTable();
  /** FLOPs per token through the linear layers, and bytes of weights streamed per iteration, for utilisation figures */
  readonly flopsPerToken: number;
  readonly weightBytesPerIteration: number;
  readonly kvBytesPerToken: number;
  /** the KV offload stores, one per model service (the model in one region) its replicas share */
  readonly offloadStores = new Map<number, OffloadTier>();

  constructor(
    readonly spec: BatchingEngineSpec,
    readonly deployed: Deployed,
    readonly ctx: SimContext,
    readonly options: BatchingOptions,
  ) {
    this.blocksPerUnit = Math.max(1, Math.floor((options.prefixUnitTokens ?? 0) / spec.block_size));
    this.laneBlocks = Math.floor(deployed.memory.kvBlocks / deployed.pipelineParallel);
    this.limits = {
      // A pipeline's lanes share the replica's sequence limit, so pipelining adds no concurrency TP would not have.
      maxSeqs: Math.ceil(spec.max_num_seqs / deployed.pipelineParallel),
      maxTokens: spec.max_batched_tokens,
      chunkedPrefill: spec.chunked_prefill,
      prefixCaching: spec.prefix_caching,
      watermarkBlocks: Math.floor(this.laneBlocks * WATERMARK_FRACTION),
      decodeWidth: deployed.draft ? deployed.draft.tokens + 1 : 1,
    };
    const a = deployed.architecture;
    this.flopsPerToken = 2 * activeParams(a);
    this.weightBytesPerIteration = activeParams(a) * PRECISIONS[deployed.precision].weightBytes;
    this.kvBytesPerToken = deployed.memory.kvBytesPerTokenPerGpu * deployed.gpusPerReplica;
    const offload = spec.kv_offload;
    if (offload) {
      const unitBytes = this.blocksPerUnit * spec.block_size * this.kvBytesPerToken;
      // bytes / (GB/s x 1e9) seconds = bytes / (GB/s x 1e3) microseconds
      const tier = (name: "host" | "store", gb: number, gbPerS: number, latencyS: number, below?: OffloadTier) =>
        new OffloadTier(name, Math.floor((gb * 1e9) / unitBytes), unitBytes / (gbPerS * 1e3), latencyS * US_PER_S, below);
      const storeSpec = offload.store;
      const storeOf = (serviceId: number) => {
        if (!storeSpec) return undefined;
        let store = this.offloadStores.get(serviceId);
        if (!store) this.offloadStores.set(serviceId, (store = tier("store", storeSpec.capacity_gb, storeSpec.read_gb_per_s, storeSpec.read_latency)));
        return store;
      };
      const lanes = deployed.pipelineParallel;
      this.offloadTier = (serviceId) => tier("host", offload.host_memory_gb / lanes, offload.read_gb_per_s, offload.read_latency, storeOf(serviceId));
    }
    const compute = PRECISIONS[deployed.precision].compute;
    const efficiency = HARDWARE_EFFICIENCY[deployed.gpu.family];
    const mfu = compute === "bf16" ? efficiency.gemmMfu : efficiency.lowPrecisionGemmMfu;
    this.achievableFlopsPerUs = (deployed.gpu.tflops[compute] ?? deployed.gpu.tflops.bf16) * 1e6 * mfu * deployed.gpusPerReplica;
  }

  /**
   * A new replica's own KV offload tier (host memory) above the store its region's replicas of the
   * model share (by `serviceId`), or undefined without `kv_offload`. Capacities in prefix units of the
   * replica's whole KV (every layer, every GPU); a pipelined replica's lanes split its host memory.
   */
  readonly offloadTier: (serviceId: number) => OffloadTier | undefined = () => undefined;

  /** speculating replicas (and pipeline lanes) made so far: each draws from its own stream */
  speculators = 0;

  /** The speculative acceptance probability for `req`: its tenant's, or the model's. */
  readonly acceptanceOf = (req: number): number => this.options.acceptanceByTenant?.[this.ctx.requests.tenant[req]] ?? this.deployed.draft?.acceptanceRate ?? 0;

  /** FLOPs the replica's GPUs achieve per microsecond at full tensor throughput (the calibrated GEMM efficiency). */
  private readonly achievableFlopsPerUs: number;

  /** decodeCost by batch size, each computed once: every decode jump asks, and batch sizes repeat */
  private readonly decodeCosts: (DecodeCost | undefined)[] = [];

  /** The latency model's decodeCost(seqs), remembered (the model is a pure function of `seqs`). */
  decodeCost(seqs: number): DecodeCost {
    const costs = this.decodeCosts;
    // Grown by pushes up to the sizes seen, so the array stays packed (fast loads).
    while (costs.length <= seqs) costs.push(undefined);
    return (costs[seqs] ??= this.deployed.latency.decodeCost(seqs));
  }

  /** Share of an iteration of `tokens` tokens lasting `durationUs` the replica's tensor cores would need at full throughput: 0 memory-bound, 1 compute-bound (drives GPU power). */
  computeShare(tokens: number, durationUs: number): number {
    return Math.min(1, (this.flopsPerToken * tokens) / (this.achievableFlopsPerUs * durationUs));
  }

  prepare(): void {}

  accepts(req: number): boolean {
    const r = this.ctx.requests;
    const tokens = r.inputTokens[req] + r.outputTokens[req];
    return tokens <= this.deployed.architecture.maxContext && Math.ceil(tokens / this.spec.block_size) <= this.laneBlocks - this.limits.watermarkBlocks;
  }

  createReplica(index: number, host: ReplicaHost): Replica {
    const pp = this.deployed.pipelineParallel;
    return pp > 1 ? new PipelinedReplica(index, pp, host, (laneHost) => new BatchingReplica(index, this, laneHost)) : new BatchingReplica(index, this, host);
  }
}
