/**
 * The decode group credits decoding sequences lazily; these tests hold it to the eager scheduler:
 * its block arithmetic against a per-sequence count, and whole runs (KV pressure with preemptions,
 * prefix caching, chunked prompts, abandoned requests, failures, pipeline lanes) formed lazily
 * against the same runs formed by walking the running list, byte for byte.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { simulate, type ScenarioInput } from "../../src/index.js";
import { DecodeGroup } from "../../src/inference/decode-group.js";
import { SequenceTable } from "../../src/inference/sequences.js";

describe("decode group block arithmetic", () => {
  it("blocks needed between two steps ahead equal the per-sequence count, at any clock", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 32 }),
        fc.array(fc.record({ context: fc.integer({ min: 1, max: 5000 }), shared: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 200 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        (blockSize, members, credited, a, b) => {
          const seqs = new SequenceTable();
          const group = new DecodeGroup(seqs, blockSize, 1);
          members.forEach((m, req) => {
            seqs.open(req, 0);
            const shared = Math.min(m.shared, Math.floor(m.context / blockSize));
            seqs.computed[req] = m.context;
            seqs.sharedBlocks[req] = shared;
            seqs.blocks[req] = Math.ceil(m.context / blockSize) - shared;
            seqs.decoding[req] = 1;
            group.join(req, 1_000_000, -1);
          });
          group.reserve(credited);
          group.credit(credited, 1);
          const [from, to] = a <= b ? [a, b] : [b, a];
          let expected = 0;
          members.forEach((m) => {
            const now = m.context + credited;
            expected += Math.ceil((now + to) / blockSize) - Math.ceil((now + from) / blockSize);
          });
          expect(group.blocksBetween(from, to)).toBe(expected);
          expect(group.contextTokens()).toBe(members.reduce((s, m) => s + m.context + credited, 0));
        },
      ),
      { seed: 20261129, numRuns: 300 },
    );
  });

  it("answers members finishing at the same step in admission order", () => {
    const seqs = new SequenceTable();
    const group = new DecodeGroup(seqs, 16, 1);
    const outputs = [5, 3, 5, 9, 3];
    const order = [4, 0, 3, 1, 2];
    outputs.forEach((output, req) => {
      seqs.open(req, 0);
      seqs.computed[req] = 100;
      seqs.blocks[req] = 7;
      seqs.generated[req] = 1;
      seqs.decoding[req] = 1;
      seqs.admitOrder[req] = order[req];
      group.join(req, output, -1);
    });
    expect(group.stepsToFirstFinish()).toBe(2);
    const finished: number[] = [];
    group.reserve(4);
    group.credit(4, 1);
    group.takeFinished(finished);
    // by finish step (outputs 3 before 5), then by admission order among equals
    expect(finished).toEqual([1, 4, 2, 0]);
    for (const req of finished) group.leave(req, -1);
    expect(group.count).toBe(1);
    group.sync(3);
    expect(seqs.generated[3]).toBe(5);
    expect(seqs.computed[3]).toBe(104);
  });
});

function scenario(name: string, model: Record<string, unknown>, tenant: Record<string, unknown>, extra: Record<string, unknown> = {}): ScenarioInput {
  return {
    version: 1,
    name,
    seed: 3,
    duration: 240,
    warmup: 20,
    models: [
      {
        name: "m",
        model: "llama-3.1-8b",
        gpu: "h100-sxm",
        precision: "bf16",
        replicas: { initial: 2 },
        router: { kind: "least_outstanding_tokens" },
        ...model,
        engine: { kind: "continuous_batching", ...(model.engine as object) },
      },
    ],
    workload: { tenants: [{ name: "t", model: "m", ...tenant }] },
    ...extra,
  } as ScenarioInput;
}

const CASES: [string, ScenarioInput][] = [
  [
    "KV pressure with preemptions",
    scenario("kv", { engine: { kv_cache_free_fraction: 0.08 } }, {
      arrival: { kind: "poisson", rate_per_s: 6 },
      input_tokens: { dist: "lognormal", mean: 3000, cv: 1, max: 12000 },
      output_tokens: { dist: "lognormal", mean: 600, cv: 1, max: 4000 },
    }),
  ],
  [
    "long prompts chunked past the token budget, with client timeouts",
    scenario("chunks", { engine: { max_batched_tokens: 1024, max_num_seqs: 64 } }, {
      arrival: { kind: "poisson", rate_per_s: 12 },
      input_tokens: { dist: "lognormal", mean: 2500, cv: 1.2, max: 16000 },
      output_tokens: { dist: "lognormal", mean: 200, cv: 1, max: 2000 },
      timeout: "20s",
    }),
  ],
  [
    "shared prefixes in the prefix cache, replicas failing",
    scenario(
      "prefix",
      { engine: { prefix_caching: true }, replicas: { initial: 3 } },
      { arrival: { kind: "poisson", rate_per_s: 20 }, prefix: { tokens: 1500, variants: 3 }, output_tokens: { dist: "exponential", mean: 150 } },
      { faults: [{ kind: "server_failures", mtbf: "60s", mttr: "20s" }] },
    ),
  ],
  [
    "pipeline lanes",
    scenario("pp", { model: "llama-3.1-70b", precision: "fp8", tensor_parallel: 2, pipeline_parallel: 2, replicas: { initial: 1 } }, { arrival: { kind: "poisson", rate_per_s: 3 } }),
  ],
];

describe("lazy batch formation gives the eager scheduler's results", () => {
  for (const [what, input] of CASES) {
    it(what, () => {
      const lazy = simulate(input, { debugChecks: true });
      const eager = simulate(input, { debugChecks: true, eagerBatching: true });
      expect(lazy.report.requests.completed).toBeGreaterThan(100);
      expect(JSON.stringify(lazy.report)).toBe(JSON.stringify(eager.report));
      expect(JSON.stringify(lazy.timeseries)).toBe(JSON.stringify(eager.timeseries));
    });
  }

  it("the cases exercise what they name", () => {
    const kv = simulate(CASES[0][1]).report;
    const chunks = simulate(CASES[1][1]).report;
    const prefix = simulate(CASES[2][1]).report;
    const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
    expect(sum(kv.by_model.m.replicas_detail.map((r) => r.preemptions))).toBeGreaterThan(0);
    expect(chunks.requests.timed_out).toBeGreaterThan(0);
    expect(sum(prefix.by_model.m.replicas_detail.map((r) => r.prefix_cache_hits))).toBeGreaterThan(0);
    expect(prefix.events.some((e) => e.kind === "server_failure")).toBe(true);
  });
});
