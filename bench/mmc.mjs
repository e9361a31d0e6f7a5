/**
 * The M/M/c scenario of SCENARIO-FORMAT.md (c = 8, rho = 0.8) with 2,000,000 customers, through the
 * whole simulator (scenario loading, tenants, router, replicas, sketches, report).
 * Plain JavaScript on the built library (dist/, `npm run build` first), so the whole process is
 * what a user of the library runs: no TypeScript loader in its start-up, as SimPy's has none.
 *   node bench/mmc.mjs [customers=2000000]
 */
import { loadScenarioFile, simulate } from "../dist/index.js";

const customers = Number(process.argv[2] ?? 2_000_000);
const lambda = 6.4;
const durationS = customers / lambda;

const started = performance.now();
const loaded = loadScenarioFile("scenarios/mmc.yaml", { sets: [`duration=${durationS}s`, "warmup=0", "seed=42"] });
const { report } = simulate(loaded);
const wallS = (performance.now() - started) / 1000;
console.log(
  JSON.stringify({
    benchmark: "mmc",
    customers: report.requests.arrived,
    events: report.run.events,
    wall_s: Number(wallS.toFixed(3)),
    events_per_s: Math.round(report.run.events / wallS),
    customers_per_s: Math.round(report.requests.arrived / wallS),
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    mean_wait_s: report.latency.queue_s.mean,
    erlang_c_mean_wait_s: 0.2860280784012602,
  }),
);
