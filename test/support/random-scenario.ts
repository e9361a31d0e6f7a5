/**
 * Random valid scenarios for property tests (fast-check), built from the sections of
 * src/scenario/schema/: regions, AZs and server pools; queue and continuous-batching models with any
 * router, autoscaler and rollout; tenants with every arrival process, token and time distributions
 * (data files included), prefixes, retries, timeouts and regional routing; the gateway's overhead,
 * rate limits, quotas and WAF; faults of every kind; costs, SLOs and thresholds.
 *
 * Router kinds and scaling metrics come from the schema itself; test/validation/properties.test.ts
 * reads every other kind (engines, autoscalers, rollouts, arrivals, distributions, faults) from the
 * schema and fails when the runs never drew one, so a kind added to the schema must be added here.
 *
 * fast-check draws a blueprint of independent choices; `buildScenario` turns it into a scenario that
 * is valid by construction (names that exist, capacity for the initial replicas, bounds in order), so
 * every one of the property test's runs is a real run, and shrinking keeps it valid. Each run is kept
 * small: a budget of at most ~20,000 requests over 2 to 30 simulated minutes.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import type { ScenarioInput } from "../../src/index.js";
import { RouterKinds } from "../../src/scenario/schema.js";
import { SCALING_METRICS } from "../../src/scenario/schema/scaling.js";

// --- data files the scenarios may name ----------------------------------------------------------

/** Small trace and distribution files (fixed contents), written into `dir`: the scenarios name them relative to it. */
export function writeDataFiles(dir: string): void {
  const rows = 40;
  // A deterministic sequence (a small LCG) so the files are the same on every machine.
  let x = 12345;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const azure = ["TIMESTAMP,ContextTokens,GeneratedTokens"];
  const mooncake: string[] = [];
  let t = 0;
  for (let i = 0; i < rows; i++) {
    t += next() * 3;
    // A zero- and a one-token answer among them.
    const input = 20 + Math.floor(next() * 1500);
    const output = i === 5 ? 0 : i === 6 ? 1 : 1 + Math.floor(next() * 300);
    const seconds = t.toFixed(7).split(".");
    const whole = Number(seconds[0]);
    const stamp = `2023-11-16 18:${String(10 + Math.floor(whole / 60)).padStart(2, "0")}:${String(whole % 60).padStart(2, "0")}.${seconds[1]}`;
    azure.push(`${stamp},${input},${output}`);
    const blocks = Math.ceil(input / 512);
    const hashIds = Array.from({ length: blocks }, (_, k) => (k === 0 ? i % 3 : 1000 + i * 10 + k));
    mooncake.push(JSON.stringify({ timestamp: Math.floor(i / 2) * 3000, input_length: input, output_length: output, hash_ids: hashIds }));
  }
  writeFileSync(join(dir, "trace.csv"), azure.join("\n") + "\n");
  writeFileSync(join(dir, "trace.jsonl"), mooncake.join("\n") + "\n");
  const tokens = ["tokens", ...Array.from({ length: 50 }, () => String(Math.floor(1 + next() * 800)))];
  writeFileSync(join(dir, "tokens.csv"), tokens.join("\n") + "\n");
  const seconds = ["seconds", ...Array.from({ length: 50 }, () => (0.01 + next() * 0.8).toFixed(4))];
  writeFileSync(join(dir, "seconds.csv"), seconds.join("\n") + "\n");
}

// --- small helpers ------------------------------------------------------------------------------

/** `arb` with probability p, else undefined. */
const sometimes = <T>(arb: fc.Arbitrary<T>, p = 0.3): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: Math.round(100 * (1 - p)) }, { arbitrary: arb, weight: Math.round(100 * p) });
/**
 * A number in [min, max]: mostly spread evenly (fast-check's doubles crowd at the bounds and near
 * zero, so a share would rarely be more than a few ulps), sometimes one of those extremes.
 */
const real = (min: number, max: number) =>
  fc.oneof(
    { arbitrary: fc.noBias(fc.integer({ min: 0, max: 1_000_000 })).map((k) => min + ((max - min) * k) / 1_000_000), weight: 9 },
    { arbitrary: fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), weight: 1 },
  );
const int = (min: number, max: number) => fc.integer({ min, max });
const pick = <const T>(...items: T[]) => fc.constantFrom(...items);
/** Drops undefined fields, so optional ones are left out rather than written as undefined. */
function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const ROUTERS = RouterKinds;
const METRICS = SCALING_METRICS;
/** A sensible target per metric, scaled by a draw in [0, 1]. */
const TARGET_RANGE: Record<(typeof METRICS)[number], [number, number]> = {
  requests_per_replica: [1, 20],
  gpu_utilization: [0.3, 0.95],
  kv_utilization: [0.1, 0.9],
  queue_length: [0.5, 10],
  ttft_p90: [0.2, 5],
};

