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
 * Work per event, not per running sequence: the decoding sequences form a group credited lazily
 * (running-set.ts), so an iteration touches only the sequences something happens to (a prompt
 * chunk, a finish, a new KV block). Batch formation decides when the group must be laid out and
 * visited in order; the end of an iteration credits the group as a whole and the listed sequences
 * one by one, so the same code serves both.
 */
import { empty } from "../engine/columns.js";
import { Priority, usToSeconds } from "../engine/index.js";
import { RequestState } from "../requests/table.js";
import { emptyBatch, formBatch, maxPrefixUnits, PREEMPT_LAST_ADMITTED, type Formation } from "./batch-formation.js";
import type { BatchingEngine } from "./batching-engine.js";
import { jumpDurationUs, stepsCompleted, stepsKvAllows, type JumpCost } from "./decode-jump.js";
import type { KvCache } from "./kv-cache.js";
import { ReplicaBase, type BatchingReplicaLike, type ReplicaHost } from "./replica.js";
import type { ReplicaSummary } from "../metrics/replica-summary.js";
import { ReplicaStats, summarizeReplica } from "./replica-stats.js";
import { RunningSet } from "./running-set.js";
import { Speculation } from "./speculation.js";
import { SequenceKv } from "./sequence-kv.js";
import type { SequenceTable } from "./sequences.js";
import { TokenGaps } from "./token-gaps.js";
import { ArrivalOrderLine } from "./waiting-line.js";
import { preemptLowestTier, TierLine } from "../requests/tiers.js";

/** A prefilled request at a decode replica before it decodes: waiting for KV blocks, or having its KV cache moved in. */
interface Handoff {
  firstTokenUs: number;
  from: number;
  /** KV blocks reserved for it (0 while it waits for them) */
  blocks: number;
  /** the transfer moving its KV cache here, once it started */
  transfer: number;
  arrivedUs: number;
}

export class BatchingReplica extends ReplicaBase implements BatchingReplicaLike {
  /**
   * Its part in a disaggregated model: `prefill` replicas hand every request on after its first
   * token; `decode` (and `whole`, the default) replicas serve requests whole and take prefilled ones.
   */
  role: "whole" | "prefill" | "decode" = "whole";
  /** prefilled requests here that do not decode yet, in arrival order */
  private readonly handoffs = new Map<number, Handoff>();
  /** KV blocks reserved for them */
  private handoffBlocks = 0;
  /** at a prefill replica: KV blocks of requests handed on, held until their transfer ends */
  private readonly outgoing = new Map<number, number>();
  private outgoingBlocks = 0;
  /** at a decode replica: landed requests whose first decode step is still to come (its gap began at the first token) */
  private readonly landed = new Set<number>();

  /** KV blocks the waiting requests' prompts need */
  private waitingBlocks = 0;
  readonly stats: ReplicaStats;

  private readonly seqs: SequenceTable;
  private readonly kvSeqs: SequenceKv;
  /** the waiting requests in their order of admission */
  private readonly line: ArrivalOrderLine | TierLine;
  /** the running sequences: a lazily credited group of decoding ones, the rest listed */
  private readonly running: RunningSet;
  private readonly formation: Formation;
  /** sequences the iteration's end must visit */
  private readonly touched: number[] = [];
  /** sequences in the iteration in progress when it formed */
  private formedCount = 0;
  /** the iteration (or jump) in progress: the group's members, and these */
  private readonly formed = emptyBatch();
  private busy = false;
  private event = -1;
  private iterationStartUs = 0;
  /** decode-only jump in progress: its steps (0 when the iteration is not a jump) and their times */
  private jumpSteps = 0;
  private readonly jump: JumpCost = { aUs: 0, bUs: 0 };
  private readonly gaps: TokenGaps;
  /** speculative decoding, when the model has a draft: every iteration verifies, none is jumped over */
  private readonly speculation?: Speculation;
  private readonly onIterationEnd = () => this.finishIteration();

