/**
 * The bare engine loop: the classic "hold" benchmark. N events are pending; each handler schedules
 * one more at now + a random delay, so the queue stays at N while events flow through it.
 *   node --import tsx bench/engine.ts [events=10000000] [pending=1000]
 */
import { Simulator } from "../src/engine/index.js";

const total = Number(process.argv[2] ?? 10_000_000);
const pending = Number(process.argv[3] ?? 1000);

const sim = new Simulator();
// A cheap inline generator (xorshift32): the benchmark measures the queue, not the random numbers.
let state = 2463534242;
const delayUs = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return 1 + ((state >>> 0) % 2_000_000);
};
let remaining = total;
const hold = () => {
  if (--remaining > pending) sim.after(delayUs(), 0, hold);
};
for (let i = 0; i < pending; i++) sim.after(delayUs(), 0, hold);

const started = performance.now();
sim.run();
const wallS = (performance.now() - started) / 1000;
const result = {
  benchmark: "engine-hold",
  events: sim.eventsHandled,
  pending,
  wall_s: Number(wallS.toFixed(3)),
  events_per_s: Math.round(sim.eventsHandled / wallS),
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
};
console.log(JSON.stringify(result));
