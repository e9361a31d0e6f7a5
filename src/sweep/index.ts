/**
 * Sweeps: a scenario run over a grid of `--set` values times seeds, each cell on a worker thread,
 * each finished cell kept as a file so a rerun resumes and shards on other machines can be merged,
 * and sweep.csv and sweep.html written from the cells in cell order.
 *
 * grid.ts (axes, cells, keys, shards) -> pool.ts + worker.ts (running cells) -> store.ts (cell files,
 * the manifest) -> table.ts (sweep.csv) and charts.ts (sweep.html).
 */
import { join, resolve } from "node:path";
import { loadScenarioText, readSourceFile } from "../scenario/load.js";
import { ScenarioError } from "../scenario/issues.js";
import { removeStale, StagedFiles, type OwnedFile } from "../report/write.js";
import { HTML_START } from "../report/html.js";
import { cellAt, cellCount, formatCells, sha256, shardCells, sweepHash, type Axis, type Shard, type SweepPlan } from "./grid.js";
import { startCellPool, type CellJob, type CellPool } from "./pool.js";
import { cellFile, cellRecord, manifest, readCell, readManifest, reusable, writeCell, writeManifest, type CellRecord, type Manifest } from "./store.js";
import { rowOf, sweepCsv, type SweepRow } from "./table.js";

export { GridError, parseGridOption, readGridFile, joinAxes, parseShard, formatCells, type Axis, type Shard, type SweepPlan } from "./grid.js";
export { HEADLINE_METRICS, type SweepRow } from "./table.js";

export interface SweepOptions {
  scenario: string;
  /** applied to every cell, before its axis values */
  sets: readonly string[];
  /** the first seed (default: the scenario's) */
  seed?: number;
  /** seeds per grid point: first, first+1, ... */
  seeds: number;
  axes: Axis[];
  /** worker threads */
  jobs: number;
  /** folders the scenario's data files may come from besides its own (`--data-dir`) */
  dataDirs?: readonly string[];
  /** default out/sweeps/<scenario name> */
  out?: string;
  shard?: Shard;
  /** before the first cell and after each cell this run simulates */
  onCell?: (progress: SweepProgress) => void;
}

export interface SweepProgress {
  /** cells this run owns, and those of them reused from an earlier run */
  owned: number;
  reused: number;
  /** cells to simulate (owned less reused) and how many are done */
  toRun: number;
  ran: number;
  failed: number;
}

export interface SweepResult {
  out: string;
  plan: SweepPlan;
  /** cells in the whole sweep, and those this run owns (all of them, or a shard's) */
  total: number;
  owned: number;
  ran: number;
  reused: number;
  /** the rows of this run's cells that failed, in cell order */
  failed: SweepRow[];
  /** the files written besides the cells (sweep.json, and sweep.csv and sweep.html for a whole sweep) */
  written: string[];
  /** an earlier whole run's sweep.csv and sweep.html, removed by a shard */
  removed: string[];
}

/** The tables of a whole sweep, as fleetsim starts them. */
const SWEEP_TABLES: readonly OwnedFile[] = [
  { name: "sweep.csv", startsWith: "cell," },
  { name: "sweep.html", startsWith: HTML_START },
];

/** A merge that cannot be done: slices of different sweeps, or cells missing or given twice. */
export class MergeError extends Error {
  override readonly name = "MergeError";
}

/** A scenario name as a folder name. */
function folderName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+/, "") || "sweep";
}

/**
 * Runs a sweep (or one shard of it) into its folder, reusing the cells already there with the same
 * key. The scenario with the common `--set`s must be valid (else ScenarioError); a cell whose own
 * values make it invalid becomes a row with an error.
 */
export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const text = readSourceFile(options.scenario);
  // The cells this run owns follow from the grid and the shard alone, so the workers start (and load
  // the simulator) while this thread validates the scenario and reads the cells already done.
  const total = cellCount({ axes: options.axes, seeds: { first: 0, count: options.seeds } });
  const owned = shardCells(total, options.shard);
  const threads = Math.max(1, Math.min(options.jobs, owned.length));
  const pool = startCellPool({ text, file: options.scenario, dataDirs: options.dataDirs }, threads);
  try {
    return await sweepOnPool(options, { text, total, owned, pool });
  } finally {
    pool.close();
  }
}

/**
 * sweep.html's chart libraries take about half a second to load. They load from the start, beside
 * the cells, and not at all for a shard (which writes no sweep.html). With a worker per core they
 * compete with the cells for a while, but that costs about half what loading them after the cells
 * would: their work fills the cores' idle moments (a worker starting, the last cells running on one
 * core) instead of adding a serial tail. On this project's two cores, --jobs 2 took 4.54 s against
 * 4.76 s when they waited for a free core (means of eight runs each, taken in turns).
 */
function loadChartsUnlessShard(options: SweepOptions): void {
  if (options.shard !== undefined) return;
  import("./charts.js").catch(() => {}); // a failure is writeTables' to report, which imports the same
}

/** What runSweep has before the scenario is validated: its text, the cells this run owns, and the pool started for them. */
interface SweepStart {
  text: string;
  total: number;
  owned: number[];
  pool: CellPool;
}