  constructor(
    index: number,
    private readonly engine: BatchingEngine,
    host: ReplicaHost,
  ) {
    super(index, host);
    const spec = engine.spec;
    this.seqs = engine.sequences;
    this.kvSeqs = new SequenceKv(engine.laneBlocks, engine.blocksPerUnit, spec.block_size, this.seqs, () => engine.offloadTier(host.serviceId));
    const tiers = engine.options.tiers;
    this.line = tiers ? new TierLine(host.ctx.requests, tiers) : new ArrivalOrderLine(host.ctx.requests);
    this.stats = new ReplicaStats(engine.options.windowFromUs, engine.options.windowToUs);
    this.gaps = new TokenGaps(engine.options.scopeCount, host.ctx.lifecycle);
    this.running = new RunningSet(this.seqs, this.kvSeqs, engine.options.scopeCount);
    const draft = engine.deployed.draft;
    // One stream per replica (or pipeline lane), named in the order they are made: deterministic, and lanes differ.
    if (draft) this.speculation = new Speculation(draft, host.ctx.streams.get(`speculative/${host.serviceId}/${index}/${engine.speculators++}`), engine.acceptanceOf);
    this.formation = {
      seqs: this.seqs,
      kv: this.kvSeqs,
      requests: host.ctx.requests,
      limits: engine.limits,
      policy: tiers ? preemptLowestTier(tiers, host.ctx.requests) : PREEMPT_LAST_ADMITTED,
      // Each speculative sequence emits its own number of tokens a step: the group, credited as one, cannot carry them.
      alwaysLayOut: (engine.options.eagerBatching ?? false) || draft !== undefined,
    };
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
    return summarizeReplica(this.stats, this.kv, this.engine.deployed, windowS, this.engine.spec.kv_offload ? this.kvSeqs.offloadHits : undefined, this.speculation?.counts);
  }

  get runningCount(): number {
    return this.running.count;
  }

  // --- requests in and out -------------------------------------------------------------------

  submit(req: number): void {
    const { requests, sim } = this.host.ctx;
    if (!this.takeIn(req)) return;
    if (requests.measured[req]) this.gaps.serve(requests.scope[req]);
    this.stats.outstanding.add(1, sim.nowUs);
    this.seqs.open(req, sim.nowUs);
    requests.moveTo(req, RequestState.replicaQueue);
    this.line.push(req);
    this.addWaiting(req, 1);
    if (!this.busy) this.startIteration();
    else if (this.jumpSteps > 1 && this.couldAdmit()) this.cutJump();
  }

  abandon(req: number): void {
    if (this.dropConnecting(req)) return;
    const { requests, sim } = this.host.ctx;
    const handoff = this.handoffs.get(req);
    if (handoff) {
      this.dropHandoff(req, handoff);
      requests.moveTo(req, RequestState.abandoned);
      requests.release(req);
      this.startTransfers();
      return;
    }
    this.outstanding--;
    this.stats.outstanding.add(-1, sim.nowUs);
    const group = this.running.group;
    const member = group.isMember(req);
    if (member) group.sync(req);
    this.outstandingTokens -= this.remainingTokens(req);
    if (requests.stateOf(req) === RequestState.replicaQueue) {
      // Left in its queue, skipped (and its id recycled) when the queue reaches it.
      this.addWaiting(req, -1);
      this.seqs.close(req);
      requests.moveTo(req, RequestState.abandoned);
      return;
    }
    this.running.remove(req, this.scopeOf(req));
    this.kvSeqs.drop(req);
    this.seqs.close(req);
    requests.moveTo(req, RequestState.abandoned);
    // An abandoned request in the batch is recycled when the iteration ends; one outside it now.
    // (Every group member is in the batch.)
    if (member) this.running.abandoned.push(req);
    else if (!this.formed.batch.includes(req)) requests.release(req);
    if (this.jumpSteps > 1) this.cutJump();
  }

  /** The replica went down: its requests fail, its KV cache and queues are lost. */
  fail(): void {
    const { requests, sim } = this.host.ctx;
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
    // Abandoned requests still in the batch are recycled here; running ones are in the running set.
    const running = this.running;
    running.layOut();
    for (const req of running.inOrder(this.formed.batch.concat(running.abandoned))) if (requests.stateOf(req) === RequestState.abandoned) requests.release(req);
    for (const req of running.listed) collect(req);
    this.line.clear(collect);
    // Prefilled requests waiting here for blocks or a transfer fail too (the transfer is to a dead
    // replica); each drop counts itself out, so the rest below is what the queues and batch held.
    const handedOff = [...this.handoffs.keys()];
    for (const req of handedOff) this.dropHandoff(req, this.handoffs.get(req)!);
    this.stats.outstanding.add(-(this.outstanding - this.connecting), sim.nowUs);
    this.formed.batch.length = 0;
    running.clear();
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
    for (const req of handedOff) this.host.failed(req);
    this.handoffBlocks = 0;
    this.outgoing.clear();
    this.outgoingBlocks = 0;
    this.landed.clear();
  }

  // --- disaggregation ------------------------------------------------------------------------

