/**
 * A sweep as data: axes (a field path and its values), seeds, and the cells they expand into. The
 * cells are the cartesian product of the axes in the order given (first axis outermost) times the
 * seeds first, first+1, ... (innermost), so the seeds of one grid point sit next to each other and
 * every grid point sees the same seeds (common random numbers).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isMap, isSeq, parse as parseYaml, parseDocument, stringify as stringifyYaml } from "yaml";
import { parsePath } from "../scenario/issues.js";

/** One value of an axis: how it is shown (CSV column, charts) and the `--set` text that applies it. */
export interface AxisValue {
  label: string;
  set: string;
}

export interface Axis {
  /** the field path, as written: workload.tenants[0].arrival.rate_per_s */
  path: string;
  values: AxisValue[];
}

export interface SweepPlan {
  scenario: {
    /** the file as given (messages, relative data files) */
    file: string;
    /** the scenario's `name:` */
    name: string;
    /** of the file's content: a changed file is a different sweep */
    sha256: string;
  };
  /** `--set` overrides applied to every cell, before the cell's own */
  sets: string[];
  axes: Axis[];
  seeds: { first: number; count: number };
}

export interface Cell {
  index: number;
  /** one value per axis, in axis order */
  values: AxisValue[];
  seed: number;
  /** the plan's sets, then one per axis */
  overrides: string[];
  /** sha256 of (scenario content, overrides, seed): a stored cell with this key can be reused */
  key: string;
}

/** A mistake in the sweep's own options (an axis, the grid file, a shard), as opposed to in a cell. */
export class GridError extends Error {
  override readonly name = "GridError";
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

function checkPath(path: string, where: string): void {
  if (!parsePath(path)) throw new GridError(`${where}: malformed field path ${JSON.stringify(path)} (expected e.g. workload.tenants[0].arrival.rate_per_s)`);
  if (path === "seed") throw new GridError(`${where}: sweep seeds with --seeds N (and --seed for the first), not an axis`);
}

/** `--grid PATH=v1,v2,...`: each value read as a YAML scalar, as `--set` reads it. */
export function parseGridOption(text: string): Axis {
  const eq = text.indexOf("=");
  if (eq <= 0) throw new GridError(`--grid ${text}: expected PATH=v1,v2,...`);
  const path = text.slice(0, eq).trim();
  checkPath(path, `--grid ${text}`);
  const tokens = text.slice(eq + 1).split(",").map((t) => t.trim());
  if (tokens.some((t) => t === "")) throw new GridError(`--grid ${text}: an empty value (values are separated by commas; for values with commas use --grid-file)`);
  return checkAxis({ path, values: tokens.map((token) => ({ label: token, set: `${path}=${token}` })) }, `--grid ${text}`);
}

/** `--grid-file axes.yaml`: a mapping from field path to a list of values, axes in file order. */
export function readGridFile(file: string): Axis[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new GridError(`--grid-file ${file}: cannot read (${(error as NodeJS.ErrnoException).code})`);
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw new GridError(`--grid-file ${file}: YAML syntax error: ${doc.errors[0].message.split("\n")[0]}`);
  if (!isMap(doc.contents)) throw new GridError(`--grid-file ${file}: expected a mapping from field path to a list of values`);
  return doc.contents.items.map((pair) => {
    const path = String((pair.key as { value?: unknown })?.value ?? pair.key);
    const where = `--grid-file ${file}: ${path}`;
    checkPath(path, where);
    if (!isSeq(pair.value) || pair.value.items.length === 0) throw new GridError(`${where}: expected a non-empty list of values`);
    const values = (pair.value.toJSON() as unknown[]).map((value) => ({ label: labelOf(value), set: `${path}=${yamlFlow(value)}` }));
    return checkAxis({ path, values }, where);
  });
}

/** How a value from the grid file is shown: a scalar as itself, a list or mapping as JSON. */
function labelOf(value: unknown): string {
  return value !== null && typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** A value as one line of YAML that reads back as the same value (a string "7" stays quoted). */
function yamlFlow(value: unknown): string {
  return stringifyYaml(value, { collectionStyle: "flow", lineWidth: 0 }).trimEnd();
}

function checkAxis(axis: Axis, where: string): Axis {
  const seen = new Set<string>();
  for (const v of axis.values) {
    const canonical = JSON.stringify(valueOf(v));
    if (seen.has(canonical)) throw new GridError(`${where}: the value ${v.label} is given twice`);
    seen.add(canonical);
  }
  return axis;
}

function valueOf(v: AxisValue): unknown {
  const raw = v.set.slice(v.set.indexOf("=") + 1);
  try {
    return parseYaml(raw);
  } catch {
    return raw;
  }
}

/** Joins the grid file's axes and the command line's, refusing a path given twice. */
export function joinAxes(axes: readonly Axis[]): Axis[] {
  const paths = new Set<string>();
  for (const axis of axes) {
    if (paths.has(axis.path)) throw new GridError(`the axis ${axis.path} is given twice`);
    paths.add(axis.path);
  }
  return [...axes];
}

export function cellCount(plan: Pick<SweepPlan, "axes" | "seeds">): number {
  return plan.axes.reduce((n, axis) => n * axis.values.length, plan.seeds.count);
}

/** The cell at an index: seeds vary fastest, then the last axis, ..., the first axis slowest. */
export function cellAt(plan: SweepPlan, index: number): Cell {
  let rest = Math.floor(index / plan.seeds.count);
  const seed = plan.seeds.first + (index % plan.seeds.count);
  const values: AxisValue[] = new Array(plan.axes.length);
  for (let a = plan.axes.length - 1; a >= 0; a--) {
    const n = plan.axes[a].values.length;
    values[a] = plan.axes[a].values[rest % n];
    rest = Math.floor(rest / n);
  }
  const overrides = [...plan.sets, ...values.map((v) => v.set)];
  return { index, values, seed, overrides, key: cellKey(plan.scenario.sha256, overrides, seed) };
}

export function cellKey(scenarioSha256: string, overrides: readonly string[], seed: number): string {
  return sha256(JSON.stringify({ scenario_sha256: scenarioSha256, overrides, seed }));
}

/** Identifies a sweep (scenario, sets, grid, seeds), so that slices of different sweeps are never merged. */
export function sweepHash(plan: SweepPlan): string {
  return sha256(JSON.stringify({ scenario_sha256: plan.scenario.sha256, sets: plan.sets, axes: plan.axes, seeds: plan.seeds }));
}

export interface Shard {
  /** 1-based */
  index: number;
  count: number;
}

/** `--shard i/N`, 1-based. */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!match || count < 1 || index < 1 || index > count) throw new GridError(`--shard ${text}: expected i/N with 1 <= i <= N, e.g. --shard 2/8`);
  return { index, count };
}

/** The cells a shard runs: those whose index mod N is i - 1 (all cells without a shard). */
export function shardCells(total: number, shard?: Shard): number[] {
  const cells: number[] = [];
  for (let i = 0; i < total; i++) if (!shard || i % shard.count === shard.index - 1) cells.push(i);
  return cells;
}

/** "0-3, 7, 9-10": cell indices for messages. */
export function formatCells(cells: readonly number[]): string {
  const sorted = [...cells].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(j === i ? String(sorted[i]) : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}
