import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RandomStreams, US_PER_S } from "../../src/engine/index.js";
import { RECENT_WAITS_RELATIVE_ERROR, RECENT_WAITS_WINDOW_US, RecentWaits } from "../../src/control/recent-waits.js";

interface Sample {
  waitUs: number;
  atUs: number;
}

/** Nearest-rank p90 of the samples added in (now - 60 s, now], computed by sorting. */
function exactP90Us(samples: readonly Sample[], nowUs: number): number {
  const waits = samples.filter((s) => s.atUs > nowUs - RECENT_WAITS_WINDOW_US && s.atUs <= nowUs).map((s) => s.waitUs);
  if (waits.length === 0) return 0;
  waits.sort((a, b) => a - b);
  return waits[Math.ceil(0.9 * waits.length) - 1];
}

/** The stated resolution: 1.1 % of the wait, or under 1 µs for waits that short. */
function expectWithinResolution(estimateUs: number, exactUs: number): void {
  const allowedUs = exactUs < 1 ? 1 : exactUs * RECENT_WAITS_RELATIVE_ERROR * (1 + 1e-9);
  expect(Math.abs(estimateUs - exactUs)).toBeLessThanOrEqual(allowedUs);
}

describe("RecentWaits", () => {
  it("states a resolution of 1.1 %", () => {
    expect(RECENT_WAITS_RELATIVE_ERROR).toBeLessThan(0.011);
  });

  it("is 0 without samples", () => {
    expect(new RecentWaits().p90Us(5 * US_PER_S)).toBe(0);
  });

  it("matches the exact p90 of a seeded stream of waits within its resolution, at every query", () => {
    const rng = new RandomStreams(7).get("waits");
    const recent = new RecentWaits();
    const samples: Sample[] = [];
    let nowUs = 0;
    for (let i = 0; i < 20_000; i++) {
      // About 50 arrivals a second for 400 s; waits spread over six decades, a fifth of them zero.
      nowUs += Math.floor(rng() * 40_000);
      const waitUs = rng() < 0.2 ? 0 : Math.floor(Math.exp(rng() * Math.log(1e7)));
      recent.add(waitUs, nowUs);
      samples.push({ waitUs, atUs: nowUs });
      if (i % 97 === 0) expectWithinResolution(recent.p90Us(nowUs), exactP90Us(samples, nowUs));
    }
  });

  it("matches the exact p90 within its resolution on arbitrary waits and gaps (fast-check)", () => {
    const step = fc.record({
      waitUs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3_600_000_000 }), fc.double({ min: 0, max: 5, noNaN: true })),
      gapUs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30 * US_PER_S })),
      query: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 200 }), (steps) => {
        const recent = new RecentWaits();
        const samples: Sample[] = [];
        let nowUs = 0;
        for (const { waitUs, gapUs, query } of steps) {
          nowUs += gapUs;
          if (query) expectWithinResolution(recent.p90Us(nowUs), exactP90Us(samples, nowUs));
          else {
            recent.add(waitUs, nowUs);
            samples.push({ waitUs, atUs: nowUs });
          }
        }
        expectWithinResolution(recent.p90Us(nowUs), exactP90Us(samples, nowUs));
      }),
      { seed: 11, numRuns: 300 },
    );
  });

  it("drops samples once they are a minute old", () => {
    const recent = new RecentWaits();
    for (let i = 0; i < 100; i++) recent.add(5 * US_PER_S, 10 * US_PER_S);
    recent.add(1000, 40 * US_PER_S);
    expectWithinResolution(recent.p90Us(69_999_999), 5 * US_PER_S);
    expect(recent.size(69_999_999)).toBe(101);
    // At exactly 60 s after they were added, the old samples are out: the window is (now - 60 s, now].
    expect(recent.size(70 * US_PER_S)).toBe(1);
    expectWithinResolution(recent.p90Us(70 * US_PER_S), 1000);
    expect(recent.p90Us(100 * US_PER_S)).toBe(0);
    expect(recent.size(100 * US_PER_S)).toBe(0);
  });
});
