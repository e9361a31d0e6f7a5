/**
 * `fleetsim sweep`: a scenario over a grid of `--set` values times seeds, on worker threads, into a
 * folder of cells plus sweep.csv and sweep.html; `fleetsim merge`: the folders of a sweep's shards
 * into one. Exit 0 when every cell ran, 1 when some cell failed, 2 on invalid input.
 */
import { availableParallelism } from "node:os";
import { GridError, MergeError, formatCells, joinAxes, mergeSweeps, parseGridOption, parseShard, readGridFile, runSweep, type Axis, type SweepProgress, type SweepRow } from "../sweep/index.js";
import { exitCodes, UsageError } from "./errors.js";
import { exitOnInterrupt } from "./interrupt.js";
import { printOut, printErr } from "./terminal.js";

export interface SweepCommandOptions {
  scenario: string;
  seed?: number;
  sets: readonly string[];
  grid: readonly string[];
  gridFile?: string;
  seeds: number;
  jobs?: number;
  out?: string;
  shard?: string;
  quiet: boolean;
  dataDirs?: readonly string[];
}

export interface MergeCommandOptions {
  dirs: readonly string[];
  out: string;
  quiet: boolean;
}

/** Failed cells printed one per line; the rest are in sweep.csv's error column. */
const FAILED_LINES = 10;

function positiveInteger(value: number, option: string): number {
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${option} ${value}: expected a whole number of at least 1`);
  return value;
}

function usage<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof GridError) throw new UsageError(error.message);
    throw error;
  }
}

export async function sweepCommand(options: SweepCommandOptions): Promise<number> {
  const started = performance.now();
  const seeds = positiveInteger(options.seeds, "--seeds");
  const jobs = positiveInteger(options.jobs ?? availableParallelism(), "--jobs");
  const axes = usage(() => joinAxes([...(options.gridFile ? readGridFile(options.gridFile) : []), ...options.grid.map(parseGridOption)]));
  const shard = options.shard === undefined ? undefined : usage(() => parseShard(options.shard!));
  const progress = !options.quiet && process.stderr.isTTY ? new ProgressLine() : undefined;
  let done: SweepProgress | undefined;
  // Every finished cell is already a whole file: an interrupted sweep keeps them, and a rerun resumes from them.
  const release = exitOnInterrupt(() =>
    done === undefined
      ? "no cell had finished"
      : `${done.ran} cells finished in this run${done.reused > 0 ? ` (besides ${done.reused} reused)` : ""} are kept in ${options.out ?? "the sweep folder"}; the same command resumes from them`,
  );
  let result;
  try {
    const onCell = (p: SweepProgress) => {
      done = p;
      progress?.update(p);
    };
    result = await runSweep({ scenario: options.scenario, sets: options.sets, seed: options.seed, seeds, axes, jobs, out: options.out, shard, dataDirs: options.dataDirs, onCell });
  } finally {
    release();
    progress?.clear();
  }
  reportFailures(result.failed, result.plan.axes);
  if (!options.quiet) {
    const wallS = ((performance.now() - started) / 1000).toFixed(1);
    const share = shard ? `shard ${shard.index}/${shard.count}: ${result.owned} of ${result.total} cells` : `${result.total} cells`;
    printOut(`${result.plan.scenario.name}: ${share}: ${result.ran} simulated, ${result.reused} reused, ${result.failed.length} failed, in ${wallS} s\n`);
    printOut(
      shard
        ? `wrote ${result.written.join(", ")} and cells in ${result.out}; merge the shards with: fleetsim merge DIR... --out DIR\n`
        : `wrote ${result.written.join(", ")}\n`,
    );
    for (const path of result.removed) printOut(`removed ${path} (an earlier whole run's; a shard writes none, fleetsim merge does)\n`);
  }
  return result.failed.length > 0 ? exitCodes.internal : exitCodes.ok;
}

export async function mergeCommand(options: MergeCommandOptions): Promise<number> {
  let result;
  const release = exitOnInterrupt(() => `the shards are as they were; ${options.out} may hold some of their cells: merge again to finish it`);
  try {
    result = await mergeSweeps(options.dirs, options.out);
  } catch (error) {
    throw error instanceof MergeError ? new UsageError(error.message) : error;
  } finally {
    release();
  }
  reportFailures(result.failed, result.plan.axes);
  if (!options.quiet) {
    printOut(`${result.plan.scenario.name}: merged ${result.total} cells from ${options.dirs.length} folders, ${result.failed.length} failed\n`);
    printOut(`wrote ${result.written.join(", ")}\n`);
  }
  return result.failed.length > 0 ? exitCodes.internal : exitCodes.ok;
}

function reportFailures(failed: readonly SweepRow[], axes: readonly Axis[]): void {
  for (const row of failed.slice(0, FAILED_LINES)) {
    const values = [...row.labels.map((label, a) => `${axes[a].path}=${label}`), `seed ${row.seed}`].join(", ");
    printErr(`cell ${row.cell} (${values}): ${row.error}\n`);
  }
  if (failed.length > FAILED_LINES) printErr(`... and cells ${formatCells(failed.slice(FAILED_LINES).map((r) => r.cell))} (see the error column of sweep.csv)\n`);
  if (failed.length > 0) printErr(`${failed.length} cell${failed.length === 1 ? "" : "s"} failed\n`);
}

/** A live "cells done / total, ETA" line on a terminal's stderr, redrawn in place. */
class ProgressLine {
  /** when the first cell was handed out (the first update), so planning and reuse do not skew the ETA */
  private startedMs: number | undefined;

  update(p: SweepProgress): void {
    this.startedMs ??= performance.now();
    const elapsedS = (performance.now() - this.startedMs) / 1000;
    const etaS = p.ran > 0 ? (elapsedS / p.ran) * (p.toRun - p.ran) : NaN;
    const reused = p.reused > 0 ? ` (${p.reused} reused)` : "";
    const failed = p.failed > 0 ? ` · ${p.failed} failed` : "";
    process.stderr.write(`\rsweep: ${p.reused + p.ran}/${p.owned} cells${reused}${failed} · ETA ${duration(etaS)}\x1b[K`);
  }

  clear(): void {
    process.stderr.write("\r\x1b[K");
  }
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "–";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
