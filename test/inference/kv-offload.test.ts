/**
 * KV offload tiers: prefix blocks evicted from GPU memory kept in host memory (and a shared store),
 * read back at the tier's bandwidth instead of computed again. One replica, a tenant whose prompts
 * share a 2,048-token prefix, and (in two of the runs) a flood of long prompts between them that
 * needs the whole KV cache, so the prefix is always evicted from GPU memory before the next use.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import type { RequestRecord } from "../../src/metrics/recorder.js";
import { OffloadTier } from "../../src/inference/kv-cache.js";
import { loadScenarioText as loadText } from "../../src/scenario/load.js";

const loadScenarioText = (text: string) => loadText(text, "too-much.yaml");

const PREFIX = 2048;
const READ_GB_PER_S = 50;
const READ_LATENCY_US = 10;

function scenario(options: { flood: boolean; offload: boolean; floodTokens?: number }) {
  const tenants: object[] = [
    // Every 4 s; the prefix is 128 KV blocks of 16 tokens; 52 tokens of each prompt are its own.
    { name: "shared", model: "m", arrival: { kind: "constant", rate_per_s: 0.25 }, prefix: { tokens: PREFIX }, input_tokens: { dist: "fixed", value: 2100 }, output_tokens: { dist: "fixed", value: 2 } },
  ];
  if (options.flood) {
    // Every 3.45 s, never within 0.1 s of a shared prompt in the first minute: one or two between any two shared ones.
    tenants.push({ name: "flood", model: "m", arrival: { kind: "constant", rate_per_s: 0.29 }, input_tokens: { dist: "fixed", value: options.floodTokens }, output_tokens: { dist: "fixed", value: 2 } });
  }
  return {
    version: 1,
    name: "offload",
    duration: 60,
    models: [
      {
        name: "m",
        model: "llama-3.1-8b",
        gpu: "h100-sxm",
        replicas: { initial: 1 },
        engine: {
          kind: "continuous_batching",
          kv_cache_free_fraction: 0.008,
          ...(options.offload ? { kv_offload: { host_memory_gb: 100, read_gb_per_s: READ_GB_PER_S, read_latency: `${READ_LATENCY_US}us` } } : {}),
        },
      },
    ],
    workload: { tenants },
  };
}

function run(options: Parameters<typeof scenario>[0]) {
  const records: RequestRecord[] = [];
  const result = simulate(scenario(options), { debugChecks: true, onRequestEnd: (r) => records.push(r) });
  // The shared tenant's prompts after the first (which computes the prefix), by arrival.
  const shared = records.filter((r) => r.tenant === 0 && r.arrival_s > 4.5).sort((a, b) => a.arrival_s - b.arrival_s);
  return { ...result, shared };
}

describe("KV offload", () => {
  const kvTokens = run({ flood: false, offload: false }).report.by_model.m.deployment!.kv_tokens_per_replica;
  // A flood prompt that needs every block but a few: it evicts the whole cached prefix.
  const floodTokens = kvTokens - 3 * 16;

  it("turns misses into hits slower than the GPU's by exactly the read time of the prefix", () => {
    const gpu = run({ flood: false, offload: false });
    const miss = run({ flood: true, offload: false, floodTokens });
    const host = run({ flood: true, offload: true, floodTokens });
    const ttft = (r: ReturnType<typeof run>) => r.shared.map((x) => x.ttft_s);
    expect(host.shared.length).toBeGreaterThanOrEqual(12);
    for (const r of [gpu, miss, host]) expect(r.shared.length).toBe(host.shared.length);

    // The flood evicts all but the last few of the prefix's 128 units (blocks of 16 tokens) to host memory;
    // those few stay in GPU memory and cost nothing. By hand: 131,072 bytes of KV per token (32 layers x 2
    // x 8 KV heads x 128 x 2 bytes), read at 50 GB/s after 10 µs.
    const tiers = host.report.by_model.m.prefix_cache_hits_by_tier!;
    const unitsRead = tiers.host / host.shared.length;
    expect(Number.isInteger(unitsRead)).toBe(true);
    expect(unitsRead).toBeGreaterThan(120);
    expect(unitsRead).toBeLessThanOrEqual(128);
    const readS = (unitsRead * 16 * 131_072) / (READ_GB_PER_S * 1e9) + READ_LATENCY_US / 1e6; // about 5.3 ms
    for (let i = 0; i < host.shared.length; i++) {
      const [g, m, h] = [ttft(gpu)[i], ttft(miss)[i], ttft(host)[i]];
      expect(h).toBeGreaterThan(g);
      expect(h).toBeLessThan(m);
      // The same 52-token prefill after 2,048 cached tokens, plus the read (to the microsecond the clock keeps).
      expect(Math.abs(h - g - readS)).toBeLessThan(2e-6);
    }
    expect(tiers.store).toBe(0);
    // Without offload the prefix is recomputed every time, and the report has no tiers.
    expect(miss.report.by_model.m.prefix_cache_hits_by_tier).toBeUndefined();
  });

  it("keeps what a full host tier drops in the store below it, least recently used first", () => {
    const store = new OffloadTier("store", 3, 1, 0);
    const host = new OffloadTier("host", 2, 1, 0, store);
    const keys = Int32Array.from([10, 11, 12, 13]);
    for (const key of keys) host.put(key);
    const held = (tier: OffloadTier) => [10, 11, 12, 13, 20].filter((k) => tier.has(k));
    // Host holds the two most recent; the store got 10 and 11.
    expect([held(host), held(store)]).toEqual([[12, 13], [10, 11]]);
    host.touch(keys[2]); // 12 is now the most recent: 13 goes down next
    host.put(20);
    expect([held(host), held(store)]).toEqual([[12, 20], [10, 11, 13]]);
    // The store is full: one more drops its oldest (10) for good.
    host.put(21);
    expect(held(store)).toEqual([11, 12, 13]);
    expect(host.readUs(0)).toBe(0);
    expect(host.readUs(3)).toBe(3);
  });

  it("refuses host memory the servers do not have, and offload without a prefix cache", () => {
    const text = (hostGb: number, prefix: boolean) => `
version: 1
name: too-much
duration: 60
models:
  - name: m
    model: llama-3.1-8b
    gpu: h100-sxm
    engine: { kind: continuous_batching, prefix_caching: ${prefix}, kv_offload: { host_memory_gb: ${hostGb}, read_gb_per_s: 50 } }
workload:
  tenants: [{ name: t, model: m, arrival: { kind: poisson, rate_per_s: 1 } }]
`;
    // Eight one-GPU replicas share a p5.48xlarge's 2,199 GB.
    expect(() => loadScenarioText(text(300, true))).toThrow(/8 replica\(s\) of m fit on a p5\.48xlarge .* would hold 2400 GB of host memory together; it has 2199\.0 GB/);
    expect(() => loadScenarioText(text(200, true))).not.toThrow();
    expect(() => loadScenarioText(text(100, false))).toThrow(/needs prefix_caching: true/);
  });
});
