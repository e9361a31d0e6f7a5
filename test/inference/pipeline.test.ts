/**
 * Pipeline parallelism keeps one micro-batch in flight per stage (vLLM's virtual engines): on four
 * H100s, Llama-3.1-70B in bf16 as TP2 x PP2 serves a burst about as fast as TP4; a lone request pays
 * the bubble (each token crosses every stage while the others idle).
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";

function burst(tp: number, pp: number, count: number) {
  const { report, run } = simulate({
    version: 1,
    name: "pp",
    duration: 1,
    models: [{ name: "m", model: "llama-3.1-70b", gpu: "h100-sxm", precision: "bf16", tensor_parallel: tp, pipeline_parallel: pp, replicas: { initial: 1 } }],
    workload: {
      tenants: [{ name: "t", model: "m", arrival: { kind: "burst", count, at: 0 }, input_tokens: { dist: "fixed", value: 512 }, output_tokens: { dist: "fixed", value: 256 } }],
    },
  });
  expect(report.requests.completed).toBe(count);
  return { endS: report.run.simulated_s, tbtS: report.latency.tbt_s.mean!, latency: run.deployments[0]!.latency };
}

describe("pipeline parallelism", () => {
  it("finishes a burst of 3,000 requests (512 in / 256 out) as TP2 x PP2 within 1.25 times TP4's time", () => {
    const tp4 = burst(4, 1, 3000);
    const tp2pp2 = burst(2, 2, 3000);
    expect(tp2pp2.endS).toBeLessThanOrEqual(1.25 * tp4.endS);
    // Pipelining is not free concurrency: the lanes share the replica's sequence limit.
    expect(tp2pp2.endS).toBeGreaterThan(0.8 * tp4.endS);
  });

  it("makes a lone request pay the bubble: each token crosses both stages, so its time per token is the whole model's", () => {
    const one = burst(2, 2, 1);
    const decodeOnlyUs = one.latency.iterationUs({ prefillTokens: 0, prefillSeqs: 0, prefillAttentionPairs: 0, prefillKvTokens: 0, decodeSeqs: 1, decodeKvTokens: 512 + 128, decodeWidth: 1 });
    expect(one.tbtS * 1e6).toBeGreaterThan(0.95 * decodeOnlyUs);
    expect(one.tbtS * 1e6).toBeLessThan(1.05 * decodeOnlyUs);
    // TP4 splits every layer over four GPUs instead: a lone request is faster there.
    expect(burst(4, 1, 1).tbtS).toBeLessThan(one.tbtS);
    // A second request fills the idle stage: it runs in the other lane and costs the first nothing.
    const two = burst(2, 2, 2);
    expect(two.endS).toBeCloseTo(one.endS, 6);
    expect(two.tbtS).toBeCloseTo(one.tbtS, 9);
  });
});
