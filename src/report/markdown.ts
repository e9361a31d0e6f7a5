/** summary.md: the headline figures of a run in a page a person reads. */
import { poolsScaled, servingNotes } from "./serving-notes.js";
import { scalingUnits } from "./scaling.js";
import type { DistributionSummary } from "../metrics/sketch.js";
import { serverErrorsOf } from "../metrics/scope.js";
import type { GroupReport, Report } from "./json.js";
import { clockTime, count, percent, percentOf, percentPoints, seconds, thresholdReading, usd } from "./format.js";

/**
 * Text from a scenario or a report, in Markdown, shown as written: summary.md is posted as a
 * pull-request comment, where raw HTML, links and images (a tracking pixel) would render, and an
 * unclosed code fence or a table-cell bar would swallow or break the rest of the page. Backslashes,
 * backticks, brackets and bars are backslash-escaped, `<` before a tag and `&` before an entity become
 * references, and control characters become spaces; so do line breaks, unless `multiline` (a
 * description), where a line's leading heading, list, quote or rule marker is escaped instead. Plain
 * names (letters, digits, `.`, `_`, `-`) and expressions like `p(99) < 2s` come out unchanged.
 */
export function escapeMarkdown(text: string, options: { multiline?: boolean } = {}): string {
  const inline = (line: string) =>
    line
      .replace(/[\u0000-\u001f\u007f-\u009f]/g, " ")
      .replace(/[\\`[\]|]/g, "\\$&")
      .replace(/&(?=#?[A-Za-z0-9]+;)/g, "&amp;")
      .replace(/<(?=[A-Za-z/!?])/g, "&lt;");
  if (!options.multiline) return inline(text.replace(/\r\n?|\n/g, " "));
  return text
    .split(/\r\n?|\n/)
    .map((line) => inline(line).replace(/^(\s*)([#=+*>-]|\d+(?=[.)]))/, "$1\\$2"))
    .join("\n");
}

/**
 * Text as a code span (a path, an expression). Nothing can be escaped inside a span, so text holding a
 * backtick or a line break is escaped as plain text instead; in a table cell a bar is escaped (GFM
 * reads `\|` there even inside a span).
 */
export function markdownCode(text: string, options: { tableCell?: boolean } = {}): string {
  if (/[`\r\n]/.test(text)) return escapeMarkdown(text);
  const plain = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ");
  return `\`${options.tableCell ? plain.replace(/\|/g, "\\|") : plain}\``;
}

const md = (text: string) => escapeMarkdown(text);

function latencyRow(name: string, d: DistributionSummary): string {
  return `| ${name} | ${count(d.count)} | ${seconds(d.mean)} | ${seconds(d.p50)} | ${seconds(d.p90)} | ${seconds(d.p99)} | ${seconds(d.p999)} | ${seconds(d.max)} |`;
}

function groupTable(title: string, groups: Record<string, GroupReport>): string[] {
  const names = Object.keys(groups);
  if (names.length < 2) return [];
  const lines = [`## ${title}`, "", "| name | arrived | completed | errors | req/s | TTFT p50 | TTFT p99 | E2E p99 |", "|---|---:|---:|---:|---:|---:|---:|---:|"];
  for (const name of names) {
    const g = groups[name];
    const r = g.requests;
    const errors = serverErrorsOf(r);
    lines.push(
      `| ${md(name)} | ${count(r.arrived)} | ${count(r.completed)} | ${count(errors)} | ${g.throughput.requests_per_s.toFixed(2)} | ${seconds(g.latency.ttft_s.p50)} | ${seconds(g.latency.ttft_s.p99)} | ${seconds(g.latency.e2e_s.p99)} |`,
    );
  }
  return [...lines, ""];
}

