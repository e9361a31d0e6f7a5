import { existsSync } from "node:fs";
import { basename, extname, join } from "node:path";
import type { LoadOptions } from "../scenario/load.js";
import { ScenarioError } from "../scenario/issues.js";
import { commitReport, preloadHtmlReport, stageReport, StagedFiles, type ReportData } from "../report/index.js";
import { startWorker } from "../threads.js";
import { exitOnInterrupt } from "./interrupt.js";
import type { RunWorkerInput, RunWorkerMessage } from "./run-worker.js";
import { printErr, printOut } from "./terminal.js";

export interface RunOptions {
  scenario: string;
  seed?: number;
  sets: readonly string[];
  out?: string;
  quiet: boolean;
  /** folders data files may come from besides the scenario's (`--data-dir`) */
  dataDirs?: readonly string[];
  /** `--shuffle-ties`: same-time, same-class events in a seeded random order */
  shuffleTies?: boolean;
}

/**
 * Simulates on a worker thread (run-worker.ts) and writes the report here: requests.csv as its rows
 * arrive, the rest at the end, all staged and committed together. Ctrl-C meanwhile removes what was
 * staged and leaves the folder as it was.
 */
export async function runCommand(options: RunOptions): Promise<void> {
  const started = performance.now();
  const load: LoadOptions = { sets: options.sets, seed: options.seed, dataDirs: options.dataDirs };
  // Not reports/: that folder holds the committed samples, regenerated only by `npm run reports`.
  const out = options.out ?? join("out", basename(options.scenario, extname(options.scenario)));
  const hadReport = existsSync(join(out, "report.json"));
  // Made first, so a path that cannot hold the report is refused before the simulation, not after.
  const files = new StagedFiles(out);
  const release = exitOnInterrupt(() => (hadReport ? `nothing was written; ${out} holds the previous report, unchanged` : `nothing was written to ${out}`));
  let written: string[];
  let data: ReportData;
  let wallS: number;
  let progress: ReturnType<typeof progressLine> | undefined;
  try {
    let requestLog: ReturnType<StagedFiles["stream"]> | undefined;
    const simulation = simulateOnWorker(
      { file: options.scenario, load, shuffleTies: options.shuffleTies, progress: !options.quiet && process.stderr.isTTY === true },
      {
        loaded(m) {
          if (m.requestsCsv) requestLog = files.stream("requests.csv");
          // An empty workload is legal (an idle fleet's power and cost), but rarely meant: say so.
          if (m.tenants === 0 && !options.quiet) printErr("fleetsim: no workload (no tenants): an idle fleet\n");
          if (!options.quiet && process.stderr.isTTY) progress = progressLine(m.durationS, started);
        },
        rows: (text) => requestLog!.write(text),
        progress: (nowUs, events) => progress?.update(nowUs, events),
      },
    );
    // The main thread is idle while the worker loads and simulates: load report.html's chart libraries
    // now, not after a short run (an invalid scenario exits at once, without waiting for them).
    preloadHtmlReport();
    ({ data, wallS } = await simulation);
    progress?.done();
    requestLog?.close();
    await stageReport(files, data);
    written = commitReport(files);
  } catch (error) {
    progress?.done();
    files.abandon();
    throw error;
  } finally {
    release();
  }
  // Warnings go to stderr even when quiet: they say a scenario is not what it seems.
  for (const w of data.report.warnings) printErr(`fleetsim: warning: ${w.message}${w.cost_usd === null ? "" : ` ($${w.cost_usd.toFixed(2)})`}\n`);
  if (options.quiet) return;
  const r = data.report;
  printOut(
    `${r.scenario.name}: ${r.requests.arrived.toLocaleString("en-US")} requests, ${r.requests.completed.toLocaleString("en-US")} completed, ` +
      `TTFT p99 ${fmt(r.latency.ttft_s.p99)}, E2E p99 ${fmt(r.latency.e2e_s.p99)}\n`,
  );
  printOut(`wrote ${written.join(", ")}\n`);
  for (const path of files.superseded) printOut(`removed ${path} (an earlier run's; this scenario does not ask for it)\n`);
  printErr(`simulated ${r.run.simulated_s} s in ${wallS.toFixed(2)} s wall (${Math.round(r.run.events / wallS).toLocaleString("en-US")} events/s)\n`);
}

interface WorkerEvents {
  loaded(message: Extract<RunWorkerMessage, { kind: "loaded" }>): void;
  rows(text: string): void;
  progress(nowUs: number, events: number): void;
}

/** Runs run-worker.ts; resolves with the report's figures, rejects with its ScenarioError or failure (or one thrown by `on`). */
function simulateOnWorker(input: RunWorkerInput, on: WorkerEvents): Promise<{ data: ReportData; wallS: number }> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(import.meta.url, "./run-worker", input);
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      outcome();
    };
    worker.on("message", (m: RunWorkerMessage) => {
      if (settled) return;
      try {
        switch (m.kind) {
          case "loaded":
            return on.loaded(m);
          case "rows":
            return on.rows(m.text);
          case "progress":
            return on.progress(m.nowUs, m.events);
          case "done":
            return settle(() => resolve({ data: m.data, wallS: m.wallS }));
          case "invalid":
            return settle(() => reject(new ScenarioError(m.issues)));
          case "failed":
            return settle(() => reject(Object.assign(new Error(m.message), { stack: m.stack })));
        }
      } catch (error) {
        settle(() => reject(error));
      }
    });
    worker.on("error", (error) => settle(() => reject(error)));
    worker.on("exit", (code) => settle(() => reject(new Error(`the simulation thread stopped (exit code ${code}) before it finished`))));
  });
}

function fmt(seconds: number | null): string {
  return seconds === null ? "–" : seconds < 1 ? `${(seconds * 1000).toFixed(1)} ms` : `${seconds.toFixed(3)} s`;
}

/** A live line on a terminal's stderr: simulated time, share of the duration, events/s, time left. */
export function progressLine(durationS: number, startedMs: number) {
  let shown = false;
  return {
    update: (nowUs: number, events: number) => {
      const wallS = (performance.now() - startedMs) / 1000;
      const share = Math.min(1, nowUs / 1e6 / durationS);
      const eta = share > 0 ? (wallS * (1 - share)) / share : NaN;
      process.stderr.write(`\r${(nowUs / 1e6).toFixed(0)} s simulated (${(100 * share).toFixed(0)} %), ${Math.round(events / wallS).toLocaleString("en-US")} events/s, ${Number.isFinite(eta) ? `${eta.toFixed(0)} s left` : "..."}   `);
      shown = true;
    },
    done: () => {
      if (shown) process.stderr.write("\r\x1b[K");
    },
  };
}
