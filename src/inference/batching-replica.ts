/**
 * An LLM replica scheduling at iteration level, vLLM style: the event glue around batch formation
 * (batch-formation.ts), the sequences' KV blocks (sequence-kv.ts) and the decode jump
 * (decode-jump.ts). It keeps the queues and counts routers read, tells the request lifecycle what
 * happened, and measures itself (replica-stats.ts).
 *
 * Events per request, not per token: while the batch only decodes and nothing can join it, its
 * composition is fixed until the first sequence finishes, so the replica jumps over all those
 * iterations in one event. An arrival that could join, or a client giving up, cuts the jump at the
 * next iteration boundary.
 */
import { Priority, usToSeconds } from "../engine/index.js";
import { RequestQueue } from "../requests/queue.js";
import { RequestState } from "../requests/table.js";
import { emptyBatch, formBatch, maxPrefixUnits, type WaitingLine } from "./batch-formation.js";
import type { BatchingEngine } from "./batching-engine.js";
import { jumpDurationUs, jumpHalves, stepsCompleted, stepsKvAllows, type JumpCost } from "./decode-jump.js";
import type { KvCache } from "./kv-cache.js";
import { ReplicaBase, type Replica, type ReplicaHost } from "./replica.js";
import { ReplicaStats, summarizeReplica, type ReplicaSummary } from "./replica-stats.js";
import { SequenceKv } from "./sequence-kv.js";
import type { SequenceTable } from "./sequences.js";

export class BatchingReplica extends ReplicaBase implements Replica {
  /** KV blocks the waiting requests' prompts need */
  private waitingBlocks = 0;
  readonly stats: ReplicaStats;

  private readonly seqs: SequenceTable;
  private readonly kvSeqs: SequenceKv;
  private readonly queue: RequestQueue;
  /** preempted requests, resumed before new ones (last preempted first) */
  private resume: number[] = [];
  private running: number[] = [];
  /** the iteration (or jump) in progress */
  private readonly formed = emptyBatch();
  private readonly waitingLine: WaitingLine = { peek: () => this.nextWaiting(), take: (req) => this.takeWaiting(req) };
  private busy = false;
  private event = -1;
  private iterationStartUs = 0;
  /** decode-only jump in progress: its steps (0 when the iteration is not a jump) and their times */
  private jumpSteps = 0;
  private readonly jump: JumpCost = { aUs: 0, bUs: 0 };
  private readonly scopeWeights: Float64Array;
  private readonly onIterationEnd = () => this.finishIteration();

  constructor(
    index: number,
    private readonly engine: BatchingEngine,
    host: ReplicaHost,
  ) {
    super(index, host);
    const spec = engine.spec;
    this.seqs = engine.sequences;
    this.kvSeqs = new SequenceKv(engine.laneBlocks, engine.blocksPerUnit, spec.block_size, this.seqs);
    this.queue = new RequestQueue(host.ctx.requests);
    this.stats = new ReplicaStats(engine.options.windowFromUs, engine.options.windowToUs);
    this.scopeWeights = new Float64Array(engine.options.scopeCount);
  }

  /** The KV block pool (lost and replaced when the replica fails). */
  get kv(): KvCache {
    return this.kvSeqs.cache;
  }

  // --- what routers see ----------------------------------------------------------------------

  hasFreeSlot(): boolean {
    return this.running.length + this.waiting + this.connecting < this.engine.limits.maxSeqs;
  }

  kvLoad(): number {
    const kv = this.kv;
    const connectingBlocks = Math.ceil(this.connectingPromptTokens / this.kvSeqs.blockSize);
    return (kv.usedBlocks - kv.cachedBlocks + this.waitingBlocks + connectingBlocks) / kv.capacity;
  }

  prefixMatchTokens(req: number): number {
    const keys = this.host.ctx.requests.prefixKeys[req];
    if (!keys || !this.engine.limits.prefixCaching) return 0;
    return this.kvSeqs.match(keys, maxPrefixUnits(this.host.ctx.requests.inputTokens[req], this.kvSeqs.unitTokens)) * this.kvSeqs.unitTokens;
  }

  summary(windowS: number): ReplicaSummary {
    return summarizeReplica(this.stats, this.kv, this.engine.deployed, windowS);
  }

  get runningCount(): number {
    return this.running.length;
  }

  // --- requests in and out -------------------------------------------------------------------

