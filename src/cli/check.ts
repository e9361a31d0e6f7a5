/**
 * `fleetsim check`: runs a scenario and evaluates its `thresholds:`. Prints one line per threshold,
 * exits 99 if any fails (as k6 does), and can write JUnit XML for CI systems.
 */
import { basename, dirname } from "node:path";
import { simulate } from "../index.js";
import { loadScenarioFile } from "../scenario/load.js";
import { StagedFiles, stageReport } from "../report/index.js";
import type { Report } from "../report/json.js";
import { thresholdActual } from "../report/format.js";
import { exitCodes } from "./errors.js";

export interface CheckOptions {
  scenario: string;
  seed?: number;
  sets: readonly string[];
  junit?: string;
  out?: string;
}

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function junitXml(report: Report): string {
  const cases = Object.entries(report.thresholds).flatMap(([metric, results]) => results.map((r) => ({ metric, ...r })));
  const failures = cases.filter((c) => !c.ok).length;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${cases.length}" failures="${failures}">`,
    `  <testsuite name="${xml(report.scenario.name)}" tests="${cases.length}" failures="${failures}">`,
    ...cases.map((c) => {
      const name = `${c.metric}: ${c.expression}`;
      return c.ok
        ? `    <testcase classname="fleetsim.thresholds" name="${xml(name)}"/>`
        : `    <testcase classname="fleetsim.thresholds" name="${xml(name)}"><failure message="${xml(`${name} (actual ${c.actual ?? "none"})`)}"/></testcase>`;
    }),
    "  </testsuite>",
    "</testsuites>",
  ];
  return lines.join("\n") + "\n";
}

export async function checkCommand(options: CheckOptions): Promise<number> {
  const loaded = loadScenarioFile(options.scenario, { sets: options.sets, seed: options.seed });
  const result = simulate(loaded);
  const report = result.report;
  const entries = Object.entries(report.thresholds);
  if (entries.length === 0) process.stdout.write(`${report.scenario.name}: no thresholds to check\n`);
  for (const [metric, results] of entries) {
    for (const r of results) {
      process.stdout.write(`${r.ok ? "✓" : "✗"} ${metric}: ${r.expression} (actual ${thresholdActual(r.actual)})\n`);
    }
  }
  if (options.out) {
    const files = new StagedFiles(options.out);
    try {
      await stageReport(files, result);
      files.commit();
    } catch (error) {
      files.abandon();
      throw error;
    }
  }
  if (options.junit) {
    const files = new StagedFiles(dirname(options.junit));
    files.write(basename(options.junit), junitXml(report));
    files.commit();
  }
  const failed = entries.reduce((n, [, results]) => n + results.filter((r) => !r.ok).length, 0);
  process.stdout.write(failed === 0 ? "all thresholds passed\n" : `${failed} threshold(s) failed\n`);
  return failed === 0 ? exitCodes.ok : exitCodes.thresholdFailed;
}
