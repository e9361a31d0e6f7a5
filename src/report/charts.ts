/**
 * The report's charts as Vega-Lite specs: time series on an axis in minutes, hours or days that ends
 * with the data, the warm-up shaded, the last partial interval left out (its rates would be computed
 * on a sliver), events (faults, scaling, rollouts) marked as rules; latency percentiles per metric on
 * log scales. Series carry words, not column names.
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
  const values = wholeIntervals(rows, axis).flatMap((r) =>
    columns.flatMap((c) => {
      const v = r[c];
      if (v === undefined || v === null || (options.log && v <= 0)) return [];
      return [{ t: r.time_s / axis.unitS, series: SERIES_LABELS[c] ?? c, value: v }];
    }),
  );
  if (values.length === 0 || values.every((v) => v.value === 0)) return undefined;
  const x = { field: "t", type: "quantitative", scale: { domain: [0, axis.endS / axis.unitS], nice: false }, title: axis.title };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: WIDTH,
    height: HEIGHT,
    layer: [
      ...timeContext(report, axis),
      {
        data: { values },
        mark: { type: "line", interpolate: "step-after" },
        encoding: {
          x,
          y: { field: "value", type: "quantitative", title: yTitle, ...(options.log ? { scale: { type: "log" } } : {}) },
          color: { field: "series", type: "nominal", title: null, sort: columns.map((c) => SERIES_LABELS[c] ?? c) },
        },
      },
    ],
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