  submit(req: number): void {
    const { requests, sim } = this.host.ctx;
    if (!this.takeIn(req)) return;
    this.stats.outstanding.add(1, sim.nowUs);
    this.seqs.open(req, sim.nowUs);
    requests.moveTo(req, RequestState.replicaQueue);
    this.queue.push(req);
    this.addWaiting(req, 1);
    if (!this.busy) this.startIteration();
    else if (this.jumpSteps > 1 && this.couldAdmit()) this.cutJump();
  }

  abandon(req: number): void {
    if (this.dropConnecting(req)) return;
    const { requests, sim } = this.host.ctx;
    this.outstanding--;
    this.stats.outstanding.add(-1, sim.nowUs);
    this.outstandingTokens -= this.remainingTokens(req);
    if (requests.stateOf(req) === RequestState.replicaQueue) {
      // Left in its queue, skipped (and its id recycled) when the queue reaches it.
      this.addWaiting(req, -1);
      this.seqs.close(req);
      requests.moveTo(req, RequestState.abandoned);
      return;
    }
    this.removeRunning(req);
    this.kvSeqs.drop(req);
    this.seqs.close(req);
    requests.moveTo(req, RequestState.abandoned);
    // An abandoned request in the batch is recycled when the iteration ends; one outside it now.
    if (!this.formed.batch.includes(req)) requests.release(req);
    if (this.jumpSteps > 1) this.cutJump();
  }

  /** The replica went down: its requests fail, its KV cache and queues are lost. */
  fail(): void {
    const { requests, lifecycle, sim } = this.host.ctx;
    this.alive = false;
    if (this.busy) sim.cancel(this.event);
    this.busy = false;
    this.jumpSteps = 0;
    const lost: number[] = [];
    const collect = (req: number) => {
      const state = requests.stateOf(req);
      if (state === RequestState.abandoned) requests.release(req);
      else if (state === RequestState.inService || state === RequestState.replicaQueue) lost.push(req);
    };
    // Abandoned requests still in the batch are recycled here; running ones are in `running`.
    for (const req of this.formed.batch) if (requests.stateOf(req) === RequestState.abandoned) requests.release(req);
    for (const req of this.running) collect(req);
    for (const req of this.resume) collect(req);
    this.queue.clear(collect);
    if (this.waiting > 0) lifecycle.queueChanged(-this.waiting, sim.nowUs);
    this.stats.outstanding.add(-(this.outstanding - this.connecting), sim.nowUs);
    this.formed.batch.length = 0;
    this.running = [];
    this.resume = [];
    this.waiting = 0;
    this.waitingBlocks = 0;
    // Requests still connecting from an earlier death keep counting until their connections time out.
    this.outstanding = this.connecting;
    this.outstandingTokens = this.connectingTokens;
    this.kvSeqs.reset();
    this.onPower?.(0, false);
    for (const req of lost) {
      this.seqs.close(req);
      this.host.failed(req);
    }
  }

  // --- the waiting line ----------------------------------------------------------------------

  /** A request joins (+1) or leaves (-1) the waiting line. */
  private addWaiting(req: number, delta: 1 | -1): void {
    this.waiting += delta;
    this.waitingBlocks += delta * Math.ceil(this.host.ctx.requests.inputTokens[req] / this.kvSeqs.blockSize);
    this.host.ctx.lifecycle.queueChanged(delta, this.host.ctx.sim.nowUs);
  }

  private nextWaiting(): number {
    const requests = this.host.ctx.requests;
    while (this.resume.length > 0) {
      const req = this.resume[this.resume.length - 1];
      if (requests.stateOf(req) !== RequestState.abandoned) return req;
      this.resume.pop();
      requests.release(req);
    }
    return this.queue.peek();
  }

  private takeWaiting(req: number): void {
    if (this.resume.length > 0 && this.resume[this.resume.length - 1] === req) this.resume.pop();
    else this.queue.shift();
  }

  /** Whether the head of the queue could join an iteration now. */
  private couldAdmit(): boolean {
    if (this.waiting === 0 || this.running.length >= this.engine.limits.maxSeqs) return false;
    const req = this.nextWaiting();
    if (req < 0) return false;
    const tokens = Math.min(this.seqs.prefillTarget(req, this.host.ctx.requests.inputTokens[req]), this.engine.limits.maxTokens);
    return this.kv.available() - Math.ceil(tokens / this.kvSeqs.blockSize) >= this.engine.limits.watermarkBlocks;
  }

  private remainingTokens(req: number): number {
    const r = this.host.ctx.requests;
    return this.seqs.remainingTokens(req, r.inputTokens[req], r.outputTokens[req]);
  }

