/**
 * The `continuous_batching` engine: an LLM replica scheduling at iteration level, vLLM style.
 *
 * Each iteration takes every running sequence (one token for those decoding, a prompt chunk for
 * those prefilling) and then admits waiting requests while the token budget, the sequence limit and
 * the paged KV cache allow. When a decoding sequence needs a KV block and none is left, the most
 * recently admitted sequence is preempted and will recompute its prompt later.
 *
 * Events per request, not per token: while the batch only decodes and nothing can join it, its
 * composition is fixed until the first sequence finishes, so the replica jumps over all those
 * iterations in one event. Context grows by one token per sequence per step and a decode step's
 * time is linear in context (LatencyModel.decodeCost), so the jump's length is a closed form. An
 * arrival that could join, or a client giving up, cuts the jump at the next iteration boundary.
 */
import { Priority } from "../engine/index.js";
import { ReplicaStats, summarizeReplica, type ReplicaSummary } from "./replica-stats.js";
import { IntFifo } from "../engine/fifo.js";
import type { BatchingEngineSpec } from "../scenario/schema.js";
import type { SimContext } from "../requests/context.js";
import { RequestState } from "../requests/table.js";
import type { Deployed } from "./deployment.js";
import { KvCache } from "./kv-cache.js";
import { addDecode, addPrefill, clearShape, emptyShape, type BatchShape } from "./latency/shape.js";
import type { Replica, ReplicaHost, ServingEngine } from "./replica.js";
import { activeParams } from "../catalog/models.js";
import { PRECISIONS } from "../catalog/precisions.js";

/** vLLM keeps 1 % of KV blocks free when admitting new requests, so running ones can grow. */
const WATERMARK_FRACTION = 0.01;

export interface BatchingOptions {
  /** measurement window for replica statistics */
  windowFromUs: number;
  windowToUs: number;
  scopeCount: number;
  /** check KV-block conservation after every iteration (tests) */
  debugChecks: boolean;
}

export class BatchingEngine implements ServingEngine {
  readonly blocksPerUnit: number;
  private readonly watermarkBlocks: number;
  /** FLOPs per token through the linear layers, and bytes of weights streamed per iteration, for utilisation figures */
  readonly flopsPerToken: number;
  readonly weightBytesPerIteration: number;
  readonly kvBytesPerToken: number;

  constructor(
    readonly spec: BatchingEngineSpec,
    readonly deployed: Deployed,
    readonly ctx: SimContext,
    readonly options: BatchingOptions,
  ) {
    this.blocksPerUnit = Math.max(1, Math.floor(spec.prefix_block_tokens / spec.block_size));
    this.watermarkBlocks = Math.floor(deployed.memory.kvBlocks * WATERMARK_FRACTION);
    const a = deployed.architecture;
    this.flopsPerToken = 2 * activeParams(a);
    this.weightBytesPerIteration = activeParams(a) * PRECISIONS[deployed.precision].weightBytes;
    this.kvBytesPerToken = deployed.memory.kvBytesPerTokenPerGpu * deployed.gpusPerReplica;
  }

  get watermark(): number {
    return this.watermarkBlocks;
  }

  prepare(): void {}

  accepts(req: number): boolean {
    const r = this.ctx.requests;
    const tokens = r.inputTokens[req] + r.outputTokens[req];
    return tokens <= this.deployed.architecture.maxContext && Math.ceil(tokens / this.spec.block_size) <= this.deployed.memory.kvBlocks - this.watermarkBlocks;
  }

  createReplica(index: number, host: ReplicaHost): Replica {
    return new BatchingReplica(index, this, host);
  }
}

export class BatchingReplica implements Replica {
  alive = true;
  onPower?: (fractionPrompt: number, busy: boolean) => void;
  outstanding = 0;
  waiting = 0;
  outstandingTokens = 0;
  /** KV blocks the waiting requests' prompts need */
  private waitingBlocks = 0;
  kv: KvCache;
  readonly stats: ReplicaStats;

  private queue = new IntFifo();
  /** preempted requests, resumed before new ones (last preempted first) */
  private resume: number[] = [];
  private running: number[] = [];
  /** requests in the iteration (or jump) in progress */
  private readonly batch: number[] = [];
  private readonly shape: BatchShape = emptyShape();
  private busy = false;
  private event = -1;
  private iterationStartUs = 0;
  /** decode-only jump in progress: steps, and step k (0-based) lasting jumpA + jumpB * k microseconds */
  private jumpSteps = 0;
  private jumpA = 0;
  private jumpB = 0;
  private readonly scopeWeights: Float64Array;
  private readonly onIterationEnd = () => this.finishIteration();