/** Batch inference jobs, one row each. */
function batchJobTable(report: Report): string[] {
  const jobs = report.batch_jobs ?? [];
  if (jobs.length === 0) return [];
  const at = (s: number | null) => (s === null ? "-" : clockTime(s));
  const lines = [
    "## Batch jobs",
    "",
    "Each job whole (its records whenever they ran); others' TTFT p99 is that of the model's other requests answered while it was in progress.",
    "",
    "| tenant | model | state | submitted | started | turnaround | records | completed | failed | expired | revenue | others' TTFT p99 |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const j of jobs) {
    lines.push(
      `| ${md(j.tenant)} | ${md(j.model)} | ${j.state} | ${at(j.submitted_s)} | ${at(j.started_s)} | ${j.turnaround_s === null ? "-" : seconds(j.turnaround_s)} | ${count(j.records)} | ${count(j.completed)} | ${count(j.failed)} | ${count(j.expired)} | ${usd(j.revenue_usd)} | ${j.others_ttft_p99_s === null ? "-" : seconds(j.others_ttft_p99_s)} |`,
    );
  }
  return [...lines, ""];
}

/** Service tiers side by side: what each got, paid, and met of its own targets. */
function tierTable(report: Report): string[] {
  const tiers = Object.entries(report.by_tier ?? {});
  if (tiers.length === 0) return [];
  const lines = [
    "## By tier",
    "",
    "Each tier's requests in the window, judged by its own SLO targets; revenue at its price (priority with its premium, flex and batch with their discounts).",
    "",
    "| tier | tenants | arrived | completed | throttled | TTFT p50 | TTFT p99 | SLO | attainment | revenue |",
    "|---|---|---:|---:|---:|---:|---:|---|---:|---:|",
  ];
  for (const [tier, g] of tiers) {
    const r = g.requests;
    lines.push(
      `| ${md(tier)} | ${g.tenants.map(md).join(", ")} | ${count(r.arrived)} | ${count(r.completed)} | ${count(r.throttled)} | ${seconds(g.latency.ttft_s.p50)} | ${seconds(g.latency.ttft_s.p99)} | ` +
        `TTFT ${seconds(g.slo.ttft_s)}, TPOT ${seconds(g.slo.tpot_s)} | ${g.slo_attainment === null ? "-" : percent(g.slo_attainment)} | ${usd(g.revenue_usd)} |`,
    );
  }
  return [...lines, ""];
}

/** Replica tables longer than this fold into <details>. */
const FOLD_REPLICAS = 16;

function replicaTables(report: Report): string[] {
  const lines: string[] = [];
  for (const [name, model] of Object.entries(report.by_model)) {
    const d = model.deployment;
    if (!d || model.replicas_detail.length === 0) continue;
    const rs = model.replicas_detail;
    const mean = (f: (r: (typeof rs)[number]) => number) => rs.reduce((s, r) => s + f(r), 0) / rs.length;
    lines.push(
      `## Replicas of ${md(name)}`,
      "",
      `${model.replicas} replicas of ${d.gpus_per_replica} x ${md(d.gpu)}: ${d.weights_gb_per_gpu.toFixed(1)} GB of weights and ${d.kv_cache_gb_per_gpu.toFixed(1)} GB of KV cache per GPU ` +
        `(${count(d.kv_tokens_per_replica)} tokens per replica). On average a replica was busy ${percent(mean((r) => r.busy_fraction))} of the time ` +
        `with ${mean((r) => r.mean_batch_size).toFixed(1)} sequences per iteration, used ${percent(mean((r) => r.mean_kv_utilization))} of its KV cache, ` +
        `and reached ${percent(mean((r) => r.compute_utilization))} of peak compute and ${percent(mean((r) => r.bandwidth_utilization))} of memory bandwidth. ` +
        `("Busy" is the share of time running iterations, whatever their size: a replica busy 100 % with a small batch has room; its batch, KV use and compute say how much.)`,
      "",
      ...servingExtras(model, poolsScaled(report, name)),
      ...(rs.length > FOLD_REPLICAS ? [`<details><summary>${rs.length} replicas</summary>`, ""] : []),
      "| replica | region / AZ | busy | batch | KV used | tokens/s | output tokens/s | compute | bandwidth | preemptions | prefix hits |",
      "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...rs.map(
        (r) =>
          `| ${r.index} | ${md(r.region)} / ${md(r.az)} | ${percent(r.busy_fraction)} | ${r.mean_batch_size.toFixed(1)} | ${percent(r.mean_kv_utilization)} | ${r.tokens_per_s.toFixed(0)} | ${r.output_tokens_per_s.toFixed(0)} | ${percent(r.compute_utilization)} | ${percent(r.bandwidth_utilization)} | ${r.preemptions} | ${r.prefix_cache_hits} |`,
      ),
      "",
      ...(rs.length > FOLD_REPLICAS ? ["</details>", ""] : []),
    );
  }
  return lines;
}