  private removeRunning(req: number): void {
    const i = this.running.lastIndexOf(req);
    if (i >= 0) this.running.splice(i, 1);
  }

  // --- iterations ----------------------------------------------------------------------------

  private startIteration(): void {
    const { requests, sim } = this.host.ctx;
    const formed = this.formed;
    formBatch(this.running, this.waitingLine, this.seqs, this.kvSeqs, requests, this.engine.limits, formed);

    for (const victim of formed.preempted) {
      requests.moveTo(victim, RequestState.replicaQueue);
      this.resume.push(victim);
      this.addWaiting(victim, 1);
      if (sim.nowUs >= this.stats.fromUs && sim.nowUs < this.stats.toUs) this.stats.preemptions++;
    }
    this.outstandingTokens += formed.recomputeTokens;
    for (const req of formed.admitted) {
      this.addWaiting(req, -1);
      const firstAdmission = requests.startUs[req] < 0;
      if (this.seqs.preemptions[req] === 0) this.host.started(req);
      requests.moveTo(req, RequestState.inService);
      const cachedTokens = this.seqs.computed[req];
      if (firstAdmission) requests.cachedTokens[req] = cachedTokens;
      this.outstandingTokens -= cachedTokens;
    }

    const shape = formed.shape;
    if (formed.batch.length === 0) {
      this.busy = false;
      this.onPower?.(0, false);
      return;
    }
    this.busy = true;
    this.iterationStartUs = sim.nowUs;
    if (formed.decodeOnly) {
      this.startJump();
    } else {
      this.jumpSteps = 0;
      const durationUs = Math.max(1, this.engine.deployed.latency.iterationUs(shape) * this.latencyFactor);
      this.event = sim.after(durationUs, Priority.completion, this.onIterationEnd);
      this.onPower?.(this.engine.computeShare(shape.prefillTokens + shape.decodeSeqs, durationUs), true);
    }
  }

  /** Blocks the batch needs beyond what it holds to run `steps` decode steps. */
  private readonly extraBlocksFor = (steps: number): number => {
    let extra = 0;
    for (const req of this.formed.batch) extra += this.kvSeqs.shortfall(req, this.seqs.computed[req] + steps);
    return extra;
  };

  /** Jumps until the first sequence finishes, or until the KV cache could not give the next block without preempting. */
  private startJump(): void {
    const { requests, sim } = this.host.ctx;
    const batch = this.formed.batch;
    let steps = Infinity;
    for (const req of batch) steps = Math.min(steps, requests.outputTokens[req] - this.seqs.generated[req]);
    steps = stepsKvAllows(steps, batch.length, this.kvSeqs.blockSize, this.kv.available(), this.extraBlocksFor);
    this.reserveBlocksFor(steps);
    const cost = this.engine.deployed.latency.decodeCost(batch.length);
    this.jumpSteps = steps;
    this.jump.aUs = (cost.fixedUs + cost.perContextTokenUs * this.formed.shape.decodeKvTokens) * this.latencyFactor;
    this.jump.bUs = cost.perContextTokenUs * batch.length * this.latencyFactor;
    const durationUs = Math.max(1, jumpDurationUs(this.jump, steps));
    this.event = sim.after(durationUs, Priority.completion, this.onIterationEnd);
    this.onPower?.(this.engine.computeShare(batch.length * steps, durationUs), true);
  }

  private reserveBlocksFor(steps: number): void {
    const requests = this.host.ctx.requests;
    for (const req of this.formed.batch) {
      if (requests.stateOf(req) === RequestState.inService) this.kvSeqs.reserve(req, this.seqs.computed[req] + steps);
    }
  }

  /** Ends the jump at the end of the step in progress, so the batch can change. */
  private cutJump(): void {
    const sim = this.host.ctx.sim;
    const steps = Math.min(this.jumpSteps, stepsCompleted(this.jump, sim.nowUs - this.iterationStartUs) + 1);
    if (steps >= this.jumpSteps) return;
    sim.cancel(this.event);
    this.jumpSteps = steps;
    this.reserveBlocksFor(steps);
    const endUs = this.iterationStartUs + Math.max(1, jumpDurationUs(this.jump, steps));
    this.event = sim.at(Math.max(endUs, sim.nowUs), Priority.completion, this.onIterationEnd);
  }

