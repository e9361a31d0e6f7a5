/** Availability over 5-minute intervals, checked against a hand calculation. */
import { describe, expect, it } from "vitest";
import { AVAILABILITY_INTERVAL_US, RegionAvailability, lowestUptimePct, regionUptime, slaCreditPct } from "../../src/metrics/availability.js";

describe("regional availability", () => {
  it("averages the per-interval error rates, not the pooled rate: 100 and 10 requests with 1 and 1 errors give 94.5 % uptime, 25 % credit", () => {
    const a = new RegionAvailability();
    for (let i = 0; i < 100; i++) a.count(10e6, i === 0); // interval 0: 1 error in 100
    for (let i = 0; i < 10; i++) a.count(AVAILABILITY_INTERVAL_US + 10e6, i === 0); // interval 1: 1 error in 10
    const up = regionUptime(a, 0, 2 * AVAILABILITY_INTERVAL_US);
    // Mean error rate (0.01 + 0.1) / 2 = 0.055 -> 94.5 %; pooled error rate 2 / 110.
    expect(up.intervals).toBe(2);
    expect(up.uptime_pct).toBeCloseTo(94.5, 12);
    expect(up.error_rate).toBeCloseTo(2 / 110, 15);
    expect(up.sla_credit_pct).toBe(100);
  });

  it("counts an interval without requests as fully up and leaves out intervals outside the window", () => {
    const a = new RegionAvailability();
    a.count(10e6, true); // interval 0, before the window
    a.count(2 * AVAILABILITY_INTERVAL_US + 1, true); // interval 2: 1 error in 2
    a.count(2 * AVAILABILITY_INTERVAL_US + 2, false);
    const up = regionUptime(a, AVAILABILITY_INTERVAL_US, 3 * AVAILABILITY_INTERVAL_US);
    // Intervals 1 (empty, rate 0) and 2 (rate 0.5): uptime 100 x (1 - 0.25) = 75 %.
    expect(up.intervals).toBe(2);
    expect(up.uptime_pct).toBe(75);
    expect(up.error_rate).toBe(0.5);
  });

  it("counts an interval cut by the window by its share inside, with only the calls inside it: 2.5 to 17.5 minutes is 3 intervals", () => {
    const a = new RegionAvailability(AVAILABILITY_INTERVAL_US / 2, 3.5 * AVAILABILITY_INTERVAL_US);
    a.count(AVAILABILITY_INTERVAL_US / 4, false); // before the window: not counted
    a.count(AVAILABILITY_INTERVAL_US / 2 + 1, true); // interval 0, its second half in the window: rate 1, weight 0.5
    a.count(AVAILABILITY_INTERVAL_US + 1, false); // interval 1: rate 0
    a.count(3 * AVAILABILITY_INTERVAL_US + 1, true); // interval 3, its first half in the window: rate 1, weight 0.5
    a.count(3.75 * AVAILABILITY_INTERVAL_US, false); // after the window: not counted
    const up = regionUptime(a, AVAILABILITY_INTERVAL_US / 2, 3.5 * AVAILABILITY_INTERVAL_US);
    // Weights 0.5, 1, 1 (interval 2 empty), 0.5: 100 x (1 - (0.5 + 0.5) / 3) = 66.67 %.
    expect([up.intervals, up.attempts]).toEqual([3, 3]);
    expect(up.uptime_pct).toBeCloseTo(200 / 3, 12);
  });

  it("spreads the window's errors over a 30-day month for month_uptime_pct, and tiers the credit on the basis asked for", () => {
    const a = new RegionAvailability();
    for (let i = 0; i < 10; i++) a.count(10e6, i < 5); // one interval at 50 % errors
    const window = regionUptime(a, 0, AVAILABILITY_INTERVAL_US);
    const month = regionUptime(a, 0, AVAILABILITY_INTERVAL_US, "month");
    // 0.5 / 8,640 intervals = 0.005787 % of the month.
    expect(window.uptime_pct).toBe(50);
    expect(month.month_uptime_pct).toBeCloseTo(100 - 50 / 8640, 10);
    expect([window.sla_credit_pct, month.sla_credit_pct]).toEqual([100, 0]);
  });

  it("credits 10 % below 99.9 %, 25 % below 99 %, 100 % below 95 %", () => {
    expect([99.9, 99.89, 99, 98.99, 95, 94.99].map(slaCreditPct)).toEqual([0, 10, 10, 25, 25, 100]);
  });

  it("takes the lowest region's uptime for the availability threshold, none without regions", () => {
    const r = (uptime_pct: number) => ({ uptime_pct, month_uptime_pct: 100, sla_credit_pct: 0, error_rate: 0, attempts: 1, intervals: 1 });
    expect(lowestUptimePct([r(99.95), r(99.2), r(100)])).toBe(99.2);
    expect(lowestUptimePct([])).toBeNull();
  });
});
