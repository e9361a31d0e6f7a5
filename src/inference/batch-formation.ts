/**
 * Batch formation, vLLM style, in one place for every way a replica forms its batches: given the
 * running sequences, the waiting line, the KV cache and the limits, it decides the next iteration:
 * every running sequence continues (a token for those decoding, a prompt chunk for those
 * prefilling), preempting a victim when a sequence needs a KV block and none is left; then waiting
 * requests are admitted while the token budget, the sequence limit and the KV cache (less a
 * watermark) allow.
 *
 * Two things are parameters, so that a new scheduling discipline is one change: the admission
 * order (the `WaitingLine`: who is admitted next) and the victim choice (`FormationPolicy.victim`).
 *
 * The running sequences come as a RunningSet: decoding ones in a lazily credited group, the rest
 * listed. When every running sequence can have all the tokens it wants within the token budget and
 * the KV cache can give every block they need without preempting, the order of the running list
 * decides nothing, and the group continues as a whole without a visit to each member (the fast
 * path). Otherwise the set is laid out and each sequence is visited in running order. Both give the
 * same batch; the formation below is one function either way.
 *
 * It changes the sequences and the KV cache it is given and nothing else: it schedules no event
 * and records no statistic (BLIS's batch_formation.go draws the same line). The replica applies
 * what it returns (queue counts, lifecycle, statistics).
 */
import { empty } from "../engine/columns.js";
import { addDecode, addPrefill, clearShape, emptyShape, type BatchShape } from "./latency/shape.js";
import type { RunningSet } from "./running-set.js";
import type { SequenceKv } from "./sequence-kv.js";
import type { SequenceTable } from "./sequences.js";

export interface BatchLimits {
  /** most sequences running at once */
  maxSeqs: number;
  /** most tokens (prompt chunks plus decode tokens) in one iteration */
  maxTokens: number;
  /** split long prompts over iterations; without it a prompt is prefilled whole, alone if it must */
  chunkedPrefill: boolean;
  /** reuse cached prompt prefixes */
  prefixCaching: boolean;
  /** KV blocks kept free when admitting, so running sequences can grow */
  watermarkBlocks: number;
  /** tokens a decoding sequence takes in an iteration: 1, or k + 1 verifying a speculative draft (budget and KV slots) */
  decodeWidth: number;
}

/** The requests waiting at a replica, in the order they should be admitted: the admission order. */
export interface WaitingLine {
  /** the next request to admit, or -1 */
  peek(): number;
  /** removes `req`, which `peek` just returned */
  take(req: number): void;
}

/** What a request brings that batch formation reads. */
export interface RequestTokens {
  readonly inputTokens: Int32Array;
  readonly prefixKeys: readonly (Int32Array | undefined)[];
}

export interface FormedBatch {
  /** sequences in the iteration, running ones first, in order */
  readonly batch: number[];
  readonly shape: BatchShape;
  /** every sequence in the batch decodes (the replica may jump over many such iterations) */
  decodeOnly: boolean;
  /** requests taken from the waiting line, in order */
  readonly admitted: number[];
  /** running sequences preempted (their KV dropped), in order */
  readonly preempted: number[];
  /** tokens added to the work outstanding by the preemptions (prompts and output to recompute) */
  recomputeTokens: number;
  /** admissions so far at this replica: the next admitted sequence's order */
  admissions: number;
  /** prompt tokens read back from the KV offload tiers for this iteration, and the time that takes (µs) */
  loadedTokens: number;
  loadUs: number;
}

export function emptyBatch(): FormedBatch {
  return { batch: [], shape: emptyShape(), decodeOnly: true, admitted: [], preempted: [], recomputeTokens: 0, admissions: 0, loadedTokens: 0, loadUs: 0 };
}

/**
 * Tokens of a prompt to compute this iteration: with chunked prefill as many as the budget allows;
 * without, the whole remainder if it fits, or alone in an empty batch (vLLM lets one long prompt
 * overrun the budget rather than never run), else none.
 */
export function prefillChunk(remaining: number, budget: number, chunked: boolean, batchEmpty: boolean): number {
  if (chunked) return Math.min(remaining, budget);
  return remaining <= budget || batchEmpty ? remaining : 0;
}

