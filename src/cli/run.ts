import { basename, extname, join } from "node:path";
import { simulate } from "../index.js";
import { loadScenarioFile } from "../scenario/load.js";
import { requestCsvWriter, stageReport, StagedFiles } from "../report/index.js";

export interface RunOptions {
  scenario: string;
  seed?: number;
  sets: readonly string[];
  out?: string;
  quiet: boolean;
  /** `--shuffle-ties`: same-time, same-class events in a seeded random order */
  shuffleTies?: boolean;
}

export async function runCommand(options: RunOptions): Promise<void> {
  const started = performance.now();
  const loaded = loadScenarioFile(options.scenario, { sets: options.sets, seed: options.seed });
  // Not reports/: that folder holds the committed samples, regenerated only by `npm run reports`.
  const out = options.out ?? join("out", basename(options.scenario, extname(options.scenario)));
  const files = new StagedFiles(out);
  let written: string[];
  let simulatedAt: number;
  let result: ReturnType<typeof simulate>;
  try {
    const requestLog = loaded.scenario.report.requests_csv ? files.stream("requests.csv") : undefined;
    const progress = !options.quiet && process.stderr.isTTY ? progressLine(loaded.scenario.duration, started) : undefined;
    result = simulate(loaded, { onRequestEnd: requestLog && requestCsvWriter(loaded.scenario, requestLog), onProgress: progress?.update, shuffleTies: options.shuffleTies });
    progress?.done();
    requestLog?.close();
    simulatedAt = performance.now();
    await stageReport(files, result);
    written = files.commit();
  } catch (error) {
    files.abandon();
    throw error;
  }
  if (options.quiet) return;
  const r = result.report;
  const wallS = (simulatedAt - started) / 1000;
  process.stdout.write(
    `${r.scenario.name}: ${r.requests.arrived} requests, ${r.requests.completed} completed, ` +
      `TTFT p99 ${fmt(r.latency.ttft_s.p99)}, E2E p99 ${fmt(r.latency.e2e_s.p99)}\n`,
  );
  process.stdout.write(`wrote ${written.join(", ")}\n`);
  process.stderr.write(`simulated ${r.run.simulated_s} s in ${wallS.toFixed(2)} s wall (${Math.round(r.run.events / wallS).toLocaleString("en-US")} events/s)\n`);
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
