/** A long time series is drawn at a coarser step on report.html's charts, without hiding what matters. */
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import type { TimeSeriesRow } from "../../src/metrics/timeseries.js";
import { intervalsPerStep, MAX_CHART_STEPS, mergeSteps, timeAxis, timeChart } from "../../src/report/charts.js";
import { htmlReport } from "../../src/report/html.js";
import type { ChartSpec } from "../../src/report/svg.js";
import { queueScenario } from "../support/scenarios.js";

/** Every layer of a chart that has its own data, with its mark type (layers nest). */
function dataLayers(spec: ChartSpec): { mark: string; values: Record<string, number | string>[] }[] {
  const layers = (spec.layer ?? []) as ChartSpec[];
  return layers.flatMap((layer) => [
    ...(layer.data ? [{ mark: (layer.mark as { type: string }).type, values: (layer.data as { values: Record<string, number | string>[] }).values }] : []),
    ...dataLayers(layer),
  ]);
}

function seriesOf(values: Record<string, number | string>[], series: string) {
  return values.filter((v) => v.series === series);
}

const row = (time_s: number, extra: Partial<TimeSeriesRow>): TimeSeriesRow => ({
  time_s,
  arrivals: 0,
  completed: 0,
  errors: 0,
  timed_out: 0,
  requests_per_s: 0,
  output_tokens_per_s: 0,
  mean_in_system: 0,
  mean_queued: 0,
  ttft_mean_s: null,
  ttft_p99_s: null,
  e2e_p99_s: null,
  ...extra,
});

describe("mergeSteps", () => {
  const rows = [
    row(0, { completed: 3, ttft_mean_s: 1, ttft_p99_s: 2, mean_in_system: 4 }),
    row(60, { completed: 1, ttft_mean_s: 3, ttft_p99_s: 9, mean_in_system: 0 }),
    row(120, { completed: 0, mean_in_system: 2 }),
    row(180, { completed: 2, ttft_mean_s: 2, ttft_p99_s: 3, mean_in_system: 6 }),
    row(240, { completed: 0, mean_in_system: 1 }),
  ];

  it("takes a level's mean over the step, and its lowest and highest interval", () => {
    expect(mergeSteps(rows, "mean_in_system", 2)).toEqual([
      { time_s: 0, value: 2, low: 0, high: 4 },
      { time_s: 120, value: 4, low: 2, high: 6 },
      { time_s: 240, value: 1, low: 1, high: 1 },
    ]);
  });

  it("weights the TTFT mean by the requests completed in each interval and skips intervals without any", () => {
    // (3 x 1 s + 1 x 3 s) / 4 requests; then the one interval that has a mean.
    expect(mergeSteps(rows, "ttft_mean_s", 2).map((s) => s.value)).toEqual([1.5, 2]);
    expect(mergeSteps(rows, "ttft_mean_s", 2).map((s) => s.time_s)).toEqual([0, 120]);
  });

  it("keeps the highest p99 of the step, so a one-interval spike is not averaged away", () => {
    expect(mergeSteps(rows, "ttft_p99_s", 2).map((s) => s.value)).toEqual([9, 3]);
    expect(mergeSteps(rows, "ttft_p99_s", 5).map((s) => s.value)).toEqual([9]);
  });
});

