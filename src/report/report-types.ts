/** The shape of report.json: every key users and tests rely on, with what it means (reports/README.md says it at length). */
import type { Tier } from "../requests/tiers.js";
import type { LatencyMetric, RequestCounts } from "../metrics/scope.js";
import type { DistributionSummary } from "../metrics/sketch.js";
import type { RegionUptime } from "../metrics/availability.js";
import type { ThresholdResult } from "../metrics/thresholds.js";
import type { LimitName } from "../control/gateway.js";
import type { ReplicaSummary } from "../metrics/replica-summary.js";
import type { FleetEvent, GPU_STATES } from "../fleet/fleet.js";
import type { GpuHours, RolloutReport, ScalingReport } from "./scaling.js";
import type { AzInventory } from "../fleet/inventory.js";
import type { RegionEnergy } from "../economics/energy.js";
import type { CostBreakdown } from "../economics/money.js";
import type { Margin } from "../economics/revenue.js";

export type { RequestCounts };

export interface GroupReport {
  requests: RequestCounts & {
    /** API calls made, retries included */
    attempts: number;
    /** attempts per request; null without requests */
    retry_amplification: number | null;
  };
  latency: Record<LatencyMetric, DistributionSummary>;
  /**
   * what was done inside the window, per second of it: requests answered and tokens produced in it,
   * whenever they arrived (a request straddling the window's end counts the tokens that fell inside)
   */
  throughput: { requests_per_s: number; input_tokens_per_s: number; output_tokens_per_s: number };
}

/** Speculative decoding of one model: as configured, and as seen. */
export interface SpeculativeReport {
  draft_model: string;
  /** k: tokens proposed per step */
  draft_tokens: number;
  /** the model's per-token acceptance probability a (tenants may set their own) */
  acceptance_rate: number;
  /** E = (1 - a^(k+1)) / (1 - a) at the model's a */
  expected_tokens_per_step: number;
  /** sequence-steps that started in the window and were not cut by the end of their output */
  steps: number;
  /** tokens those steps emitted, per step (null without steps) */
  tokens_per_step: number | null;
  /** draft tokens the target accepted over those proposed, vLLM's "acceptance rate" = (tokens per step - 1) / k */
  draft_acceptance: number | null;
}

/** One LLM replica over the measurement window, and where it runs (and, disaggregated, its pool). */
export type ReplicaReport = { index: number; region: string; az: string; pool?: "prefill" | "decode" } & ReplicaSummary;

/** One pool of a disaggregated model over the measurement window: means over its replicas, rates and counts summed. */
export interface PoolReport {
  /** replicas that served in the pool over the run (an autoscaled pool's launches and replacements too); `scaling` has how many at the end */
  replicas: number;
  /** its GPU (null: the model's, as its deployment names it), GPUs each (the pool's tensor parallelism) and the weights' precision */
  gpu: string | null;
  gpus_per_replica: number;
  precision: string;
  busy_fraction: number;
  mean_batch_size: number;
  mean_kv_utilization: number;
  /** requests at a replica, queued or running, time-averaged */
  mean_outstanding: number;
  tokens_per_s: number;
  /** requests that finished at its replicas (a prefill replica finishes a request when it hands it on) */
  completed: number;
}

/** Wakes from zero replicas that began in the measurement window (all the model's regions). */
export interface ColdStartReport {
  count: number;
  /** wake to the first replica taking traffic (a server's boot if one was off, engine start, weight load, the first passing health check), seconds; null with none finished */
  latency_s: { mean: number | null; max: number | null };
  /** requests of the window that met the model waking: answered 429 model_not_ready (each attempt), or held until a replica served */
  not_ready_attempts: number;
  waited: number;
  /** GPU-hours the model's replicas held in the window, against one replica per region kept on all window (always on); saved is the difference (negative: it ran more than one) */
  gpu_hours: number;
  gpu_hours_always_on: number;
  gpu_hours_saved: number;
}

/** KV transfers from prefill to decode replicas that started in the measurement window. */
export interface TransferReport {
  count: number;
  bytes: number;
  /** start to arrival (bytes over shared links, then the fixed latency) */
  time_s: { mean: number | null; p99: number | null; max: number | null };
  /** before a transfer starts, the wait for the decode replica's KV blocks */
  wait_for_memory_s: { mean: number | null; p99: number | null; max: number | null };
  /** transfers that never arrived: a replica at either end went down, or the client gave up */
  cancelled: number;
}