const timeDist = (meanMin: number, meanMax: number) =>
  fc.oneof(
    fc.record({ dist: fc.constant("fixed"), value: real(meanMin, meanMax) }),
    fc.record({ dist: fc.constant("exponential"), mean: real(meanMin, meanMax), max: sometimes(real(meanMax, meanMax * 5)) }).map(clean),
    real(meanMin, meanMax).chain((lo) => real(lo, lo * 3).map((hi) => ({ dist: "uniform", min: lo, max: hi }))),
    fc.record({ dist: pick("lognormal", "gamma"), mean: real(meanMin, meanMax), cv: real(0.2, 3), min: sometimes(real(0, meanMin)) }).map(clean),
    fc.record({ dist: fc.constant("weibull"), mean: real(meanMin, meanMax), shape: real(0.5, 3) }),
    fc.record({ dist: fc.constant("empirical"), file: fc.constant("seconds.csv"), column: fc.constant("seconds"), scale: real(0.2, 3) }),
  );

const tokenDist = (meanMin: number, meanMax: number) =>
  fc.oneof(
    { arbitrary: fc.record({ dist: fc.constant("fixed"), value: int(meanMin, meanMax) }), weight: 2 },
    { arbitrary: fc.record({ dist: pick("lognormal", "gamma"), mean: int(Math.max(1, meanMin), meanMax), cv: real(0.2, 2), max: sometimes(int(meanMax, meanMax * 4)) }).map(clean), weight: 3 },
    { arbitrary: fc.record({ dist: fc.constant("exponential"), mean: int(Math.max(1, meanMin), meanMax), min: sometimes(int(0, meanMin)) }).map(clean), weight: 1 },
    { arbitrary: int(meanMin, meanMax).chain((lo) => int(lo, lo * 2 + 1).map((hi) => ({ dist: "uniform", min: lo, max: hi }))), weight: 1 },
    { arbitrary: fc.record({ dist: fc.constant("weibull"), mean: int(Math.max(1, meanMin), meanMax), shape: real(0.6, 3) }), weight: 1 },
    { arbitrary: fc.record({ dist: fc.constant("empirical"), file: fc.constant("tokens.csv"), column: fc.constant("tokens"), scale: real(0.1, 2) }), weight: 1 },
  );

// --- the blueprint ------------------------------------------------------------------------------

const regionBlueprint = fc.record({
  azs: int(1, 3),
  pue: fc.oneof(real(1, 1.6), fc.array(real(1, 1.8), { minLength: 24, maxLength: 24 }).map((hourly) => ({ hourly }))),
  geo: int(0, 1),
  /** spare servers an AZ may add (autoscaling, rollouts), per AZ */
  spare: int(0, 3),
  roomForRollouts: fc.boolean(),
  power_capacity_kw: sometimes(real(1, 50), 0.2),
});

const autoscalerBlueprint = fc.oneof(
  fc.record({
    kind: pick("target_tracking", "predictive", "predictive"),
    metric: pick(...METRICS),
    target: real(0, 1),
    period: int(10, 60),
    scale_out_periods: int(1, 3),
    scale_in_periods: int(1, 5),
    scale_in_cooldown: int(0, 120),
    max_step: sometimes(int(1, 3)),
    idle_shutdown: int(20, 600),
    seasonPeriods: int(1, 6),
  }),
  fc.record({
    kind: fc.constant("step"),
    metric: pick(...METRICS),
    period: int(10, 60),
    steps: fc.array(fc.record({ bound: real(0, 1), up: fc.boolean(), by: int(1, 3) }), { minLength: 1, maxLength: 3 }),
    cooldown: int(0, 120),
    idle_shutdown: int(20, 600),
  }),
  fc.record({
    kind: fc.constant("scheduled"),
    period: int(10, 60),
    table: fc.array(fc.record({ at: int(0, 600), min: sometimes(int(0, 3)), max: sometimes(int(0, 6)), desired: sometimes(int(0, 6)) }), { minLength: 1, maxLength: 3 }),
    idle_shutdown: int(20, 600),
  }),
);

const rolloutBlueprint = fc.record({
  at: real(0, 0.9),
  strategy: pick("blue_green", "canary"),
  latency_factor: real(0.5, 2),
  error_rate: fc.oneof(fc.constant(0), real(0.02, 0.5)),
  shares: fc.array(real(0, 1), { maxLength: 2 }),
  bake: int(0, 120),
  alarms: sometimes(fc.record({ error_rate: sometimes(real(0, 0.1), 0.7), ttft_p99: sometimes(real(0.1, 5)), window: int(10, 300), min_requests: int(1, 20) }), 0.6),
});

