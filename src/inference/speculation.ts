/**
 * Speculative decoding at one replica: a draft model proposes k tokens for every decoding sequence,
 * the target verifies all k + 1 positions in one pass, and each sequence keeps the run of proposals
 * the target accepted plus the target's own next token. With a per-token acceptance probability a
 * (Leviathan et al. 2023), a step emits 1 + min(k, accepted run) tokens: P(run >= j) = a^j, so
 * E = (1 - a^(k+1)) / (1 - a) on average. Each sequence draws its own run every step; a run longer
 * than the output still owed is cut there, so outputs end at their exact length.
 *
 * The step's time is the draft's k passes (the first also prefilling any prompt chunks of the batch,
 * the draft's KV cache holding every token the target's does) plus the target's pass, in which every
 * decoding sequence carries k + 1 tokens (BatchShape.decodeWidth), all priced by the latency model at
 * the batch's real shape.
 */
import type { Rng } from "../engine/index.js";
import type { Draft } from "./deployment.js";
import { emptyShape, type BatchShape } from "./latency/shape.js";

/** Whole (uncut) verify steps in the measurement window: what the report's tokens per step and acceptance come from. */
export interface SpeculationCounts {
  /** sequence-steps whose run was not cut by the end of the output */
  steps: number;
  /** tokens those steps emitted */
  tokens: number;
  /** draft tokens they proposed (k each) and the target accepted */
  proposed: number;
  accepted: number;
}

export class Speculation {
  readonly counts: SpeculationCounts = { steps: 0, tokens: 0, proposed: 0, accepted: 0 };
  /** the draft's decode-only passes after its first (reused) */
  private readonly draftDecode: BatchShape = emptyShape();
  private readonly draftFirst: BatchShape = emptyShape();

  constructor(
    readonly draft: Draft,
    private readonly rng: Rng,
    /** the acceptance probability for `req` (its tenant's, or the model's) */
    private readonly acceptanceOf: (req: number) => number,
  ) {}

  /** Tokens the target keeps for `req` this step, at most `owed`; whole steps inside the window are counted. */
  emitted(req: number, owed: number, counted: boolean): number {
    const k = this.draft.tokens;
    const a = this.acceptanceOf(req);
    // The accepted run: P(run >= j) = a^j, drawn by inversion (1 - rng() is in (0, 1]).
    const run = a >= 1 ? k : a <= 0 ? 0 : Math.min(k, Math.floor(Math.log(1 - this.rng()) / Math.log(a)));
    const tokens = 1 + run;
    if (tokens > owed) return owed;
    if (counted) {
      const c = this.counts;
      c.steps++;
      c.tokens += tokens;
      c.proposed += k;
      c.accepted += run;
    }
    return tokens;
  }

  /** The draft's time for a step of the target's `shape`: its first pass with the prompt chunks, then k - 1 decode-only passes. */
  draftUs(shape: BatchShape): number {
    const first = this.draftFirst;
    Object.assign(first, shape);
    first.decodeWidth = 1;
    if (shape.decodeSeqs === 0) return this.draft.latency.iterationUs(first);
    const decode = this.draftDecode;
    decode.decodeSeqs = shape.decodeSeqs;
    decode.decodeKvTokens = shape.decodeKvTokens;
    return this.draft.latency.iterationUs(first) + (this.draft.tokens - 1) * this.draft.latency.iterationUs(decode);
  }
}

/** Expected tokens per verify step for k proposals at per-token acceptance a: (1 - a^(k+1)) / (1 - a). */
export function expectedTokensPerStep(k: number, a: number): number {
  return a >= 1 ? k + 1 : (1 - Math.pow(a, k + 1)) / (1 - a);
}
