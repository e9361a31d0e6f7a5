import { describe, expect, it } from "vitest";
import { RandomStreams } from "../../src/engine/index.js";
import { createRouter } from "../../src/control/routers/index.js";
import { HOLD, type ReplicaSnapshot } from "../../src/control/routers/router.js";
import type { RouterSpec } from "../../src/scenario/schema.js";
import { simulate } from "../../src/index.js";
import { queueScenario } from "../support/scenarios.js";

/** Snapshots as a load balancer would give them: load `outstanding`, tokens 100 per request. */
function snapshots(loads: number[], free: boolean[] = loads.map(() => true), cachedPrefix: number[] = loads.map(() => 0)): ReplicaSnapshot[] {
  return loads.map((outstanding, index) => ({
    index,
    healthy: true,
    hasFreeSlot: free[index],
    outstanding,
    outstandingTokens: outstanding * 100,
    kvLoad: outstanding / 10,
    cachedPrefixTokens: cachedPrefix[index],
  }));
}

const request = { promptTokens: 1000 };

function router(spec: RouterSpec) {
  return createRouter({ spec, rng: new RandomStreams(1).get("r") });
}

describe("routers", () => {
  it("round_robin visits replicas in turn", () => {
    const r = router({ kind: "round_robin" });
    const replicas = snapshots([5, 0, 9]);
    expect([0, 1, 2, 3, 4].map(() => r.pick(request, replicas))).toEqual([0, 1, 2, 0, 1]);
  });

  it("least_outstanding sends to the replica with the fewest requests", () => {
    const replicas = snapshots([4, 2, 7, 2]);
    const r = router({ kind: "least_outstanding" });
    expect(r.pick(request, replicas)).toBe(1);
    // Ties rotate: the next scan starts after the last pick, so the other least-loaded one wins.
    expect(r.pick(request, replicas)).toBe(3);
  });

  it("central_queue picks a replica with a free slot, or holds the request", () => {
    const r = router({ kind: "central_queue" });
    expect(r.pick(request, snapshots([1, 1, 0], [false, false, true]))).toBe(2);
    const full = router({ kind: "central_queue" });
    expect(full.pick(request, snapshots([1, 1], [false, false]))).toBe(HOLD);
  });

  it("random spreads requests evenly", () => {
    const r = router({ kind: "random" });
    const replicas = snapshots([0, 0, 0, 0]);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[r.pick(request, replicas)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500); // 5 sigma
  });

  it("power_of_two never picks the most loaded replica of a pair", () => {
    const r = router({ kind: "power_of_two", choices: 2 });
    for (let i = 0; i < 100; i++) expect(r.pick(request, snapshots([0, 9]))).toBe(0);
  });

  it("prefix_affinity prefers the cached prefix within the load bound, and the least loaded beyond it", () => {
    const r = router({ kind: "prefix_affinity", load_slack: 0.5 });
    // Loads 200, 300, 100 tokens: the bound is 150, so replica 1's longer prefix is out of reach...
    expect(r.pick(request, snapshots([2, 3, 1], undefined, [0, 512, 0]))).toBe(2);
    // ...and within it (loads 100, 140, 100 -> bound 150) the cached prefix wins over the lighter load.
    expect(r.pick(request, snapshots([1, 1.4, 1], undefined, [0, 512, 0]))).toBe(1);
  });

  it("weighted subtracts the cached share of the prompt, so a half-cached replica beats an equal idle one", () => {
    const r = router({ kind: "weighted", weights: { outstanding_tokens: 1, kv_load: 0, prefix: 1 } });
    expect(r.pick(request, snapshots([1, 1], undefined, [0, 500]))).toBe(1);
  });

  it("orders the policies as theory does: central queue <= least outstanding <= power of two <= random", () => {
    const meanWait = (kind: string) =>
      simulate(queueScenario({ seed: 4, c: 8, lambda: 7, service: { dist: "exponential", mean: 1 }, durationS: 40_000, warmupS: 1000, router: { kind } })).report
        .latency.queue_s.mean!;
    const waits = ["central_queue", "least_outstanding", "power_of_two", "random"].map(meanWait);
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThan(waits[i - 1]);
  });
});
