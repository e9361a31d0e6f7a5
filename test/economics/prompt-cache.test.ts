/**
 * Billed prompt caching: revenue of a fixed pattern of checkpoint writes, reads and expiries, checked
 * by hand; a prefix under the model's minimum is silently not cached.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { loadScenarioText } from "../../src/scenario/load.js";
import { checkRun, recording } from "../support/invariants.js";

const YAML = `
version: 1
name: cache-bill
seed: 1
duration: 30m
warmup: 0
models:
  - name: m
    engine: { kind: queue, concurrency: 4, service_time: { dist: fixed, value: 1 } }
    replicas: { initial: 1 }
    prompt_cache: { min_tokens: 1024 }
    price: { input_usd_per_mtok: 3, output_usd_per_mtok: 15, cache_read_usd_per_mtok: 0.3, cache_write_5m_usd_per_mtok: 3.75 }
workload:
  tenants:
    # every 240 s, inside the 5-minute TTL: one write, then reads
    - { name: steady, model: m, prefix: { tokens: 2000, cache_ttl: 5m }, arrival: { kind: constant, rate_per_s: 0.0041666666666666667 }, input_tokens: { dist: fixed, value: 3000 }, output_tokens: { dist: fixed, value: 100 } }
    # every 400 s, past the TTL: every use writes again
    - { name: sparse, model: m, prefix: { tokens: 2000, cache_ttl: 5m }, arrival: { kind: constant, rate_per_s: 0.0025 }, input_tokens: { dist: fixed, value: 3000 }, output_tokens: { dist: fixed, value: 100 } }
    # a 500-token prefix is under the model's 1,024 minimum: not cached, billed as input
    - { name: short, model: m, prefix: { tokens: 500, cache_ttl: 5m }, arrival: { kind: constant, rate_per_s: 0.0041666666666666667 }, input_tokens: { dist: fixed, value: 3000 }, output_tokens: { dist: fixed, value: 100 } }
`;

describe("billed prompt caching", () => {
  it("bills a fixed pattern of writes, reads and expiries as the hand calculation does", () => {
    const { options, tally } = recording();
    const result = simulate(loadScenarioText(YAML, "cache-bill.yaml"), options);
    checkRun(result, tally);
    const { report } = result;
    // Arrivals at 240, 480, ..., 1,680 s (7), at 400, 800, 1,200, 1,600 s (4), and 7 again.
    expect(report.by_tenant.steady.requests.completed).toBe(7);
    expect(report.by_tenant.sparse.requests.completed).toBe(4);
    const perM = (tokens: number, usd: number) => (tokens * usd) / 1e6;
    const uncached = perM(1000, 3) + perM(100, 15);
    const steady = 7 * uncached + perM(2000, 3.75) + 6 * perM(2000, 0.3);
    const sparse = 4 * (uncached + perM(2000, 3.75));
    const short = 7 * (perM(3000, 3) + perM(100, 15));
    expect(report.revenue.by_tenant.steady).toBeCloseTo(steady, 9);
    expect(report.revenue.by_tenant.sparse).toBeCloseTo(sparse, 9);
    expect(report.revenue.by_tenant.short).toBeCloseTo(short, 9);
    const pc = report.by_model.m.prompt_cache!;
    expect(pc.read_tokens).toBe(6 * 2000);
    expect(pc.write_5m_tokens).toBe(5 * 2000);
    expect(pc.hit_rate).toBeCloseTo(6 / 11, 9);
    // Reads save 2.7 $/Mtok, writes cost 0.75 more.
    expect(pc.customer_savings_usd).toBeCloseTo(perM(12000, 2.7) - perM(10000, 0.75), 9);
    expect(pc.physical_hit_tokens).toBe(0);
  });
});
