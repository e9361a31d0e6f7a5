/**
 * `fleetsim check`: runs a scenario and evaluates its `thresholds:`. Prints one line per threshold
 * with the reading in its unit (`p(99)=51.2s`, `rate=0.12%`, as k6 does), exits 99 if any fails, and
 * can write JUnit XML for CI systems. A scenario without thresholds has nothing to pass, so it is
 * refused (exit 2) unless `--allow-empty` says that is intended.
 */
import { simulate } from "../index.js";
import { loadScenarioFile } from "../scenario/load.js";
import { checkWritable, commitReport, reportData, StagedFiles, stageReport, writeWhole } from "../report/index.js";
import type { Report } from "../report/json.js";
import { thresholdReading } from "../report/format.js";
import { countThresholds } from "../metrics/thresholds.js";
import { exitCodes, UsageError } from "./errors.js";
import { exitOnInterrupt } from "./interrupt.js";
import { printOut } from "./terminal.js";

export interface CheckOptions {
  scenario: string;
  seed?: number;
  sets: readonly string[];
  junit?: string;
  out?: string;
  /** pass a scenario without thresholds instead of refusing it */
  allowEmpty?: boolean;
  /** folders data files may come from besides the scenario's (`--data-dir`) */
  dataDirs?: readonly string[];
}

/**
 * Text in an XML attribute: markup characters as references, and the characters XML 1.0 forbids even as
 * references (controls but tab and line breaks, lone surrogates, U+FFFE/U+FFFF), which would make a CI
 * server refuse the whole file, shown as `\uXXXX`.
 */
export function xml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/[<>&"'\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JUnit XML: one test case per threshold. All of them are read off one run, so the suite's `time` is
 * the run's wall-clock seconds and each case's is 0; each case carries its reading as properties
 * (`actual`, the raw number in the metric's unit, and `reading`, as printed).
 */
export function junitXml(report: Report, wallS = 0): string {
  const cases = Object.entries(report.thresholds).flatMap(([metric, results]) => results.map((r) => ({ metric, reading: thresholdReading(metric, r), ...r })));
  const failures = cases.filter((c) => !c.ok).length;
  const time = wallS.toFixed(3);
  const property = (name: string, value: string | number) => `<property name="${xml(name)}" value="${xml(String(value))}"/>`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${cases.length}" failures="${failures}" time="${time}">`,
    `  <testsuite name="${xml(report.scenario.name)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${time}">`,
    `    <properties>${property("seed", report.scenario.seed)}${property("simulated_s", report.run.simulated_s)}${property("requests", report.requests.arrived)}</properties>`,
    ...cases.map((c) => {
      const name = `${c.metric}: ${c.expression}`;
      const properties = `<properties>${property("actual", c.actual ?? "none")}${property("reading", c.reading)}</properties>`;
      const failure = c.ok ? "" : `<failure message="${xml(`${name} (${c.reading})`)}" type="threshold"/>`;
      return `    <testcase classname="fleetsim.thresholds" name="${xml(name)}" time="0">${properties}${failure}</testcase>`;
    }),
    "  </testsuite>",
    "</testsuites>",
  ];
  return lines.join("\n") + "\n";
}

export async function checkCommand(options: CheckOptions): Promise<number> {
  const started = performance.now();
  const loaded = loadScenarioFile(options.scenario, { sets: options.sets, seed: options.seed, dataDirs: options.dataDirs });
  const expressions = countThresholds(loaded.scenario.thresholds);
  if (expressions === 0 && !options.allowEmpty) {
    throw new UsageError(
      `${options.scenario}: the scenario has no thresholds, so nothing can pass or fail: add a \`thresholds:\` section (e.g. ttft: ["p(99) < 2s"]), or pass --allow-empty to accept it`,
    );
  }
  if (options.out) checkWritable(options.out, "folder");
  if (options.junit) checkWritable(options.junit, "file");
  const result = simulate(loaded);
  const wallS = (performance.now() - started) / 1000;
  const report = result.report;
  const entries = Object.entries(report.thresholds);
  if (expressions === 0) printOut(`${report.scenario.name}: no thresholds to check (--allow-empty)\n`);
  for (const [metric, results] of entries) {
    for (const r of results) printOut(`${r.ok ? "✓" : "✗"} ${metric}: ${r.expression} (${thresholdReading(metric, r)})\n`);
  }
  if (options.out) {
    const out = options.out;
    const files = new StagedFiles(out);
    // Only now: during the simulation above a handler could not run (it holds the main thread), and no file is staged.
    const release = exitOnInterrupt(() => `the report in ${out} is as it was`);
    try {
      await stageReport(files, reportData(result));
      commitReport(files);
    } catch (error) {
      files.abandon();
      throw error;
    } finally {
      release();
    }
  }
  if (options.junit) writeWhole(options.junit, junitXml(report, wallS));
  const failed = entries.reduce((n, [, results]) => n + results.filter((r) => !r.ok).length, 0);
  printOut(failed === 0 ? "all thresholds passed\n" : `${failed} threshold(s) failed\n`);
  return failed === 0 ? exitCodes.ok : exitCodes.thresholdFailed;
}
