import { describe, expect, it } from "vitest";
import { RandomStreams } from "../../src/engine/index.js";
import { createRouter } from "../../src/control/routers/index.js";
import { HOLD } from "../../src/control/routers/router.js";
import type { Replica } from "../../src/inference/replica.js";
import type { RouterSpec } from "../../src/scenario/schema.js";
import { simulate } from "../../src/index.js";
import { queueScenario } from "../support/scenarios.js";

function fakeReplicas(loads: number[], free: boolean[] = loads.map(() => true)): Replica[] {
  return loads.map((outstanding, index) => ({
    index,
    outstanding,
    waiting: 0,
    outstandingTokens: outstanding * 100,
    kvLoad: () => outstanding / 10,
    prefixMatchTokens: () => 0,
    hasFreeSlot: () => free[index],
    submit: () => {},
    abandon: () => {},
    alive: true,
    fail: () => {},
    restart: () => {},
  }));
}

function router(spec: RouterSpec, replicas: Replica[]) {
  return createRouter({ spec, replicas, rng: new RandomStreams(1).get("r"), ctx: undefined as never });
}

describe("routers", () => {
  it("round_robin visits replicas in turn", () => {
    const r = router({ kind: "round_robin" }, fakeReplicas([5, 0, 9]));
    expect([0, 1, 2, 3, 4].map(() => r.pick(0))).toEqual([0, 1, 2, 0, 1]);
  });

  it("least_outstanding sends to the replica with the fewest requests", () => {
    const replicas = fakeReplicas([4, 2, 7, 2]);
    const r = router({ kind: "least_outstanding" }, replicas);
    expect(r.pick(0)).toBe(1);
    // Ties rotate: the next scan starts after the last pick, so the other least-loaded one wins.
    expect(r.pick(0)).toBe(3);
  });

  it("central_queue picks a replica with a free slot, or holds the request", () => {
    const r = router({ kind: "central_queue" }, fakeReplicas([1, 1, 0], [false, false, true]));
    expect(r.pick(0)).toBe(2);
    const full = router({ kind: "central_queue" }, fakeReplicas([1, 1], [false, false]));
    expect(full.pick(0)).toBe(HOLD);
  });

  it("random spreads requests evenly", () => {
    const r = router({ kind: "random" }, fakeReplicas([0, 0, 0, 0]));
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[r.pick(0)]++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(500); // 5 sigma
  });

  it("power_of_two never picks the most loaded replica of a pair", () => {
    const r = router({ kind: "power_of_two", choices: 2 }, fakeReplicas([0, 9]));
    for (let i = 0; i < 100; i++) expect(r.pick(0)).toBe(0);
  });

  it("orders the policies as theory does: central queue <= least outstanding <= power of two <= random", () => {
    const meanWait = (kind: string) =>
      simulate(queueScenario({ seed: 4, c: 8, lambda: 7, service: { dist: "exponential", mean: 1 }, durationS: 40_000, warmupS: 1000, router: { kind } })).report
        .latency.queue_s.mean!;
    const waits = ["central_queue", "least_outstanding", "power_of_two", "random"].map(meanWait);
    for (let i = 1; i < waits.length; i++) expect(waits[i]).toBeGreaterThan(waits[i - 1]);
  });
});