  private readonly maxSeqs: number;
  private readonly maxTokens: number;
  private readonly blockSize: number;
  private readonly unitTokens: number;

  constructor(
    readonly index: number,
    private readonly engine: BatchingEngine,
    private readonly host: ReplicaHost,
  ) {
    const spec = engine.spec;
    this.kv = new KvCache(engine.deployed.memory.kvBlocks, engine.blocksPerUnit);
    this.stats = new ReplicaStats(engine.options.windowFromUs, engine.options.windowToUs);
    this.scopeWeights = new Float64Array(engine.options.scopeCount);
    this.maxSeqs = spec.max_num_seqs;
    this.maxTokens = spec.max_batched_tokens;
    this.blockSize = spec.block_size;
    this.unitTokens = engine.blocksPerUnit * spec.block_size;
  }

  // --- what routers see ----------------------------------------------------------------------

  hasFreeSlot(): boolean {
    return this.running.length + this.waiting < this.maxSeqs;
  }

  kvLoad(): number {
    return (this.kv.usedBlocks - this.kv.cachedBlocks + this.waitingBlocks) / this.kv.capacity;
  }

  prefixMatchTokens(req: number): number {
    const keys = this.host.ctx.requests.prefixKeys[req];
    if (!keys || !this.engine.spec.prefix_caching) return 0;
    return this.kv.match(keys, this.maxPrefixUnits(req)) * this.unitTokens;
  }

  summary(windowS: number): ReplicaSummary {
    return summarizeReplica(this.stats, this.kv, this.engine.deployed, windowS);
  }

  get runningCount(): number {
    return this.running.length;
  }

  // --- requests in and out -------------------------------------------------------------------

  submit(req: number): void {
    const { requests, lifecycle, sim } = this.host.ctx;
    if (!this.alive) {
      this.host.failed(req);
      return;
    }
    this.outstanding++;
    this.stats.outstanding.add(1, sim.nowUs);
    this.outstandingTokens += requests.inputTokens[req] + requests.outputTokens[req];
    requests.replica[req] = this.index;
    requests.submitUs[req] = sim.nowUs;
    requests.state[req] = RequestState.replicaQueue;
    this.queue.push(req);
    this.waiting++;
    this.waitingBlocks += Math.ceil(requests.inputTokens[req] / this.blockSize);
    lifecycle.queueChanged(1, sim.nowUs);
    if (!this.busy) this.startIteration();
    else if (this.jumpSteps > 1 && this.couldAdmit()) this.cutJump();
  }

