/** Latency sketches: quantiles estimated, but never outside the values actually seen. */
import { describe, expect, it } from "vitest";
import { LatencySketch } from "../../src/metrics/sketch.js";

describe("LatencySketch", () => {
  it("gives every quantile of all-equal values as that value (not a bin midpoint below the mean)", () => {
    const sketch = new LatencySketch();
    for (let i = 0; i < 1000; i++) sketch.add(0.1234);
    const s = sketch.summary();
    expect(s.mean).toBeCloseTo(0.1234, 12);
    for (const q of [s.p50, s.p90, s.p95, s.p99, s.p999]) expect(q).toBe(0.1234);
  });

  it("keeps quantiles inside [min, max] after a merge", () => {
    const a = new LatencySketch();
    const b = new LatencySketch();
    for (let i = 0; i < 100; i++) a.add(2.5);
    for (let i = 0; i < 100; i++) b.add(2.5);
    const merged = LatencySketch.merged([a, b]);
    expect(merged.quantile(0.01)).toBe(2.5);
    expect(merged.quantile(0.99)).toBe(2.5);
  });

  it("merges a part whose largest value is about 1 s into one of shorter values without losing it", () => {
    // The random-scenario property test found this: sketches-js dropped the bins of a merged part whose top bin is key 0 (1 s).
    const short = new LatencySketch();
    const long = new LatencySketch();
    const all = new LatencySketch();
    for (let i = 0; i < 20; i++) for (const [part, v] of [[short, 0.03 + i / 1e4], [long, 0.031 + i / 1e4]] as const) (part.add(v), all.add(v));
    for (const v of [0.28, 0.996]) (long.add(v), all.add(v));
    const merged = LatencySketch.merged([short, long]).summary();
    const { mean, ...quantiles } = all.summary();
    expect(merged).toEqual({ mean: expect.closeTo(mean!, 12), ...quantiles });
    expect(merged.p99).toBeGreaterThan(0.25);
  });

  it("still estimates within 0.5 % in between", () => {
    const sketch = new LatencySketch();
    for (let i = 1; i <= 1000; i++) sketch.add(i / 1000);
    expect(Math.abs(sketch.quantile(0.5) / 0.5 - 1)).toBeLessThan(0.0051);
  });
});
