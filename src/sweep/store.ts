/**
 * A sweep's folder: `cells/<index>.json` (one per finished cell: its report, or the error that
 * stopped it) and `sweep.json` (the manifest: the plan, its hash and the cells this run or shard
 * owns). Every file is staged and renamed into place (`writeWhole`), so a killed sweep leaves whole
 * cells behind and nothing half-written.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { writeWhole } from "../report/write.js";
import type { Report } from "../report/json.js";
import type { Cell, Shard, SweepPlan } from "./grid.js";

export const MANIFEST_FILE = "sweep.json";
const MANIFEST_FORMAT = 1;

/** What a cell's file holds. */
export interface CellRecord {
  cell: number;
  key: string;
  seed: number;
  /** the `--set` texts applied, the plan's first */
  overrides: string[];
  /** the cell's value of each axis, by path */
  values: Record<string, string>;
  report: Report | null;
  /** why there is no report */
  error: string | null;
  /** "scenario": the overrides make an invalid scenario (stays so on a rerun); "internal": a bug or a crash (retried on a rerun) */
  error_kind?: "scenario" | "internal";
}

export interface Manifest {
  format: number;
  hash: string;
  plan: SweepPlan;
  cells_total: number;
  /** "i/N" for a shard, null for a whole sweep */
  shard: string | null;
  /** the cells this folder owns */
  cells: number[];
}

export function cellFile(dir: string, index: number): string {
  return join(dir, "cells", `${index}.json`);
}

export function cellRecord(cell: Cell, axesPaths: readonly string[], outcome: { report: Report } | { error: string; kind: "scenario" | "internal" }): CellRecord {
  return {
    cell: cell.index,
    key: cell.key,
    seed: cell.seed,
    overrides: cell.overrides,
    values: Object.fromEntries(axesPaths.map((path, a) => [path, cell.values[a].label])),
    report: "report" in outcome ? outcome.report : null,
    error: "error" in outcome ? outcome.error : null,
    ...("error" in outcome ? { error_kind: outcome.kind } : {}),
  };
}

export function writeCell(dir: string, record: CellRecord): void {
  writeWhole(cellFile(dir, record.cell), JSON.stringify(record, null, 2) + "\n");
}

/** A stored cell, or undefined if there is none or it is unreadable. */
export function readCell(dir: string, index: number): CellRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(cellFile(dir, index), "utf8")) as CellRecord;
    return record && record.cell === index && typeof record.key === "string" ? record : undefined;
  } catch {
    return undefined;
  }
}

/** A stored cell that a run with this key can take as it is: same inputs, and not a crash worth retrying. */
export function reusable(record: CellRecord | undefined, key: string): record is CellRecord {
  return record !== undefined && record.key === key && record.error_kind !== "internal";
}

export function manifest(plan: SweepPlan, hash: string, total: number, cells: number[], shard?: Shard): Manifest {
  return { format: MANIFEST_FORMAT, hash, plan, cells_total: total, shard: shard ? `${shard.index}/${shard.count}` : null, cells };
}

export function writeManifest(dir: string, m: Manifest): void {
  writeWhole(join(dir, MANIFEST_FILE), JSON.stringify(m, null, 2) + "\n");
}

/** The manifest of a sweep folder, or a message saying why it cannot be read. */
export function readManifest(dir: string): Manifest | string {
  let text: string;
  try {
    text = readFileSync(join(dir, MANIFEST_FILE), "utf8");
  } catch {
    return `${dir}: no ${MANIFEST_FILE} (not a sweep folder, or its sweep never started)`;
  }
  try {
    const m = JSON.parse(text) as Manifest;
    if (m.format !== MANIFEST_FORMAT || typeof m.hash !== "string" || !Array.isArray(m.cells) || !m.plan) return `${join(dir, MANIFEST_FILE)}: not a fleetsim sweep manifest (format ${MANIFEST_FORMAT})`;
    return m;
  } catch (error) {
    return `${join(dir, MANIFEST_FILE)}: not valid JSON (${(error as Error).message})`;
  }
}