const llmBlueprint = fc.record({
  kind: fc.constant("llm" as const),
  model: pick("llama-3.1-8b", "qwen2.5-7b", "mistral-7b", "gpt-j-6b", "llama-2-7b"),
  precision: pick("bf16", "fp8", "int8"),
  max_num_seqs: int(2, 256),
  extraBatchedTokens: int(0, 8192),
  chunked_prefill: fc.boolean(),
  prefix_caching: fc.boolean(),
  block_size: pick(16, 32),
  prefixBlocks: int(1, 32),
  stack: pick("trtllm", "vllm-2023"),
  // Small KV caches preempt sequences (and may not hold a long prompt at all).
  kv_cache_free_fraction: fc.oneof(real(0.002, 0.03), real(0.03, 0.95)),
  gpu_memory_utilization: real(0.5, 0.95),
  autoscaler: sometimes(autoscalerBlueprint, 0.4),
  // With replicas.min 0: an idle spell before zero, and whether requests wait for a cold start or get 429s.
  scaleToZero: sometimes(fc.record({ afterS: int(5, 90), wait: fc.boolean() }), 0.5),
  rollout: sometimes(rolloutBlueprint, 0.2),
  spareReplicas: int(0, 4),
  minBelow: int(0, 2),
  // The model drafts for itself (the same vocabulary, whatever the model): what is fuzzed is the
  // machinery (verify widths, cut runs, KV slots), not the speed-up.
  speculative: sometimes(fc.record({ draft_tokens: int(1, 6), acceptance_rate: real(0, 1) }), 0.2),
  kv_offload: sometimes(fc.record({ host_memory_gb: real(0, 40), read_gb_per_s: real(0.5, 100), store: sometimes(real(0.1, 50), 0.5) }), 0.7),
  // Pools need two replicas or more, and no rollout or central queue (they are then left out); with an autoscaler, each pool scales apart by it.
  disaggregation: sometimes(
    fc.record({ prefillShare: real(0, 1), minPrompt: sometimes(int(1, 4000), 0.5), bandwidth: real(0.5, 100), latency: real(0, 0.002) }),
    0.3,
  ),
});

const queueBlueprint = fc.record({
  kind: fc.constant("queue" as const),
  concurrency: int(1, 4),
  service_time: timeDist(0.02, 1.5),
});

const modelBlueprint = fc.record({
  engine: fc.oneof({ arbitrary: llmBlueprint, weight: 3 }, { arbitrary: queueBlueprint, weight: 2 }),
  initial: int(1, 4),
  router: pick(...ROUTERS),
  max_queue: sometimes(int(0, 20)),
  power_of_two_choices: int(2, 3),
  load_slack: real(0, 1),
  weights: fc.record({ outstanding_tokens: real(0, 2), kv_load: real(0, 2), prefix: real(0, 2) }),
  onlyRegion: sometimes(int(0, 9), 0.3),
  placement: pick("spread", "pack"),
  startup: fc.record({ engine: int(1, 60), weight_load_gb_per_s: real(1, 20) }),
  health_check: fc.record({ interval: int(1, 20), unhealthy_threshold: int(1, 3), connect_timeout: real(0.5, 10) }),
  price: fc.record({ input_usd_per_mtok: real(0, 3), output_usd_per_mtok: real(0, 10), cached_input_usd_per_mtok: sometimes(real(0, 1)), batch_discount: real(0, 1) }).map(clean),
  revenue_share: fc.oneof(fc.constant(0), real(0, 0.5)),
  priority_aging: sometimes(real(0.5, 120), 0.5),
  prompt_cache: sometimes(fc.record({ min_tokens: int(1, 1500) }), 0.5),
  output_burndown: sometimes(real(1, 5), 0.3),
  drain_timeout: int(5, 300),
});

const arrivalBlueprint = fc.oneof(
  fc.record({ kind: pick("poisson", "constant") }),
  fc.record({ kind: fc.constant("gamma"), cv: real(0.2, 4) }),
  fc.record({ kind: fc.constant("diurnal"), peak_to_trough: real(1, 10), peakAt: real(0, 1), periods: real(0.5, 3) }),
  fc.record({ kind: fc.constant("piecewise"), pieces: fc.array(fc.record({ gap: real(0.01, 0.5), rate: fc.oneof(fc.constant(0), real(0, 2.5)) }), { minLength: 1, maxLength: 4 }) }),
  fc.record({ kind: fc.constant("closed_loop"), concurrency: int(1, 6), thinkDist: pick("fixed", "exponential"), ramp_up: int(0, 60) }),
  fc.record({ kind: fc.constant("burst"), at: real(0, 0.9) }),
  // Jobs at fractions of the run, with windows short enough to expire some records.
  fc.record({ kind: fc.constant("batch_job"), jobs: fc.array(fc.record({ at: real(0, 0.9), share: real(0.05, 1) }), { minLength: 1, maxLength: 12 }), windowFrac: fc.oneof(real(0.001, 0.05), real(0.05, 1.5)) }),
  fc.record({ kind: fc.constant("trace"), format: pick("azure", "mooncake"), speedup: real(0.5, 4), loop: fc.boolean(), spread_ties: fc.boolean() }),
);

