/**
 * report.html: one self-contained page with the headline figures, tables, the event timeline and
 * charts rendered to SVG in Node, so it needs no script at all (CI artifact viewers that block
 * scripts show it whole) and opens offline. Text from the scenario is escaped everywhere.
 */
import type { DistributionSummary } from "../metrics/sketch.js";
import type { TimeSeriesRow } from "../metrics/timeseries.js";
import { serverErrorsOf } from "../metrics/scope.js";
import type { GroupReport, Report } from "./json.js";
import { EVENT_FAMILIES, intervalsPerStep, latencyChart, MAX_CHART_STEPS, timeAxis, timeChart } from "./charts.js";
import { clockTime, count, percent, percentPoints, seconds, thresholdReading, usd } from "./format.js";
import { renderSvg, type ChartSpec } from "./svg.js";
import { poolsScaled, servingNotes } from "./serving-notes.js";
import { scalingUnits } from "./scaling.js";

/**
 * The page's Content-Security-Policy: it has no script and loads nothing, so it allows nothing but its
 * own inline styles (a <style> element and the charts' style attributes) and data: images. Should
 * scenario text ever slip past escaping, a browser still runs no script, fetches nothing (no tracking
 * pixel, no beacon) and submits no form. `frame-ancestors` is left out: a <meta> policy ignores it.
 */
