/**
 * The report's charts as Vega-Lite specs: time series on an axis in minutes, hours or days that ends
 * with the data, the warm-up shaded, the last partial interval left out (its rates would be computed
 * on a sliver), events (faults, scaling, rollouts) marked as rules; latency percentiles per metric on
 * log scales. Series carry words, not column names. A run with more intervals than a chart has pixels
 * across is drawn at a coarser step that keeps each interval's spikes and dips (`mergeSteps`).
 */
import type { TimeSeriesRow } from "../metrics/timeseries.js";
import type { GroupReport, Report } from "./json.js";
import type { ChartSpec } from "./svg.js";

const WIDTH = 760;
const HEIGHT = 200;

/** What a time-series column is called on a chart. */
const SERIES_LABELS: Partial<Record<keyof TimeSeriesRow, string>> = {
  arrivals: "arrived",
  completed: "completed",
  errors: "server errors",
  timed_out: "timed out",
  requests_per_s: "completed per second",
  output_tokens_per_s: "output tokens per second",
  mean_in_system: "in the system",
  mean_queued: "waiting",
  ttft_mean_s: "TTFT mean",
  ttft_p99_s: "TTFT p99",
  e2e_p99_s: "end to end p99",
  it_kw: "IT",
  facility_kw: "facility",
  gpus_free: "idle",
  gpus_booting: "booting",
  gpus_starting: "starting",
  gpus_loading: "loading weights",
  gpus_serving: "serving",
  gpus_draining: "draining",
  gpus_failed: "failed",
  replicas_desired: "desired",
  replicas_serving: "serving",
  replicas_requested: "waiting for a server",
  replicas_starting: "starting",
  replicas_loading: "loading weights",
  replicas_draining: "draining",
};

/** Event kinds marked on time axes and listed, by the family they belong to. */
export const EVENT_FAMILIES: Record<string, "fault" | "scaling" | "rollout"> = {
  server_failure: "fault",
  server_repaired: "fault",
  gpu_failure: "fault",
  gpu_replaced: "fault",
  az_outage_start: "fault",
  az_outage_end: "fault",
  region_outage_start: "fault",
  region_outage_end: "fault",
  scale_out: "scaling",
  scale_in: "scaling",
  scale_out_failed: "scaling",
  rollout_start: "rollout",
  rollout_stage: "rollout",
  rollout_complete: "rollout",
  rollback: "rollout",
};

export interface TimeAxis {
  unitS: number;
  title: string;
  endS: number;
  warmupS: number;
  intervalS: number;
}

export function timeAxis(report: Report, intervalS: number): TimeAxis {
  const endS = report.run.simulated_s;
  const [unitS, title] = endS <= 2 * 3600 ? [60, "minutes"] : endS <= 3 * 86400 ? [3600, "hours"] : [86400, "days"];
  return { unitS, title: `simulated time (${title})`, endS, warmupS: report.scenario.warmup_s, intervalS };
}

/** Rows of whole intervals only: the last one, cut short by the end of the run, would draw a fake spike. */
function wholeIntervals(rows: readonly TimeSeriesRow[], axis: TimeAxis): readonly TimeSeriesRow[] {
  return rows.filter((r) => r.time_s + axis.intervalS <= axis.endS + 1e-9);
}

/** The layers every time chart shares: the shaded warm-up and a rule per event. */
function timeContext(report: Report, axis: TimeAxis): ChartSpec[] {
  const layers: ChartSpec[] = [];
  const x = { field: "t", type: "quantitative", scale: { domain: [0, axis.endS / axis.unitS], nice: false }, title: axis.title };
  if (axis.warmupS > 0) {
    layers.push({
      data: { values: [{ t: 0, t2: axis.warmupS / axis.unitS }] },
      mark: { type: "rect", color: "#eee" },
      encoding: { x, x2: { field: "t2" } },
    });
  }
  const events = report.events.filter((e) => EVENT_FAMILIES[e.kind]).map((e) => ({ t: e.t_s / axis.unitS, family: EVENT_FAMILIES[e.kind] }));
  if (events.length > 0) {
    layers.push({
      data: { values: events },
      mark: { type: "rule", strokeDash: [3, 3], opacity: 0.5 },
      encoding: {
        x,
        color: { field: "family", type: "nominal", scale: { domain: ["fault", "scaling", "rollout"], range: ["#c0392b", "#2e86c1", "#8e44ad"] }, legend: { title: "events" } },
      },
    });
  }
  return layers;
}

/**
 * The most steps a time chart draws per series: one per pixel of its width. A longer series is drawn
 * at a coarser step (`intervalsPerStep`, `mergeSteps`); timeseries.csv keeps every interval.
 */
export const MAX_CHART_STEPS = WIDTH;

/** Columns a merged step shows at their highest interval, so a latency spike in one interval is drawn at its full height. */
const PEAK_COLUMNS: ReadonlySet<keyof TimeSeriesRow> = new Set(["ttft_p99_s", "e2e_p99_s"]);

/** Report intervals per step of the time charts: 1 (every interval drawn) while the whole intervals fit in MAX_CHART_STEPS. */
export function intervalsPerStep(rows: readonly TimeSeriesRow[], axis: TimeAxis): number {
  return stepFor(wholeIntervals(rows, axis).length);
}

function stepFor(intervals: number): number {
  return Math.max(1, Math.ceil(intervals / MAX_CHART_STEPS));
}

/** One step of a merged series: its start, the value drawn, and the lowest and highest interval in it. */
export interface ChartStep {
  time_s: number;
  value: number;
  low: number;
  high: number;
}

