/**
 * Runs a sweep's cells on `node:worker_threads`, one cell at a time per worker, handing the next
 * cell to whichever worker is free. Outcomes arrive in completion order; the caller files them by
 * cell index, so nothing downstream depends on the number of workers.
 */
import type { Worker } from "node:worker_threads";
import { startWorker } from "../threads.js";
import type { Report } from "../report/json.js";

/** What every worker is started with: the scenario's text (read once, the text the cells' keys hash) and its file name. */
export interface WorkerInput {
  text: string;
  file: string;
  /** `--data-dir` folders the scenario's data files may also come from */
  dataDirs?: readonly string[];
}

export interface CellJob {
  index: number;
  overrides: string[];
  seed: number;
}

export type CellOutcome = { index: number; report: Report } | { index: number; error: string; kind: "scenario" | "internal" };

type WorkerMessage = CellOutcome | { ready: true };

/**
 * Runs the jobs on up to `threads` workers, calling `onOutcome` as each cell finishes. A cell that
 * crashes its worker gets an internal error and a fresh worker takes the next cell; a worker that
 * cannot even start fails the whole run.
 */
export function runCells(input: WorkerInput, jobs: readonly CellJob[], threads: number, onOutcome: (outcome: CellOutcome) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let finished = 0;
    let failed = false;
    const live = new Set<Worker>();

    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      for (const worker of live) void worker.terminate();
      reject(error);
    };
    const settle = (outcome: CellOutcome) => {
      try {
        onOutcome(outcome);
      } catch (error) {
        fail(error);
        return;
      }
      if (++finished === jobs.length) {
        for (const worker of live) void worker.terminate();
        resolve();
      }
    };

    const spawn = () => {
      const worker = startWorker(import.meta.url, "./worker", input);
      live.add(worker);
      let ready = false;
      let busy: CellJob | undefined;
      let lastError: unknown;
      const feed = () => {
        if (failed) return;
        busy = next < jobs.length ? jobs[next++] : undefined;
        if (busy) worker.postMessage(busy);
        else {
          live.delete(worker);
          void worker.terminate();
        }
      };
      worker.on("message", (message: WorkerMessage) => {
        if ("ready" in message) {
          ready = true;
          feed();
          return;
        }
        busy = undefined;
        settle(message);
        feed();
      });
      worker.on("error", (error) => (lastError = error));
      worker.on("exit", () => {
        if (!live.delete(worker) || failed) return;
        if (!ready) {
          fail(new Error(`a sweep worker could not start: ${String((lastError as Error)?.message ?? lastError)}`));
          return;
        }
        if (busy) {
          const crashed = busy;
          busy = undefined;
          settle({ index: crashed.index, error: `the worker running this cell crashed: ${String((lastError as Error)?.message ?? lastError ?? "it exited")}`, kind: "internal" });
        }
        if (next < jobs.length) spawn();
      });
    };

    if (jobs.length === 0) resolve();
    else for (let w = 0; w < Math.min(threads, jobs.length); w++) spawn();
  });
}