export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** The start of a fleetsim page, through its (escaped) title: both report.html and sweep.html begin so, under the same policy. */
export function pageStart(generator: string, title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="${generator}">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>`;
}

/** How report.html and sweep.html start: what `commit` checks to recognise a page fleetsim wrote. */
export const HTML_START = '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<meta name="generator" content="fleetsim';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A table that scrolls sideways on a narrow screen instead of overflowing it. */
function table(head: string[], rows: string[]): string {
  return `<div class="scroll"><table><thead><tr>${head.map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

/** Money, with negative amounts flagged. */
function money(x: number): string {
  return x < 0 ? `<span class="neg">${usd(x)}</span>` : usd(x);
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
    `<tr><td>${label}</td><td>${count(d.count)}</td>${[d.mean, d.p50, d.p90, d.p99, d.p999, d.max].map((v) => `<td>${seconds(v)}</td>`).join("")}</tr>`;
  return table(
    ["metric", "count", "mean", "p50", "p90", "p99", "p99.9", "max"],
    LATENCY_LABELS.map(([key, label]) => row(label, latency[key])),
  );
}

function groupsTable(groups: Record<string, GroupReport>): string {
  const rows = Object.entries(groups).map(([name, g]) => {
    const r = g.requests;
    return `<tr><td>${escapeHtml(name)}</td><td>${count(r.arrived)}</td><td>${count(r.completed)}</td><td>${count(r.failed)}</td><td>${count(r.timed_out)}</td><td>${count(serverErrorsOf(r))}</td><td>${g.throughput.requests_per_s.toFixed(2)}</td><td>${seconds(g.latency.ttft_s.p50)}</td><td>${seconds(g.latency.ttft_s.p99)}</td><td>${seconds(g.latency.e2e_s.p99)}</td></tr>`;
  });
  return table(["name", "arrived", "completed", "failed", "timed out", "server errors", "req/s", "TTFT p50", "TTFT p99", "E2E p99"], rows);
}

/** Batch inference jobs, one row each (only where some tenant submits them). */
function batchJobSection(report: Report): string {
  const jobs = report.batch_jobs ?? [];
  if (jobs.length === 0) return "";
  const at = (s: number | null) => (s === null ? "–" : clockTime(s));
  const rows = jobs.map(
    (j) =>
      `<tr><td>${escapeHtml(j.tenant)}</td><td>${escapeHtml(j.model)}</td><td>${j.state}</td><td>${at(j.submitted_s)}</td><td>${at(j.started_s)}</td><td>${j.turnaround_s === null ? "–" : seconds(j.turnaround_s)}</td><td>${count(j.records)}</td><td>${count(j.completed)}</td><td>${count(j.failed)}</td><td>${count(j.expired)}</td><td>${money(j.revenue_usd)}</td><td>${j.others_ttft_p99_s === null ? "–" : seconds(j.others_ttft_p99_s)}</td></tr>`,
  );
  return `<h2>Batch jobs</h2><p class="muted">Each job whole (its records whenever they ran); others' TTFT p99 is that of the model's other requests answered while it was in progress.</p>${table(["tenant", "model", "state", "submitted", "started", "turnaround", "records", "completed", "failed", "expired", "revenue", "others' TTFT p99"], rows)}`;
}

/** Service tiers side by side, each judged by its own SLO targets (only where the tenants span several tiers). */
function tierSection(report: Report): string {
  const tiers = Object.entries(report.by_tier ?? {});
  if (tiers.length === 0) return "";
  const rows = tiers.map(([tier, g]) => {
    const r = g.requests;
    return `<tr><td>${escapeHtml(tier)}</td><td>${g.tenants.map(escapeHtml).join(", ")}</td><td>${count(r.arrived)}</td><td>${count(r.completed)}</td><td>${count(r.throttled)}</td><td>${seconds(g.latency.ttft_s.p50)}</td><td>${seconds(g.latency.ttft_s.p99)}</td><td>TTFT ${seconds(g.slo.ttft_s)}, TPOT ${seconds(g.slo.tpot_s)}</td><td>${g.slo_attainment === null ? "–" : percent(g.slo_attainment)}</td><td>${money(g.revenue_usd)}</td></tr>`;
  });
  return `<h2>By tier</h2><p class="muted">Each tier's requests in the window, judged by its own SLO targets; revenue at its price (priority with its premium, flex and batch with their discounts).</p>${table(["tier", "tenants", "arrived", "completed", "throttled", "TTFT p50", "TTFT p99", "SLO", "attainment", "revenue"], rows)}`;
}

function thresholdList(report: Report): string {
  const entries = Object.entries(report.thresholds);
  if (entries.length === 0) return "";
  const items = entries.flatMap(([metric, results]) =>
    results.map((r) => `<li class="${r.ok ? "pass" : "fail"}">${r.ok ? "pass" : "FAIL"}: ${escapeHtml(metric)} ${escapeHtml(r.expression)} (${escapeHtml(thresholdReading(metric, r))})</li>`),
  );
  return `<h2>Thresholds: ${report.thresholds_ok ? "all pass" : "<span class=\"neg\">some fail</span>"}</h2><ul class="thresholds">${items.join("")}</ul>`;
}

function moneySection(report: Report): string {
  const costs = Object.entries(report.cost.items)
    .sort((a, b) => b[1] - a[1])
    .map(([name, value]) => `<tr><td>${escapeHtml(name.replaceAll("_", " "))}</td><td>${money(value)}</td></tr>`);
  const regions = Object.keys(report.by_region).map(
    (name) =>
      `<tr><td>${escapeHtml(name)}</td><td>${money(report.revenue.by_region[name] ?? 0)}</td><td>${money(report.cost.by_region[name] ?? 0)}</td><td>${(report.energy.by_region[name]?.facility_kwh ?? 0).toFixed(1)}</td><td>${(report.energy.by_region[name]?.carbon_kg ?? 0).toFixed(1)}</td></tr>`,
  );
  const tenants = Object.entries(report.revenue.by_tenant).map(([name, usdValue]) => `<tr><td>${escapeHtml(name)}</td><td>${money(usdValue)}</td></tr>`);
  const azs = Object.entries(report.energy.by_az).map(
    ([name, az]) =>
      `<tr><td>${escapeHtml(name)}</td><td>${az.facility_kwh.toFixed(1)}</td><td>${az.peak_facility_kw.toFixed(1)}</td><td>${az.power_capacity_kw === null ? "–" : az.power_capacity_kw.toFixed(0)}</td><td>${az.exceeds_capacity ? '<span class="neg">peak above capacity</span>' : az.plan_exceeds_capacity ? "flat out would exceed" : "within"}</td></tr>`,
  );
  const m = report.margin;
  const costIsOnlyEnergy = report.cost.total_usd === 0 && report.revenue.total_usd === 0;
  if (costIsOnlyEnergy && report.energy.facility_kwh === 0) return "";
  return `<h2>Money and energy</h2>
${table(["cost item", "USD"], [...costs, `<tr><td><b>total</b></td><td><b>${money(report.cost.total_usd)}</b></td></tr>`])}
<p>Revenue ${money(report.revenue.total_usd)} · gross margin ${money(m.gross_usd)}${m.gross_pct === null ? "" : ` (${m.gross_pct < 0 ? `<span class="neg">${percentPoints(m.gross_pct)}</span>` : percentPoints(m.gross_pct)})`} · cost per million tokens ${m.cost_per_mtok_usd === null ? "–" : usd(m.cost_per_mtok_usd)}</p>
${table(["region", "revenue", "cost", "facility kWh", "CO2 kg"], regions)}
${tenants.length > 0 ? table(["tenant", "revenue"], tenants) : ""}
${table(["AZ", "facility kWh", "peak facility kW", "power capacity kW", "peak vs capacity"], azs)}`;
}

function availabilitySection(report: Report): string {
  const regions = Object.entries(report.availability.by_region).map(
    ([name, a]) =>
      `<tr><td>${escapeHtml(name)}</td><td>${percentPoints(a.uptime_pct, 3)}</td><td>${percentPoints(a.month_uptime_pct, 3)}</td><td>${percentPoints(a.sla_credit_pct, 0)}</td><td>${count(a.attempts)}</td><td>${percent(a.error_rate, 3)}</td></tr>`,
  );
  const tenants = Object.entries(report.availability.by_tenant).map(
    ([name, a]) => `<tr><td>${escapeHtml(name)}</td><td>${percentPoints(a.uptime_pct, 3)}</td><td>${count(a.attempts)}</td><td>${percent(a.error_rate, 3)}</td></tr>`,
  );
  return `<h2>Availability</h2><p class="muted">By API call: failed calls (5xx, timed out) over those and successful ones, per 5-minute interval; 400, 403 and 429 in neither. Credits tiered on the ${report.availability.credit_basis === "month" ? "30-day month" : "window"}.</p>
${table(["region", "uptime", "30-day month", "SLA credit", "calls", "error rate"], regions)}
${table(["tenant", "uptime", "calls", "error rate"], tenants)}
<p>SLO attainment ${report.availability.slo_attainment === null ? "–" : percent(report.availability.slo_attainment, 2)} · goodput ${report.availability.goodput_per_s.toFixed(2)} requests/s</p>`;
}

const TIMELINE_ROWS = 200;

/** Faults, scaling decisions and rollouts in time order (single replicas' transitions stay in report.json). */
function timelineSection(report: Report): string {
  const timeline = report.events.filter((e) => EVENT_FAMILIES[e.kind]);
  if (timeline.length === 0) return "";
  const shown = timeline.slice(0, TIMELINE_ROWS);
  return `<h2>Events</h2>
${table(
  ["time", "event", "target", "reason"],
  shown.map((e) => `<tr><td>${clockTime(e.t_s)}</td><td>${escapeHtml(e.kind.replaceAll("_", " "))}</td><td>${escapeHtml(e.target)}</td><td class="text">${escapeHtml(e.reason ?? "")}</td></tr>`),
)}
${timeline.length > shown.length ? `<p class="muted">${count(timeline.length - shown.length)} more in report.json's events.</p>` : ""}`;
}

function scalingSection(report: Report): string {
  const sets = scalingUnits(report);
  if (sets.length === 0) return "";
  const g = report.fleet.gpu_hours;
  const lead = (v: number | null) => (v === null ? "–" : `${v.toFixed(0)} s`);
  const setRows = sets.map(
    ({ model, pool, region, s }) =>
      `<tr><td>${escapeHtml(model)} / ${escapeHtml(region)}${pool ? ` · ${pool} pool` : ""}</td><td>${escapeHtml(s.autoscaler ?? "none")}</td><td>${s.min}..${s.max}</td><td>${s.desired_at_end}</td><td>${s.scale_outs}</td><td>${s.scale_ins}</td><td>${s.scale_outs_failed}</td><td>${s.replaced}</td><td>${s.replicas_launched}</td><td>${lead(s.lead_time_s.p50)}</td><td>${lead(s.lead_time_s.p99)}</td></tr>`,
  );
  const rollouts = Object.entries(report.rollouts).flatMap(([model, regions]) =>
    Object.entries(regions).map(
      ([region, r]) =>
        `<tr><td>${escapeHtml(model)} / ${escapeHtml(region)}</td><td>${escapeHtml(r.version)}</td><td>${escapeHtml(r.strategy)}</td><td>${escapeHtml(r.outcome.replaceAll("_", " "))}</td><td>${r.stages.map((st) => `${Math.round(st.share * 100)} % at ${st.at_s.toFixed(0)} s`).join(", ") || "–"}</td><td>${r.overlap_gpu_hours.toFixed(2)}</td><td>${r.extra_gpu_hours.toFixed(2)}</td><td>${r.extra_cost_usd === null ? "–" : usd(r.extra_cost_usd)}</td><td class="text">${escapeHtml(r.rollback_reason ?? "")}</td></tr>`,
    ),
  );
  return `<h2>Scaling</h2>
<p class="muted">GPU-hours paid ${g.paid.toFixed(1)}: serving ${g.by_state.serving.toFixed(1)}, idle ${g.by_state.free.toFixed(1)}, booting ${g.by_state.booting.toFixed(1)}, starting ${g.by_state.starting.toFixed(1)}, loading ${g.by_state.loading.toFixed(1)}, draining ${g.by_state.draining.toFixed(1)}, failed ${g.by_state.failed.toFixed(1)} · ${report.fleet.servers_launched} servers launched</p>
${table(["model / region", "autoscaler", "min..max", "desired at end", "scale-outs", "scale-ins", "failed scale-outs", "replaced", "launched", "lead time p50", "p99"], setRows)}
${rollouts.length > 0 ? table(["rollout", "version", "strategy", "outcome", "stages", "overlap GPU-hours", "GPU-hours added to the bill", "cost added", "rollback reason"], rollouts) : ""}`;
}

/** Long replica tables fold away. */
const REPLICAS_SHOWN_OPEN = 16;

function replicasSection(report: Report): string {
  const parts: string[] = [];
  for (const [name, model] of Object.entries(report.by_model)) {
    if (!model.deployment || model.replicas_detail.length === 0) continue;
    const d = model.deployment;
    const rows = model.replicas_detail.map(
      (r) =>
        `<tr><td>${r.index}</td><td>${escapeHtml(r.region)} / ${escapeHtml(r.az)}</td><td>${percent(r.busy_fraction)}</td><td>${r.mean_batch_size.toFixed(1)}</td><td>${percent(r.mean_kv_utilization)}</td><td>${r.tokens_per_s.toFixed(0)}</td><td>${percent(r.compute_utilization)}</td><td>${percent(r.bandwidth_utilization)}</td><td>${r.preemptions}</td><td>${r.prefix_cache_hits}</td></tr>`,
    );
    const body = table(["replica", "region / AZ", "busy", "batch", "KV used", "tokens/s", "compute", "bandwidth", "preemptions", "prefix hits"], rows);
    parts.push(
      `<h2>Replicas of ${escapeHtml(name)}</h2>`,
      `<p class="muted">${model.replicas} x ${d.gpus_per_replica} ${escapeHtml(d.gpu)} · per GPU ${d.memory_gb_per_gpu.toFixed(1)} GB: ${d.weights_gb_per_gpu.toFixed(1)} weights, ${d.activations_gb_per_gpu.toFixed(1)} activations, ${d.runtime_gb_per_gpu.toFixed(1)} runtime, ${d.kv_cache_gb_per_gpu.toFixed(1)} KV cache · ${count(d.kv_tokens_per_replica)} KV tokens per replica. "Busy" is the share of time running iterations (a replica can be busy with a small batch: see batch, KV used and compute).</p>`,
      ...servingNotes(model, escapeHtml, poolsScaled(report, name)).map((sentence) => `<p>${sentence}</p>`),
      rows.length > REPLICAS_SHOWN_OPEN ? `<details><summary>${rows.length} replicas</summary>${body}</details>` : body,
    );
  }
  return parts.join("\n");
}

/** The charts of a report, each rendered to SVG, or a note where there is nothing to draw. */
async function chartsSection(report: Report, rows: readonly TimeSeriesRow[], intervalS: number): Promise<string> {
  const axis = timeAxis(report, intervalS);
  const charts: [string, ChartSpec | undefined][] = [
    ["Latency percentiles", latencyChart(report.latency)],
    ["Requests", timeChart("Requests per interval", report, rows, axis, ["arrivals", "completed", "errors", "timed_out"], "requests")],
    ["Throughput", timeChart("Completed requests per second", report, rows, axis, ["requests_per_s"], "requests / s")],
    ["Latency over time", timeChart("Latency of the requests finished in each interval", report, rows, axis, ["ttft_mean_s", "ttft_p99_s", "e2e_p99_s"], "seconds (log)", { log: true })],
    ["Requests in the system", timeChart("Requests in the system (time average)", report, rows, axis, ["mean_in_system", "mean_queued"], "requests")],
    ["Power", timeChart("Power", report, rows, axis, ["it_kw", "facility_kw"], "kW")],
    ["GPUs", timeChart("GPUs by state", report, rows, axis, ["gpus_serving", "gpus_free", "gpus_booting", "gpus_starting", "gpus_loading", "gpus_draining", "gpus_failed"], "GPUs")],
    ...(Object.keys(report.scaling).length > 0
      ? ([["Replicas", timeChart("Replicas: desired and by state", report, rows, axis, ["replicas_desired", "replicas_serving", "replicas_requested", "replicas_starting", "replicas_loading", "replicas_draining"], "replicas")]] as [string, ChartSpec | undefined][])
      : []),
  ];
  const parts: string[] = [];
  const intervals = intervalsPerStep(rows, axis);
  if (intervals > 1) {
    parts.push(
      `<p class="muted">${count(rows.length)} report intervals are more than a chart's ${MAX_CHART_STEPS} steps, so the charts over time draw steps of ${intervals} intervals (${count(intervals * intervalS)} s). ` +
        "Each line is the mean over its step (TTFT mean: over the requests completed in it) and its shaded band runs from the step's lowest interval to its highest; " +
        "TTFT p99 and end-to-end p99 are the step's highest interval, so a spike in one interval is drawn at its full height. timeseries.csv keeps every interval.</p>",
    );
  }
  for (const [name, spec] of charts) {
    const body = spec ? await renderSvg(spec) : `<p class="muted">no data</p>`;
    parts.push(`<figure class="chart" data-chart="${escapeHtml(name)}">${spec ? "" : `<figcaption>${escapeHtml(name)}</figcaption>`}${body}</figure>`);
  }
  return parts.join("\n");
}

export async function htmlReport(report: Report, rows: readonly TimeSeriesRow[], intervalS = rows.length > 1 ? rows[1].time_s - rows[0].time_s : report.run.simulated_s): Promise<string> {
  const r = report.requests;
  const name = escapeHtml(report.scenario.name);
  const errors = serverErrorsOf(r);
  const card = (label: string, value: string) => `<div class="card"><div class="v">${value}</div><div class="l">${label}</div></div>`;
  const margin = report.margin.gross_pct;
  return `${pageStart("fleetsim report", `${name} — fleetsim report`)}
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1.5em; color: #222; }
h1 { margin-bottom: 0.2em; } .muted { color: #666; } .neg { color: #b00020; font-weight: 600; }
.cards { display: flex; flex-wrap: wrap; gap: 0.8em; margin: 1em 0; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 0.6em 1em; min-width: 9em; }
.card .v { font-size: 1.4em; font-weight: 600; } .card .l { color: #666; font-size: 0.9em; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; } th, td { border-bottom: 1px solid #eee; padding: 0.25em 0.8em; text-align: right; white-space: nowrap; }
th:first-child, td:first-child, td.text { text-align: left; } td.text { white-space: normal; }
.chart { margin: 1em 0 2em; overflow-x: auto; } .chart svg { max-width: 100%; height: auto; }
.thresholds .pass { color: #2a7a2a; } .thresholds .fail { color: #b00020; font-weight: 600; }
</style>
</head>
<body>
<h1>${name}</h1>
<p class="muted">${report.scenario.description ? `${escapeHtml(report.scenario.description)}<br>` : ""}seed ${report.scenario.seed} · ${count(report.scenario.duration_s)} s simulated · statistics from ${count(report.scenario.warmup_s)} s (shaded on the charts) · ${count(report.run.events)} events</p>
${thresholdList(report)}
${report.warnings.length > 0 ? `<ul class="warnings">${report.warnings.map((w) => `<li><strong>Warning</strong>: ${escapeHtml(w.message)}${w.cost_usd === null ? "" : ` (${usd(w.cost_usd)})`}</li>`).join("")}</ul>` : ""}
<div class="cards">
${card("requests arrived", count(r.arrived))}
${card("completed", count(r.completed))}
${card("server errors (rejected, failed, timed out)", count(errors))}
${card("client errors (invalid, unauthorized, blocked, throttled)", count(r.invalid + r.unauthorized + r.blocked + r.throttled))}
${card("API calls per request", r.retry_amplification === null ? "–" : r.retry_amplification.toFixed(3))}
${card("TTFT p99", seconds(report.latency.ttft_s.p99))}
${card("E2E p99", seconds(report.latency.e2e_s.p99))}
${card("requests / s", report.throughput.requests_per_s.toFixed(2))}
${card("revenue", money(report.revenue.total_usd))}
${card("cost", money(report.cost.total_usd))}
${card("gross margin", margin === null ? "–" : margin < 0 ? `<span class="neg">${percentPoints(margin)}</span>` : percentPoints(margin))}
${card("facility energy", `${report.energy.facility_kwh.toFixed(1)} kWh`)}
${card("lowest regional uptime", percentPoints(Math.min(...Object.values(report.availability.by_region).map((a) => a.uptime_pct)), 3))}
</div>
<h2>Latency</h2>
${latencyTable(report.latency)}
<h2>By model</h2>
${groupsTable(report.by_model)}
<h2>By tenant</h2>
${groupsTable(report.by_tenant)}
${tierSection(report)}
${batchJobSection(report)}
<h2>By region</h2>
${groupsTable(report.by_region)}
${moneySection(report)}
${availabilitySection(report)}
${scalingSection(report)}
${timelineSection(report)}
${replicasSection(report)}
<h2>Charts</h2>
${await chartsSection(report, rows, intervalS)}
</body>
</html>
`;
}