const tenantBlueprint = fc.record({
  modelPick: int(0, 9),
  share: real(0.1, 1),
  arrival: arrivalBlueprint,
  input_tokens: sometimes(tokenDist(0, 3000), 0.8),
  output_tokens: sometimes(tokenDist(0, 400), 0.8),
  prefix: sometimes(fc.record({ tokens: int(1, 2000), variants: int(1, 4), cache_ttl: sometimes(pick("5m", "1h"), 0.4) })),
  geoPick: sometimes(int(0, 2)),
  tier: pick("priority", "on_demand", "on_demand", "flex", "batch"),
  max_tokens: sometimes(int(1, 600), 0.3),
  reserved: sometimes(fc.record({ input_tokens_per_min: real(100, 1e6), output_tokens_per_min: real(10, 1e5), usd_per_hour: real(0, 50) }), 0.15),
  retries: fc.oneof(fc.constant(undefined), int(0, 3), fc.record({ max_attempts: int(1, 4), base: real(0.01, 1), throttle_base: real(0.01, 2), cap: real(0.1, 20), quota: fc.oneof(fc.constant(false as const), int(5, 500)) })),
  timeout: sometimes(real(0.5, 120)),
  attempt_timeout: sometimes(real(0.2, 30), 0.2),
  auth_failure_share: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: real(0, 0.3), weight: 1 }),
  startFrac: sometimes(real(0, 0.6), 0.2),
  stopFrac: sometimes(real(0.1, 1.5), 0.2),
  routing: fc.record({ mode: pick("nearest", "weighted", "least_loaded"), profile: pick("none", "geography", "global"), spill_after: real(0.1, 5), residencyPick: sometimes(int(0, 9), 0.3) }),
});

const faultBlueprint = fc.oneof(
  fc.record({ kind: pick("az_outage", "region_outage"), pick: int(0, 9), at: real(0, 0.95), duration: int(5, 300) }),
  fc.record({ kind: fc.constant("server_failures"), mtbf: int(120, 7200), mttr: int(10, 600), distribution: pick("exponential", "weibull"), shape: real(0.5, 3), azPick: sometimes(int(0, 9)) }),
  fc.record({ kind: fc.constant("gpu_failures"), mtbf: int(300, 20000), mttr: int(10, 600), azPick: sometimes(int(0, 9)) }),
  fc.record({ kind: fc.constant("random_az_outages"), mtbf: int(120, 3600), duration: timeDist(5, 200), azPick: sometimes(int(0, 9)) }),
);

const gatewayBlueprint = fc.record({
  overhead: fc.oneof(fc.constant(undefined), real(0, 0.05), timeDist(0.001, 0.05)),
  defaultLimit: sometimes(fc.record({ requests_per_min: sometimes(real(1, 600)), tokens_per_min: sometimes(real(100, 1e6)) })),
  tenantLimits: fc.array(fc.record({ pick: int(0, 9), requests_per_min: sometimes(real(1, 600)), tokens_per_min: sometimes(real(100, 1e6)) }), { maxLength: 2 }),
  quotas: fc.array(fc.record({ pick: int(0, 9), tokens_per_day: real(1e3, 1e7) }), { maxLength: 2 }),
  waf: fc.array(fc.record({ pick: int(0, 9), share: real(0, 1) }), { maxLength: 2 }),
  modelLimits: fc.array(fc.record({ pick: int(0, 9), requests_per_min: sometimes(real(1, 600)), tokens_per_min: sometimes(real(100, 1e6)), flex_share: real(0, 1) }), { maxLength: 2 }),
});

