/**
 * Service tiers: waiting requests are taken by tier (priority first, batch last) with a bound on
 * starvation, the lowest tier is preempted first, a model's shared limit throttles flex before
 * on_demand, each tier pays its price and is judged by its own SLO.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import type { RequestRecord } from "../../src/index.js";
import { loadScenarioText } from "../../src/scenario/load.js";
import { RequestTable } from "../../src/requests/table.js";
import { preemptLowestTier, TierLine, TIERS } from "../../src/requests/tiers.js";
import { checkRun, recording } from "../support/invariants.js";

/** A request table with one request per entry, of tenant `tenants[i]` arriving at `arrivalsUs[i]`; returns the table and the ids. */
function table(tenants: number[], arrivalsUs: number[]): { requests: RequestTable; ids: number[] } {
  const requests = new RequestTable();
  const ids = tenants.map((tenant, i) => {
    const req = requests.allocate();
    requests.tenant[req] = tenant;
    requests.attemptStartUs[req] = arrivalsUs[i];
    return req;
  });
  return { requests, ids };
}

describe("the tier line", () => {
  // Tenants 0..3 are priority, on_demand, flex, batch.
  const order = { rankOfTenant: Uint8Array.from([0, 1, 2, 3]), agingUs: 30e6 };

  it("takes priority first and batch last, each tier first come first served", () => {
    const { requests, ids } = table([3, 2, 1, 0, 1, 0], [0, 1, 2, 3, 4, 5]);
    requests.clock = { nowUs: 10 };
    const line = new TierLine(requests, order);
    for (const req of ids) line.push(req);
    const taken: number[] = [];
    for (let req = line.shift(); req >= 0; req = line.shift()) taken.push(ids.indexOf(req));
    expect(taken).toEqual([3, 5, 2, 4, 1, 0]);
  });

  it("lets a request that waited priority_aging rise one tier, never more (batch never above flex)", () => {
    // A batch request waiting 100 s ranks as flex: behind a fresh on_demand one, ahead of a fresh flex one.
    const { requests, ids } = table([3, 1, 2], [0, 100e6, 100e6]);
    requests.clock = { nowUs: 100e6 };
    const line = new TierLine(requests, order);
    for (const req of ids) line.push(req);
    expect([line.shift(), line.shift(), line.shift()].map((req) => ids.indexOf(req))).toEqual([1, 0, 2]);
    // An aged on_demand request ties with a fresh priority one, and the earlier arrival goes first.
    const tie = table([0, 1], [50e6, 10e6]);
    tie.requests.clock = { nowUs: 50e6 };
    const line2 = new TierLine(tie.requests, order);
    for (const req of tie.ids) line2.push(req);
    expect(line2.shift()).toBe(tie.ids[1]);
  });

  it("preempts the lowest tier first, the last admitted among equals, only among those not yet scheduled", () => {
    const { requests, ids } = table([0, 3, 1, 3, 0], [0, 0, 0, 0, 0]);
    const policy = preemptLowestTier(order, requests);
    expect(policy.victim(ids, 0)).toBe(3);
    expect(policy.victim(ids, 4)).toBe(4);
    expect(policy.victim([ids[0], ids[2], ids[4]], 0)).toBe(1);
    expect(TIERS).toEqual(["priority", "on_demand", "flex", "batch"]);
  });
});

/** One queue-engine replica with one slot and a fixed 1 s service time, shared by a priority and an on_demand tenant. */
function twoClasses(rates: [number, number], aging = "10h", durationS = 100_000): string {
  return `
version: 1
name: cobham
seed: 9
duration: ${durationS}
warmup: 1000
models:
  - name: q
    engine: { kind: queue, concurrency: 1, service_time: { dist: fixed, value: 1 } }
    replicas: { initial: 1 }
    priority_aging: ${aging}
workload:
  tenants:
    - { name: high, model: q, tier: priority, arrival: { kind: poisson, rate_per_s: ${rates[0]} } }
    - { name: low, model: q, arrival: { kind: poisson, rate_per_s: ${rates[1]} } }
`;
}

