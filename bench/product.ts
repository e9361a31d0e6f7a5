/**
 * Two questions a planner asks of the product layer (issue 25), each as runs side by side:
 *   node --import tsx bench/product.ts
 * 1. What does prompt caching cost in revenue and save in GPUs? A chat app whose prompts start with a
 *    4,096-token system prompt (4 variants) on Llama-3.1-70B FP8, 2 replicas of 4 H100s: without a
 *    prefix cache, with the physical cache only (cached tokens billed as input), and with billed
 *    5-minute checkpoints (reads at 0.1x, writes at 1.25x the input price).
 * 2. What does filling the night trough with batch work do to margin and to on-demand latency? A
 *    diurnal chat load (6-hour cycle, peak at 1h30) on the same fleet, alone, with a 6,000-record batch
 *    job at the trough (4h30), and with the same job at the peak.
 * A study, not a speed benchmark: every figure is from report.json over the window.
 */
import { simulate } from "../src/index.js";

const model = (extra: object) => ({
  name: "m",
  model: "llama-3.1-70b",
  gpu: "h100-sxm",
  precision: "fp8",
  tensor_parallel: 4,
  replicas: { initial: 2 },
  price: { input_usd_per_mtok: 3, output_usd_per_mtok: 15, batch_discount: 0.5 },
  ...extra,
});
const pct = (x: number | null) => (x === null ? "-" : `${(100 * x).toFixed(1)} %`);

console.log("1. Prompt caching: revenue, cost, margin, TTFT p99, replicas' compute (share of peak)");
const caching = [
  { label: "no prefix cache", engine: { kind: "continuous_batching", prefix_caching: false }, ttl: undefined, priced: false },
  { label: "physical cache only", engine: { kind: "continuous_batching", prefix_caching: true }, ttl: undefined, priced: false },
  { label: "billed 5m checkpoints", engine: { kind: "continuous_batching", prefix_caching: true }, ttl: "5m", priced: true },
];
for (const c of caching) {
  const { report } = simulate({
    version: 1,
    name: "cache-study",
    seed: 4,
    duration: 3600,
    warmup: 300,
    models: [model({ engine: c.engine, ...(c.priced ? { prompt_cache: { min_tokens: 1024 } } : {}) })],
    workload: {
      tenants: [
        {
          name: "chat",
          model: "m",
          prefix: { tokens: 4096, variants: 4, ...(c.ttl ? { cache_ttl: c.ttl } : {}) },
          arrival: { kind: "poisson", rate_per_s: 2 },
          input_tokens: { dist: "uniform", min: 4500, max: 8000 },
          output_tokens: { dist: "lognormal", mean: 300, cv: 0.6, max: 1500 },
        },
      ],
    },
  });
  // Replicas run iterations all the time at this load; what the cache saves shows in the compute they do.
  const compute = report.by_model.m.replicas_detail.reduce((s, r) => s + r.compute_utilization, 0) / report.by_model.m.replicas_detail.length;
  console.log(
    `${c.label.padEnd(22)} revenue $${report.revenue.total_usd.toFixed(2)}, cost $${report.cost.total_usd.toFixed(2)}, margin ${pct(report.margin.gross_pct === null ? null : report.margin.gross_pct / 100)}, ` +
      `TTFT p99 ${report.latency.ttft_s.p99?.toFixed(3)} s, compute ${pct(compute)} of peak` +
      (report.by_model.m.prompt_cache ? `, checkpoint hit rate ${pct(report.by_model.m.prompt_cache.hit_rate)}, customers saved $${report.by_model.m.prompt_cache.customer_savings_usd.toFixed(2)}` : ""),
  );
}

console.log("\n2. Batch work in the trough: margin, on-demand TTFT p99, the job's turnaround");
for (const job of [undefined, { at: 16200, label: "job at the trough" }, { at: 5400, label: "job at the peak" }]) {
  const { report } = simulate({
    version: 1,
    name: "trough-study",
    seed: 4,
    duration: 21600,
    warmup: 600,
    models: [model({})],
    workload: {
      tenants: [
        {
          name: "chat",
          model: "m",
          arrival: { kind: "diurnal", mean_rate_per_s: 3, peak_to_trough: 4, peak_at: 5400, period: 21600 },
          input_tokens: { dist: "lognormal", mean: 1500, cv: 0.8, max: 8000 },
          output_tokens: { dist: "lognormal", mean: 300, cv: 0.6, max: 1500 },
        },
        ...(job
          ? [
              {
                name: "nightly",
                model: "m",
                tier: "batch",
                arrival: { kind: "batch_job", jobs: [{ at: job.at, records: 6000 }] },
                input_tokens: { dist: "lognormal", mean: 2000, cv: 0.5, max: 8000 },
                output_tokens: { dist: "lognormal", mean: 300, cv: 0.5, max: 1500 },
              },
            ]
          : []),
      ],
    },
  });
  const chat = report.by_tenant.chat;
  const j = report.batch_jobs?.[0];
  console.log(
    `${(job?.label ?? "on-demand alone").padEnd(18)} revenue $${report.revenue.total_usd.toFixed(2)}, cost $${report.cost.total_usd.toFixed(2)}, margin ${report.margin.gross_pct?.toFixed(1)} %, ` +
      `chat TTFT p99 ${chat.latency.ttft_s.p99?.toFixed(3)} s` +
      (j ? `, job ${j.state} in ${j.turnaround_s?.toFixed(0)} s, chat TTFT p99 while it ran ${j.others_ttft_p99_s?.toFixed(3)} s` : ""),
  );
}
