/**
 * Memory over simulated time for a fixed fleet: one process runs 16 replicas of Llama-3.1-8B (two
 * p5.48xlarge, 16 H100s) under a day cycle with server failures for several simulated days, and
 * reads the process's memory after each simulated day. Flat readings mean no state grows with the
 * number of requests served (requests are recycled, percentiles are sketches, time series are
 * bucketed). Run with --expose-gc so the live heap is read after a full collection.
 *   node --expose-gc --import tsx bench/memory.ts [days=4] [mean_rate_per_s=8]
 */
import { simulate } from "../src/index.js";

const days = Number(process.argv[2] ?? 4);
const rate = Number(process.argv[3] ?? 8);
const DAY_S = 86_400;
const scenario = {
  version: 1,
  name: "memory-days",
  seed: 3,
  // An hour past the last day, so the last reading falls inside the run.
  duration: days * DAY_S + 3600,
  regions: [
    {
      name: "us-east-1",
      azs: [
        { name: "a", servers: { type: "p5.48xlarge", count: 1 } },
        { name: "b", servers: { type: "p5.48xlarge", count: 1 } },
      ],
    },
  ],
  models: [{ name: "chat", model: "llama-3.1-8b", precision: "bf16", replicas: { initial: 16 }, engine: { kind: "continuous_batching" }, router: { kind: "least_outstanding_tokens" } }],
  workload: {
    tenants: [
      {
        name: "chat",
        model: "chat",
        arrival: { kind: "diurnal", mean_rate_per_s: rate, peak_to_trough: 3, peak_at: 14 * 3600 },
        input_tokens: { dist: "lognormal", mean: 1155, cv: 0.96, max: 16000 },
        output_tokens: { dist: "lognormal", mean: 211, cv: 0.77, max: 2048 },
      },
    ],
  },
  faults: [{ kind: "server_failures", mtbf: "200h", mttr: "2h" }],
  report: { interval: 300 },
};

const gc = (globalThis as { gc?: () => void }).gc;
const readings: { simulated_days: number; rss_mb: number; heap_used_mb: number }[] = [];
let nextDay = 1;
const started = performance.now();
const { report } = simulate(scenario, {
  // Called every 65,536 events; reading memory does not touch the simulation.
  onProgress: (nowUs) => {
    if (nowUs < nextDay * DAY_S * 1e6) return;
    gc?.();
    const m = process.memoryUsage();
    readings.push({ simulated_days: Number((nowUs / 1e6 / DAY_S).toFixed(3)), rss_mb: Math.round(m.rss / 2 ** 20), heap_used_mb: Math.round(m.heapUsed / 2 ** 20) });
    nextDay++;
  },
});
const wallS = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    benchmark: "memory-days",
    gpus: report.fleet.gpus,
    requests: report.requests.arrived,
    events: report.run.events,
    wall_s: Number(wallS.toFixed(2)),
    heap_read_after_gc: gc !== undefined,
    readings,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }),
);