  /** A decode replica takes a prefilled request: it waits here for its KV blocks, then its KV cache moves in. */
  acceptPrefilled(req: number, firstTokenUs: number, from: number): void {
    const { requests, sim } = this.host.ctx;
    if (!this.takeIn(req)) return; // down: the transfer fails when its connection times out
    // The prompt is computed and one token generated: what is left is the rest of the output.
    this.outstandingTokens -= requests.inputTokens[req] + 1;
    this.stats.outstanding.add(1, sim.nowUs);
    requests.moveTo(req, RequestState.replicaQueue);
    this.handoffs.set(req, { firstTokenUs, from, blocks: 0, transfer: -1, arrivedUs: sim.nowUs });
    this.startTransfers();
  }

  /** Reserves KV blocks for waiting prefilled requests, in arrival order, and starts their transfers. */
  private startTransfers(): void {
    const { requests, sim } = this.host.ctx;
    for (const [req, h] of this.handoffs) {
      if (h.blocks > 0) continue;
      // The prompt's KV cache; the block for the next token comes with its decode step, as for every decoding sequence.
      const blocks = Math.ceil(requests.inputTokens[req] / this.kvSeqs.blockSize);
      if (!this.kv.allocate(blocks)) return; // the first in line waits for blocks, and those behind it
      h.blocks = blocks;
      this.handoffBlocks += blocks;
      h.transfer = this.host.startTransfer!(req, h.from, this, sim.nowUs - h.arrivedUs);
    }
  }

  /** The KV cache of a prefilled request is here: it runs as a decoding sequence from the next iteration. */
  landPrefilled(req: number): void {
    const requests = this.host.ctx.requests;
    const h = this.handoffs.get(req)!;
    this.handoffs.delete(req);
    this.handoffBlocks -= h.blocks;
    const seqs = this.seqs;
    seqs.open(req, h.arrivedUs);
    seqs.computed[req] = requests.inputTokens[req];
    seqs.generated[req] = 1;
    seqs.decoding[req] = 1;
    seqs.blocks[req] = h.blocks;
    seqs.firstTokenUs[req] = h.firstTokenUs;
    seqs.lastTokenUs[req] = h.firstTokenUs;
    seqs.admitOrder[req] = this.formed.admissions++;
    if (requests.measured[req]) this.gaps.serve(requests.scope[req]);
    requests.moveTo(req, RequestState.inService);
    // Listed, not in the group: it joins the batch at the next iteration boundary.
    this.running.listed.push(req);
    if (requests.measured[req]) this.landed.add(req);
    if (!this.busy) this.startIteration();
    else if (this.jumpSteps > 1) this.cutJump();
  }

  /** The KV cache of a request handed on from here has arrived (or will not): its blocks are free. */
  releaseOutgoing(req: number): void {
    const blocks = this.outgoing.get(req);
    if (blocks === undefined) return;
    this.outgoing.delete(req);
    this.outgoingBlocks -= blocks;
    this.kv.release(blocks);
  }

  failHandoff(req: number): void {
    const handoff = this.handoffs.get(req);
    if (!handoff) return;
    this.dropHandoff(req, handoff);
    this.host.failed(req);
    this.startTransfers();
  }

  /** Forgets a prefilled request that never decoded here: its blocks go back, its transfer is void. */
  private dropHandoff(req: number, h: Handoff): void {
    const { requests, sim } = this.host.ctx;
    this.handoffs.delete(req);
    if (h.blocks > 0) {
      this.kv.release(h.blocks);
      this.handoffBlocks -= h.blocks;
    }
    if (h.transfer >= 0) this.host.cancelTransfer!(h.transfer);
    this.outstanding--;
    this.outstandingTokens -= requests.outputTokens[req] - 1;
    this.stats.outstanding.add(-1, sim.nowUs);
  }

  /** A prefill replica's request has its first token: it leaves here, and its KV cache goes to a decode replica. */
  private handOff(req: number): void {
    const requests = this.host.ctx.requests;
    this.outstandingTokens -= requests.outputTokens[req] - this.seqs.generated[req];
    const firstTokenUs = this.leave(req);
    // The prompt's KV cache stays here until it has crossed to the decode replica (shared prefix
    // units stay cached, their copy counted here as the transfer's).
    const blocks = Math.ceil(requests.inputTokens[req] / this.kvSeqs.blockSize);
    if (this.kv.allocate(blocks)) {
      this.outgoing.set(req, blocks);
      this.outgoingBlocks += blocks;
    }
    this.host.prefilled!(req, firstTokenUs);
  }

