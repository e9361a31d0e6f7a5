/**
 * 100,000 chat requests (Azure 2023 conversation lengths, Poisson arrivals) on 16 replicas of
 * Llama-3.1-70B (FP8, TP4 on H100) with continuous batching (bench/llm-chat.yaml): wall time and
 * events per request.
 *   node --import tsx bench/llm.ts [requests=100000] [rate_per_s=60]
 */
import { loadScenarioFile, simulate } from "../src/index.js";

const requests = Number(process.argv[2] ?? 100_000);
const ratePerS = Number(process.argv[3] ?? 60);
// Loading and validating the scenario is timed apart: the target is on the simulation alone.
const loadStarted = performance.now();
const scenario = loadScenarioFile("bench/llm-chat.yaml", {
  sets: [`duration=${requests / ratePerS}s`, `workload.tenants[0].arrival.rate_per_s=${ratePerS}`],
});
const loadS = (performance.now() - loadStarted) / 1000;

const started = performance.now();
const { report } = simulate(scenario);
const wallS = (performance.now() - started) / 1000;
const busy = report.by_model.chat.replicas_detail.map((r) => r.busy_fraction);
console.log(
  JSON.stringify({
    benchmark: "llm-100k",
    requests: report.requests.arrived,
    completed: report.requests.completed,
    events: report.run.events,
    events_per_request: Number((report.run.events / report.run.requests_generated).toFixed(2)),
    wall_s: Number(wallS.toFixed(3)),
    load_s: Number(loadS.toFixed(3)),
    requests_per_wall_s: Math.round(report.requests.arrived / wallS),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    mean_busy_fraction: Number((busy.reduce((s, x) => s + x, 0) / busy.length).toFixed(3)),
    ttft_p99_s: report.latency.ttft_s.p99,
    output_tokens_per_s: Math.round(report.throughput.output_tokens_per_s),
  }),
);
