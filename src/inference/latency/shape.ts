/** What one iteration (one forward pass of a replica's batch) has to do; the latency models price it. */
export interface BatchShape {
  /** prompt tokens processed this iteration (chunks of one or more prompts) */
  prefillTokens: number;
  /** sequences with a prompt chunk in this iteration */
  prefillSeqs: number;
  /** query-key pairs of the prompt chunks' causal attention: sum of p * (c + p / 2) for a chunk of p after c cached tokens */
  prefillAttentionPairs: number;
  /** KV-cache tokens the prompt chunks' attention reads: sum of c + p */
  prefillKvTokens: number;
  /** sequences generating one token each */
  decodeSeqs: number;
  /** KV-cache tokens the decoding sequences' attention reads: sum of their context lengths */
  decodeKvTokens: number;
  /**
   * tokens each decoding sequence carries through the pass: 1, or k + 1 when the pass verifies k
   * tokens a speculative draft proposed (each writes its KV entry and gets its logits; the KV cache
   * before them is read once)
   */
  decodeWidth: number;
}

export function emptyShape(): BatchShape {
  return { prefillTokens: 0, prefillSeqs: 0, prefillAttentionPairs: 0, prefillKvTokens: 0, decodeSeqs: 0, decodeKvTokens: 0, decodeWidth: 1 };
}

/** Empties a shape in place (replicas reuse one per iteration). */
export function clearShape(shape: BatchShape): void {
  shape.prefillTokens = 0;
  shape.prefillSeqs = 0;
  shape.prefillAttentionPairs = 0;
  shape.prefillKvTokens = 0;
  shape.decodeSeqs = 0;
  shape.decodeKvTokens = 0;
  shape.decodeWidth = 1;
}

/** Adds a prompt chunk of `tokens` after `cached` tokens already in the KV cache. */
export function addPrefill(shape: BatchShape, tokens: number, cached: number): void {
  shape.prefillTokens += tokens;
  shape.prefillSeqs += 1;
  shape.prefillAttentionPairs += tokens * (cached + tokens / 2);
  shape.prefillKvTokens += cached + tokens;
}

export function addDecode(shape: BatchShape, context: number): void {
  shape.decodeSeqs += 1;
  shape.decodeKvTokens += context;
}

/** The time model behind a replica: iteration time, and decode-only iterations in closed form. */
export interface LatencyModel {
  /** microseconds for one iteration of this batch */
  iterationUs(shape: BatchShape): number;
  /**
   * A decode-only iteration of `seqs` sequences takes fixedUs + perContextTokenUs * (their total context),
   * exactly; a replica uses this to jump over many iterations at once.
   */
  decodeCost(seqs: number): DecodeCost;
}

/** A decode-only iteration's time: fixedUs + perContextTokenUs x (the batch's total context). */
export interface DecodeCost {
  readonly fixedUs: number;
  readonly perContextTokenUs: number;
}