describe("tiers in service", () => {
  it("gives the two classes of a non-preemptive priority M/D/1 queue Cobham's mean waits", () => {
    const waits: [number, number][] = [
      [0, 0],
      [0, 0],
    ];
    const result = simulate(loadScenarioText(twoClasses([0.3, 0.4]), "cobham.yaml"), {
      onRequestEnd: (r: RequestRecord) => {
        if (!r.measured) return;
        waits[r.tenant][0] += r.queue_s;
        waits[r.tenant][1]++;
      },
    });
    // Cobham (1954): W0 = sum(lambda_i E[S^2]) / 2 = 0.7 x 1 / 2; W_k = W0 / ((1 - s_{k-1})(1 - s_k)), s_k the load of classes 1..k.
    const w0 = (0.7 * 1) / 2;
    const expected = [w0 / (1 * (1 - 0.3)), w0 / ((1 - 0.3) * (1 - 0.7))];
    for (const k of [0, 1]) expect(waits[k][0] / waits[k][1], `class ${k}`).toBeCloseTo(expected[k], 1);
    for (const k of [0, 1]) expect(Math.abs(waits[k][0] / waits[k][1] - expected[k]) / expected[k], `class ${k}`).toBeLessThan(0.05);
    expect(result.report.by_tier!.priority!.requests.completed).toBeGreaterThan(20_000);
  });

  it("bounds starvation by priority_aging: under overload the low tier is still served once its requests have waited", () => {
    // 130 % load, the priority class alone 80 %, and no drain: what is still queued at the end is in flight.
    const run = (aging: string) => simulate(loadScenarioText(twoClasses([0.8, 0.5], aging, 4000).replace("warmup: 1000", "warmup: 1000\ndrain: 0"), "aged.yaml")).report.by_tier!.on_demand!;
    const starved = run("10h");
    const aged = run("30s");
    // Strict priority leaves the low class the 20 % the priority class does not use: 0.2 of its 0.5 requests/s.
    expect(starved.requests.completed / starved.requests.arrived).toBeLessThan(0.5);
    // Aged, a waiting low request ties with fresh priority ones and goes first as the earlier arrival: about FIFO, 0.5 / 1.3 of the capacity.
    expect(aged.requests.completed / aged.requests.arrived).toBeGreaterThan(0.65);
  });

  it("prices each tier and judges it by its own SLO; a model's shared limit throttles flex before on_demand", () => {
    const yaml = `
version: 1
name: tiers
seed: 3
duration: 10m
warmup: 1m
models:
  - name: m
    engine: { kind: queue, concurrency: 8, service_time: { dist: fixed, value: 0.5 } }
    replicas: { initial: 2 }
    price: { input_usd_per_mtok: 3, output_usd_per_mtok: 15, priority_premium: 0.75, flex_discount: 0.5 }
gateway:
  rate_limits:
    models:
      m: { tokens_per_min: 600000 }
slo: { ttft: 2s, tiers: { flex: { ttft: 30s } } }
workload:
  tenants:
    - { name: vip, model: m, tier: priority, arrival: { kind: poisson, rate_per_s: 2 }, input_tokens: { dist: fixed, value: 1000 }, output_tokens: { dist: fixed, value: 100 } }
    - { name: std, model: m, arrival: { kind: poisson, rate_per_s: 5 }, input_tokens: { dist: fixed, value: 1000 }, output_tokens: { dist: fixed, value: 100 } }
    - { name: cheap, model: m, tier: flex, arrival: { kind: poisson, rate_per_s: 5 }, input_tokens: { dist: fixed, value: 1000 }, output_tokens: { dist: fixed, value: 100 } }
`;
    const { options, tally } = recording();
    const result = simulate(loadScenarioText(yaml, "tiers.yaml"), options);
    checkRun(result, tally);
    const { report } = result;
    const tiers = report.by_tier!;
    expect(Object.keys(tiers)).toEqual(["priority", "on_demand", "flex"]);
    // 12 requests/s of 1,100 tokens is 792,000 tokens a minute against 600,000: flex may use only the top half of the bucket.
    const throttledShare = (t: "priority" | "on_demand" | "flex") => tiers[t]!.requests.throttled / tiers[t]!.requests.arrived;
    expect(throttledShare("flex")).toBeGreaterThan(0.3);
    expect(throttledShare("on_demand")).toBeLessThan(0.05);
    expect(report.gateway.throttled_attempts.by_limit.model_tokens_per_min).toBeGreaterThan(0);
    // Revenue by hand: (1,000 x $3 + 100 x $15) per million tokens, times 1.75, 1 and 0.5.
    const perRequest = (1000 * 3 + 100 * 15) / 1e6;
    const factor = { priority: 1.75, on_demand: 1, flex: 0.5 } as const;
    for (const t of ["priority", "on_demand", "flex"] as const) {
      const g = tiers[t]!;
      const requestsBilled = g.throughput.output_tokens_per_s * 540 / 100;
      expect(g.revenue_usd, t).toBeCloseTo(requestsBilled * perRequest * factor[t], 6);
    }
    expect(tiers.flex!.slo.ttft_s).toBe(30);
    expect(tiers.priority!.slo.ttft_s).toBe(2);
  });
});
