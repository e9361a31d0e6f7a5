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
    result = simulate(loaded, { onRequestEnd: requestLog && requestCsvWriter(loaded.scenario, requestLog) });
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
