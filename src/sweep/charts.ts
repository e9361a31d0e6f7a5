/**
 * sweep.html: one chart per headline metric against the first axis, one line per combination of
 * the other axes' values, each point the mean over seeds with a band of mean ± 1.96 standard errors.
 * The charts are drawn here (Vega-Lite compiled, rendered headless to SVG), so the page is static:
 * no script, no network, and the same bytes for the same cells.
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import { mean, sampleStandardDeviation } from "simple-statistics";
import type { Axis, SweepPlan } from "./grid.js";
import { cellCount } from "./grid.js";
import { HEADLINE_METRICS, type SweepRow } from "./table.js";
import { escapeHtml, pageStart } from "../report/html.js";

/** Two-sided 95 % normal quantile: the band is mean ± Z95 x standard error. */
const Z95 = 1.96;

export interface ChartPoint {
  x: number | string;
  series: string;
  mean: number;
  lo: number;
  hi: number;
  /** seeds behind the point */
  n: number;
}

/** Whether the first axis reads as numbers, so it gets a linear scale instead of categories. */
function numericAxis(axis: Axis | undefined): boolean {
  return axis !== undefined && axis.values.every((v) => v.label.trim() !== "" && Number.isFinite(Number(v.label)));
}

/** The line a row belongs to: the other axes' values, "path=value, ..."; "" with at most one axis. */
function seriesOf(axes: readonly Axis[], row: SweepRow): string {
  return axes
    .slice(1)
    .map((axis, a) => `${axis.path}=${row.labels[a + 1]}`)
    .join(", ");
}

/** Mean and 95 % band over seeds of one metric, per (line, first-axis value), in cell order. */
export function chartPoints(axes: readonly Axis[], rows: readonly SweepRow[], metric: number): ChartPoint[] {
  const numeric = numericAxis(axes[0]);
  const groups = new Map<string, { x: number | string; series: string; values: number[] }>();
  for (const row of rows) {
    const value = row.metrics[metric];
    if (row.error !== null || value === null) continue;
    const series = seriesOf(axes, row);
    const label = axes.length > 0 ? row.labels[0] : "all cells";
    const id = JSON.stringify([series, label]);
    let group = groups.get(id);
    if (!group) groups.set(id, (group = { x: numeric ? Number(label) : label, series, values: [] }));
    group.values.push(value);
  }
  return [...groups.values()].map(({ x, series, values }) => {
    const m = mean(values);
    const halfWidth = values.length > 1 ? (Z95 * sampleStandardDeviation(values)) / Math.sqrt(values.length) : 0;
    return { x, series, mean: m, lo: m - halfWidth, hi: m + halfWidth, n: values.length };
  });
}

/**
 * One chart spec for every metric of a sweep (they differ only in data and title), so it is compiled
 * and parsed once and each metric is a data change and a redraw: about ten times faster.
 */
function chartSpec(axes: readonly Axis[]): vl.TopLevelSpec {
  const first = axes[0];
  const x = numericAxis(first)
    ? { field: "x", type: "quantitative" as const, title: first.path, scale: { zero: false } }
    : { field: "x", type: "ordinal" as const, title: first?.path ?? null, sort: first ? first.values.map((v) => v.label) : null };
  const color = axes.length > 1 ? { color: { field: "series", type: "nominal" as const, title: axes.slice(1).map((a) => a.path).join(", "), sort: null } } : {};
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    params: [{ name: "metric", value: "" }],
    title: { text: { expr: "metric" } },
    width: 420,
    height: 220,
    data: { name: "points" },
    encoding: { x, ...color },
    layer: [
      { mark: { type: "area", opacity: 0.18 }, encoding: { y: { field: "lo", type: "quantitative", scale: { zero: false }, axis: { title: { expr: "metric" } } }, y2: { field: "hi" } } },
      // The band again as a bar at each point: visible where a line has a single point.
      { mark: { type: "rule", opacity: 0.6 }, encoding: { y: { field: "lo", type: "quantitative" }, y2: { field: "hi" } } },
      { mark: { type: "line", point: true }, encoding: { y: { field: "mean", type: "quantitative" } } },
    ],
    config: { legend: { orient: "bottom", columns: 1, labelLimit: 400, titleLimit: 400 } },
  } as vl.TopLevelSpec;
}

