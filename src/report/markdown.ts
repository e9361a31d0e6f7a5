/** summary.md: the headline figures of a run in a page a person reads. */
import type { DistributionSummary } from "../metrics/sketch.js";
import type { GroupReport, Report } from "./json.js";

function seconds(value: number | null): string {
  if (value === null) return "–";
  if (value === 0) return "0";
  if (value < 1) return `${(value * 1000).toPrecision(3)} ms`;
  return `${value.toPrecision(3)} s`;
}

function count(value: number): string {
  return value.toLocaleString("en-US");
}

function percent(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(2)} %` : "–";
}

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
    const errors = r.rejected + r.failed + r.timed_out + r.throttled;
    lines.push(
      `| ${name} | ${count(r.arrived)} | ${count(r.completed)} | ${count(errors)} | ${g.throughput.requests_per_s.toFixed(2)} | ${seconds(g.latency.ttft_s.p50)} | ${seconds(g.latency.ttft_s.p99)} | ${seconds(g.latency.e2e_s.p99)} |`,
    );
  }
  return [...lines, ""];
}

function replicaTables(report: Report): string[] {
  const lines: string[] = [];
  for (const [name, model] of Object.entries(report.by_model)) {
    const d = model.deployment;
    if (!d || model.replicas_detail.length === 0) continue;
    const rs = model.replicas_detail;
    const mean = (f: (r: (typeof rs)[number]) => number) => rs.reduce((s, r) => s + f(r), 0) / rs.length;
    lines.push(
      `## Replicas of ${name}`,
      "",
      `${model.replicas} replicas of ${d.gpus_per_replica} x ${d.gpu}: ${d.weights_gb_per_gpu.toFixed(1)} GB of weights and ${d.kv_cache_gb_per_gpu.toFixed(1)} GB of KV cache per GPU ` +
        `(${count(d.kv_tokens_per_replica)} tokens per replica). On average a replica was busy ${(100 * mean((r) => r.busy_fraction)).toFixed(1)} % of the time ` +
        `with ${mean((r) => r.mean_batch_size).toFixed(1)} sequences per iteration, used ${(100 * mean((r) => r.mean_kv_utilization)).toFixed(1)} % of its KV cache, ` +
        `and reached ${(100 * mean((r) => r.compute_utilization)).toFixed(1)} % of peak compute and ${(100 * mean((r) => r.bandwidth_utilization)).toFixed(1)} % of memory bandwidth.`,
      "",
      "| replica | busy | batch | KV used | tokens/s | output tokens/s | compute | bandwidth | preemptions | prefix hits |",
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...rs.map(
        (r) =>
          `| ${r.index} | ${(100 * r.busy_fraction).toFixed(1)} % | ${r.mean_batch_size.toFixed(1)} | ${(100 * r.mean_kv_utilization).toFixed(1)} % | ${r.tokens_per_s.toFixed(0)} | ${r.output_tokens_per_s.toFixed(0)} | ${(100 * r.compute_utilization).toFixed(1)} % | ${(100 * r.bandwidth_utilization).toFixed(1)} % | ${r.preemptions} | ${r.prefix_cache_hits} |`,
      ),
      "",
    );
  }
  return lines;
}

export function summaryMarkdown(report: Report): string {
  const r = report.requests;
  const s = report.scenario;
  const lines = [
    `# ${s.name}`,
    "",
    ...(s.description ? [s.description.trim(), ""] : []),
    `Seed ${s.seed}; ${count(s.duration_s)} s simulated (statistics from ${count(s.warmup_s)} s on), ${count(report.run.events)} events.`,
    "",
    "## Requests",
    "",
    `${count(r.arrived)} requests arrived after the warm-up: ${count(r.completed)} completed (${percent(r.completed, r.arrived)}), ` +
      `${count(r.throttled)} throttled, ${count(r.rejected)} rejected, ${count(r.failed)} failed, ${count(r.timed_out)} timed out, ` +
      `${count(r.in_flight_at_end)} still in flight at the end.`,
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
    ...groupTable("By model", report.by_model),
    ...groupTable("By tenant", report.by_tenant),
    ...replicaTables(report),
  ];
  return lines.join("\n") + "\n";
}