/** Speculative decoding, disaggregation and KV offload tiers, where the model has them: a paragraph each. */
function servingExtras(model: Report["by_model"][string], scaled: boolean): string[] {
  return servingNotes(model, md, scaled).flatMap((sentence) => [sentence, ""]);
}

function moneySection(report: Report): string[] {
  // A scenario with no GPU servers, prices or energy (a queueing model) has no money to speak of.
  if (report.cost.total_usd === 0 && report.revenue.total_usd === 0 && report.energy.facility_kwh === 0) return [];
  const c = report.cost;
  const m = report.margin;
  const hours = report.run.window_s / 3600;
  const items = Object.entries(c.items).sort((a, b) => b[1] - a[1]);
  const lines = [
    "## Money",
    "",
    `Over the ${hours.toFixed(2)} hours measured (tokens produced, revenue and costs inside the window${report.run.drain_s > 0 ? `; its requests then took ${report.run.drain_s.toFixed(0)} s more to end, not billed` : ""}), the service earned ${usd(report.revenue.total_usd)} and cost ${usd(c.total_usd)}: ` +
      `a gross margin of ${usd(m.gross_usd)}${m.gross_pct === null ? "" : ` (${percentPoints(m.gross_pct)} of revenue)`}. ` +
      (m.cost_per_mtok_usd !== null
        ? `Serving a million tokens cost ${usd(m.cost_per_mtok_usd)} and earned ${usd(m.revenue_per_mtok_usd ?? 0)}; a request cost ${usd(m.cost_per_request_usd ?? 0)} on average.`
        : "No tokens were served."),
    "",
    ...breakEvenLines(m),
    "| cost item | USD | share |",
    "|---|---:|---:|",
    ...items.map(([name, value]) => `| ${md(name.replaceAll("_", " "))} | ${usd(value)} | ${c.total_usd > 0 ? percentOf(value, c.total_usd, 1) : "0 %"} |`),
    "",
  ];
  if (c.unpriced_server_types.length > 0) lines.push(`Server types without a price (counted as free): ${c.unpriced_server_types.map(md).join(", ")}.`, "");
  for (const b of m.break_even) {
    lines.push(
      b.break_even_gpu_hours_per_month === null
        ? `Owning ${md(b.server_type)}-class servers never beats renting them at ${usd(b.rent_usd_per_server_hour)}/h: energy alone costs more.`
        : `Owning instead of renting ${md(b.server_type)} (${usd(b.rent_usd_per_server_hour)}/h) pays off above ${count(Math.round(b.break_even_gpu_hours_per_month))} GPU-hours a month per server, ` +
            `${percent(b.break_even_utilization ?? 0, 0)} utilisation (ownership ${usd(b.own_usd_per_month)} a month per server).`,
    );
  }
  if (m.break_even.length > 0) lines.push("");
  return lines;
}

