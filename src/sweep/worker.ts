/**
 * A sweep's worker thread: loads the scenario text with a cell's overrides and seed, simulates it and
 * posts back the report (or the error). It keeps no state between cells.
 */
import { parentPort, workerData } from "node:worker_threads";
import { simulate } from "../index.js";
import { loadScenarioText } from "../scenario/load.js";
import { ScenarioError } from "../scenario/issues.js";
import type { CellJob, CellOutcome, WorkerInput } from "./pool.js";

const { text, file, dataDirs } = workerData as WorkerInput;

parentPort!.on("message", (job: CellJob) => {
  let outcome: CellOutcome;
  try {
    const loaded = loadScenarioText(text, file, { sets: job.overrides, seed: job.seed, dataDirs });
    outcome = { index: job.index, report: simulate(loaded).report };
  } catch (error) {
    outcome =
      error instanceof ScenarioError
        ? { index: job.index, error: error.message.replaceAll("\n", "; "), kind: "scenario" }
        : { index: job.index, error: String((error as Error)?.message ?? error), kind: "internal" };
  }
  parentPort!.postMessage(outcome);
});
parentPort!.postMessage({ ready: true });
