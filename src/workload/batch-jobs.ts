/**
 * Batch inference jobs (Bedrock's CreateModelInvocationJob): a tenant submits a job of N records; at
 * most JOBS_IN_PROGRESS_PER_MODEL of a model's jobs are in progress at once (more wait, Submitted);
 * a starting job's records all enter the service at once, at the tenant's tier; records not done
 * `completion_window` after submission expire. A job ends Completed (every record answered),
 * PartiallyCompleted (some failed or expired) or Expired (it never started, or none was answered).
 */
import { Priority, type Simulator } from "../engine/index.js";
import { Outcome } from "../requests/outcomes.js";
import { RequestState, type RequestTable } from "../requests/table.js";

/** "10 batch inference jobs submitted per model per Region" (AWS ML blog, "Automate Amazon Bedrock batch inference"; shared/research/bedrock-product.md). */
export const JOBS_IN_PROGRESS_PER_MODEL = 10;

export type JobState = "Submitted" | "InProgress" | "Completed" | "PartiallyCompleted" | "Expired";

export interface BatchJob {
  readonly index: number;
  readonly tenant: number;
  readonly model: number;
  readonly records: number;
  readonly submittedUs: number;
  readonly windowUs: number;
  state: JobState;
  startedUs: number;
  endedUs: number;
  completed: number;
  failed: number;
  expired: number;
  /** prompt and output tokens of its answered records (the whole job, whenever produced) */
  inputTokens: number;
  outputTokens: number;
  /** TTFTs (µs) of other tenants' answered requests to the same model while the job was in progress */
  readonly othersTtftUs: number[];
  /** its window's end (cancelled when the job ends before it, so a finished job keeps no run alive) */
  expiryEvent: number;
}

export class JobBoard {
  readonly jobs: BatchJob[] = [];
  private readonly inProgress: number[];
  private readonly waiting: BatchJob[][];
  /** per model: the jobs in progress, for the TTFTs of other requests while they run */
  private readonly running: BatchJob[][];
  private readonly onExpire = (index: number) => this.expire(this.jobs[index]);

  constructor(
    private readonly sim: Simulator,
    private readonly requests: RequestTable,
    modelCount: number,
    /** ends a record that is still out as expired (the front end's `expire`) */
    private readonly expireRecord: (req: number) => void,
    /** makes a starting job's records and sends them (its tenant's source) */
    private readonly emit: (job: BatchJob) => void,
    /** arrivals end here: a job still waiting then never starts (it stays Submitted, and keeps no run alive) */
    private readonly endUs = Infinity,
  ) {
    this.inProgress = new Array<number>(modelCount).fill(0);
    this.waiting = Array.from({ length: modelCount }, () => []);
    this.running = Array.from({ length: modelCount }, () => []);
  }

  submit(tenant: number, model: number, records: number, windowUs: number): void {
    const job: BatchJob = {
      index: this.jobs.length,
      tenant,
      model,
      records,
      submittedUs: this.sim.nowUs,
      windowUs,
      state: "Submitted",
      startedUs: -1,
      endedUs: -1,
      completed: 0,
      failed: 0,
      expired: 0,
      inputTokens: 0,
      outputTokens: 0,
      othersTtftUs: [],
      expiryEvent: -1,
    };
    this.jobs.push(job);
    job.expiryEvent = this.sim.at(job.submittedUs + windowUs, Priority.dispatch, this.onExpire, job.index);
    if (this.inProgress[model] < JOBS_IN_PROGRESS_PER_MODEL) this.start(job);
    else this.waiting[model].push(job);
  }

  private start(job: BatchJob): void {
    job.state = "InProgress";
    job.startedUs = this.sim.nowUs;
    this.inProgress[job.model]++;
    this.running[job.model].push(job);
    this.emit(job);
  }

  /** A request ended: a record counts toward its job; another answered request to a model with jobs running is one of their TTFTs. */
  ended(req: number, outcome: Outcome, ttftUs: number): void {
    const r = this.requests;
    const index = r.job[req];
    if (index < 0) {
      if (outcome === Outcome.ok) for (const job of this.running[r.model[req]]) job.othersTtftUs.push(ttftUs);
      return;
    }
    const job = this.jobs[index];
    if (outcome === Outcome.ok) {
      job.completed++;
      job.inputTokens += r.inputTokens[req];
      job.outputTokens += r.outputTokens[req];
    } else if (outcome === Outcome.expired) job.expired++;
    else job.failed++;
    if (job.state === "InProgress" && job.completed + job.failed + job.expired === job.records) this.finish(job, job.failed + job.expired > 0 ? "PartiallyCompleted" : "Completed");
  }

  /** The job's window closed: its records still out expire; a job that never started expires whole. */
  private expire(job: BatchJob): void {
    if (job.state === "Submitted") {
      this.waiting[job.model].splice(this.waiting[job.model].indexOf(job), 1);
      job.expired = job.records;
      job.state = "Expired";
      job.endedUs = this.sim.nowUs;
      return;
    }
    if (job.state !== "InProgress") return;
    const r = this.requests;
    for (let req = 0; req < r.idLimit; req++) {
      if (r.job[req] !== job.index) continue;
      const state = r.stateOf(req);
      if (state !== RequestState.free && state !== RequestState.abandoned) this.expireRecord(req);
    }
  }

  private finish(job: BatchJob, state: JobState): void {
    job.state = job.completed === 0 ? "Expired" : state;
    job.endedUs = this.sim.nowUs;
    if (this.sim.nowUs < job.submittedUs + job.windowUs) this.sim.cancel(job.expiryEvent);
    this.inProgress[job.model]--;
    const running = this.running[job.model];
    running.splice(running.indexOf(job), 1);
    const waiting = this.waiting[job.model];
    if (this.sim.nowUs < this.endUs) {
      const next = waiting.shift();
      if (next) this.start(next);
      return;
    }
    // After the end of arrivals no record enters: the jobs still waiting are left Submitted.
    for (const left of waiting) this.sim.cancel(left.expiryEvent);
    waiting.length = 0;
  }
}