async function sweepOnPool(options: SweepOptions, { text, total, owned, pool }: SweepStart): Promise<SweepResult> {
  const base = loadScenarioText(text, options.scenario, { sets: options.sets, seed: options.seed, dataDirs: options.dataDirs });
  const plan: SweepPlan = {
    scenario: { file: options.scenario, name: base.scenario.name, sha256: sha256(text) },
    sets: [...options.sets],
    axes: options.axes,
    seeds: { first: base.scenario.seed, count: options.seeds },
  };
  const out = options.out ?? join("out", "sweeps", folderName(plan.scenario.name));
  const written = [join(out, "sweep.json")];
  writeManifest(out, manifest(plan, sweepHash(plan), total, owned, options.shard));

  const axisPaths = plan.axes.map((a) => a.path);
  const rows = new Map<number, SweepRow>();
  const jobs: CellJob[] = [];
  for (const index of owned) {
    const cell = cellAt(plan, index);
    const stored = readCell(out, index);
    if (reusable(stored, cell.key)) rows.set(index, rowOf(stored, plan.axes));
    else jobs.push({ index, overrides: cell.overrides, seed: cell.seed });
  }
  const reused = rows.size;

  let ran = 0;
  let failedNow = 0;
  const progress = () => options.onCell?.({ owned: owned.length, reused, toRun: jobs.length, ran, failed: failedNow });
  progress();
  loadChartsUnlessShard(options);
  await pool.run(jobs, {
    onOutcome(outcome) {
      const record = cellRecord(cellAt(plan, outcome.index), axisPaths, outcome);
      writeCell(out, record);
      rows.set(outcome.index, rowOf(record, plan.axes));
      ran++;
      if (record.error !== null) failedNow++;
      progress();
    },
  });

  const ordered = owned.map((index) => rows.get(index)!);
  // A shard writes no tables; an earlier whole run's in this folder would describe other cells than its manifest.
  const removed = options.shard ? removeStale(out, SWEEP_TABLES) : [];
  if (!options.shard) written.push(...(await writeTables(out, plan, ordered)));
  return { out, plan, total, owned: owned.length, ran, reused, failed: ordered.filter((r) => r.error !== null), written, removed };
}

/** Writes sweep.csv and sweep.html together (staged); `rows` are every cell's, in cell order. */
async function writeTables(out: string, plan: SweepPlan, rows: readonly SweepRow[]): Promise<string[]> {
  const { sweepHtml } = await import("./charts.js");
  const files = new StagedFiles(out);
  try {
    files.write("sweep.csv", sweepCsv(plan.axes, rows));
    files.write("sweep.html", await sweepHtml(plan, rows));
    return files.commit();
  } catch (error) {
    files.abandon();
    throw error;
  }
}

export interface MergeResult {
  out: string;
  plan: SweepPlan;
  total: number;
  /** the rows of the cells that failed, in cell order */
  failed: SweepRow[];
  written: string[];
}

/**
 * Merges the folders of a sweep's shards (or of any runs that split its cells) into one folder
 * with every cell, sweep.json, sweep.csv and sweep.html, the same as one run of the whole sweep
 * would write. Refuses (MergeError) folders of different sweeps, cells in more than one folder,
 * and cells in none or not finished.
 */
export async function mergeSweeps(dirs: readonly string[], out: string): Promise<MergeResult> {
  const manifests: [string, Manifest][] = dirs.map((dir) => {
    const m = readManifest(dir);
    if (typeof m === "string") throw new MergeError(m);
    return [dir, m];
  });
  const [firstDir, first] = manifests[0];
  const others = manifests.filter(([, m]) => m.hash !== first.hash).map(([dir]) => dir);
  if (others.length > 0) throw new MergeError(`not slices of the same sweep (scenario, --set, grid and seeds differ): ${others.join(", ")} against ${firstDir}`);

  const plan = first.plan;
  const total = cellCount(plan);
  const owners = new Map<number, string[]>();
  for (const [dir, m] of manifests) for (const index of m.cells) owners.set(index, [...(owners.get(index) ?? []), dir]);
  const problems: string[] = [];
  const twice = [...owners].filter(([, ds]) => ds.length > 1);
  if (twice.length > 0) {
    const byDirs = new Map<string, number[]>();
    for (const [index, ds] of twice) byDirs.set(ds.join(", "), [...(byDirs.get(ds.join(", ")) ?? []), index]);
    for (const [ds, cells] of byDirs) problems.push(`cells ${formatCells(cells)} are in more than one folder (${ds})`);
  }
  const records: CellRecord[] = [];
  const unclaimed: number[] = [];
  const unfinished = new Map<string, number[]>();
  for (let index = 0; index < total; index++) {
    const ds = owners.get(index);
    if (!ds) {
      unclaimed.push(index);
      continue;
    }
    const record = readCell(ds[0], index);
    if (record && record.key === cellAt(plan, index).key) records.push(record);
    else unfinished.set(ds[0], [...(unfinished.get(ds[0]) ?? []), index]);
  }
  if (unclaimed.length > 0) problems.push(`cells ${formatCells(unclaimed)} of ${total} are in no folder (a shard missing?)`);
  for (const [dir, cells] of unfinished) problems.push(`cells ${formatCells(cells)} are missing from ${dir} (its run did not finish them)`);
  if (problems.length > 0) throw new MergeError(`cannot merge: ${problems.join("; ")}`);

  // The merged folder is a whole sweep's: every cell, so it resumes and merges like one.
  for (const record of records) {
    if (resolve(cellFile(owners.get(record.cell)![0], record.cell)) !== resolve(cellFile(out, record.cell))) writeCell(out, record);
  }
  const all = records.map((r) => r.cell);
  writeManifest(out, manifest(plan, first.hash, total, all));
  const rows = records.map((r) => rowOf(r, plan.axes));
  const written = [join(out, "sweep.json"), ...(await writeTables(out, plan, rows))];
  return { out, plan, total, failed: rows.filter((r) => r.error !== null), written };
}