  // --- the waiting line ----------------------------------------------------------------------

  /** A request joins (+1) or leaves (-1) the waiting line. */
  private addWaiting(req: number, delta: 1 | -1): void {
    this.waiting += delta;
    this.waitingBlocks += delta * Math.ceil(this.host.ctx.requests.inputTokens[req] / this.kvSeqs.blockSize);
  }

  /** Whether the head of the queue could join an iteration now. */
  private couldAdmit(): boolean {
    if (this.waiting === 0 || this.runningCount >= this.engine.limits.maxSeqs) return false;
    const req = this.line.peek();
    if (req < 0) return false;
    const tokens = Math.min(this.seqs.prefillTarget(req, this.host.ctx.requests.inputTokens[req]), this.engine.limits.maxTokens);
    return this.kv.available() - Math.ceil(tokens / this.kvSeqs.blockSize) >= this.engine.limits.watermarkBlocks;
  }

  private remainingTokens(req: number): number {
    const r = this.host.ctx.requests;
    return this.seqs.remainingTokens(req, r.inputTokens[req], r.outputTokens[req]);
  }

  /** The measurement scope of `req`'s token gaps, or -1 when it is not measured. */
  private readonly scopeOf = (req: number): number => {
    const requests = this.host.ctx.requests;
    return requests.measured[req] ? requests.scope[req] : -1;
  };

  // --- iterations ----------------------------------------------------------------------------