export const scenarioBlueprint = fc.record({
  seed: int(0, 1_000_000),
  durationS: fc.noBias(int(120, 1800)),
  warmupFrac: fc.oneof(fc.constant(0), real(0, 0.3)),
  drain: sometimes(int(0, 30), 0.25),
  /** requests the run is sized for, over all tenants */
  budget: fc.noBias(int(50, 20_000)),
  regions: sometimes(fc.array(regionBlueprint, { minLength: 1, maxLength: 2 }), 0.75),
  gpu: pick("h100-sxm", "a100-sxm-80gb"),
  serverGpus: pick(2, 4, 8),
  tensorParallel: pick(1, 1, 2),
  bootS: int(10, 300),
  usdPerHour: sometimes(real(1, 100), 0.8),
  purchaseUsd: sometimes(real(1e4, 4e5), 0.5),
  models: fc.array(modelBlueprint, { minLength: 1, maxLength: 3 }),
  tenants: fc.array(tenantBlueprint, { minLength: 1, maxLength: 3 }),
  gateway: sometimes(gatewayBlueprint, 0.4),
  faults: fc.array(faultBlueprint, { maxLength: 3 }),
  network: sometimes(fc.record({ default_rtt_ms: real(0, 200), listed: real(0, 100) })),
  costs: fc.record({
    gpu_pricing: pick("on_demand", "owned"),
    electricity: sometimes(pick("included", "billed")),
    other: fc.array(fc.record({ usd_per_hour: sometimes(real(0, 10)), fraction_of_compute: sometimes(real(0, 0.5)) }), { maxLength: 2 }),
  }),
  slo: fc.record({ ttft: real(0.05, 5), tpot: real(0.005, 0.5) }),
  sla: pick("window", "month"),
  interval: int(10, 120),
  thresholds: fc.boolean(),
});

export type ScenarioBlueprint = typeof scenarioBlueprint extends fc.Arbitrary<infer B> ? B : never;

// --- from blueprint to scenario -----------------------------------------------------------------

