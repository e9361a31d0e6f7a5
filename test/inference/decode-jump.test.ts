import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jumpDurationUs, jumpHalves, stepsCompleted, stepsKvAllows } from "../../src/inference/decode-jump.js";

describe("decode jump", () => {
  it("adds up step times a + b k: 4 steps of 10 + 2k us take 52 us", () => {
    expect(jumpDurationUs({ aUs: 10, bUs: 2 }, 4)).toBe(10 + 12 + 14 + 16);
  });

  it("counts the steps completed by any time exactly, despite the square root's rounding", () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1e5, noNaN: true }), fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 50, noNaN: true })), fc.integer({ min: 0, max: 1e9 }), (aUs, bUs, elapsedUs) => {
        const cost = { aUs, bUs };
        const done = stepsCompleted(cost, elapsedUs);
        expect(jumpDurationUs(cost, done)).toBeLessThanOrEqual(elapsedUs);
        expect(jumpDurationUs(cost, done + 1)).toBeGreaterThan(elapsedUs);
      }),
    );
  });

  it("splits the gaps in two halves whose total time is the jump's", () => {
    const cost = { aUs: 20, bUs: 3 };
    const { firstSteps, firstUs, secondUs } = jumpHalves(cost, 7);
    expect(firstSteps).toBe(3);
    expect(firstSteps * firstUs + (7 - firstSteps) * secondUs).toBeCloseTo(jumpDurationUs(cost, 7), 9);
    expect(secondUs).toBeGreaterThan(firstUs);
  });

  it("stops the jump at the last step the free KV blocks cover", () => {
    // 4 sequences each needing a new block every 16 steps, starting with one step's room: k steps need 4 * floor(k / 16) blocks.
    const extra = (k: number) => 4 * Math.floor(k / 16);
    expect(stepsKvAllows(100, 4, 16, 8, extra)).toBe(47);
    expect(stepsKvAllows(100, 4, 16, 1000, extra)).toBe(100);
  });
});
