/**
 * The chat and bedrock-day benchmarks on two checkouts, in turns, in one run: for a change meant to
 * keep the speed (a reshaping), so that both sides see the same machine at the same time. Each round
 * runs the two sides in alternating order (before first in odd rounds, after first in even ones), and
 * the medians of the rounds are compared.
 *   node --import tsx bench/before-after.ts --before DIR [--rounds N] [--only llm,bedrock-day]
 * DIR is another checkout with its own build (`git worktree add DIR COMMIT`, link node_modules,
 * `npm run build` there); this checkout must be built too. Prints one JSON line.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { median } from "simple-statistics";

const argv = process.argv.slice(2);
const option = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const before = option("--before");
if (!before) {
  console.error("usage: node --import tsx bench/before-after.ts --before DIR [--rounds N] [--only llm,bedrock-day]");
  process.exit(2);
}
const rounds = Number(option("--rounds") ?? 3);
const only = (option("--only") ?? "llm,bedrock-day").split(",");
const sides = { before: resolve(before), after: process.cwd() };

/** Seconds of simulation one run of a benchmark took in checkout `dir`. */
const BENCHMARKS: Record<string, (dir: string) => number> = {
  // bench/llm.ts times the simulation alone (loading apart).
  llm: (dir) => JSON.parse(runIn(dir, ["--import", "tsx", "bench/llm.ts"]).trim().split("\n").pop()!).wall_s,
  // The whole process through the built CLI, as `npm run bench` measures it.
  "bedrock-day": (dir) => {
    const out = mkdtempSync(join(tmpdir(), "fleetsim-ba-"));
    try {
      const started = performance.now();
      runIn(dir, ["dist/cli/main.js", "run", "scenarios/bedrock-day.yaml", "--out", out, "--quiet"]);
      return (performance.now() - started) / 1000;
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  },
};

function runIn(dir: string, args: string[]): string {
  const child = spawnSync(process.execPath, args, { cwd: dir, encoding: "utf8", maxBuffer: 64 * 2 ** 20 });
  if (child.status !== 0) throw new Error(`node ${args.join(" ")} in ${dir} exited with ${child.status ?? child.signal}:\n${child.stderr.slice(-2000)}`);
  return child.stdout;
}

const results: Record<string, unknown> = {};
for (const name of only) {
  const bench = BENCHMARKS[name];
  if (!bench) throw new Error(`no benchmark ${name} (have ${Object.keys(BENCHMARKS).join(", ")})`);
  const seconds: Record<"before" | "after", number[]> = { before: [], after: [] };
  for (let round = 0; round < rounds; round++) {
    const order: ("before" | "after")[] = round % 2 === 0 ? ["before", "after"] : ["after", "before"];
    for (const side of order) seconds[side].push(bench(sides[side]));
    console.error(`${name} round ${round + 1}: before ${seconds.before.at(-1)!.toFixed(2)} s, after ${seconds.after.at(-1)!.toFixed(2)} s`);
  }
  const b = median(seconds.before);
  const a = median(seconds.after);
  results[name] = { before_s: seconds.before, after_s: seconds.after, median_before_s: b, median_after_s: a, after_over_before: Number((a / b).toFixed(3)) };
}
console.log(JSON.stringify({ rounds, before: sides.before, results }));