/** What the replica sets did, when some model autoscales or rolls out. */
function scalingLines(report: Report): string[] {
  const lines: string[] = [];
  const g = report.fleet.gpu_hours;
  for (const { model, pool, region, s } of scalingUnits(report)) {
    const lead = s.lead_time_s.p50 === null ? "" : `; lead time p50 ${s.lead_time_s.p50.toFixed(0)} s, p99 ${s.lead_time_s.p99!.toFixed(0)} s`;
    lines.push(
      `${md(model)}${pool ? ` ${pool} pool` : ""} in ${md(region)} (${md(s.autoscaler ?? "no autoscaler")}, ${s.min}..${s.max} replicas): ${s.scale_outs} scale-outs, ${s.scale_ins} scale-ins, ` +
        `${s.scale_outs_failed} failed for lack of GPUs, ${s.replaced} replaced after failures, ${s.replicas_launched} replicas launched${lead}.`,
      "",
    );
  }
  for (const [model, regions] of Object.entries(report.rollouts)) {
    for (const [region, r] of Object.entries(regions)) {
      lines.push(
        `Rollout of ${md(model)} ${md(r.version)} in ${md(region)} (${md(r.strategy)}): ${md(r.outcome.replaceAll("_", " "))}${r.rollback_reason ? ` (${md(r.rollback_reason)})` : ""}; ` +
          `the two fleets overlapped for ${r.overlap_gpu_hours.toFixed(2)} GPU-hours, and the rollout added ${r.extra_gpu_hours.toFixed(2)} GPU-hours of servers to the bill${r.extra_cost_usd === null ? "" : ` (${usd(r.extra_cost_usd)})`}.`,
        "",
      );
    }
  }
  if (lines.length > 0) {
    lines.push(
      `GPU-hours paid: ${g.paid.toFixed(1)}, of which ${g.by_state.serving.toFixed(1)} serving and ${g.not_serving.toFixed(1)} not (idle ${g.by_state.free.toFixed(1)}, ` +
        `booting ${g.by_state.booting.toFixed(1)}, starting ${(g.by_state.starting + g.by_state.loading).toFixed(1)}, draining ${g.by_state.draining.toFixed(1)}, failed ${g.by_state.failed.toFixed(1)}).`,
      "",
    );
  }
  return lines;
}

function fleetSection(report: Report): string[] {
  if (report.fleet.gpus === 0 && report.energy.facility_kwh === 0) return [];
  const e = report.energy;
  const f = report.fleet;
  const lines = [
    "## Fleet and energy",
    "",
    `${f.servers} servers with ${f.gpus} GPUs in ${Object.keys(f.regions).length} region(s). On average ${f.gpu_states_mean.serving.toFixed(1)} GPUs served, ` +
      `${f.gpu_states_mean.free.toFixed(1)} were free, ${(f.gpu_states_mean.booting + f.gpu_states_mean.starting + f.gpu_states_mean.loading).toFixed(1)} were starting, ` +
      `${f.gpu_states_mean.draining.toFixed(1)} were draining and ${f.gpu_states_mean.failed.toFixed(1)} were failed.`,
    "",
    ...scalingLines(report),
    `The IT equipment used ${e.it_kwh.toFixed(1)} kWh and the facilities ${e.facility_kwh.toFixed(1)} kWh (peak ${e.peak_facility_kw.toFixed(1)} kW), ` +
      (report.cost.electricity === "billed"
        ? `costing ${usd(e.electricity_usd)} of electricity and emitting`
        : `${usd(e.electricity_usd)} of electricity at the regions' prices (included in the servers' price, not a cost item), emitting`) +
      ` ${e.carbon_kg.toFixed(1)} kg of CO2.`,
    "",
  ];
  for (const [name, az] of Object.entries(e.by_az)) {
    if (az.exceeds_capacity) lines.push(`**${md(name)} peaked at ${az.peak_facility_kw.toFixed(1)} kW, above its ${az.power_capacity_kw} kW power capacity.**`, "");
    else if (az.plan_exceeds_capacity) {
      lines.push(`${md(name)}'s servers could draw ${az.planned_max_facility_kw.toFixed(1)} kW flat out, more than its ${az.power_capacity_kw} kW capacity (this run peaked at ${az.peak_facility_kw.toFixed(1)} kW).`, "");
    }
  }
  return lines;
}