  private startIteration(): void {
    const { requests, sim } = this.host.ctx;
    const formed = this.formed;
    formBatch(this.formation, this.running, this.line, formed);
    this.formedCount = this.running.group.count + formed.batch.length;

    for (const victim of formed.preempted) {
      requests.moveTo(victim, RequestState.replicaQueue);
      this.line.pushPreempted(victim);
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
    if (formed.decodeOnly && !this.speculation) {
      this.startJump();
    } else {
      this.jumpSteps = 0;
      const latency = this.engine.deployed.latency;
      const computeUs = this.speculation ? latency.iterationUs(shape) + this.speculation.draftUs(shape) : latency.iterationUs(shape);
      // Prefix units read back from the offload tiers arrive before the forward pass that uses them.
      const durationUs = Math.max(1, computeUs * this.latencyFactor + formed.loadUs);
      this.event = sim.after(durationUs, Priority.completion, this.onIterationEnd);
      this.onPower?.(this.engine.computeShare(shape.prefillTokens + shape.decodeSeqs * shape.decodeWidth, durationUs), true);
    }
  }

  /** KV blocks the batch needs beyond what it holds for `steps` decode steps (stepsKvAllows asks several times). */
  private readonly extraBlocksFor = (steps: number): number => this.running.extraBlocks(this.formed.batch, steps);

  /** Jumps until the first sequence finishes, or until the KV cache could not give the next block without preempting. */
  private startJump(): void {
    const { requests, sim } = this.host.ctx;
    const count = this.formedCount;
    let steps = this.running.stepsToFirstFinish(this.formed.batch, requests.outputTokens);
    steps = stepsKvAllows(steps, count, this.kvSeqs.blockSize, this.kv.available(), this.extraBlocksFor);
    this.running.reserveSteps(this.formed.batch, steps, requests);
    const cost = this.engine.decodeCost(count);
    this.jumpSteps = steps;
    this.jump.aUs = (cost.fixedUs + cost.perContextTokenUs * this.formed.shape.decodeKvTokens) * this.latencyFactor;
    this.jump.bUs = cost.perContextTokenUs * count * this.latencyFactor;
    const durationUs = Math.max(1, jumpDurationUs(this.jump, steps));
    this.event = sim.after(durationUs, Priority.completion, this.onIterationEnd);
    this.onPower?.(this.engine.computeShare(count * steps, durationUs), true);
  }

  /** Ends the jump at the end of the step in progress, so the batch can change. */
  private cutJump(): void {
    const sim = this.host.ctx.sim;
    const steps = Math.min(this.jumpSteps, stepsCompleted(this.jump, sim.nowUs - this.iterationStartUs) + 1);
    if (steps >= this.jumpSteps) return;
    sim.cancel(this.event);
    this.jumpSteps = steps;
    this.running.reserveSteps(this.formed.batch, steps, this.host.ctx.requests);
    const endUs = this.iterationStartUs + Math.max(1, jumpDurationUs(this.jump, steps));
    this.event = sim.at(Math.max(endUs, sim.nowUs), Priority.completion, this.onIterationEnd);
  }

  private finishIteration(): void {
    const { requests, sim } = this.host.ctx;
    const now = sim.nowUs;
    const durationUs = now - this.iterationStartUs;
    const steps = this.jumpSteps > 0 ? this.jumpSteps : 1;
    this.stats.recordIteration(this.iterationStartUs, durationUs, steps, this.formed.shape, this.formedCount, this.kv.usedBlocks, this.engine);
    if (this.credit(steps, now)) this.gaps.record(durationUs, steps, this.jumpSteps > 1 ? this.jump : undefined);
    this.running.gather(requests.outputTokens, this.scopeOf);
    if (this.engine.options.debugChecks) this.check();
    this.busy = false;
    this.jumpSteps = 0;
    if (this.handoffs.size > 0) this.startTransfers();
    this.startIteration();
    if (this.hasFreeSlot()) this.host.hasRoom(this);
  }

  /**
   * The end of an iteration: the group is credited its steps at once, then the sequences something
   * happened to (listed ones in the batch, group members that finished or were abandoned) are
   * visited in running order. Returns whether any token gap was measured.
   */
  private credit(steps: number, now: number): boolean {
    const requests = this.host.ctx.requests;
    const seqs = this.seqs;
    const running = this.running;
    const group = running.group;
    let anyGaps = this.gaps.start(group.measuredByScope, steps);
    this.outstandingTokens -= group.count * steps;
    group.credit(steps, now);

    const touched = this.touched;
    running.toVisit(this.formed.batch, touched);
    for (let i = 0; i < touched.length; i++) {
      const req = touched[i];
      const state = requests.stateOf(req);
      if (state === RequestState.abandoned) {
        requests.release(req);
        continue;
      }
      if (state !== RequestState.inService) continue; // preempted meanwhile
      if (group.isMember(req)) group.sync(req);
      else if (seqs.decoding[req]) {
        // Outside the group: the running set is laid out. A speculative step emits its own count, one gap.
        const made = this.speculation ? this.speculation.emitted(req, requests.outputTokens[req] - seqs.generated[req], this.stats.covers(this.iterationStartUs)) : steps;
        // Its first step here: the gap since its first token spans the wait and the transfer, one gap, timed whole.
        const firstHere = this.landed.size > 0 && this.landed.delete(req);
        if (firstHere) {
          const firstStepEndUs = this.jumpSteps > 1 ? this.iterationStartUs + jumpDurationUs(this.jump, 1) : now;
          this.host.ctx.lifecycle.tokenGaps(requests.scope[req], usToSeconds(firstStepEndUs - seqs.lastTokenUs[req]), 1);
        }
        seqs.decoded(req, made, now);
        this.outstandingTokens -= made;
        if (this.speculation) {
          // The slots of rejected proposals go back; the decode group counts blocks from the tokens kept.
          this.kvSeqs.reserve(req, seqs.computed[req]);
          if (made !== steps) this.stats.recordExtraTokens(this.iterationStartUs, now - this.iterationStartUs, made - steps);
        }
        if (requests.measured[req] && (!firstHere || steps > 1)) {
          this.gaps.weights[requests.scope[req]] += firstHere ? steps - 1 : steps;
          anyGaps = true;
        }
      } else {
        this.advancePrefill(req, now);
        if (this.role === "prefill" && seqs.decoding[req] && seqs.generated[req] < requests.outputTokens[req]) {
          this.handOff(req);
          continue;
        }
        if (seqs.decoding[req] && seqs.generated[req] < requests.outputTokens[req]) {
          running.promote(req, requests.outputTokens[req], this.scopeOf(req));
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
    this.host.completed(req, this.leave(req));
  }

  /** `req` is done here (answered, or handed on): it stops running and is no longer held. Returns when its first token came. */
  private leave(req: number): number {
    const { requests, sim } = this.host.ctx;
    this.running.remove(req, this.scopeOf(req));
    this.kvSeqs.drop(req);
    this.outstanding--;
    this.stats.outstanding.add(-1, sim.nowUs);
    this.stats.recordCompletion(this.seqs.submitUs[req], sim.nowUs);
    const firstTokenUs = this.seqs.firstTokenUs[req];
    this.seqs.close(req);
    requests.moveTo(req, RequestState.unassigned);
    return firstTokenUs;
  }

  /** Throws if KV accounting broke: blocks held by running sequences (and reserved for KV transfers) must match the pool's count. */
  check(): void {
    const serials = this.host.ctx.requests.serial;
    this.kvSeqs.check(this.running.all(), (req) => serials[req], this.handoffBlocks + this.outgoingBlocks);
  }
}
