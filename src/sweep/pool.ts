/**
 * Runs a sweep's cells on `node:worker_threads`, one cell at a time per worker, handing the next
 * cell to whichever worker is free. Outcomes arrive in completion order; the caller files them by
 * cell index, so nothing downstream depends on the number of workers.
 *
 * The workers are started before the jobs are known: a worker spends about half a second loading
 * the simulator, and that can overlap the main thread's own start (validating the scenario,
 * reading the cells already done).
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

export interface CellHooks {
  /** each cell's outcome, as it finishes; a throw stops the run and rejects with it */
  onOutcome(outcome: CellOutcome): void;
}

export interface CellPool {
  /** Runs the jobs on the pool's workers; resolves when every job has an outcome. Call once. */
  run(jobs: readonly CellJob[], hooks: CellHooks): Promise<void>;
  /** Stops the workers (a pool that will not run, or after a failed run). */
  close(): void;
}

/**
 * Starts `threads` workers at once; they load the simulator while the caller prepares the jobs.
 * A cell that crashes its worker gets an internal error and a fresh worker takes the next cell; a
 * worker that cannot even start fails the whole run.
 */
export function startCellPool(input: WorkerInput, threads: number): CellPool {
  let jobs: readonly CellJob[] | undefined;
  let hooks: CellHooks | undefined;
  let settleRun: { resolve(): void; reject(error: unknown): void } | undefined;
  let next = 0;
  let finished = 0;
  let failed = false;
  /** a failure before `run` was called, given to `run` */
  let earlyFailure: unknown;
  const live = new Set<Worker>();
  /** workers that have loaded and wait for `run` */
  const waiting: (() => void)[] = [];

  const stopAll = () => {
    for (const worker of live) void worker.terminate();
    live.clear();
  };
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    stopAll();
    if (settleRun) settleRun.reject(error);
    else earlyFailure = error;
  };
  const settle = (outcome: CellOutcome) => {
    try {
      hooks!.onOutcome(outcome);
    } catch (error) {
      fail(error);
      return;
    }
    if (++finished === jobs!.length) {
      stopAll();
      settleRun!.resolve();
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
      busy = next < jobs!.length ? jobs![next++] : undefined;
      if (busy) worker.postMessage(busy);
      else {
        live.delete(worker);
        void worker.terminate();
      }
    };
    worker.on("message", (message: WorkerMessage) => {
      if ("ready" in message) {
        ready = true;
        if (jobs) feed();
        else waiting.push(feed);
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
      if (!jobs) {
        // It died while waiting for the jobs: a fresh worker waits in its place.
        waiting.splice(waiting.indexOf(feed), 1);
        spawn();
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

  for (let w = 0; w < threads; w++) spawn();

  return {
    run(runJobs, runHooks) {
      return new Promise<void>((resolve, reject) => {
        if (jobs) throw new Error("a cell pool runs once");
        jobs = runJobs;
        hooks = runHooks;
        settleRun = { resolve, reject };
        if (earlyFailure !== undefined) {
          reject(earlyFailure);
          return;
        }
        if (jobs.length === 0) {
          stopAll();
          resolve();
          return;
        }
        for (const feed of waiting.splice(0)) feed();
      });
    },
    close() {
      failed = true;
      stopAll();
    },
  };
}
