/**
 * A 1,000-GPU fleet: 125 p5.48xlarge (H100) in three AZs serving Llama-3.1-70B (FP8, TP4, 250
 * replicas) with a day cycle, server failures and an AZ outage. Measures wall time per simulated
 * hour and extrapolates to a day. The day cycle's period is the run's length, so 24 hours is one
 * real day and a shorter run is one compressed day.
 *   node --import tsx bench/fleet-day.ts [hours=1] [mean_rate_per_s=600] [gpus=1000]
 * `gpus` scales the fleet (servers of 8 GPUs, two replicas each, spread over the three AZs); the
 * memory benchmark uses it with the rate scaled alike to show peak RSS against fleet size.
 */
import { simulate } from "../src/index.js";

const hours = Number(process.argv[2] ?? 1);
const rate = Number(process.argv[3] ?? 600);
const gpus = Number(process.argv[4] ?? 1000);
const servers = Math.max(3, Math.round(gpus / 8));
// Servers spread over the three AZs as evenly as they go (125 -> 42, 42, 41).
const perAz = [0, 1, 2].map((i) => Math.floor(servers / 3) + (i < servers % 3 ? 1 : 0));
const az = (name: string, count: number) => ({ name, servers: { type: "p5.48xlarge", count } });
const scenario = {
  version: 1,
  name: "fleet-day",
  seed: 7,
  duration: hours * 3600,
  regions: [{ name: "us-east-1", geo: "us-east", azs: [az("a", perAz[0]), az("b", perAz[1]), az("c", perAz[2])] }],
  models: [
    {
      name: "chat",
      model: "llama-3.1-70b",
      precision: "fp8",
      tensor_parallel: 4,
      replicas: { initial: servers * 2 },
      engine: { kind: "continuous_batching" },
      router: { kind: "power_of_two" },
      price: { input_usd_per_mtok: 0.72, output_usd_per_mtok: 0.72 },
    },
  ],
  workload: {
    tenants: [{ name: "chat", geo: "us-east", model: "chat", arrival: { kind: "diurnal", mean_rate_per_s: rate, peak_to_trough: 2.5, peak_at: hours * 1800, period: hours * 3600 } }],
  },
  faults: [
    { kind: "server_failures", mtbf: "1500h", mttr: "8h" },
    { kind: "az_outage", az: "b", at: hours * 1800, duration: hours * 120 },
  ],
};

const started = performance.now();
const { report } = simulate(scenario);
const wallS = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    benchmark: "fleet-day",
    simulated_hours: hours,
    diurnal_period_h: hours,
    gpus: report.fleet.gpus,
    requests: report.requests.arrived,
    events: report.run.events,
    wall_s: Number(wallS.toFixed(2)),
    events_per_s: Math.round(report.run.events / wallS),
    wall_s_per_simulated_hour: Number((wallS / hours).toFixed(2)),
    extrapolated_wall_s_per_day: Math.round((wallS / hours) * 24),
    requests_per_wall_s: Math.round(report.requests.arrived / wallS),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    ttft_p99_s: report.latency.ttft_s.p99,
  }),
);