/** Prompt units eligible for the prefix cache: whole units, leaving at least one token to compute. */
export function maxPrefixUnits(inputTokens: number, unitTokens: number): number {
  return Math.floor((inputTokens - 1) / unitTokens);
}

/** The scheduling discipline's choices that are not an order of admission. */
export interface FormationPolicy {
  /**
   * The running sequence to preempt when one needs a KV block and none is left: an index into
   * `running` (in running order) no lower than `from`, the sequences not yet given their tokens
   * this iteration (so a victim never leaves a batch already counted).
   */
  victim(running: readonly number[], from: number): number;
}

/** vLLM's recompute order: the most recently admitted sequence is preempted first. */
export const PREEMPT_LAST_ADMITTED: FormationPolicy = { victim: (running) => running.length - 1 };

/** One replica's (or pipeline lane's) means of forming batches, fixed for its life. */
export interface Formation {
  readonly seqs: SequenceTable;
  readonly kv: SequenceKv;
  readonly requests: RequestTokens;
  readonly limits: BatchLimits;
  readonly policy: FormationPolicy;
  /** visit every running sequence every iteration, never the group as a whole (tests compare both ways) */
  readonly alwaysLayOut: boolean;
}

/**
 * Forms the next batch into `out` (reused between iterations). `running` loses preempted sequences
 * and lists the admitted ones; the group's members hold the KV blocks of their next token.
 */
export function formBatch(f: Formation, running: RunningSet, waiting: WaitingLine, out: FormedBatch): void {
  startBatch(out);
  out.shape.decodeWidth = f.limits.decodeWidth;
  if (f.alwaysLayOut || !continuesWhole(f, running)) running.layOut();
  const group = running.group;
  // The group's members each decode a token; continuesWhole found their blocks (none while laid out).
  f.kv.cache.allocate(group.blocksBetween(0, 1));
  group.reserve(1);
  if (group.count > 0) {
    out.shape.decodeSeqs = group.count;
    out.shape.decodeKvTokens = group.contextTokens() + group.count;
  }
  const budget = continueListed(f, running.listed, group.count, f.limits.maxTokens - group.count, out);
  if (out.preempted.length === 0) admitWaiting(f, running.listed, group.count, budget, waiting, out);
}

/**
 * Whether every running sequence can have all the tokens it wants (a decode token, its prompt's
 * remainder) within the token budget, with every KV block they need free or evictable: then no
 * one waits or is preempted, and the running order decides nothing.
 */
function continuesWhole(f: Formation, running: RunningSet): boolean {
  const { seqs, kv, requests } = f;
  const group = running.group;
  let demand = group.count;
  let blocks = 0;
  for (const req of running.listed) {
    const tokens = seqs.decoding[req] ? f.limits.decodeWidth : seqs.prefillTarget(req, requests.inputTokens[req]) - seqs.computed[req];
    demand += tokens;
    const need = kv.shortfall(req, seqs.computed[req] + tokens);
    if (need > 0) blocks += need;
  }
  return demand <= f.limits.maxTokens && blocks + group.blocksBetween(0, 1) <= kv.cache.available();
}

function startBatch(out: FormedBatch): void {
  empty(out.batch);
  empty(out.admitted);
  empty(out.preempted);
  out.recomputeTokens = 0;
  out.loadedTokens = 0;
  out.loadUs = 0;
  out.decodeOnly = true;
  clearShape(out.shape);
}

/**
 * Gives each listed sequence its tokens for the next iteration, in running order, preempting the
 * policy's victims when the KV cache runs out; `others` sequences (the group) are already in the
 * batch. Returns the token budget left.
 */
