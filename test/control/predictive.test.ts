/**
 * The example pair of two-day diurnal scenarios: with a day to learn from, predictive scaling has
 * fewer 5-minute intervals of the measured day with p99 TTFT above the SLO in the morning ramp than
 * target tracking, for about the same GPU-hours.
 */
import { describe, expect, it } from "vitest";
import { simulateFile } from "../../src/index.js";

function measure(file: string) {
  const { report, timeseries } = simulateFile(file);
  const slo = report.availability.slo.ttft_s;
  const over = timeseries.filter((row) => row.time_s >= 86400 && row.ttft_p99_s !== null && row.ttft_p99_s > slo);
  const morning = over.filter((row) => row.time_s % 86400 < 14 * 3600);
  return { over: over.length, morning: morning.length, gpuHours: report.fleet.gpu_hours.paid, report };
}

describe("predictive vs target tracking over two diurnal days", () => {
  it("breaches the TTFT SLO in fewer morning intervals at similar GPU-hours", () => {
    const tracking = measure("scenarios/diurnal-target-tracking.yaml");
    const predictive = measure("scenarios/diurnal-predictive.yaml");
    expect(tracking.morning).toBeGreaterThan(0);
    expect(predictive.morning).toBeLessThan(tracking.morning);
    expect(predictive.over).toBeLessThan(tracking.over);
    expect(Math.abs(predictive.gpuHours / tracking.gpuHours - 1)).toBeLessThan(0.1);
    // Forecasts appear only after the first season.
    const forecasts = predictive.report.events.filter((e) => e.kind === "scale_out" && e.reason?.startsWith("forecast"));
    expect(forecasts.length).toBeGreaterThan(0);
    expect(Math.min(...forecasts.map((e) => e.t_s))).toBeGreaterThanOrEqual(86400);
  }, 400_000);
});