describe("report.html's charts of a long run", async () => {
  // 1-second intervals over a bit more than an hour: about 4,000 rows, several per chart step.
  const long = simulate({ ...queueScenario({ c: 2, lambda: 1.5, service: { dist: "exponential", mean: 1 }, durationS: 4000 }), report: { interval: 1 } });
  const rows = long.timeseries.map((r) => ({ ...r }));
  const spikeAt = 1234;
  const spikeS = 1000 * Math.max(...rows.map((r) => r.ttft_p99_s ?? 0));
  rows[spikeAt].ttft_p99_s = spikeS;
  const axis = timeAxis(long.report, 1);
  const step = intervalsPerStep(rows, axis);

  it("merges intervals so each series has at most MAX_CHART_STEPS points", () => {
    expect(rows.length).toBeGreaterThan(2 * MAX_CHART_STEPS);
    expect(step).toBeGreaterThan(1);
    const spec = timeChart("t", long.report, rows, axis, ["arrivals", "completed"], "requests")!;
    const line = dataLayers(spec).find((l) => l.mark === "line")!;
    for (const series of ["arrived", "completed"]) {
      const points = seriesOf(line.values, series);
      expect(points.length).toBeLessThanOrEqual(MAX_CHART_STEPS);
      expect(points.length).toBeGreaterThan(MAX_CHART_STEPS / 2);
    }
  });

  it("keeps a p99 spike of one interval at its full height, in the step that holds it", () => {
    const spec = timeChart("t", long.report, rows, axis, ["ttft_mean_s", "ttft_p99_s", "e2e_p99_s"], "s", { log: true })!;
    const layers = dataLayers(spec);
    const p99 = seriesOf(layers.find((l) => l.mark === "line")!.values, "TTFT p99");
    const highest = p99.reduce((a, b) => (Number(b.value) > Number(a.value) ? b : a));
    expect(highest.value).toBe(spikeS);
    // Drawn at the start of the step that holds the spike's interval.
    expect(highest.t).toBe(rows[Math.floor(spikeAt / step) * step].time_s / axis.unitS);
    // A log chart draws lines only: no band.
    expect(layers.some((l) => l.mark === "area")).toBe(false);
  });

  it("draws a level as its mean over each step with a band from the lowest to the highest interval", () => {
    const spec = timeChart("t", long.report, rows, axis, ["mean_in_system"], "requests")!;
    const layers = dataLayers(spec);
    const line = layers.find((l) => l.mark === "line")!.values;
    const band = layers.find((l) => l.mark === "area")!.values;
    const first = rows.slice(0, step).map((r) => r.mean_in_system);
    expect(line[0].value).toBeCloseTo(first.reduce((a, b) => a + b, 0) / step, 12);
    expect(band[0]).toMatchObject({ low: Math.min(...first), high: Math.max(...first) });
    // The band reaches the busiest interval of the run, which the means smooth.
    const whole = rows.filter((r) => r.time_s + 1 <= long.report.run.simulated_s);
    const busiest = Math.max(...whole.map((r) => r.mean_in_system));
    expect(Math.max(...band.map((b) => Number(b.high)))).toBe(busiest);
    expect(Math.max(...line.map((v) => Number(v.value)))).toBeLessThan(busiest);
  });

  it("says on the page that the charts are drawn at a coarser step, and which statistic each line keeps", async () => {
    const html = await htmlReport(long.report, rows, 1);
    expect(html).toContain(`draw steps of ${step} intervals (${step} s)`);
    expect(html).toContain("TTFT p99 and end-to-end p99 are the step's highest interval");
  }, 60_000);
});

describe("report.html's charts of a short run", async () => {
  const short = simulate(queueScenario({ c: 2, lambda: 1.5, service: { dist: "exponential", mean: 1 }, durationS: 3600 }));
  const axis = timeAxis(short.report, 60);

  it("draws every whole interval, with no band and no note", async () => {
    expect(intervalsPerStep(short.timeseries, axis)).toBe(1);
    const spec = timeChart("t", short.report, short.timeseries, axis, ["mean_in_system"], "requests")!;
    const layers = dataLayers(spec);
    expect(layers.map((l) => l.mark)).toEqual(["line"]);
    const whole = short.timeseries.filter((r) => r.time_s + 60 <= short.report.run.simulated_s);
    expect(layers[0].values.map((v) => v.value)).toEqual(whole.map((r) => r.mean_in_system));
    const html = await htmlReport(short.report, short.timeseries, 60);
    expect(html).not.toContain("draw steps of");
  });
});
