/**
 * report.html: one self-contained page (opens offline, from file://) with the headline figures,
 * tables and Vega-Lite charts. The Vega libraries are inlined from node_modules; data is
 * pre-aggregated here, so the page only draws.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { DistributionSummary } from "../metrics/sketch.js";
import type { TimeSeriesRow } from "../metrics/timeseries.js";
import { serverErrorsOf } from "../metrics/scope.js";
import type { GroupReport, Report } from "./json.js";
import { count, percent, percentPoints, seconds, thresholdReading, usd } from "./format.js";

const require = createRequire(import.meta.url);

/** vega's package `exports` hide build/, so locate each package folder from its entry point. */
function libraryScript(pkg: string, file: string): string {
  const entry = require.resolve(pkg);
  const marker = `/node_modules/${pkg}/`;
  const root = entry.slice(0, entry.lastIndexOf(marker) + marker.length);
  return readFileSync(`${root}${file}`, "utf8").replaceAll("</script", "<\\/script");
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replaceAll("<", "\\u003c");
}

const LATENCY_LABELS: [keyof GroupReport["latency"], string][] = [
  ["queue_s", "queue"],
  ["ttft_s", "time to first token"],
  ["tbt_s", "time between tokens"],
  ["tpot_s", "time per output token"],
  ["e2e_s", "end to end"],
];

function latencyTable(latency: GroupReport["latency"]): string {
  const row = (label: string, d: DistributionSummary) =>
    `<tr><td>${label}</td><td>${count(d.count)}</td>${[d.mean, d.p50, d.p90, d.p99, d.p999, d.max]
      .map((v) => `<td>${seconds(v)}</td>`)
      .join("")}</tr>`;
  return `<table><thead><tr><th>metric</th><th>count</th><th>mean</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th></tr></thead><tbody>${LATENCY_LABELS.map(
    ([key, label]) => row(label, latency[key]),
  ).join("")}</tbody></table>`;
}

