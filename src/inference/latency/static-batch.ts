/**
 * Closed-form runs of simple benchmark shapes on a latency model: prefilling a set of prompts,
 * decode steps, and a static batch (all prompts prefilled, then all decoded together), the way
 * TensorRT-LLM's gptSessionBenchmark and Splitwise's profiling measure them.
 */
import { usToSeconds } from "../../engine/index.js";
import { addPrefill, emptyShape, type LatencyModel } from "./shape.js";

/** Time to prefill `batch` prompts of `promptTokens`, packed into iterations of at most `maxBatchedTokens`. */
export function prefillUs(model: LatencyModel, promptTokens: number, batch = 1, maxBatchedTokens = Infinity): number {
  let total = 0;
  let shape = emptyShape();
  for (let seq = 0; seq < batch; seq++) {
    let done = 0;
    while (done < promptTokens) {
      const room = maxBatchedTokens - shape.prefillTokens;
      const chunk = Math.min(promptTokens - done, room);
      addPrefill(shape, chunk, done);
      done += chunk;
      if (shape.prefillTokens >= maxBatchedTokens) {
        total += model.iterationUs(shape);
        shape = emptyShape();
      }
    }
  }
  if (shape.prefillTokens > 0) total += model.iterationUs(shape);
  return total;
}

/** One decode iteration of `batch` sequences of `context` tokens each. */
export function decodeStepUs(model: LatencyModel, batch: number, context: number): number {
  const cost = model.decodeCost(batch);
  return cost.fixedUs + cost.perContextTokenUs * batch * context;
}

/** Sum of the decode steps that take `batch` sequences from `fromContext` to `fromContext + steps` tokens. */
export function decodeStepsUs(model: LatencyModel, batch: number, fromContext: number, steps: number): number {
  const cost = model.decodeCost(batch);
  // Step s (0-based) reads fromContext + s tokens per sequence.
  return steps * cost.fixedUs + cost.perContextTokenUs * batch * (steps * fromContext + (steps * (steps - 1)) / 2);
}

export interface StaticBatchResult {
  /** time until every sequence has its first token (the prefill) */
  ttftUs: number;
  /** mean time between tokens after the first */
  tbtUs: number;
  /** time until the whole batch has finished */
  e2eUs: number;
  /** output tokens per second of the replica */
  outputTokensPerS: number;
}

/** `batch` prompts of `isl` tokens prefilled together, then `osl - 1` decode steps (the first token comes from the prefill). */
export function staticBatch(model: LatencyModel, batch: number, isl: number, osl: number, maxBatchedTokens = Infinity): StaticBatchResult {
  const ttftUs = prefillUs(model, isl, batch, maxBatchedTokens);
  const decodeUs = decodeStepsUs(model, batch, isl + 1, osl - 1);
  const e2eUs = ttftUs + decodeUs;
  return { ttftUs, tbtUs: osl > 1 ? decodeUs / (osl - 1) : 0, e2eUs, outputTokensPerS: (batch * osl) / usToSeconds(e2eUs) };
}