/**
 * A column merged `intervals` rows to a step (the last step may hold fewer): its mean over the step,
 * which for equally wide intervals is the average over the step's time (TTFT mean: weighted by the
 * requests completed in each interval, so the mean over the step's requests), or for PEAK_COLUMNS its
 * highest interval. Intervals without a value are skipped, a step without any is left out.
 */
export function mergeSteps(rows: readonly TimeSeriesRow[], column: keyof TimeSeriesRow, intervals: number): ChartStep[] {
  const steps: ChartStep[] = [];
  for (let start = 0; start < rows.length; start += intervals) {
    let sum = 0;
    let weight = 0;
    let plainSum = 0;
    let present = 0;
    let low = Infinity;
    let high = -Infinity;
    for (let i = start; i < Math.min(start + intervals, rows.length); i++) {
      const v = rows[i][column];
      if (v === undefined || v === null) continue;
      const w = column === "ttft_mean_s" ? rows[i].completed : 1;
      sum += v * w;
      weight += w;
      plainSum += v;
      present++;
      low = Math.min(low, v);
      high = Math.max(high, v);
    }
    if (high === -Infinity) continue;
    const value = PEAK_COLUMNS.has(column) ? high : weight > 0 ? sum / weight : plainSum / present;
    steps.push({ time_s: rows[start].time_s, value, low, high });
  }
  return steps;
}

/** A chart of some time-series columns against simulated time, or undefined when none has data. */
export function timeChart(
  title: string,
  report: Report,
  rows: readonly TimeSeriesRow[],
  axis: TimeAxis,
  columns: (keyof TimeSeriesRow)[],
  yTitle: string,
  options: { log?: boolean } = {},
): ChartSpec | undefined {
  const whole = wholeIntervals(rows, axis);
  const intervals = stepFor(whole.length);
  const label = (c: keyof TimeSeriesRow) => SERIES_LABELS[c] ?? c;
  const bands: { t: number; series: string; low: number; high: number }[] = [];
  let values: { t: number; series: string; value: number }[];
  if (intervals === 1) {
    values = whole.flatMap((r) =>
      columns.flatMap((c) => {
        const v = r[c];
        if (v === undefined || v === null || (options.log && v <= 0)) return [];
        return [{ t: r.time_s / axis.unitS, series: label(c), value: v }];
      }),
    );
  } else {
    values = [];
    for (const c of columns) {
      for (const step of mergeSteps(whole, c, intervals)) {
        if (options.log && step.value <= 0) continue;
        const t = step.time_s / axis.unitS;
        values.push({ t, series: label(c), value: step.value });
        // A band from the step's lowest to its highest interval, so a dip or a burst the mean smooths stays visible (not on log charts, whose p99s are drawn at their highest).
        if (!options.log && !PEAK_COLUMNS.has(c)) bands.push({ t, series: label(c), low: step.low, high: step.high });
      }
    }
  }
  if (values.length === 0 || values.every((v) => v.value === 0)) return undefined;
  const x = { field: "t", type: "quantitative", scale: { domain: [0, axis.endS / axis.unitS], nice: false }, title: axis.title };
  const color = { field: "series", type: "nominal", title: null, sort: columns.map(label) };
  const y = { field: "value", type: "quantitative", title: yTitle, ...(options.log ? { scale: { type: "log" } } : {}) };
  const line = { data: { values }, mark: { type: "line", interpolate: "step-after" }, encoding: { x, y, color } };
  // Band and line share one colour scale; the legend shows lines, not the pale band.
  const withBand = {
    encoding: { x, color: { ...color, legend: { symbolType: "stroke", symbolOpacity: 1 } } },
    layer: [
      { data: { values: bands }, mark: { type: "area", interpolate: "step-after", opacity: 0.25 }, encoding: { y: { field: "low", type: "quantitative", title: yTitle }, y2: { field: "high" } } },
      { data: { values }, mark: { type: "line", interpolate: "step-after" }, encoding: { y } },
    ],
  };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: WIDTH,
    height: HEIGHT,
    layer: [...timeContext(report, axis), bands.length > 0 ? withBand : line],
    resolve: { scale: { color: "independent" } },
  };
}

const LATENCY_PANELS: [keyof GroupReport["latency"], string][] = [
  ["queue_s", "queue"],
  ["ttft_s", "time to first token"],
  ["tbt_s", "time between tokens"],
  ["e2e_s", "end to end"],
];

/** Percentiles of each latency, one panel per metric with its own log scale (one linear axis flattens all but E2E). */
export function latencyChart(latency: GroupReport["latency"]): ChartSpec | undefined {
  const values = LATENCY_PANELS.flatMap(([key, label]) =>
    (["p50", "p90", "p99", "p999", "max"] as const).flatMap((q) => {
      const v = latency[key][q];
      return v === null || v <= 0 ? [] : [{ metric: label, percentile: q === "p999" ? "p99.9" : q, seconds: v }];
    }),
  );
  if (values.length === 0) return undefined;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Latency percentiles (log scale, each metric its own)",
    data: { values },
    facet: { field: "metric", type: "nominal", title: null, sort: LATENCY_PANELS.map(([, l]) => l) },
    columns: 4,
    spec: {
      width: 160,
      height: 160,
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "percentile", type: "ordinal", sort: ["p50", "p90", "p99", "p99.9", "max"], title: null },
        y: { field: "seconds", type: "quantitative", scale: { type: "log" }, title: "seconds" },
      },
    },
    resolve: { scale: { y: "independent" } },
  };
}
