/**
 * Which random generator inside the simulator (issue 22, item 11): the cost of a draw for the
 * project's xor4096 (seedrandom's, stepped over a typed array: engine/random.ts) and for seedrandom's
 * alea, xor128, xorwow, tychei and xor4096 as the library gives them, and how many draws a simulated
 * request takes, so that the share of a run a faster generator could save is a measured figure.
 *   node --import tsx bench/rng.ts
 * Prints one JSON line.
 */
import seedrandom from "seedrandom";
import { RandomStreams, type Rng } from "../src/engine/random.js";
import { loadScenarioFile, simulate } from "../src/index.js";

const DRAWS = 20_000_000;
const ROUNDS = 5;

/** Best-of-rounds nanoseconds per draw, summing the draws so none is optimised away. */
function nsPerDraw(make: () => Rng): number {
  let best = Infinity;
  let sink = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const rng = make();
    const started = performance.now();
    for (let i = 0; i < DRAWS; i++) sink += rng();
    best = Math.min(best, ((performance.now() - started) * 1e6) / DRAWS);
  }
  if (sink < 0) console.error(sink);
  return Number(best.toFixed(2));
}

const generators: Record<string, () => Rng> = {
  "project xor4096 (typed array)": () => new RandomStreams(1).get("bench"),
  "seedrandom xor4096": () => seedrandom.xor4096("1/bench"),
  "seedrandom alea": () => seedrandom.alea("1/bench"),
  "seedrandom xor128": () => seedrandom.xor128("1/bench"),
  "seedrandom xorwow": () => seedrandom.xorwow("1/bench"),
  "seedrandom tychei": () => seedrandom.tychei("1/bench"),
};
const ns = Object.fromEntries(Object.entries(generators).map(([name, make]) => [name, nsPerDraw(make)]));

/** Draws per generated request and wall seconds of a run, counting every stream's draws. */
function drawsOf(file: string, sets: string[]): { draws_per_request: number; wall_s: number; requests: number } {
  let draws = 0;
  const get = RandomStreams.prototype.get;
  RandomStreams.prototype.get = function (this: RandomStreams, name: string) {
    const rng = get.call(this, name);
    return () => {
      draws++;
      return rng();
    };
  };
  const loaded = loadScenarioFile(file, { sets });
  const started = performance.now();
  const { report } = simulate(loaded);
  const wallS = (performance.now() - started) / 1000;
  RandomStreams.prototype.get = get;
  return { draws_per_request: Number((draws / report.run.requests_generated).toFixed(2)), wall_s: Number(wallS.toFixed(3)), requests: report.run.requests_generated };
}

const runs = {
  mmc: drawsOf("scenarios/mmc.yaml", []),
  "llm-chat": drawsOf("bench/llm-chat.yaml", ["duration=500s"]),
  "bedrock-day 1h": drawsOf("scenarios/bedrock-day.yaml", ["duration=1h", "warmup=0", "faults[1].at=30m"]),
};
// Share of a run's time spent drawing (counted draws x the project's cost per draw), and what the
// fastest alternative would save of it.
const ours = ns["project xor4096 (typed array)"];
const fastest = Math.min(...Object.values(ns));
const shares = Object.fromEntries(
  Object.entries(runs).map(([name, r]) => {
    const drawS = (r.draws_per_request * r.requests * ours) / 1e9;
    return [name, { rng_share: Number((drawS / r.wall_s).toFixed(4)), fastest_saves_share: Number(((drawS * (1 - fastest / ours)) / r.wall_s).toFixed(4)) }];
  }),
);
console.log(JSON.stringify({ ns_per_draw: ns, runs, shares }));