export interface ModelReport extends GroupReport {
  /** replicas over all its regions at the start (the scaling section says how many were launched later) */
  replicas: number;
  deployment?: {
    gpu: string;
    gpus_per_replica: number;
    /** memory per GPU as the driver reports it, and what it holds: weights, peak activations, runtime buffers, KV cache (GB of 1e9 bytes) */
    memory_gb_per_gpu: number;
    weights_gb_per_gpu: number;
    activations_gb_per_gpu: number;
    runtime_gb_per_gpu: number;
    kv_cache_gb_per_gpu: number;
    /** the serving engine's rule that sized the KV cache */
    kv_cache_rule: string;
    kv_blocks_per_replica: number;
    kv_tokens_per_replica: number;
  };
  speculative_decoding?: SpeculativeReport;
  /** prefill/decode disaggregation: the pools apart, and the KV transfers between them */
  pools?: Record<"prefill" | "decode", PoolReport>;
  /** billed prompt caching (where the model has prompt_cache): checkpoint tokens by use in the window, and what the ledger did to the bill */
  prompt_cache?: {
    read_tokens: number;
    write_5m_tokens: number;
    write_1h_tokens: number;
    /** reads over uses, by tokens; null with none */
    hit_rate: number | null;
    /** what customers paid less than the input price for those tokens (reads' discount less writes' premium), before tier prices: the revenue the ledger gave up (negative: it earned more) */
    customer_savings_usd: number;
    /** of the checkpoint tokens, those the replicas found in their physical prefix cache (prefill saved) */
    physical_hit_tokens: number;
  };
  /** provisioned throughput: the tenant that bought the model's replicas, how many per region summed, at what hourly price, and what it paid in the window */
  provisioned?: { tenant: string; replicas: number; usd_per_replica_hour: number; revenue_usd: number };
  /** a model that may scale to zero (an autoscaler and replicas.min 0): its wakes from zero and what running at zero saved */
  cold_starts?: ColdStartReport;
  kv_transfer?: TransferReport;
  /** with KV offload: prefix units found in GPU memory, read back from host memory and from the region's store, over all replicas and the whole run */
  prefix_cache_hits_by_tier?: { gpu: number; host: number; store: number };
  replicas_detail: ReplicaReport[];
}

/** A tenant's reservation over the window. */
export interface ReservedReport {
  input_tokens_per_min: number;
  output_tokens_per_min: number;
  fee_usd: number;
  /** requests answered in the window under the reservation, and beyond it (at the tenant's tier and token prices) */
  answered_reserved: number;
  answered_spilled: number;
  /** tokens served under it in the window, and as a share of what it covered */
  input_tokens: number;
  output_tokens: number;
  input_used: number;
  output_used: number;
}

/** One batch inference job, whole (its records whenever they ran; the window rule applies to the run's totals, not here). */
export interface BatchJobReport {
  tenant: string;
  model: string;
  state: "Submitted" | "InProgress" | "Completed" | "PartiallyCompleted" | "Expired";
  submitted_s: number;
  /** when it started (it waits while its model has 10 jobs in progress); null if it never did (a job still waiting when arrivals end stays Submitted) */
  started_s: number | null;
  ended_s: number | null;
  /** submission to end, seconds; null while it runs */
  turnaround_s: number | null;
  records: number;
  completed: number;
  failed: number;
  expired: number;
  /** what its answered records bring at the tenant's tier price */
  revenue_usd: number;
  /** p99 TTFT of the model's other requests answered while the job was in progress (what it did to on-demand traffic); null with none */
  others_ttft_p99_s: number | null;
}

export interface TierReport extends GroupReport {
  tenants: string[];
  /** token revenue of the tier's requests in the window, at its price (premium or discount) */
  revenue_usd: number;
  /** the targets its requests were judged by, their attainment over its requests less the client-caused, and goodput */
  slo: { ttft_s: number; tpot_s: number };
  slo_attainment: number | null;
  goodput_per_s: number;
}

export interface RegionReport extends GroupReport {
  /** 100 % minus the mean error rate over 5-minute intervals (server errors and timeouts; not throttles), all accounts' calls pooled */
  uptime_pct: number;
  /** the Bedrock-style credit tier that pooled uptime would earn (10 % below 99.9 %, 25 % below 99 %, 100 % below 95 %); credits are owed per account: `availability.by_account` */
  sla_credit_pct: number;
}

/** One account's calls in one region: its own uptime, its charges there and the credit that uptime earns on them. */
export type AccountRegionReport = RegionUptime & { revenue_usd: number; sla_credit_usd: number };

