/** The capacity search on plain numbers: the grid it tries and the bisection that finds the smallest passing value. */
import { describe, expect, it } from "vitest";
import { smallestPassing, valueGrid } from "../../src/plan/search.js";

describe("value grid", () => {
  it("is min..max by 1 for an integer field", () => {
    expect(valueGrid({ min: 1, max: 5 })).toEqual([1, 2, 3, 4, 5]);
  });

  it("steps from min without float dust and ends on max even when the steps do not land on it", () => {
    expect(valueGrid({ min: 0.1, max: 0.5, step: 0.1 })).toEqual([0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(valueGrid({ min: 1, max: 2, step: 0.3 })).toEqual([1, 1.3, 1.6, 1.9, 2]);
  });
});

describe("smallest passing value", () => {
  it("agrees with a linear scan wherever the passing values start, in about log2(n) + 1 tries", () => {
    for (let n = 1; n <= 40; n++) {
      const grid = Array.from({ length: n }, (_, i) => i + 1);
      for (let first = 1; first <= n + 1; first++) {
        const tried: number[] = [];
        const outcome = smallestPassing(grid, (v) => (tried.push(v), v >= first));
        const expected = grid.findIndex((v) => v >= first);
        expect(outcome.index).toBe(expected === -1 ? null : expected);
        if (expected > 0) expect(outcome.failedBelow).toBe(expected - 1);
        else expect(outcome.failedBelow).toBeNull();
        expect(tried.length).toBeLessThanOrEqual(Math.ceil(Math.log2(n + 1)) + 1);
        expect(new Set(tried).size).toBe(tried.length); // never the same value twice
      }
    }
  });

  it("tries max first and stops there when it fails", () => {
    const tried: number[] = [];
    expect(smallestPassing([1, 2, 3], (v) => (tried.push(v), false))).toEqual({ index: null, failedBelow: null });
    expect(tried).toEqual([3]);
  });
});
