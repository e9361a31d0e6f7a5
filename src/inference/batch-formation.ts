/**
 * Batch formation, vLLM style, as one function: given the running sequences, the waiting line, the
 * KV cache and the limits, it decides the next iteration's batch: every running sequence continues
 * (a token for those decoding, a prompt chunk for those prefilling), preempting the most recently
 * admitted when a decoding sequence needs a block and none is left; then waiting requests are
 * admitted while the token budget, the sequence limit and the KV cache (less a watermark) allow.
 *
 * It changes the sequences and the KV cache it is given and nothing else: it schedules no event
 * and records no statistic (BLIS's batch_formation.go draws the same line). The replica applies
 * what it returns (queue counts, lifecycle, statistics).
 */
import { empty } from "../engine/columns.js";
import { addDecode, addPrefill, clearShape, emptyShape, type BatchShape } from "./latency/shape.js";
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
}

/** The requests waiting at a replica, in the order they should be admitted. */
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
}

export function emptyBatch(): FormedBatch {
  return { batch: [], shape: emptyShape(), decodeOnly: true, admitted: [], preempted: [], recomputeTokens: 0, admissions: 0 };
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

/** Forms the next batch into `out` (reused between iterations); `running` loses preempted sequences and gains admitted ones. */
export function formBatch(running: number[], waiting: WaitingLine, seqs: SequenceTable, kv: SequenceKv, requests: RequestTokens, limits: BatchLimits, out: FormedBatch): void {
  const budget = continueRunning(running, seqs, kv, requests, limits, out);
  if (out.preempted.length === 0) admitWaiting(0, running, budget, waiting, seqs, kv, requests, limits, out);
}

/** Empties `out`, then gives each running sequence its tokens for the next iteration, preempting when the KV cache runs out; returns the token budget left. */
export function continueRunning(running: number[], seqs: SequenceTable, kv: SequenceKv, requests: RequestTokens, limits: BatchLimits, out: FormedBatch): number {
  const { batch, shape, admitted, preempted } = out;
  empty(batch);
  empty(admitted);
  empty(preempted);
  out.recomputeTokens = 0;
  out.decodeOnly = true;
  clearShape(shape);
  let budget = limits.maxTokens;
  // Columns read in the loops (a table grows only when a sequence opens, never during formation).
  const { decoding, computed, chunk } = seqs;

  for (let i = 0; i < running.length; i++) {
    const req = running[i];
    const isDecoding = decoding[req] === 1;
    const tokens = isDecoding
      ? budget > 0
        ? 1
        : 0
      : prefillChunk(seqs.prefillTarget(req, requests.inputTokens[req]) - computed[req], budget, limits.chunkedPrefill, batch.length === 0);
    if (tokens <= 0) continue;
    const need = kv.shortfall(req, computed[req] + tokens);
    let selfPreempted = false;
    while (need > 0 && !kv.tryGrow(req, need)) {
      const victim = running[running.length - 1];
      preempt(victim, running, seqs, kv, requests, out);
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
 * the batch without being in `running` or `out.batch` (a replica's decode group).
 */
export function admitWaiting(others: number, running: number[], budget: number, waiting: WaitingLine, seqs: SequenceTable, kv: SequenceKv, requests: RequestTokens, limits: BatchLimits, out: FormedBatch): void {
  const { batch, shape, admitted } = out;
  while (budget > 0 && others + running.length < limits.maxSeqs) {
    const req = waiting.peek();
    if (req < 0) break;
    const input = requests.inputTokens[req];
    const keys = limits.prefixCaching ? requests.prefixKeys[req] : undefined;
    const matched = keys ? kv.match(keys, maxPrefixUnits(input, kv.unitTokens)) : 0;
    const cachedTokens = matched * kv.unitTokens;
    const tokens = prefillChunk(seqs.prefillTarget(req, input) - cachedTokens, budget, limits.chunkedPrefill, others + batch.length === 0);
    if (tokens <= 0) break;
    const need = Math.ceil((cachedTokens + tokens) / kv.blockSize) - matched * kv.blocksPerUnit;
    if (others + running.length > 0 && kv.cache.available() - need < limits.watermarkBlocks) break;
    if (!kv.admit(req, keys, matched, need)) break;
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

/** Drops a running sequence's KV: it will recompute its prompt and what it generated when readmitted. */
function preempt(victim: number, running: number[], seqs: SequenceTable, kv: SequenceKv, requests: RequestTokens, out: FormedBatch): void {
  const input = requests.inputTokens[victim];
  const prefillBefore = seqs.decoding[victim] ? 0 : seqs.prefillTarget(victim, input) - seqs.computed[victim];
  const i = running.lastIndexOf(victim);
  if (i >= 0) running.splice(i, 1);
  kv.drop(victim);
  seqs.computed[victim] = 0;
  seqs.decoding[victim] = 0;
  seqs.preemptions[victim]++;
  out.recomputeTokens += seqs.prefillTarget(victim, input) - prefillBefore;
  out.preempted.push(victim);
}