/** A valid scenario from a blueprint. `DATA` files are those `writeDataFiles` makes. */
export function buildScenario(bp: ScenarioBlueprint): ScenarioInput {
  const D = bp.durationS;
  const tp = bp.tensorParallel;
  const explicit = bp.regions !== undefined;
  const regionNames = explicit ? bp.regions!.map((_, i) => `r${i}`) : ["default"];
  const azNames = explicit ? bp.regions!.flatMap((r, i) => Array.from({ length: r.azs }, (_, j) => `r${i}${"abc"[j]}`)) : ["default-a"];
  const regionGeos = explicit ? bp.regions!.map((r) => `geo${r.geo}`) : ["default"];

  // Models: names, regions, engines, replicas.
  const models = bp.models.map((m, i) => {
    const llm = m.engine.kind === "llm";
    const regions = explicit && m.onlyRegion !== undefined ? [regionNames[m.onlyRegion % regionNames.length]] : undefined;
    const base = {
      name: `m${i}`,
      regions,
      placement: m.placement,
      startup: m.startup,
      health_check: m.health_check,
      price: m.price,
      revenue_share: m.revenue_share,
      priority_aging: m.priority_aging,
      prompt_cache: m.prompt_cache,
      output_burndown: m.output_burndown,
      drain_timeout: m.drain_timeout,
      router: routerOf(m),
    };
    if (m.engine.kind === "queue") {
      return clean({ ...base, engine: { kind: "queue", concurrency: m.engine.concurrency, service_time: m.engine.service_time }, replicas: { initial: m.initial } });
    }
    const e = m.engine;
    const engine = clean({
      kind: "continuous_batching",
      max_num_seqs: e.max_num_seqs,
      max_batched_tokens: e.max_num_seqs * (e.speculative ? e.speculative.draft_tokens + 1 : 1) + e.extraBatchedTokens,
      chunked_prefill: e.chunked_prefill,
      prefix_caching: e.prefix_caching,
      block_size: e.block_size,
      prefix_block_tokens: e.block_size * e.prefixBlocks,
      stack: e.stack,
      kv_cache_free_fraction: e.kv_cache_free_fraction,
      gpu_memory_utilization: e.gpu_memory_utilization,
      speculative: e.speculative && { draft_model: e.model, ...e.speculative },
      kv_offload:
        e.kv_offload && e.prefix_caching
          ? clean({
              host_memory_gb: e.kv_offload.host_memory_gb,
              read_gb_per_s: e.kv_offload.read_gb_per_s,
              store: e.kv_offload.store && { capacity_gb: e.kv_offload.store, read_gb_per_s: e.kv_offload.read_gb_per_s },
            })
          : undefined,
    });
    const min = Math.max(0, m.initial - e.minBelow);
    const max = m.initial + e.spareReplicas;
    const pools =
      e.disaggregation && !e.rollout && m.router !== "central_queue" && m.initial >= 2
        ? (() => {
            const d = e.disaggregation;
            const prefill = Math.min(m.initial - 1, Math.max(1, Math.round(d.prefillShare * m.initial)));
            // An autoscaled pool may lose a replica below its start and gain the model's spare ones.
            const bounds = (initial: number) => (e.autoscaler ? { initial, min: Math.max(1, initial - e.minBelow), max: initial + e.spareReplicas } : { initial });
            return {
              prefill: { replicas: bounds(prefill) },
              decode: { replicas: bounds(m.initial - prefill) },
              kv_transfer: { bandwidth_gb_per_s: d.bandwidth, latency: d.latency },
              ...(d.minPrompt !== undefined ? { decider: { min_prompt_tokens: d.minPrompt } } : {}),
            };
          })()
        : undefined;
    const zeroable = e.autoscaler !== undefined && !pools && min === 0;
    return clean({
      ...base,
      model: e.model,
      precision: e.precision,
      tensor_parallel: tp,
      engine,
      replicas: (e.autoscaler || e.rollout) && !pools ? { initial: m.initial, min, max } : { initial: m.initial },
      autoscaler: e.autoscaler && { ...autoscalerOf(e.autoscaler, min, max, D), ...(zeroable && e.scaleToZero ? { scale_to_zero_after: e.scaleToZero.afterS } : {}) },
      cold_start: zeroable && e.scaleToZero ? { on_no_replica: e.scaleToZero.wait ? "wait" : "model_not_ready" } : undefined,
      rollout: e.rollout && rolloutOf(e.rollout, D),
      disaggregation: pools,
      ...(llm && !explicit ? { gpu: bp.gpu } : {}),
    });
  });
  const servingRegions = (model: (typeof models)[number]) => (model.regions as string[] | undefined) ?? regionNames;

  // Servers: enough GPUs in each region for the initial replicas of the LLM models there (every
  // model has the same tensor parallelism and servers hold a multiple of it, so nothing fragments).
  const regions = explicit
    ? bp.regions!.map((r, i) => {
        const name = regionNames[i];
        const here = models.filter((m) => m.engine.kind === "continuous_batching" && servingRegions(m).includes(name));
        const servers = Math.ceil(here.reduce((n, m) => n + m.replicas.initial * tp, 0) / bp.serverGpus);
        // Room for a rollout's second fleet, unless the blueprint says to leave it stuck provisioning.
        const rolloutServers = r.roomForRollouts ? Math.ceil(here.reduce((n, m) => n + ("rollout" in m && m.rollout ? m.replicas.initial * tp : 0), 0) / bp.serverGpus) : 0;
        const share = (total: number, j: number) => Math.floor(total / r.azs) + (j < total % r.azs ? 1 : 0);
        return clean({
          name,
          geo: regionGeos[i],
          pue: r.pue,
          azs: Array.from({ length: r.azs }, (_, j) => {
            const count = share(servers, j);
            return clean({ name: `${name}${"abc"[j]}`, servers: { type: "box", count, max: count + r.spare + share(rolloutServers, j) }, power_capacity_kw: r.power_capacity_kw });
          }),
        });
      })
    : undefined;

  // Tenants: a share of the request budget each, sent to a model that exists, from regions that serve it.
  const shareSum = bp.tenants.reduce((s, t) => s + t.share, 0);
  const tenants = bp.tenants.map((t, i) => {
    const model = models[t.modelPick % models.length];
    const perTenant = Math.max(1, (bp.budget * t.share) / shareSum);
    const serving = servingRegions(model);
    const allowed = explicit && t.routing.residencyPick !== undefined ? residencyOf(regionNames, serving, t.routing.residencyPick) : undefined;
    const usable = serving.filter((r) => !allowed || allowed.includes(r));
    const mode = t.routing.mode === "weighted" && !explicit ? "nearest" : t.routing.mode;
    const retry = typeof t.retries === "object" ? { retry: { mode: "standard", ...t.retries } } : t.retries === undefined ? {} : { retries: t.retries };
    const start = t.startFrac === undefined ? undefined : t.startFrac * D;
    const stop = t.stopFrac === undefined ? undefined : Math.max((start ?? 0) + 1, t.stopFrac * D);
    return clean({
      name: `t${i}`,
      model: model.name as string,
      arrival: arrivalOf(t.arrival, perTenant, D),
      start,
      stop,
      input_tokens: t.input_tokens,
      output_tokens: t.output_tokens,
      // A billed checkpoint needs its model's prompt_cache.
      prefix: t.prefix && clean({ ...t.prefix, cache_ttl: "prompt_cache" in model && model.prompt_cache ? t.prefix.cache_ttl : undefined }),
      geo: t.geoPick === undefined ? undefined : t.geoPick === 2 ? "far-away" : `geo${t.geoPick}`,
      tier: t.tier,
      max_tokens: t.max_tokens,
      reserved: t.reserved,
      ...retry,
      timeout: t.timeout,
      attempt_timeout: t.attempt_timeout,
      auth_failure_share: t.auth_failure_share,
      routing: clean({
        mode,
        weights: mode === "weighted" ? Object.fromEntries(usable.map((r, k) => [r, k + 1])) : undefined,
        profile: t.routing.profile,
        spill_after: t.routing.spill_after,
        allowed_regions: allowed,
      }),
    });
  });
  const tenantName = (k: number) => tenants[k % tenants.length].name;

  const g = bp.gateway;
  const gateway = g
    ? clean({
        overhead: g.overhead,
        rate_limits:
          g.defaultLimit || g.tenantLimits.length > 0 || g.modelLimits.length > 0
            ? clean({
                default: g.defaultLimit && limitOf(g.defaultLimit),
                tenants: Object.fromEntries(g.tenantLimits.map((l) => [tenantName(l.pick), limitOf(l)])),
                models: Object.fromEntries(g.modelLimits.map((l) => [models[l.pick % models.length].name as string, { ...limitOf(l), flex_share: l.flex_share }])),
              })
            : undefined,
        quotas: Object.fromEntries(g.quotas.map((q) => [tenantName(q.pick), { tokens_per_day: q.tokens_per_day }])),
        waf: g.waf.length > 0 ? { block: Object.fromEntries(g.waf.map((w) => [tenantName(w.pick), w.share])) } : undefined,
      })
    : undefined;

  const faults = bp.faults.map((f) => {
    const azs = "azPick" in f && f.azPick !== undefined ? [azNames[f.azPick % azNames.length]] : undefined;
    switch (f.kind) {
      case "az_outage":
        return { kind: f.kind, az: azNames[f.pick % azNames.length], at: f.at * D, duration: f.duration };
      case "region_outage":
        return { kind: f.kind, region: regionNames[f.pick % regionNames.length], at: f.at * D, duration: f.duration };
      case "server_failures":
        return clean({ kind: f.kind, mtbf: f.mtbf, mttr: f.mttr, distribution: f.distribution, shape: f.shape, azs });
      case "gpu_failures":
        return clean({ kind: f.kind, mtbf: f.mtbf, mttr: f.mttr, azs });
      case "random_az_outages":
        return clean({ kind: f.kind, mtbf: f.mtbf, duration: f.duration, azs });
    }
  });

  const network = bp.network && {
    default_rtt_ms: bp.network.default_rtt_ms,
    rtt_ms: explicit ? { "far-away": { [regionNames[0]]: bp.network.listed } } : {},
  };

  return clean({
    version: 1,
    name: "random",
    seed: bp.seed,
    duration: D,
    warmup: Math.floor(bp.warmupFrac * D),
    drain: bp.drain,
    server_types: explicit
      ? { box: clean({ gpu: bp.gpu, gpus: bp.serverGpus, usd_per_hour: bp.usdPerHour, purchase_usd: bp.purchaseUsd, boot_time: bp.bootS, network_gb_per_s: 50 }) }
      : undefined,
    regions,
    network,
    gateway,
    models,
    workload: { tenants },
    faults,
    costs: clean({
      gpu_pricing: bp.costs.gpu_pricing,
      electricity: bp.costs.electricity,
      other: bp.costs.other.map((o, k) => clean({ name: `item${k}`, ...o })),
    }),
    slo: bp.slo,
    sla: { credit_basis: bp.sla },
    thresholds: bp.thresholds ? { ttft: ["p(99) < 2s", "avg < 500ms"], error_rate: ["rate < 1%"], availability: ["value >= 99.9%"], goodput: ["value > 0.1"] } : undefined,
    report: { interval: bp.interval },
  }) as ScenarioInput;
}