export interface Report extends GroupReport {
  schema_version: number;
  /** which scenario: its name, the SHA-256 of its source and the --set overrides applied to it */
  scenario: { name: string; description?: string; seed: number; duration_s: number; warmup_s: number; sha256: string; overrides: string[] };
  /**
   * the run: fleetsim's version (package.json's, so reports of one release compare byte for byte),
   * simulated time, the measurement window [warm-up, duration] every rate, bill and energy figure
   * covers, and the drain after it (the window's requests finishing), events
   */
  run: {
    fleetsim_version: string;
    simulated_s: number;
    window_s: number;
    drain_s: number;
    events: number;
    requests_generated: number;
    warmup_requests_excluded: number;
    shuffled_ties?: true;
  };
  /** time averages over [warmup, duration] of every request in the system and queued, and the share of completed requests that queued at all */
  occupancy: {
    mean_in_system: number;
    mean_queued: number;
    waited_fraction: number | null;
    /**
     * the window's requests alone, in the system and queued, integrated over the whole run (the drain
     * included) and divided by the window's length: Little's law L = lambda W holds for them however
     * overloaded the run, with lambda = arrived / window and W their mean time in the system (or queued)
     */
    window_requests: { mean_in_system: number; mean_queued: number };
  };
  by_tenant: Record<string, GroupReport & { model: string }>;
  by_model: Record<string, ModelReport>;
  by_region: Record<string, RegionReport>;
  /** per tenant holding reserved capacity: what it used of it in the window, what spilled to token prices, and its fee */
  reserved?: Record<string, ReservedReport>;
  /** batch inference jobs, in submission order (where some tenant submits them) */
  batch_jobs?: BatchJobReport[];
  /** where the tenants span more than one service tier: each tier's requests, latency, tokens, revenue and SLO attainment (by its own targets) */
  by_tier?: Partial<Record<Tier, TierReport>>;
  fleet: {
    gpus: number;
    servers: number;
    regions: Record<string, { azs: Record<string, AzInventory> }>;
    replicas_placed: Record<string, Record<string, Record<string, number>>>;
    /** servers added during the run (scale-outs) */
    servers_launched: number;
    /** GPU slots by state, averaged from the end of the warm-up to the end of the run (the drain included); each slot is in exactly one state */
    gpu_states_mean: Record<(typeof GPU_STATES)[number], number>;
    gpu_hours: GpuHours;
  };
  /** what each autoscaled (or rolled-out) model's replica set did, by model and region */
  scaling: Record<string, Record<string, ScalingReport>>;
  /** each rollout's timeline, outcome and extra capacity, by model and region */
  rollouts: Record<string, Record<string, RolloutReport>>;
  energy: {
    it_kwh: number;
    facility_kwh: number;
    electricity_usd: number;
    carbon_kg: number;
    peak_it_kw: number;
    peak_facility_kw: number;
    by_region: Record<string, RegionEnergy>;
    by_az: Record<
      string,
      {
        it_kwh: number;
        facility_kwh: number;
        peak_facility_kw: number;
        /** facility power if every server ran at nameplate (GPU TDP + host maximum) x PUE */
        planned_max_facility_kw: number;
        power_capacity_kw: number | null;
        /** the peak drawn went above the capacity */
        exceeds_capacity: boolean;
        /** the plan could go above the capacity if everything ran flat out */
        plan_exceeds_capacity: boolean;
      }
    >;
  };
  cost: CostBreakdown;
  revenue: { total_usd: number; by_model: Record<string, number>; by_region: Record<string, number>; by_tenant: Record<string, number> };
  margin: Margin;
  gateway: {
    /** attempts the gateway's limits refused (429), by the limit that fired */
    throttled_attempts: { by_limit: ThrottleCounts; by_tenant: Record<string, ThrottleCounts> };
  };
  routing: {
    /** attempts no region their tenant's residency allows could serve (503): what residency cost */
    residency_refusals: number;
    by_tenant: Record<string, { residency_refusals: number }>;
  };
  availability: {
    /** which uptime the SLA credit is tiered on */
    credit_basis: "window" | "month";
    /** by the region that answered each API call */
    by_region: Record<string, RegionUptime>;
    /** by the tenant that made each API call */
    by_tenant: Record<string, RegionUptime>;
    /**
     * by customer account and region, where the account made calls or was charged (Bedrock's SLA is
     * per account and region: the credit tier comes from the account's uptime there and applies to
     * its charges there); a tenant is its own account unless it names one
     */
    by_account: Record<string, Record<string, AccountRegionReport>>;
    slo: { ttft_s: number; tpot_s: number };
    /**
     * share of the window's requests meeting both objectives (DistServe's attainment): completed
     * requests within both count, every other outcome is a miss except the client-caused ones (400,
     * 403), which leave the denominator; null without such requests
     */
    slo_attainment: number | null;
    /** requests per second of the window meeting both objectives */
    goodput_per_s: number;
  };
  /** every decision and transition in time order */
  events: FleetEvent[];
  /**
   * what the run did that is rarely meant, with what it cost: `unusable_servers`, servers no model
   * of their region can ever run on (another GPU, or fewer than a replica needs), paid and idle
   */
  warnings: ReportWarning[];
  thresholds: Record<string, ThresholdResult[]>;
  thresholds_ok: boolean;
}

export type ThrottleCounts = Record<LimitName, number>;

/** Something the run did that is rarely meant, said in words, with what it cost in the window (null when unpriced). */
export interface ReportWarning {
  kind: "unusable_servers";
  message: string;
  cost_usd: number | null;
}