  abandon(req: number): void {
    const { requests, lifecycle, sim } = this.host.ctx;
    this.outstanding--;
    this.stats.outstanding.add(-1, sim.nowUs);
    this.outstandingTokens -= this.remainingTokens(req);
    if (requests.state[req] === RequestState.replicaQueue) {
      // Left in its queue, skipped (and its id recycled) when the queue reaches it.
      this.waiting--;
      this.waitingBlocks -= Math.ceil(requests.inputTokens[req] / this.blockSize);
      requests.state[req] = RequestState.abandoned;
      lifecycle.queueChanged(-1, sim.nowUs);
      return;
    }
    this.removeRunning(req);
    this.dropKv(req);
    requests.state[req] = RequestState.abandoned;
    // An abandoned request in the batch is recycled when the iteration ends; one outside it now.
    if (!this.batch.includes(req)) requests.release(req);
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
      if (requests.state[req] === RequestState.abandoned) requests.release(req);
      else if (requests.state[req] === RequestState.inService || requests.state[req] === RequestState.replicaQueue) lost.push(req);
    };
    // Abandoned requests still in the batch are recycled here; running ones are in `running`.
    for (const req of this.batch) if (requests.state[req] === RequestState.abandoned) requests.release(req);
    for (const req of this.running) collect(req);
    for (const req of this.resume) collect(req);
    while (this.queue.length > 0) collect(this.queue.shift());
    if (this.waiting > 0) lifecycle.queueChanged(-this.waiting, sim.nowUs);
    this.stats.outstanding.add(-this.outstanding, sim.nowUs);
    this.batch.length = 0;
    this.running = [];
    this.resume = [];
    this.queue = new IntFifo();
    this.waiting = 0;
    this.waitingBlocks = 0;
    this.outstanding = 0;
    this.outstandingTokens = 0;
    this.kv = new KvCache(this.kv.capacity, this.kv.blocksPerUnit);
    this.onPower?.(0, false);
    for (const req of lost) this.host.failed(req);
  }

  restart(): void {
    this.alive = true;
  }

  // --- scheduling ----------------------------------------------------------------------------

  /** Prompt units eligible for the prefix cache: whole units, leaving at least one token to compute. */
  private maxPrefixUnits(req: number): number {
    return Math.floor((this.host.ctx.requests.inputTokens[req] - 1) / this.unitTokens);
  }

  /** Tokens that must be in the KV cache before the next token: the prompt, plus what was generated before a preemption. */
  private prefillTarget(req: number): number {
    const r = this.host.ctx.requests;
    return r.inputTokens[req] + r.generated[req];
  }

  private remainingTokens(req: number): number {
    const r = this.host.ctx.requests;
    const prefill = r.decoding[req] ? 0 : this.prefillTarget(req) - r.computed[req];
    return prefill + r.outputTokens[req] - r.generated[req];
  }

  /** Private blocks a request needs to hold `tokens` tokens, beyond the prefix units it shares. */
  private privateBlocksFor(req: number, tokens: number): number {
    const blocks = (((tokens + this.blockSize - 1) / this.blockSize) | 0) - this.host.ctx.requests.sharedBlocks[req];
    return blocks > 0 ? blocks : 0;
  }

  private nextWaiting(): number {
    const requests = this.host.ctx.requests;
    for (;;) {
      let req: number;
      if (this.resume.length > 0) req = this.resume[this.resume.length - 1];
      else if (this.queue.length > 0) req = this.queue.peek();
      else return -1;
      if (requests.state[req] !== RequestState.abandoned) return req;
      if (this.resume.length > 0) this.resume.pop();
      else this.queue.shift();
      requests.release(req);
    }
  }

  private takeWaiting(req: number): void {
    if (this.resume.length > 0 && this.resume[this.resume.length - 1] === req) this.resume.pop();
    else this.queue.shift();
  }

  /** Whether the head of the queue could join an iteration now. */
  private couldAdmit(): boolean {
    if (this.waiting === 0 || this.running.length >= this.maxSeqs) return false;
    const req = this.nextWaiting();
    if (req < 0) return false;
    const tokens = Math.min(this.prefillTarget(req), this.maxTokens);
    return this.kv.available() - Math.ceil(tokens / this.blockSize) >= this.engine.watermark;
  }

  private preempt(victim: number): void {
    const { requests, lifecycle, sim } = this.host.ctx;
    const before = this.remainingTokens(victim);
    this.removeRunning(victim);
    this.dropKv(victim);
    requests.computed[victim] = 0;
    requests.decoding[victim] = 0;
    this.outstandingTokens += this.remainingTokens(victim) - before;
    requests.state[victim] = RequestState.replicaQueue;
    this.resume.push(victim);
    this.waiting++;
    this.waitingBlocks += Math.ceil(requests.inputTokens[victim] / this.blockSize);
    lifecycle.queueChanged(1, sim.nowUs);
    if (sim.nowUs >= this.stats.fromUs && sim.nowUs < this.stats.toUs) this.stats.preemptions++;
  }

  private removeRunning(req: number): void {
    const i = this.running.lastIndexOf(req);
    if (i >= 0) this.running.splice(i, 1);
  }

  /** Releases a request's private blocks and its hold on shared prefix units. */
  private dropKv(req: number): void {
    const requests = this.host.ctx.requests;
    this.kv.release(requests.blocks[req]);
    requests.blocks[req] = 0;
    const pinned = requests.pinned[req];
    if (pinned) for (const key of pinned) this.kv.unpin(key);
    requests.pinned[req] = undefined;
    requests.sharedBlocks[req] = 0;
  }

  private startIteration(): void {
    const { requests, lifecycle, sim } = this.host.ctx;
    const batch = this.batch;
    const shape = this.shape;
    batch.length = 0;
    clearShape(shape);
    let budget = this.maxTokens;
    let preempted = false;
    let decodeOnly = true;

    for (let i = 0; i < this.running.length; i++) {
      const req = this.running[i];
      let tokens: number;
      if (requests.decoding[req]) tokens = budget > 0 ? 1 : 0;
      else {
        const remaining = this.prefillTarget(req) - requests.computed[req];
        tokens = this.engine.spec.chunked_prefill ? Math.min(remaining, budget) : remaining <= budget || batch.length === 0 ? remaining : 0;
      }
      if (tokens <= 0) continue;
      const need = this.privateBlocksFor(req, requests.computed[req] + tokens) - requests.blocks[req];
      let selfPreempted = false;
      while (need > 0 && !this.kv.allocate(need)) {
        const victim = this.running[this.running.length - 1];
        preempted = true;
        this.preempt(victim);
        if (victim === req) {
          selfPreempted = true;
          break;
        }
      }
      if (selfPreempted) break;
      requests.blocks[req] += Math.max(0, need);
      requests.chunk[req] = tokens;
      batch.push(req);
      budget -= tokens;
      if (requests.decoding[req]) addDecode(shape, requests.computed[req] + 1);
      else {
        addPrefill(shape, tokens, requests.computed[req]);
        decodeOnly = false;
      }
    }

    while (!preempted && budget > 0 && this.running.length < this.maxSeqs) {
      const req = this.nextWaiting();
      if (req < 0) break;
      const keys = this.engine.spec.prefix_caching ? requests.prefixKeys[req] : undefined;
      const matched = keys ? this.kv.match(keys, this.maxPrefixUnits(req)) : 0;
      const cachedTokens = matched * this.unitTokens;
      const remaining = this.prefillTarget(req) - cachedTokens;
      const tokens = this.engine.spec.chunked_prefill ? Math.min(remaining, budget) : remaining <= budget || batch.length === 0 ? remaining : 0;
      if (tokens <= 0) break;
      const need = Math.ceil((cachedTokens + tokens) / this.blockSize) - matched * this.engine.blocksPerUnit;
      if (this.running.length > 0 && this.kv.available() - need < this.engine.watermark) break;
      // Pin the matched prefix first, so making room for the rest cannot evict it.
      for (let u = 0; u < matched; u++) this.kv.pin(keys![u]);
      if (!this.kv.allocate(need)) {
        for (let u = 0; u < matched; u++) this.kv.unpin(keys![u]);
        break;
      }
      this.takeWaiting(req);
      this.waiting--;
      lifecycle.queueChanged(-1, sim.nowUs);
      this.waitingBlocks -= Math.ceil(requests.inputTokens[req] / this.blockSize);
      const firstAdmission = requests.startUs[req] < 0;
      if (firstAdmission) lifecycle.started(req, sim.nowUs);
      requests.state[req] = RequestState.inService;
      requests.pinned[req] = matched > 0 ? Array.from(keys!.subarray(0, matched)) : undefined;
      requests.sharedBlocks[req] = matched * this.engine.blocksPerUnit;
      requests.computed[req] = cachedTokens;
      if (firstAdmission) requests.cachedTokens[req] = cachedTokens;
      this.outstandingTokens -= cachedTokens;
      requests.blocks[req] = need;
      requests.chunk[req] = tokens;
      this.running.push(req);
      batch.push(req);
      budget -= tokens;
      addPrefill(shape, tokens, cachedTokens);
      decodeOnly = false;
    }

    if (batch.length === 0) {
      this.busy = false;
      this.onPower?.(0, false);
      return;
    }
    this.busy = true;
    this.onPower?.(shape.prefillTokens / (shape.prefillTokens + shape.decodeSeqs), true);
    this.iterationStartUs = sim.nowUs;
    if (decodeOnly) {
      this.startJump();
    } else {
      this.jumpSteps = 0;
      this.event = sim.after(Math.max(1, this.engine.deployed.latency.iterationUs(shape)), Priority.completion, this.onIterationEnd);
    }
  }

  /** Blocks the batch needs beyond what it holds to run `steps` decode steps. */
  private extraBlocksFor(steps: number): number {
    const requests = this.host.ctx.requests;
    let extra = 0;
    for (const req of this.batch) extra += this.privateBlocksFor(req, requests.computed[req] + steps) - requests.blocks[req];
    return extra;
  }

  private startJump(): void {
    const requests = this.host.ctx.requests;
    const batch = this.batch;
    // Steps until the first sequence finishes...
    let steps = Infinity;
    for (const req of batch) steps = Math.min(steps, requests.outputTokens[req] - requests.generated[req]);
    // ...or until the KV cache could not give the next block without preempting (step 1 is already allocated).
    // Each sequence needs at most ceil(steps / block) more blocks; only when that bound does not fit is the exact count searched.
    const available = this.kv.available();
    if (batch.length * Math.ceil(steps / this.blockSize) > available && this.extraBlocksFor(steps) > available) {
      let lo = 1;
      let hi = steps;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (this.extraBlocksFor(mid) <= available) lo = mid;
        else hi = mid - 1;
      }
      steps = lo;
    }
    this.reserveBlocksFor(steps);
    const cost = this.engine.deployed.latency.decodeCost(batch.length);
    this.jumpSteps = steps;
    this.jumpA = cost.fixedUs + cost.perContextTokenUs * this.shape.decodeKvTokens;
    this.jumpB = cost.perContextTokenUs * batch.length;
    this.event = this.host.ctx.sim.after(Math.max(1, this.jumpDurationUs(steps)), Priority.completion, this.onIterationEnd);
  }

  private reserveBlocksFor(steps: number): void {
    const requests = this.host.ctx.requests;
    for (const req of this.batch) {
      if (requests.state[req] !== RequestState.inService) continue;
      const delta = this.privateBlocksFor(req, requests.computed[req] + steps) - requests.blocks[req];
      if (delta > 0) this.kv.allocate(delta);
      else if (delta < 0) this.kv.release(-delta);
      requests.blocks[req] += delta;
    }
  }

  /** Time of the first `steps` steps of the jump. */
  private jumpDurationUs(steps: number): number {
    return steps * this.jumpA + (this.jumpB * steps * (steps - 1)) / 2;
  }

  /** Ends the jump at the end of the step in progress, so the batch can change. */
  private cutJump(): void {
    const sim = this.host.ctx.sim;
    const elapsed = sim.nowUs - this.iterationStartUs;
    // Steps completed by now: the largest k with jumpDurationUs(k) <= elapsed.
    const a = this.jumpB / 2;
    const b = this.jumpA - this.jumpB / 2;
    let done = a > 0 ? Math.floor((-b + Math.sqrt(b * b + 4 * a * elapsed)) / (2 * a)) : Math.floor(elapsed / this.jumpA);
    while (done > 0 && this.jumpDurationUs(done) > elapsed) done--;
    while (this.jumpDurationUs(done + 1) <= elapsed) done++;
    const steps = Math.min(this.jumpSteps, done + 1);
    if (steps >= this.jumpSteps) return;
    sim.cancel(this.event);
    this.jumpSteps = steps;
    this.reserveBlocksFor(steps);
    const endUs = this.iterationStartUs + Math.max(1, this.jumpDurationUs(steps));
    this.event = sim.at(Math.max(endUs, sim.nowUs), Priority.completion, this.onIterationEnd);
  }

  private finishIteration(): void {
    const { requests, sim } = this.host.ctx;
    const now = sim.nowUs;
    const durationUs = now - this.iterationStartUs;
    const steps = this.jumpSteps > 0 ? this.jumpSteps : 1;
    this.recordIteration(durationUs, steps);
    const scopeWeights = this.scopeWeights;
    scopeWeights.fill(0);
    let anyGaps = false;

    for (const req of this.batch) {
      if (requests.state[req] === RequestState.abandoned) {
        requests.release(req);
        continue;
      }
      if (requests.state[req] !== RequestState.inService) continue; // preempted meanwhile
      if (requests.decoding[req]) {
        requests.computed[req] += steps;
        requests.generated[req] += steps;
        requests.lastTokenUs[req] = now;
        this.outstandingTokens -= steps;
        if (requests.measured[req]) {
          scopeWeights[requests.scope[req]] += steps;
          anyGaps = true;
        }
      } else {
        const chunk = requests.chunk[req];
        requests.computed[req] += chunk;
        this.outstandingTokens -= chunk;
        if (requests.computed[req] >= this.prefillTarget(req)) this.completePrefill(req, now);
      }
      if (requests.generated[req] >= requests.outputTokens[req]) this.finish(req);
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
      for (let s = 0; s < w.length; s++) if (w[s] > 0) lifecycle.tokenGaps(s, durationUs / 1e6, w[s]);
      return;
    }
    // Step k lasts A + B k: record each half of the jump at its mean step time, keeping the mean exact.
    const half = Math.floor(steps / 2);
    const firstUs = this.jumpDurationUs(half) / Math.max(1, half);
    const secondUs = (this.jumpDurationUs(steps) - this.jumpDurationUs(half)) / (steps - half);
    for (let s = 0; s < w.length; s++) {
      if (w[s] === 0) continue;
      const perStep = w[s] / steps;
      if (half > 0) lifecycle.tokenGaps(s, firstUs / 1e6, perStep * half);
      lifecycle.tokenGaps(s, secondUs / 1e6, perStep * (steps - half));
    }
  }

  private completePrefill(req: number, now: number): void {
    const requests = this.host.ctx.requests;
    requests.decoding[req] = 1;
    requests.generated[req] += 1;
    this.outstandingTokens -= 1;
    if (requests.firstTokenUs[req] < 0) requests.firstTokenUs[req] = now;
    else if (requests.measured[req]) {
      // Recomputed after a preemption: the wait for this token is one (long) gap between tokens.
      this.host.ctx.lifecycle.tokenGaps(requests.scope[req], (now - requests.lastTokenUs[req]) / 1e6, 1);
    }
    requests.lastTokenUs[req] = now;
    // The prompt's whole units become shareable prefix-cache entries.
    const keys = this.engine.spec.prefix_caching ? requests.prefixKeys[req] : undefined;
    if (!keys) return;
    const pinned = requests.pinned[req] ?? [];
    const units = Math.min(keys.length, Math.floor(requests.inputTokens[req] / this.unitTokens));
    for (let u = pinned.length; u < units; u++) {
      const key = keys[u];
      if (!this.kv.insert(key)) {
        // Another sequence cached the same prefix meanwhile: share it and free our copy.
        this.kv.pin(key);
        this.kv.release(this.engine.blocksPerUnit);
      }
      requests.blocks[req] -= this.engine.blocksPerUnit;
      pinned.push(key);
    }
    requests.pinned[req] = pinned;
    requests.sharedBlocks[req] = pinned.length * this.engine.blocksPerUnit;
  }

  private finish(req: number): void {
    const { requests, sim } = this.host.ctx;
    this.removeRunning(req);
    this.dropKv(req);
    this.outstanding--;
    this.stats.outstanding.add(-1, sim.nowUs);
    const submitted = requests.submitUs[req];
    if (submitted >= this.stats.fromUs && submitted < this.stats.toUs) {
      this.stats.completed++;
      this.stats.residenceUs += sim.nowUs - submitted;
    }
    requests.state[req] = RequestState.arriving; // no longer in service here
    this.host.completed(req, requests.firstTokenUs[req]);
  }

  private recordIteration(durationUs: number, steps: number): void {
    const stats = this.stats;
    const inWindow = stats.overlapUs(this.iterationStartUs, this.iterationStartUs + durationUs);
    if (inWindow <= 0) return;
    const share = inWindow / durationUs;
    const shape = this.shape;
    stats.iterations += steps * share;
    stats.busyUs += inWindow;
    stats.seqUs += this.batch.length * inWindow;
    stats.kvBlockUs += this.kv.usedBlocks * inWindow;
    const decodeTokens = shape.decodeSeqs * steps;
    stats.prefillTokens += shape.prefillTokens * share;
    stats.decodeTokens += decodeTokens * share;
    const contextRead = steps * shape.decodeKvTokens + (shape.decodeSeqs * steps * (steps - 1)) / 2 + shape.prefillKvTokens;
    stats.flops += this.engine.flopsPerToken * (shape.prefillTokens + decodeTokens) * share;
    stats.bytes += (this.engine.weightBytesPerIteration * steps + this.engine.kvBytesPerToken * contextRead) * share;
  }

  /** Throws if KV accounting broke: blocks held by running sequences must match the pool's count. */
  check(): void {
    this.kv.check();
    const requests = this.host.ctx.requests;
    let held = 0;
    for (const req of this.running) {
      held += requests.blocks[req];
      const needed = Math.ceil(requests.computed[req] / this.blockSize) - (requests.pinned[req]?.length ?? 0) * this.engine.blocksPerUnit;
      if (requests.sharedBlocks[req] !== (requests.pinned[req]?.length ?? 0) * this.engine.blocksPerUnit) throw new Error(`request ${requests.serial[req]}: shared blocks out of step with its prefix units`);
      if (requests.blocks[req] < needed) throw new Error(`request ${requests.serial[req]} holds ${requests.blocks[req]} blocks for ${requests.computed[req]} tokens`);
      if (requests.decoding[req] && requests.firstTokenUs[req] < 0) throw new Error(`request ${requests.serial[req]} decodes before its first token`);
    }
    if (held !== this.kv.privateBlocks) throw new Error(`running sequences hold ${held} private blocks, the pool counts ${this.kv.privateBlocks}`);
  }
}