function routerOf(m: ScenarioBlueprint["models"][number]) {
  const base = { kind: m.router, max_queue: m.max_queue };
  if (m.router === "power_of_two") return clean({ ...base, choices: m.power_of_two_choices });
  if (m.router === "prefix_affinity") return clean({ ...base, load_slack: m.load_slack });
  if (m.router === "weighted") return clean({ ...base, weights: m.weights });
  return clean(base);
}

type AutoscalerBlueprint = NonNullable<Extract<ScenarioBlueprint["models"][number]["engine"], { kind: "llm" }>["autoscaler"]>;

function autoscalerOf(a: AutoscalerBlueprint, min: number, max: number, durationS: number) {
  const targetOf = (metric: (typeof METRICS)[number], x: number) => TARGET_RANGE[metric][0] + x * (TARGET_RANGE[metric][1] - TARGET_RANGE[metric][0]);
  switch (a.kind) {
    case "target_tracking":
    case "predictive": {
      const predictive = a.kind === "predictive";
      // Predictive scaling forecasts an additive metric; its season fits in the run and holds at least one period.
      const metric = predictive && a.metric === "ttft_p90" ? "requests_per_replica" : a.metric;
      const season = predictive ? Math.min(durationS - 1, a.period * a.seasonPeriods) : undefined;
      return clean({
        kind: a.kind,
        metric,
        target: targetOf(metric, a.target),
        period: predictive ? Math.min(a.period, season!) : a.period,
        scale_out_periods: a.scale_out_periods,
        scale_in_periods: a.scale_in_periods,
        scale_in_cooldown: a.scale_in_cooldown,
        max_step: a.max_step,
        idle_shutdown: a.idle_shutdown,
        season,
      });
    }
    case "step":
      return {
        kind: "step",
        metric: a.metric,
        period: a.period,
        steps: a.steps.map((s) => {
          const bound = targetOf(a.metric, s.bound);
          return s.up ? { above: bound, add: s.by } : { below: bound, add: -s.by };
        }),
        cooldown: a.cooldown,
        idle_shutdown: a.idle_shutdown,
      };
    case "scheduled":
      return {
        kind: "scheduled",
        period: a.period,
        table: [...a.table]
          .sort((x, y) => x.at - y.at)
          .map((entry) => {
            const lo = entry.min === undefined ? undefined : Math.min(entry.min, max);
            const hi = entry.max === undefined ? undefined : Math.max(entry.max, lo ?? 0, min);
            return clean({ at: entry.at, min: lo, max: hi, desired: entry.desired });
          }),
        idle_shutdown: a.idle_shutdown,
      };
  }
}