/** Which gateway limits refused calls, by tenant (nothing when none did). */
function throttleLines(report: Report): string[] {
  const byTenant = Object.entries(report.gateway.throttled_attempts.by_tenant)
    .map(([tenant, limits]) => [tenant, Object.entries(limits).filter(([, n]) => n > 0)] as const)
    .filter(([, limits]) => limits.length > 0);
  if (byTenant.length === 0) return [];
  return ["", `Throttled calls by the limit that fired: ${byTenant.map(([tenant, limits]) => `${md(tenant)} (${limits.map(([limit, n]) => `${count(n)} ${md(limit.replaceAll("_", " "))}`).join(", ")})`).join("; ")}.`];
}

function availabilitySection(report: Report): string[] {
  const a = report.availability;
  const lines = [
    "## Availability",
    "",
    `Uptime counts API calls: per 5-minute interval, failed calls (5xx and timed out) over those and successful ones; client errors (400, 403, 429) are in neither. ` +
      `SLA credits are tiered on the ${a.credit_basis === "month" ? "30-day month's" : "window's"} uptime.`,
    "",
    "| region | uptime | 30-day month | SLA credit | calls | error rate |",
    "|---|---:|---:|---:|---:|---:|",
    ...Object.entries(a.by_region).map(
      ([name, r]) => `| ${md(name)} | ${percentPoints(r.uptime_pct, 3)} | ${percentPoints(r.month_uptime_pct, 3)} | ${percentPoints(r.sla_credit_pct, 0)} | ${count(r.attempts)} | ${percent(r.error_rate, 3)} |`,
    ),
    "",
    "| tenant | uptime | calls | error rate |",
    "|---|---:|---:|---:|",
    ...Object.entries(a.by_tenant).map(([name, r]) => `| ${md(name)} | ${percentPoints(r.uptime_pct, 3)} | ${count(r.attempts)} | ${percent(r.error_rate, 3)} |`),
    "",
    `${a.slo_attainment === null ? "No request counted" : `${percent(a.slo_attainment, 2)} of the window's requests (all but those refused as invalid or unauthorized; throttled, refused, failed and timed-out ones count as misses)`} met the objectives (TTFT <= ${a.slo.ttft_s} s and time per output token <= ${a.slo.tpot_s} s): ` +
      `a goodput of ${a.goodput_per_s.toFixed(2)} requests/s.`,
    "",
  ];
  if (report.events.length > 0) {
    lines.push("Events (simulated time):", "", ...report.events.slice(0, 50).map((e) => `- ${clockTime(e.t_s)}: ${md(e.kind.replaceAll("_", " "))} (${md(e.target)})`));
    if (report.events.length > 50) lines.push(`- ... and ${report.events.length - 50} more (report.json)`);
    lines.push("");
  }
  return lines;
}

function thresholdSection(report: Report): string[] {
  const entries = Object.entries(report.thresholds);
  if (entries.length === 0) return warningLines(report);
  return [
    ...warningLines(report),
    "## Thresholds",
    "",
    report.thresholds_ok ? "All thresholds passed." : "**Some thresholds failed.**",
    "",
    ...entries.flatMap(([metric, results]) =>
      results.map((r) => `- ${r.ok ? "pass" : "**FAIL**"}: ${md(metric)} ${md(r.expression)} (${md(thresholdReading(metric, r))})`),
    ),
    "",
  ];
}

