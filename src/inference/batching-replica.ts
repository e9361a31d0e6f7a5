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
 *
 * Work per event, not per running sequence: the decoding sequences form a DecodeGroup credited
 * lazily, so an iteration touches only the sequences something happens to (a prompt chunk, a
 * finish, a new KV block). When the batch cannot be formed that way (the KV cache or the token
 * budget would run short, so the order of the running list decides who waits or is preempted),
 * the replica lays the running list out in order and forms that iteration eagerly, exactly as
 * batch-formation.ts says; the result is the same either way.
 */
import { empty, removeLast } from "../engine/columns.js";
import { Priority, usToSeconds } from "../engine/index.js";
import { RequestQueue } from "../requests/queue.js";
import { RequestState } from "../requests/table.js";
import { admitWaiting, emptyBatch, formBatch, maxPrefixUnits, type WaitingLine } from "./batch-formation.js";
import { addPrefill, clearShape } from "./latency/shape.js";
import { DecodeGroup } from "./decode-group.js";
import type { BatchingEngine } from "./batching-engine.js";
import { jumpDurationUs, jumpHalves, stepsCompleted, stepsKvAllows, type JumpCost, type JumpHalves } from "./decode-jump.js";
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
  /** the running sequences in admission order, laid out only while an iteration formed eagerly runs (`eager`) */
  private running: number[] = [];
  private eager = false;
  /** otherwise: the decoding ones, credited lazily */
  private readonly group: DecodeGroup;
  /** and those still computing their prompt, in admission order */
  private prefilling: number[] = [];
  /** decode-group members abandoned during the iteration in progress (freed when it ends) */
  private readonly leftBatch: number[] = [];
  /** sequences the iteration's end must visit */
  private readonly touched: number[] = [];
  /** sequences in the iteration in progress when it formed */
  private formedCount = 0;
  private readonly byAdmission = (a: number, b: number) => this.seqs.admitOrder[a] - this.seqs.admitOrder[b];
  /** the iteration (or jump) in progress */
  private readonly formed = emptyBatch();
  private readonly waitingLine: WaitingLine = { peek: () => this.nextWaiting(), take: (req) => this.takeWaiting(req) };
  private busy = false;
  private event = -1;
  private iterationStartUs = 0;
  /** decode-only jump in progress: its steps (0 when the iteration is not a jump) and their times */
  private jumpSteps = 0;
  private readonly jump: JumpCost = { aUs: 0, bUs: 0 };
  private readonly halves: JumpHalves = { firstSteps: 0, firstUs: 0, secondUs: 0 };
  private readonly scopeWeights: Float64Array;
  /** the measurement scopes of the requests submitted here, ascending: the only ones `scopeWeights` can hold (a run may have hundreds) */
  private readonly scopesServed: number[] = [];
  private readonly served: Uint8Array;
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
    this.served = new Uint8Array(engine.options.scopeCount);
    this.group = new DecodeGroup(this.seqs, spec.block_size, engine.options.scopeCount);
  }

  /** The KV block pool (lost and replaced when the replica fails). */
  get kv(): KvCache {
    return this.kvSeqs.cache;
  }

  // --- what routers see ----------------------------------------------------------------------

  hasFreeSlot(): boolean {
    return this.runningCount + this.waiting + this.connecting < this.engine.limits.maxSeqs;
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
    return this.eager ? this.running.length : this.group.count + this.prefilling.length;
  }

  // --- requests in and out -------------------------------------------------------------------

  submit(req: number): void {
    const { requests, sim } = this.host.ctx;
    if (!this.takeIn(req)) return;
    if (requests.measured[req]) this.serve(requests.scope[req]);
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
    if (this.group.isMember(req)) this.group.sync(req);
    this.outstandingTokens -= this.remainingTokens(req);
    if (requests.stateOf(req) === RequestState.replicaQueue) {
      // Left in its queue, skipped (and its id recycled) when the queue reaches it.
      this.addWaiting(req, -1);
      this.seqs.close(req);
      requests.moveTo(req, RequestState.abandoned);
      return;
    }
    const member = !this.eager && this.group.isMember(req);
    this.removeRunning(req);
    this.kvSeqs.drop(req);
    this.seqs.close(req);
    requests.moveTo(req, RequestState.abandoned);
    // An abandoned request in the batch is recycled when the iteration ends; one outside it now.
    // (Between eager iterations every decode-group member is in the batch.)
    if (member) this.leftBatch.push(req);
    else if (!this.formed.batch.includes(req)) requests.release(req);
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
    this.layOutRunning();
    for (const req of this.inBatchOrder(this.formed.batch.concat(this.leftBatch))) if (requests.stateOf(req) === RequestState.abandoned) requests.release(req);
    for (const req of this.running) collect(req);
    for (const req of this.resume) collect(req);
    this.queue.clear(collect);
    if (this.waiting > 0) lifecycle.queueChanged(-this.waiting, sim.nowUs);
    this.stats.outstanding.add(-(this.outstanding - this.connecting), sim.nowUs);
    this.formed.batch.length = 0;
    this.leftBatch.length = 0;
    this.running = [];
    this.eager = false;
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
    if (this.waiting === 0 || this.runningCount >= this.engine.limits.maxSeqs) return false;
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
    if (!this.eager && this.group.isMember(req)) {
      this.group.leave(req, this.scopeOf(req));
      return;
    }
    removeLast(this.eager ? this.running : this.prefilling, req);
  }

  /** Notes that requests of measurement scope `scope` come here. */
  private serve(scope: number): void {
    if (this.served[scope]) return;
    this.served[scope] = 1;
    const list = this.scopesServed;
    let at = list.length;
    while (at > 0 && list[at - 1] > scope) at--;
    list.splice(at, 0, scope);
  }

  /** The measurement scope of `req`'s token gaps, or -1 when it is not measured. */
  private scopeOf(req: number): number {
    const requests = this.host.ctx.requests;
    return requests.measured[req] ? requests.scope[req] : -1;
  }

  /** `list` sorted in admission order (the running list's order), in place; usually it is already. */
  private inBatchOrder(list: number[]): number[] {
    const order = this.seqs.admitOrder;
    for (let i = 1; i < list.length; i++) {
      if (order[list[i - 1]] > order[list[i]]) {
        list.sort(this.byAdmission);
        break;
      }
    }
    return list;
  }

  /** Switches to eager: every running sequence, synced, in `running` in admission order. */
  private layOutRunning(): void {
    if (this.eager) return;
    const all = this.group.dissolve();
    for (const req of this.prefilling) all.push(req);
    this.prefilling = [];
    this.running = this.inBatchOrder(all);
    this.eager = true;
  }

  /** Back to lazy after an eager iteration: decoding sequences join the group, the others wait on their prompts in order. */
  private gatherRunning(): void {
    if (!this.eager) return;
    const { requests } = this.host.ctx;
    for (const req of this.running) {
      if (this.seqs.decoding[req]) this.group.join(req, requests.outputTokens[req], this.scopeOf(req));
      else this.prefilling.push(req);
    }
    this.running = [];
    this.eager = false;
  }

  // --- iterations ----------------------------------------------------------------------------

  private startIteration(): void {
    const { requests, sim } = this.host.ctx;
    const formed = this.formed;
    if (!this.formLazily()) {
      this.layOutRunning();
      formBatch(this.running, this.waitingLine, this.seqs, this.kvSeqs, requests, this.engine.limits, formed);
      this.formedCount = formed.batch.length;
    }

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
    if (this.formedCount === 0) {
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

  /**
   * Forms the next batch without visiting the decode group's members, when that gives the batch
   * batch-formation.ts would: every running sequence gets all the tokens it wants (a decode token,
   * its prompt's remainder) within the token budget, and the KV cache can give every block they need
   * without preempting, so the running list's order decides nothing. False, changing nothing, otherwise.
   */
  private formLazily(): boolean {
    if (this.eager || this.engine.options.eagerBatching) return false;
    const { requests } = this.host.ctx;
    const { seqs, kvSeqs, group, prefilling, formed } = this;
    const limits = this.engine.limits;
    let demand = group.count;
    let blocks = 0;
    for (const req of prefilling) {
      const tokens = seqs.prefillTarget(req, requests.inputTokens[req]) - seqs.computed[req];
      demand += tokens;
      blocks += Math.max(0, kvSeqs.shortfall(req, seqs.computed[req] + tokens));
    }
    if (demand > limits.maxTokens) return false;
    const decodeBlocks = group.blocksBetween(0, 1);
    if (blocks + decodeBlocks > this.kv.available()) return false;
    this.kv.allocate(decodeBlocks);
    group.reserve(1);

    empty(formed.batch);
    empty(formed.admitted);
    empty(formed.preempted);
    formed.recomputeTokens = 0;
    formed.decodeOnly = prefilling.length === 0;
    const shape = formed.shape;
    clearShape(shape);
    shape.decodeSeqs = group.count;
    shape.decodeKvTokens = group.contextTokens() + group.count;
    let budget = limits.maxTokens - group.count;
    for (const req of prefilling) {
      const tokens = seqs.prefillTarget(req, requests.inputTokens[req]) - seqs.computed[req];
      const need = kvSeqs.shortfall(req, seqs.computed[req] + tokens);
      if (need > 0) kvSeqs.tryGrow(req, need);
      seqs.chunk[req] = tokens;
      formed.batch.push(req);
      budget -= tokens;
      addPrefill(shape, tokens, seqs.computed[req]);
    }
    admitWaiting(group.count, prefilling, budget, this.waitingLine, seqs, kvSeqs, requests, limits, formed);
    this.formedCount = group.count + formed.batch.length;
    return true;
  }

  /** Blocks the batch needs beyond what it holds to run `steps` decode steps. */
  private readonly extraBlocksFor = (steps: number): number => {
    let extra = 0;
    if (this.eager) {
      for (const req of this.formed.batch) extra += this.kvSeqs.shortfall(req, this.seqs.computed[req] + steps);
    } else {
      extra = this.group.blocksBetween(this.group.reserved, steps);
    }
    return extra;
  };

  /** Jumps until the first sequence finishes, or until the KV cache could not give the next block without preempting. */
  private startJump(): void {
    const { requests, sim } = this.host.ctx;
    const count = this.formedCount;
    let steps = Infinity;
    if (this.eager) {
      for (const req of this.formed.batch) steps = Math.min(steps, requests.outputTokens[req] - this.seqs.generated[req]);
    } else {
      steps = this.group.stepsToFirstFinish();
    }
    steps = stepsKvAllows(steps, count, this.kvSeqs.blockSize, this.kv.available(), this.extraBlocksFor);
    this.reserveBlocksFor(steps);
    const cost = this.engine.decodeCost(count);
    this.jumpSteps = steps;
    this.jump.aUs = (cost.fixedUs + cost.perContextTokenUs * this.formed.shape.decodeKvTokens) * this.latencyFactor;
    this.jump.bUs = cost.perContextTokenUs * count * this.latencyFactor;
    const durationUs = Math.max(1, jumpDurationUs(this.jump, steps));
    this.event = sim.after(durationUs, Priority.completion, this.onIterationEnd);
    this.onPower?.(this.engine.computeShare(count * steps, durationUs), true);
  }

  /** Gives each sequence of the jump exactly the blocks `steps` steps need (the decode group as a whole). */
  private reserveBlocksFor(steps: number): void {
    const requests = this.host.ctx.requests;
    if (this.eager) {
      for (const req of this.formed.batch) {
        if (requests.stateOf(req) === RequestState.inService) this.kvSeqs.reserve(req, this.seqs.computed[req] + steps);
      }
      return;
    }
    const group = this.group;
    const held = group.reserved;
    if (steps > held) this.kv.allocate(group.blocksBetween(held, steps));
    else this.kv.release(group.blocksBetween(steps, held));
    group.reserve(steps);
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
    const now = sim.nowUs;
    const durationUs = now - this.iterationStartUs;
    const steps = this.jumpSteps > 0 ? this.jumpSteps : 1;
    this.stats.recordIteration(this.iterationStartUs, durationUs, steps, this.formed.shape, this.formedCount, this.kv.usedBlocks, this.engine);
    const anyGaps = this.eager ? this.finishEagerly(steps, now) : this.finishLazily(steps, now);
    if (anyGaps) this.recordGaps(durationUs, steps);
    this.gatherRunning();
    if (this.engine.options.debugChecks) this.check();
    this.busy = false;
    this.jumpSteps = 0;
    this.startIteration();
    if (this.hasFreeSlot()) this.host.hasRoom(this);
  }

  /** The end of an iteration formed eagerly: every sequence of the batch, in order. Returns whether any token gap was measured. */
  private finishEagerly(steps: number, now: number): boolean {
    const requests = this.host.ctx.requests;
    const seqs = this.seqs;
    const scopeWeights = this.scopeWeights;
    for (const s of this.scopesServed) scopeWeights[s] = 0;
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
      } else this.advancePrefill(req, now);
      if (seqs.generated[req] >= requests.outputTokens[req]) this.finish(req);
    }
    return anyGaps;
  }

  /**
   * The end of an iteration formed lazily: the decode group is credited its steps at once, then the
   * sequences something happened to (a prompt chunk, a finished output, abandoned) are visited in
   * batch order. Returns whether any token gap was measured.
   */
  private finishLazily(steps: number, now: number): boolean {
    const requests = this.host.ctx.requests;
    const seqs = this.seqs;
    const group = this.group;
    const scopeWeights = this.scopeWeights;
    let anyGaps = false;
    if (group.count > 0) {
      for (const s of this.scopesServed) {
        scopeWeights[s] = group.measuredByScope[s] * steps;
        if (scopeWeights[s] > 0) anyGaps = true;
      }
      this.outstandingTokens -= group.count * steps;
    }
    group.credit(steps, now);

    const touched = this.touched;
    group.takeFinished(touched);
    const batch = this.formed.batch;
    for (let i = 0; i < batch.length; i++) touched.push(batch[i]);
    if (this.leftBatch.length > 0) {
      for (const req of this.leftBatch) touched.push(req);
      this.leftBatch.length = 0;
    }
    if (touched.length === 0) return anyGaps;
    this.inBatchOrder(touched);
    for (let i = 0; i < touched.length; i++) {
      const req = touched[i];
      const state = requests.stateOf(req);
      if (state === RequestState.abandoned) {
        requests.release(req);
        continue;
      }
      if (state !== RequestState.inService) continue;
      if (group.isMember(req)) group.sync(req);
      else {
        this.advancePrefill(req, now);
        if (seqs.decoding[req] && seqs.generated[req] < requests.outputTokens[req]) {
          removeLast(this.prefilling, req);
          group.join(req, requests.outputTokens[req], this.scopeOf(req));
          continue;
        }
      }
      if (seqs.generated[req] >= requests.outputTokens[req]) this.finish(req);
    }
    empty(touched);
    return anyGaps;
  }

  /** A prompt chunk of `req` was computed. */
  private advancePrefill(req: number, now: number): void {
    const seqs = this.seqs;
    const chunk = seqs.chunk[req];
    seqs.computed[req] += chunk;
    this.outstandingTokens -= chunk;
    if (seqs.computed[req] >= seqs.prefillTarget(req, this.host.ctx.requests.inputTokens[req])) this.completePrefill(req, now);
  }

  /** Token gaps of the decoding sequences: one iteration's duration, or the jump's steps. */
  private recordGaps(durationUs: number, steps: number): void {
    const lifecycle = this.host.ctx.lifecycle;
    const w = this.scopeWeights;
    if (this.jumpSteps <= 1) {
      for (const s of this.scopesServed) if (w[s] > 0) lifecycle.tokenGaps(s, usToSeconds(durationUs), w[s]);
      return;
    }
    const { firstSteps, firstUs, secondUs } = jumpHalves(this.jump, steps, this.halves);
    for (const s of this.scopesServed) {
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
    const running = this.eager ? this.running : this.prefilling.slice();
    if (!this.eager) {
      this.group.forEach((req) => {
        this.group.sync(req);
        running.push(req);
      });
    }
    this.kvSeqs.check(running, (req) => serials[req]);
  }
}