function rolloutOf(r: NonNullable<Extract<ScenarioBlueprint["models"][number]["engine"], { kind: "llm" }>["rollout"]>, durationS: number) {
  const shares = [...r.shares].sort((a, b) => a - b);
  return clean({
    at: r.at * durationS,
    strategy: r.strategy,
    version: { name: "v2", latency_factor: r.latency_factor, error_rate: r.error_rate },
    stages: [...shares, 1].map((share) => ({ share, bake: r.bake })),
    alarms: r.alarms && clean(r.alarms),
  });
}

/** Regions a tenant may be served in: one region picked, plus one that serves its model. */
function residencyOf(regionNames: string[], serving: string[], k: number): string[] {
  const first = regionNames[k % regionNames.length];
  const servingOne = serving[k % serving.length];
  return [...new Set([first, servingOne])];
}

function limitOf(l: { requests_per_min?: number; tokens_per_min?: number }) {
  // An entry must limit something.
  return l.requests_per_min === undefined && l.tokens_per_min === undefined ? { requests_per_min: 60 } : clean({ requests_per_min: l.requests_per_min, tokens_per_min: l.tokens_per_min });
}

type ArrivalBlueprint = ScenarioBlueprint["tenants"][number]["arrival"];

/** An arrival process sending about `requests` over the run. */
function arrivalOf(a: ArrivalBlueprint, requests: number, durationS: number) {
  const rate = requests / durationS;
  switch (a.kind) {
    case "poisson":
    case "constant":
      return { kind: a.kind, rate_per_s: rate };
    case "gamma":
      return { kind: "gamma", rate_per_s: rate, cv: a.cv };
    case "diurnal":
      return { kind: "diurnal", mean_rate_per_s: rate, peak_to_trough: a.peak_to_trough, peak_at: a.peakAt * durationS, period: durationS * a.periods };
    case "piecewise": {
      // Pieces at increasing times; rates relative to the mean, so the budget holds roughly.
      let at = 0;
      const rates = a.pieces.map((p, k) => {
        if (k > 0) at += p.gap * durationS;
        return { at: Math.round(at * 1000) / 1000, rate_per_s: p.rate * rate };
      });
      return { kind: "piecewise", rates };
    }
    case "closed_loop": {
      // Each user sends about requests / concurrency over the run: think for the rest of that cycle.
      const cycleS = (durationS * a.concurrency) / requests;
      const think = Math.max(0.05, cycleS);
      return { kind: "closed_loop", concurrency: a.concurrency, think_time: a.thinkDist === "fixed" ? { dist: "fixed", value: think } : { dist: "exponential", mean: think }, ramp_up: a.ramp_up };
    }
    case "burst":
      return { kind: "burst", count: Math.max(1, Math.min(300, Math.round(requests))), at: a.at * durationS };
    case "batch_job":
      return {
        kind: "batch_job",
        jobs: a.jobs.map((j) => ({ at: j.at * durationS, records: Math.max(1, Math.min(300, Math.round(requests * j.share))) })),
        completion_window: Math.max(1, a.windowFrac * durationS),
      };
    case "trace":
      // 40 rows over about a minute (azure) or 60 s (mooncake).
      return { kind: "trace", file: a.format === "azure" ? "trace.csv" : "trace.jsonl", format: a.format, speedup: a.speedup, loop: a.loop, spread_ties: a.spread_ties };
  }
}