export function summaryMarkdown(report: Report): string {
  const r = report.requests;
  const s = report.scenario;
  const lines = [
    `# ${md(s.name)}`,
    "",
    ...(s.description ? [escapeMarkdown(s.description.trim(), { multiline: true }), ""] : []),
    `Seed ${s.seed}; a window of ${count(report.run.window_s)} s (from ${count(s.warmup_s)} s to ${count(s.duration_s)} s)${report.run.drain_s > 0 ? `, then ${count(Math.round(report.run.drain_s))} s of drain for its requests to end` : ""}; ${count(report.run.events)} events.`,
    "",
    ...thresholdSection(report),
    "## Requests",
    "",
    `${count(r.arrived)} requests arrived after the warm-up: ${count(r.completed)} completed (${percentOf(r.completed, r.arrived)}), ` +
      `${count(r.invalid)} invalid, ${count(r.unauthorized)} unauthorized, ${count(r.blocked)} blocked, ` +
      `${count(r.throttled)} throttled, ${count(r.rejected)} rejected, ${count(r.failed)} failed, ${count(r.timed_out)} timed out, ` +
      `${r.expired === undefined ? "" : `${count(r.expired)} batch records expired, `}${count(r.in_flight_at_end)} still in flight at the end. ` +
      `They took ${count(r.attempts)} API calls${r.retry_amplification === null ? "" : ` (${r.retry_amplification.toFixed(3)} per request)`}` +
      `${report.routing.residency_refusals > 0 ? `; ${count(report.routing.residency_refusals)} calls found no region their residency allows` : ""}.`,
    ...throttleLines(report),
    "",
    `Throughput: ${report.throughput.requests_per_s.toFixed(3)} requests/s, ${report.throughput.output_tokens_per_s.toFixed(1)} output tokens/s. ` +
      `On average ${report.occupancy.mean_in_system.toFixed(3)} requests were in the system and ${report.occupancy.mean_queued.toFixed(3)} waiting.`,
    "",
    "## Latency",
    "",
    "| metric | count | mean | p50 | p90 | p99 | p99.9 | max |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
    latencyRow("queue", report.latency.queue_s),
    latencyRow("time to first token", report.latency.ttft_s),
    latencyRow("time between tokens", report.latency.tbt_s),
    latencyRow("time per output token", report.latency.tpot_s),
    latencyRow("end to end", report.latency.e2e_s),
    "",
    ...timeSpentLines(report),
    ...groupTable("By model", report.by_model),
    ...groupTable("By tenant", report.by_tenant),
    ...tierTable(report),
    ...batchJobTable(report),
    ...groupTable("By region", report.by_region),
    ...moneySection(report),
    ...availabilitySection(report),
    ...fleetSection(report),
    ...replicaTables(report),
  ];
  return lines.join("\n") + "\n";
}

/** Where a completed request's time went on average: the parts of end-to-end latency, which add up to it. */
function timeSpentLines(report: Report): string[] {
  const e2e = report.latency.e2e_s.mean;
  if (e2e === null || e2e <= 0) return [];
  const parts: [string, number | null][] = [
    ["gateway", report.latency.gateway_s.mean],
    ["client backoff", report.latency.backoff_s.mean],
    ["held on a dead replica", report.latency.connect_s.mean],
    ["queued", report.latency.queue_s.mean],
    ["in service", report.latency.service_s.mean],
    ["network round trip", report.latency.network_s.mean],
  ];
  const shown = parts.filter(([, s]) => s !== null && s > 0).map(([name, s]) => `${name} ${s!.toFixed(3)} s (${percent(s! / e2e, 1)})`);
  return [`Where a completed request's ${e2e.toFixed(3)} s went on average: ${shown.join(", ")}.`, ""];
}

/** Why the window made or lost money, in the two figures a planner moves: the price, and the load. */
function breakEvenLines(m: Report["margin"]): string[] {
  if (m.break_even_price_usd_per_mtok === null) return [];
  const load =
    m.profitable_utilization === null
      ? ""
      : m.profitable_utilization > 1
        ? ` At today's prices no load would do it on this fleet: the replicas would have to be busy ${percent(m.profitable_utilization, 0)} of the GPU time paid for.`
        : ` At today's prices it would break even with the replicas busy ${percent(m.profitable_utilization, 0)} of the GPU time paid for.`;
  return [`It breaks even at ${usd(m.break_even_price_usd_per_mtok)} per million tokens (blended, today ${usd(m.revenue_per_mtok_usd ?? 0)}).${load}`, ""];
}

/** Warnings first: what the run did that is rarely meant. */
function warningLines(report: Report): string[] {
  return report.warnings.flatMap((w) => [`**Warning**: ${md(w.message)}${w.cost_usd === null ? "" : ` (${usd(w.cost_usd)})`}.`, ""]);
}
