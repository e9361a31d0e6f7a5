/**
 * Iteration time is monotone in work: adding prompt tokens, sequences, context or a prompt chunk to
 * a batch never makes its iteration faster, for every serving stack, on several GPUs, models,
 * precisions and tensor-parallel degrees. (The roofline makes this hold by construction: every term
 * grows with tokens, sequences and context, and prompt work only adds a non-negative per-layer extra.)
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GPUS } from "../../src/catalog/gpus.js";
import { MODELS } from "../../src/catalog/models.js";
import { PRECISIONS, type Precision } from "../../src/catalog/precisions.js";
import { HARDWARE_EFFICIENCY, STACK_OVERHEADS, type Stack } from "../../src/inference/latency/efficiency.js";
import { RooflineModel } from "../../src/inference/latency/roofline.js";
import { addDecode, addPrefill, emptyShape, type BatchShape } from "../../src/inference/latency/shape.js";

const STACKS = Object.keys(STACK_OVERHEADS) as Stack[];
const GPU_IDS = ["h100-sxm", "a100-sxm-80gb", "l40s", "b200", "a100-pcie-80gb"];
const MODEL_IDS = ["llama-3.1-8b", "llama-3.1-70b", "mixtral-8x7b", "falcon-180b"];
const PRECISIONS_TRIED: Precision[] = ["bf16", "fp8"];

interface Batch {
  /** prompt chunks: tokens this iteration, tokens already cached */
  chunks: { tokens: number; cached: number }[];
  /** context length of each decoding sequence */
  contexts: number[];
}

function shapeOf(batch: Batch): BatchShape {
  const shape = emptyShape();
  for (const c of batch.chunks) addPrefill(shape, c.tokens, c.cached);
  for (const context of batch.contexts) addDecode(shape, context);
  return shape;
}

function model(stack: Stack, gpuId: string, modelId: string, precision: Precision, tp: number): RooflineModel {
  const gpu = GPUS[gpuId];
  return new RooflineModel({
    gpu,
    model: MODELS[modelId],
    precision,
    kvBytes: PRECISIONS[precision].defaultKvBytes,
    tensorParallel: tp,
    pipelineParallel: 1,
    hardware: HARDWARE_EFFICIENCY[gpu.family],
    overheads: STACK_OVERHEADS[stack],
  });
}

const config = fc
  .record({
    stack: fc.constantFrom(...STACKS),
    gpuId: fc.constantFrom(...GPU_IDS),
    modelId: fc.constantFrom(...MODEL_IDS),
    precision: fc.constantFrom(...PRECISIONS_TRIED),
    tp: fc.constantFrom(1, 2, 4, 8),
  })
  .filter((c) => MODELS[c.modelId].heads % c.tp === 0);

const chunk = fc.record({ tokens: fc.integer({ min: 1, max: 4096 }), cached: fc.integer({ min: 0, max: 16_384 }) });
const batch = fc.record({ chunks: fc.array(chunk, { maxLength: 4 }), contexts: fc.array(fc.integer({ min: 1, max: 32_768 }), { maxLength: 64 }) });

/** One way of adding work to a batch; each returns a batch that does strictly more. */
const moreWork = fc.oneof(
  fc.record({ kind: fc.constant("more prompt tokens" as const), at: fc.nat(), extra: fc.integer({ min: 1, max: 2048 }) }),
  fc.record({ kind: fc.constant("another decoding sequence" as const), context: fc.integer({ min: 1, max: 32_768 }) }),
  fc.record({ kind: fc.constant("longer decode context" as const), at: fc.nat(), extra: fc.integer({ min: 1, max: 8192 }) }),
  fc.record({ kind: fc.constant("longer cached prefix" as const), at: fc.nat(), extra: fc.integer({ min: 1, max: 8192 }) }),
  fc.record({ kind: fc.constant("a prompt chunk joins" as const), chunk }),
);

function withMoreWork(b: Batch, w: typeof moreWork extends fc.Arbitrary<infer T> ? T : never): Batch {
  const chunks = b.chunks.map((c) => ({ ...c }));
  const contexts = [...b.contexts];
  switch (w.kind) {
    case "more prompt tokens":
      if (chunks.length === 0) chunks.push({ tokens: w.extra, cached: 0 });
      else chunks[w.at % chunks.length].tokens += w.extra;
      break;
    case "another decoding sequence":
      contexts.push(w.context);
      break;
    case "longer decode context":
      if (contexts.length === 0) contexts.push(w.extra);
      else contexts[w.at % contexts.length] += w.extra;
      break;
    case "longer cached prefix":
      if (chunks.length === 0) chunks.push({ tokens: 1, cached: w.extra });
      else chunks[w.at % chunks.length].cached += w.extra;
      break;
    case "a prompt chunk joins":
      chunks.push({ ...w.chunk });
      break;
  }
  return { chunks, contexts };
}

describe("iteration time is monotone in work", () => {
  it("never decreases when prompt tokens, sequences, context or a prompt chunk are added (every stack, GPU, model, precision, TP)", () => {
    fc.assert(
      fc.property(config, batch, moreWork, (c, before, work) => {
        const m = model(c.stack, c.gpuId, c.modelId, c.precision, c.tp);
        const after = withMoreWork(before, work);
        const beforeUs = m.iterationUs(shapeOf(before));
        const afterUs = m.iterationUs(shapeOf(after));
        expect(afterUs).toBeGreaterThanOrEqual(beforeUs * (1 - 1e-12));
      }),
      { numRuns: 3000 },
    );
  });

  it("charges 8 decoding sequences less than the same 8 with a 16-token prompt chunk added (the audit's case), for every stack", () => {
    for (const stack of STACKS) {
      const m = model(stack, "h100-sxm", "llama-3.1-70b", "fp8", 2);
      const decode: Batch = { chunks: [], contexts: Array(8).fill(1000) };
      const mixed: Batch = { chunks: [{ tokens: 16, cached: 0 }], contexts: Array(8).fill(1000) };
      expect(m.iterationUs(shapeOf(mixed))).toBeGreaterThan(m.iterationUs(shapeOf(decode)));
    }
  });

  it("gives prompt work a per-layer extra that is never negative, so the property holds by construction", () => {
    for (const stack of STACKS) {
      expect(STACK_OVERHEADS[stack].prefillLayerExtraUs).toBeGreaterThanOrEqual(0);
      expect(STACK_OVERHEADS[stack].layerUs).toBeGreaterThanOrEqual(0);
    }
  });
});