/** Draws each metric's points as an SVG with one headless view; undefined for a metric without points. */
async function drawCharts(axes: readonly Axis[], metrics: readonly { title: string; points: ChartPoint[] }[]): Promise<(string | undefined)[]> {
  const view = new vega.View(vega.parse(vl.compile(chartSpec(axes)).spec), { renderer: "none" });
  try {
    const svgs: (string | undefined)[] = [];
    for (const { title, points } of metrics) {
      if (points.length === 0) {
        svgs.push(undefined);
        continue;
      }
      view.data("points", points).signal("metric", title);
      await view.runAsync();
      svgs.push(await view.toSVG());
    }
    return svgs;
  } finally {
    view.finalize();
  }
}

export async function sweepHtml(plan: SweepPlan, rows: readonly SweepRow[]): Promise<string> {
  const { axes, seeds } = plan;
  const failed = rows.filter((r) => r.error !== null);
  const svgs = await drawCharts(
    axes,
    HEADLINE_METRICS.map((title, m) => ({ title, points: chartPoints(axes, rows, m) })),
  );
  const charts = svgs.map((svg, m) => (svg ? `<figure>${svg}</figure>` : `<figure><figcaption>${escapeHtml(HEADLINE_METRICS[m])}</figcaption><p class="muted">no data in any cell</p></figure>`));
  const name = escapeHtml(plan.scenario.name);
  const gridPoints = axes.reduce((n, a) => n * a.values.length, 1);
  const seedText = seeds.count === 1 ? `seed ${seeds.first}` : `seeds ${seeds.first}..${seeds.first + seeds.count - 1}`;
  const axisRows = axes.map((a) => `<tr><td>${escapeHtml(a.path)}</td><td>${a.values.map((v) => escapeHtml(v.label)).join(" · ")}</td></tr>`).join("");
  const sets = plan.sets.length > 0 ? `<p class="muted">every cell with ${plan.sets.map((s) => `<code>--set ${escapeHtml(s)}</code>`).join(" ")}</p>` : "";
  const failedRows = failed
    .map((r) => `<tr><td>${r.cell}</td><td>${r.labels.map((l, a) => `${escapeHtml(axes[a].path)}=${escapeHtml(l)}`).join(", ")}</td><td>${r.seed}</td><td>${escapeHtml(r.error ?? "")}</td></tr>`)
    .join("");
  const band = seeds.count > 1 ? `the mean over ${seeds.count} seeds with a band of ±${Z95} standard errors (about 95 %)` : "one seed per point (no band: give --seeds N for one)";
  return `${pageStart("fleetsim sweep", `${name} — fleetsim sweep`)}
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1200px; padding: 1.5em; color: #222; }
h1 { margin-bottom: 0.2em; } .muted { color: #666; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; } th, td { border-bottom: 1px solid #eee; padding: 0.25em 0.8em; text-align: left; vertical-align: top; }
.charts { display: flex; flex-wrap: wrap; gap: 1em; } figure { margin: 0; } figcaption { font-weight: 600; }
</style>
</head>
<body>
<h1>${name}</h1>
<p class="muted">${cellCount(plan)} cells: ${gridPoints} grid point${gridPoints === 1 ? "" : "s"} x ${seedText} · ${failed.length} failed</p>
${axes.length > 0 ? `<table><thead><tr><th>axis</th><th>values</th></tr></thead><tbody>${axisRows}</tbody></table>` : ""}
${sets}
<p>Each chart: a headline metric against ${axes.length > 0 ? `<code>${escapeHtml(axes[0].path)}</code>` : "the scenario"}${axes.length > 1 ? ", one line per combination of the other axes" : ""}; each point is ${band}. Failed cells and cells without data are left out. Every value is in sweep.csv.</p>
<div class="charts">
${charts.join("\n")}
</div>
${failed.length > 0 ? `<h2>Failed cells</h2><table><thead><tr><th>cell</th><th>values</th><th>seed</th><th>error</th></tr></thead><tbody>${failedRows}</tbody></table>` : ""}
</body>
</html>
`;
}