  private finishIteration(): void {
    const { requests, sim } = this.host.ctx;
    const seqs = this.seqs;
    const now = sim.nowUs;
    const durationUs = now - this.iterationStartUs;
    const steps = this.jumpSteps > 0 ? this.jumpSteps : 1;
    this.stats.recordIteration(this.iterationStartUs, durationUs, steps, this.formed.shape, this.formed.batch.length, this.kv.usedBlocks, this.engine);
    const scopeWeights = this.scopeWeights;
    scopeWeights.fill(0);
    let anyGaps = false;

    for (const req of this.formed.batch) {
      const state = requests.stateOf(req);
      if (state === RequestState.abandoned) {
        requests.release(req);
        continue;
      }
      if (state !== RequestState.inService) continue; // preempted meanwhile
      if (seqs.decoding[req]) {
        seqs.computed[req] += steps;
        seqs.generated[req] += steps;
        seqs.lastTokenUs[req] = now;
        this.outstandingTokens -= steps;
        if (requests.measured[req]) {
          scopeWeights[requests.scope[req]] += steps;
          anyGaps = true;
        }
      } else {
        const chunk = seqs.chunk[req];
        seqs.computed[req] += chunk;
        this.outstandingTokens -= chunk;
        if (seqs.computed[req] >= seqs.prefillTarget(req, requests.inputTokens[req])) this.completePrefill(req, now);
      }
      if (seqs.generated[req] >= requests.outputTokens[req]) this.finish(req);
    }
    if (anyGaps) this.recordGaps(durationUs, steps);
    if (this.engine.options.debugChecks) this.check();
    this.busy = false;
    this.jumpSteps = 0;
    this.startIteration();
    if (this.hasFreeSlot()) this.host.hasRoom(this);
  }

  /** Token gaps of the decoding sequences: one iteration's duration, or the jump's steps. */
  private recordGaps(durationUs: number, steps: number): void {
    const lifecycle = this.host.ctx.lifecycle;
    const w = this.scopeWeights;
    if (this.jumpSteps <= 1) {
      for (let s = 0; s < w.length; s++) if (w[s] > 0) lifecycle.tokenGaps(s, usToSeconds(durationUs), w[s]);
      return;
    }
    const { firstSteps, firstUs, secondUs } = jumpHalves(this.jump, steps);
    for (let s = 0; s < w.length; s++) {
      if (w[s] === 0) continue;
      const perStep = w[s] / steps;
      if (firstSteps > 0) lifecycle.tokenGaps(s, usToSeconds(firstUs), perStep * firstSteps);
      lifecycle.tokenGaps(s, usToSeconds(secondUs), perStep * (steps - firstSteps));
    }
  }

  private completePrefill(req: number, now: number): void {
    const requests = this.host.ctx.requests;
    const seqs = this.seqs;
    seqs.decoding[req] = 1;
    seqs.generated[req] += 1;
    this.outstandingTokens -= 1;
    if (seqs.firstTokenUs[req] < 0) seqs.firstTokenUs[req] = now;
    else if (requests.measured[req]) {
      // Recomputed after a preemption: the wait for this token is one (long) gap between tokens.
      this.host.ctx.lifecycle.tokenGaps(requests.scope[req], usToSeconds(now - seqs.lastTokenUs[req]), 1);
    }
    seqs.lastTokenUs[req] = now;
    const keys = this.engine.limits.prefixCaching ? requests.prefixKeys[req] : undefined;
    if (keys) this.kvSeqs.sharePrompt(req, keys, Math.min(keys.length, Math.floor(requests.inputTokens[req] / this.kvSeqs.unitTokens)));
  }

  private finish(req: number): void {
    const { requests, sim } = this.host.ctx;
    this.removeRunning(req);
    this.kvSeqs.drop(req);
    this.outstanding--;
    this.stats.outstanding.add(-1, sim.nowUs);
    const submitted = this.seqs.submitUs[req];
    if (submitted >= this.stats.fromUs && submitted < this.stats.toUs) {
      this.stats.completed++;
      this.stats.residenceUs += sim.nowUs - submitted;
    }
    const firstTokenUs = this.seqs.firstTokenUs[req];
    this.seqs.close(req);
    requests.moveTo(req, RequestState.unassigned); // answered: no longer held here
    this.host.completed(req, firstTokenUs);
  }

  /** Throws if KV accounting broke: blocks held by running sequences must match the pool's count. */
  check(): void {
    const serials = this.host.ctx.requests.serial;
    this.kvSeqs.check(this.running, (req) => serials[req]);
  }
}