function continueListed(f: Formation, running: number[], others: number, budget: number, out: FormedBatch): number {
  const { seqs, kv, requests, limits } = f;
  const { batch, shape } = out;
  // Columns read in the loops (a table grows only when a sequence opens, never during formation).
  const { decoding, computed, chunk } = seqs;

  for (let i = 0; i < running.length; i++) {
    const req = running[i];
    const isDecoding = decoding[req] === 1;
    const width = f.limits.decodeWidth;
    const tokens = isDecoding
      ? budget >= width
        ? width
        : 0
      : prefillChunk(seqs.prefillTarget(req, requests.inputTokens[req]) - computed[req], budget, limits.chunkedPrefill, others + batch.length === 0);
    if (tokens <= 0) continue;
    const need = kv.shortfall(req, computed[req] + tokens);
    let selfPreempted = false;
    while (need > 0 && !kv.tryGrow(req, need)) {
      const at = f.policy.victim(running, i);
      if (at < i || at >= running.length) throw new Error(`preemption victim at ${at} of ${running.length}, not among the ${running.length - i} sequences still to schedule`);
      const victim = running[at];
      preempt(f, victim, at, running, out);
      if (victim === req) {
        selfPreempted = true;
        break;
      }
    }
    if (selfPreempted) break;
    chunk[req] = tokens;
    batch.push(req);
    budget -= tokens;
    if (isDecoding) addDecode(shape, computed[req] + 1);
    else {
      addPrefill(shape, tokens, computed[req]);
      out.decodeOnly = false;
    }
  }
  return budget;
}

/**
 * Admits waiting requests while the token budget, the sequence limit and the KV cache (less the
 * watermark) allow, appending them to `running` and the batch. `others` running sequences are in
 * the batch without being in `running` or `out.batch` (the group).
 */
function admitWaiting(f: Formation, running: number[], others: number, budget: number, waiting: WaitingLine, out: FormedBatch): void {
  const { seqs, kv, requests, limits } = f;
  const { batch, shape, admitted } = out;
  while (budget > 0 && others + running.length < limits.maxSeqs) {
    const req = waiting.peek();
    if (req < 0) break;
    const input = requests.inputTokens[req];
    const keys = limits.prefixCaching ? requests.prefixKeys[req] : undefined;
    const maxUnits = keys ? maxPrefixUnits(input, kv.unitTokens) : 0;
    const matched = keys ? kv.match(keys, maxUnits) : 0;
    // Units evicted to the offload tiers are read back instead of computed: held as private blocks until the prompt is shared.
    const offloaded = keys && kv.cache.offload ? kv.offloaded(keys, matched, maxUnits) : 0;
    const cachedTokens = (matched + offloaded) * kv.unitTokens;
    const tokens = prefillChunk(seqs.prefillTarget(req, input) - cachedTokens, budget, limits.chunkedPrefill, others + batch.length === 0);
    if (tokens <= 0) break;
    const need = Math.ceil((cachedTokens + tokens) / kv.blockSize) - matched * kv.blocksPerUnit;
    if (others + running.length > 0 && kv.cache.available() - need < limits.watermarkBlocks) break;
    if (!kv.admit(req, keys, matched, need)) break;
    if (offloaded > 0) {
      out.loadUs += kv.readOffloaded(keys!, matched, offloaded);
      out.loadedTokens += offloaded * kv.unitTokens;
    }
    waiting.take(req);
    seqs.computed[req] = cachedTokens;
    seqs.chunk[req] = tokens;
    seqs.admitOrder[req] = out.admissions++;
    running.push(req);
    admitted.push(req);
    batch.push(req);
    budget -= tokens;
    addPrefill(shape, tokens, cachedTokens);
    out.decodeOnly = false;
  }
}

/** Drops the KV of the running sequence at `at`: it will recompute its prompt and what it generated when readmitted. */
function preempt(f: Formation, victim: number, at: number, running: number[], out: FormedBatch): void {
  const { seqs, kv, requests } = f;
  const input = requests.inputTokens[victim];
  const prefillBefore = seqs.decoding[victim] ? 0 : seqs.prefillTarget(victim, input) - seqs.computed[victim];
  running.splice(at, 1);
  kv.drop(victim);
  seqs.computed[victim] = 0;
  seqs.decoding[victim] = 0;
  seqs.preemptions[victim]++;
  out.recomputeTokens += seqs.prefillTarget(victim, input) - prefillBefore;
  out.preempted.push(victim);
}
