/**
 * `fleetsim plan`: the smallest value of a field that meets every threshold in every seed, and what it
 * costs; with --candidates, the cheapest configuration that meets them. Progress on stderr, the answer
 * on stdout, plan.json and plan.md with --out. Exit 0 with an answer, 99 when even --max fails, 2 on
 * invalid input (and for a scenario without thresholds).
 */
import { checkWritable, StagedFiles } from "../report/index.js";
import { thresholdReading, usd } from "../report/format.js";
import { readCandidates } from "../plan/candidates.js";
import { planCapacity, PlanInputError, type TriedRun } from "../plan/plan.js";
import { planJson, planMarkdown } from "../plan/write.js";
import { exitCodes, UsageError } from "./errors.js";
import { printOut, printErr } from "./terminal.js";

export interface PlanCommandOptions {
  scenario: string;
  vary: string;
  min: number;
  max: number;
  step?: number;
  seeds: number;
  seed?: number;
  sets: readonly string[];
  candidates?: string;
  out?: string;
  dataDirs?: readonly string[];
}

function describeRun(path: string, run: TriedRun, cached: boolean): string {
  const who = run.candidate === null ? "" : `[${run.candidate}] `;
  const failed = Object.entries(run.thresholds).flatMap(([metric, list]) => list.filter((t) => !t.ok).map((t) => `${metric} ${thresholdReading(metric, t)}`));
  const verdict = run.passed ? "pass" : `fail (${failed.join(", ")})`;
  return `${who}${path}=${run.value} seed ${run.seed}: ${verdict}${cached ? " (cached)" : ""}`;
}

export async function planCommand(options: PlanCommandOptions): Promise<number> {
  if (options.out) checkWritable(options.out, "folder");
  const candidates = options.candidates === undefined ? undefined : readCandidates(options.candidates);
  let plan;
  try {
    plan = planCapacity(
      { scenario: options.scenario, vary: options.vary, min: options.min, max: options.max, step: options.step, seeds: options.seeds, seed: options.seed, sets: options.sets, candidates, dataDirs: options.dataDirs },
      { onRun: (run, cached) => printErr(`${describeRun(options.vary, run, cached)}\n`) },
    );
  } catch (error) {
    if (error instanceof PlanInputError) throw new UsageError(error.message);
    throw error;
  }
  const markdown = planMarkdown(plan);
  if (options.out) {
    const files = new StagedFiles(options.out);
    try {
      files.write("plan.json", planJson(plan));
      files.write("plan.md", markdown);
      printErr(`wrote ${files.commit().join(", ")}\n`);
    } catch (error) {
      files.abandon();
      throw error;
    }
  }
  for (const a of plan.candidates.filter((c) => c.unpriced_server_types.length > 0)) {
    printErr(`warning: ${a.candidate ?? "the scenario"} runs on ${a.unpriced_server_types.join(", ")} without a price, so its cost is too low (it ranks last)\n`);
  }
  const best = plan.best;
  printOut(
    best === null
      ? `best: null (even ${plan.vary.path}=${plan.vary.max} fails a threshold)\n`
      : `best: ${best.candidate !== undefined ? `${best.candidate}, ` : ""}${best.path}=${best.value}, cost ${usd(best.cost_usd)}, ` +
          `${best.cost_per_output_mtok_usd === null ? "–" : usd(best.cost_per_output_mtok_usd)} per million output tokens\n`,
  );
  return best === null ? exitCodes.thresholdFailed : exitCodes.ok;
}