function groupsTable(groups: Record<string, GroupReport>): string {
  const rows = Object.entries(groups).map(([name, g]) => {
    const r = g.requests;
    return `<tr><td>${escapeHtml(name)}</td><td>${count(r.arrived)}</td><td>${count(r.completed)}</td><td>${count(serverErrorsOf(r))}</td><td>${g.throughput.requests_per_s.toFixed(2)}</td><td>${seconds(g.latency.ttft_s.p50)}</td><td>${seconds(g.latency.ttft_s.p99)}</td><td>${seconds(g.latency.e2e_s.p99)}</td></tr>`;
  });
  return `<table><thead><tr><th>name</th><th>arrived</th><th>completed</th><th>errors</th><th>req/s</th><th>TTFT p50</th><th>TTFT p99</th><th>E2E p99</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** A line chart of some time-series columns, one line per column. */
function lines(title: string, rows: readonly TimeSeriesRow[], columns: (keyof TimeSeriesRow)[], yTitle: string) {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: "container",
    height: 220,
    data: { values: rows.map((r) => Object.fromEntries([["time_s", r.time_s], ...columns.map((c) => [c, r[c]])])) },
    transform: [{ fold: columns, as: ["series", "value"] }, { filter: "datum.value !== null" }],
    mark: { type: "line", interpolate: "step-after" },
    encoding: {
      x: { field: "time_s", type: "quantitative", title: "simulated time (s)" },
      y: { field: "value", type: "quantitative", title: yTitle },
      color: { field: "series", type: "nominal", title: null },
    },
  };
}

function percentileChart(latency: GroupReport["latency"]) {
  const values = LATENCY_LABELS.flatMap(([key, label]) =>
    (["p50", "p90", "p99", "p999"] as const).flatMap((q) => (latency[key][q] === null ? [] : [{ metric: label, percentile: q, seconds: latency[key][q] }])),
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Latency percentiles",
    width: "container",
    height: 220,
    data: { values },
    mark: "bar",
    encoding: {
      x: { field: "metric", type: "nominal", title: null, sort: LATENCY_LABELS.map(([, l]) => l) },
      xOffset: { field: "percentile", sort: ["p50", "p90", "p99", "p999"] },
      y: { field: "seconds", type: "quantitative", title: "seconds" },
      color: { field: "percentile", type: "nominal", sort: ["p50", "p90", "p99", "p999"] },
      tooltip: [{ field: "metric" }, { field: "percentile" }, { field: "seconds", format: ".4f" }],
    },
  };
}

function thresholdList(report: Report): string {
  const entries = Object.entries(report.thresholds);
  if (entries.length === 0) return "";
  const items = entries.flatMap(([metric, results]) =>
    results.map((r) => `<li class="${r.ok ? "pass" : "fail"}">${r.ok ? "pass" : "FAIL"}: ${escapeHtml(metric)} ${escapeHtml(r.expression)} (${escapeHtml(thresholdReading(metric, r))})</li>`),
  );
  return `<h2>Thresholds</h2><ul class="thresholds">${items.join("")}</ul>`;
}

function moneySection(report: Report): string {
  const rows = Object.entries(report.cost.items)
    .sort((a, b) => b[1] - a[1])
    .map(([name, value]) => `<tr><td>${escapeHtml(name.replaceAll("_", " "))}</td><td>${usd(value)}</td></tr>`);
  const regions = Object.entries(report.availability.by_region).map(
    ([name, a]) =>
      `<tr><td>${escapeHtml(name)}</td><td>${percentPoints(a.uptime_pct, 3)}</td><td>${percentPoints(a.month_uptime_pct, 3)}</td><td>${percentPoints(a.sla_credit_pct, 0)}</td><td>${count(a.attempts)}</td><td>${percent(a.error_rate, 3)}</td></tr>`,
  );
  const tenants = Object.entries(report.availability.by_tenant).map(
    ([name, a]) => `<tr><td>${escapeHtml(name)}</td><td>${percentPoints(a.uptime_pct, 3)}</td><td>${count(a.attempts)}</td><td>${percent(a.error_rate, 3)}</td></tr>`,
  );
  return `<h2>Money</h2><table><thead><tr><th>cost item</th><th>USD</th></tr></thead><tbody>${rows.join("")}<tr><td><b>total</b></td><td><b>${usd(report.cost.total_usd)}</b></td></tr></tbody></table>
<p>Revenue ${usd(report.revenue.total_usd)} · margin ${usd(report.margin.gross_usd)} · cost per million tokens ${report.margin.cost_per_mtok_usd === null ? "–" : usd(report.margin.cost_per_mtok_usd)}</p>
<h2>Availability</h2><p class="muted">By API call: failed calls (5xx, timed out) over those and successful ones, per 5-minute interval; 400, 403 and 429 in neither. Credits tiered on the ${report.availability.credit_basis === "month" ? "30-day month" : "window"}.</p>
<table><thead><tr><th>region</th><th>uptime</th><th>30-day month</th><th>SLA credit</th><th>calls</th><th>error rate</th></tr></thead><tbody>${regions.join("")}</tbody></table>
<table><thead><tr><th>tenant</th><th>uptime</th><th>calls</th><th>error rate</th></tr></thead><tbody>${tenants.join("")}</tbody></table>
<p>SLO attainment ${report.availability.slo_attainment === null ? "–" : percent(report.availability.slo_attainment, 2)} · goodput ${report.availability.goodput_per_s.toFixed(2)} requests/s</p>`;
}

/** Decisions that change capacity, in the timeline table (transitions of single replicas stay in report.json). */
const TIMELINE_KINDS = new Set(["scale_out", "scale_in", "scale_out_failed", "rollout_start", "rollout_stage", "rollout_complete", "rollback", "az_outage_start", "az_outage_end", "region_outage_start", "region_outage_end"]);
const TIMELINE_ROWS = 200;

function scalingSection(report: Report): string {
  const sets = Object.entries(report.scaling).flatMap(([model, regions]) => Object.entries(regions).map(([region, s]) => ({ model, region, s })));
  if (sets.length === 0) return "";
  const g = report.fleet.gpu_hours;
  const lead = (v: number | null) => (v === null ? "–" : `${v.toFixed(0)} s`);
  const setRows = sets.map(
    ({ model, region, s }) =>
      `<tr><td>${escapeHtml(model)} / ${escapeHtml(region)}</td><td>${escapeHtml(s.autoscaler ?? "none")}</td><td>${s.min}..${s.max}</td><td>${s.desired_at_end}</td><td>${s.scale_outs}</td><td>${s.scale_ins}</td><td>${s.scale_outs_failed}</td><td>${s.replaced}</td><td>${s.replicas_launched}</td><td>${lead(s.lead_time_s.p50)}</td><td>${lead(s.lead_time_s.p99)}</td></tr>`,
  );
  const rollouts = Object.entries(report.rollouts).flatMap(([model, regions]) =>
    Object.entries(regions).map(
      ([region, r]) =>
        `<tr><td>${escapeHtml(model)} / ${escapeHtml(region)}</td><td>${escapeHtml(r.version)}</td><td>${escapeHtml(r.strategy)}</td><td>${escapeHtml(r.outcome.replaceAll("_", " "))}</td><td>${r.stages.map((st) => `${Math.round(st.share * 100)} % at ${st.at_s.toFixed(0)} s`).join(", ") || "–"}</td><td>${r.extra_gpu_hours.toFixed(2)}</td><td>${r.extra_cost_usd === null ? "–" : usd(r.extra_cost_usd)}</td><td>${escapeHtml(r.rollback_reason ?? "")}</td></tr>`,
    ),
  );
  const timeline = report.events.filter((e) => TIMELINE_KINDS.has(e.kind));
  const shown = timeline.slice(0, TIMELINE_ROWS);
  return `<h2>Scaling</h2>
<p class="muted">GPU-hours paid ${g.paid.toFixed(1)}: serving ${g.by_state.serving.toFixed(1)}, idle ${g.by_state.free.toFixed(1)}, booting ${g.by_state.booting.toFixed(1)}, starting ${g.by_state.starting.toFixed(1)}, loading ${g.by_state.loading.toFixed(1)}, draining ${g.by_state.draining.toFixed(1)}, failed ${g.by_state.failed.toFixed(1)} · ${report.fleet.servers_launched} servers launched</p>
<table><thead><tr><th>model / region</th><th>autoscaler</th><th>min..max</th><th>desired at end</th><th>scale-outs</th><th>scale-ins</th><th>failed scale-outs</th><th>replaced</th><th>launched</th><th>lead time p50</th><th>p99</th></tr></thead><tbody>${setRows.join("")}</tbody></table>
${rollouts.length > 0 ? `<table><thead><tr><th>rollout</th><th>version</th><th>strategy</th><th>outcome</th><th>stages</th><th>extra GPU-hours</th><th>extra cost</th><th>rollback reason</th></tr></thead><tbody>${rollouts.join("")}</tbody></table>` : ""}
<h3>Timeline</h3>
<table><thead><tr><th>time</th><th>event</th><th>target</th><th>reason</th></tr></thead><tbody>${shown
    .map((e) => `<tr><td>${e.t_s.toFixed(0)} s</td><td>${escapeHtml(e.kind.replaceAll("_", " "))}</td><td>${escapeHtml(e.target)}</td><td style="text-align:left">${escapeHtml(e.reason ?? "")}</td></tr>`)
    .join("")}</tbody></table>
${timeline.length > shown.length ? `<p class="muted">${count(timeline.length - shown.length)} more in report.json's events.</p>` : ""}`;
}

function replicasSection(report: Report): string {
  const parts: string[] = [];
  for (const [name, model] of Object.entries(report.by_model)) {
    if (!model.deployment || model.replicas_detail.length === 0) continue;
    const d = model.deployment;
    parts.push(
      `<h2>Replicas of ${escapeHtml(name)}</h2>`,
      `<p class="muted">${model.replicas} x ${d.gpus_per_replica} ${escapeHtml(d.gpu)} · ${d.weights_gb_per_gpu.toFixed(1)} GB weights and ${d.kv_cache_gb_per_gpu.toFixed(1)} GB KV cache per GPU · ${count(d.kv_tokens_per_replica)} KV tokens per replica</p>`,
      `<table><thead><tr><th>replica</th><th>region / AZ</th><th>busy</th><th>batch</th><th>KV used</th><th>tokens/s</th><th>compute</th><th>bandwidth</th><th>preemptions</th><th>prefix hits</th></tr></thead><tbody>${model.replicas_detail
        .map(
          (r) =>
            `<tr><td>${r.index}</td><td>${escapeHtml(r.region)} / ${escapeHtml(r.az)}</td><td>${percent(r.busy_fraction)}</td><td>${r.mean_batch_size.toFixed(1)}</td><td>${percent(r.mean_kv_utilization)}</td><td>${r.tokens_per_s.toFixed(0)}</td><td>${percent(r.compute_utilization)}</td><td>${percent(r.bandwidth_utilization)}</td><td>${r.preemptions}</td><td>${r.prefix_cache_hits}</td></tr>`,
        )
        .join("")}</tbody></table>`,
    );
  }
  return parts.join("\n");
}

export function htmlReport(report: Report, rows: readonly TimeSeriesRow[]): string {
  const r = report.requests;
  const charts = [
    percentileChart(report.latency),
    lines("Requests per second", rows, ["requests_per_s"], "completed requests / s"),
    lines("Latency over time (by completion)", rows, ["ttft_mean_s", "ttft_p99_s", "e2e_p99_s"], "seconds"),
    lines("Requests in the system", rows, ["mean_in_system", "mean_queued"], "requests (time average)"),
    lines("Power", rows, ["it_kw", "facility_kw"], "kW (interval average)"),
    lines("GPUs by state", rows, ["gpus_serving", "gpus_free", "gpus_booting", "gpus_starting", "gpus_loading", "gpus_draining", "gpus_failed"], "GPUs (interval average)"),
    ...(Object.keys(report.scaling).length > 0
      ? [lines("Replicas: desired and by state", rows, ["replicas_desired", "replicas_serving", "replicas_requested", "replicas_starting", "replicas_loading", "replicas_draining"], "replicas (interval average)")]
      : []),
  ];
  const name = escapeHtml(report.scenario.name);
  const errors = serverErrorsOf(r);
  const card = (label: string, value: string) => `<div class="card"><div class="v">${value}</div><div class="l">${label}</div></div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${name} — fleetsim report</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1.5em; color: #222; }
h1 { margin-bottom: 0.2em; } .muted { color: #666; }
.cards { display: flex; flex-wrap: wrap; gap: 0.8em; margin: 1em 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.6em 1em; min-width: 9em; }
.card .v { font-size: 1.4em; font-weight: 600; } .card .l { color: #666; font-size: 0.9em; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; } th, td { border-bottom: 1px solid #eee; padding: 0.25em 0.8em; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.chart { width: 100%; margin: 1em 0 2em; }
.thresholds .pass { color: #2a7a2a; } .thresholds .fail { color: #b00020; font-weight: 600; }
</style>
</head>
<body>
<h1>${name}</h1>
<p class="muted">${report.scenario.description ? `${escapeHtml(report.scenario.description)}<br>` : ""}seed ${report.scenario.seed} · ${report.scenario.duration_s} s simulated · statistics from ${report.scenario.warmup_s} s · ${count(report.run.events)} events</p>
<div class="cards">
${card("requests arrived", count(r.arrived))}
${card("completed", count(r.completed))}
${card("server errors (rejected, failed, timed out)", count(errors))}
${card("client errors (invalid, unauthorized, blocked, throttled)", count(r.invalid + r.unauthorized + r.blocked + r.throttled))}
${card("API calls per request", r.retry_amplification === null ? "–" : r.retry_amplification.toFixed(3))}
${card("TTFT p99", seconds(report.latency.ttft_s.p99))}
${card("E2E p99", seconds(report.latency.e2e_s.p99))}
${card("requests / s", report.throughput.requests_per_s.toFixed(2))}
${card("revenue", usd(report.revenue.total_usd))}
${card("cost", usd(report.cost.total_usd))}
${card("gross margin", report.margin.gross_pct === null ? "–" : percentPoints(report.margin.gross_pct))}
${card("facility energy", `${report.energy.facility_kwh.toFixed(1)} kWh`)}
${card("lowest regional uptime", percentPoints(Math.min(...Object.values(report.availability.by_region).map((r) => r.uptime_pct)), 3))}
</div>
${thresholdList(report)}
<h2>Latency</h2>
${latencyTable(report.latency)}
<h2>By model</h2>
${groupsTable(report.by_model)}
<h2>By tenant</h2>
${groupsTable(report.by_tenant)}
<h2>By region</h2>
${groupsTable(report.by_region)}
${moneySection(report)}
${scalingSection(report)}
${replicasSection(report)}
<h2>Charts</h2>
${charts.map((_, i) => `<div class="chart" id="chart${i}"></div>`).join("\n")}
<script>${libraryScript("vega", "build/vega.min.js")}</script>
<script>${libraryScript("vega-lite", "build/vega-lite.min.js")}</script>
<script>${libraryScript("vega-embed", "build/vega-embed.min.js")}</script>
<script>
const charts = ${jsonForScript(charts)};
charts.forEach((spec, i) => vegaEmbed("#chart" + i, spec, { actions: false, renderer: "svg" }));
</script>
</body>
</html>
`;
}
