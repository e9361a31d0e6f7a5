/**
 * `fleetsim run`'s simulation thread: loads the scenario, simulates it and posts back requests.csv's
 * rows in chunks, progress, and the report's figures. It writes no file: the main thread does all the
 * writing and, being idle while this thread computes, answers Ctrl-C at once (a signal handler
 * cannot run while a simulation holds the main thread).
 */
import { parentPort, workerData } from "node:worker_threads";
import { simulate } from "../index.js";
import { loadScenarioFile, type LoadOptions } from "../scenario/load.js";
import { ScenarioError, type ScenarioIssue } from "../scenario/issues.js";
import { reportData, requestCsvWriter, type ReportData } from "../report/index.js";

export interface RunWorkerInput {
  file: string;
  load: LoadOptions;
  /** post progress messages (for a live line on a terminal) */
  progress: boolean;
  /** `--shuffle-ties` */
  shuffleTies?: boolean;
}

export type RunWorkerMessage =
  | { kind: "loaded"; name: string; durationS: number; requestsCsv: boolean; tenants: number }
  | { kind: "rows"; text: string }
  | { kind: "progress"; nowUs: number; events: number }
  | { kind: "done"; data: ReportData; wallS: number }
  | { kind: "invalid"; issues: ScenarioIssue[] }
  | { kind: "failed"; message: string; stack?: string };

/** requests.csv text is posted in chunks of about this many characters. */
const CHUNK_CHARS = 1 << 16;

const input = workerData as RunWorkerInput;
const post = (message: RunWorkerMessage) => parentPort!.postMessage(message);
const started = performance.now();
try {
  const loaded = loadScenarioFile(input.file, input.load);
  const requestsCsv = loaded.scenario.report.requests_csv;
  post({ kind: "loaded", name: loaded.scenario.name, durationS: loaded.scenario.duration, requestsCsv, tenants: loaded.scenario.workload.tenants.length });
  let rows = "";
  const sink = {
    write(text: string) {
      rows += text;
      if (rows.length >= CHUNK_CHARS) {
        post({ kind: "rows", text: rows });
        rows = "";
      }
    },
  };
  const result = simulate(loaded, {
    onRequestEnd: requestsCsv ? requestCsvWriter(loaded.scenario, sink) : undefined,
    onProgress: input.progress ? (nowUs, events) => post({ kind: "progress", nowUs, events }) : undefined,
    shuffleTies: input.shuffleTies,
  });
  if (rows.length > 0) post({ kind: "rows", text: rows });
  post({ kind: "done", data: reportData(result), wallS: (performance.now() - started) / 1000 });
} catch (error) {
  post(error instanceof ScenarioError ? { kind: "invalid", issues: error.issues } : { kind: "failed", message: String((error as Error)?.message ?? error), stack: (error as Error)?.stack });
}
