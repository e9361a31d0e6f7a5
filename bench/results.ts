/**
 * What `npm run bench` makes of its measurements: the targets of issue 12 (pass or miss, and by how
 * much) and the Markdown tables it writes between marker comments in bench/README.md. Pure functions
 * of the results, so test/bench/results.test.ts checks them without running a benchmark.
 */

/** One benchmark's figures, as bench/results.json holds them. */
export interface BenchResult {
  name: string;
  what: string;
  command: string;
  /** whole child process, start-up included */
  wall_s: number;
  /** the part the child times itself (the simulation loop or simulate()), where it reports one */
  simulation_s?: number;
  events?: number;
  events_per_s?: number;
  /** simulated requests (or customers) and their number per second of `wall_s` */
  requests?: number;
  requests_per_s?: number;
  peak_rss_mb: number;
  [extra: string]: unknown;
}

export interface Target {
  target: string;
  measured: string;
  ok: boolean;
  /** how far off: measured / bound for an upper bound, bound / measured for a lower one (above 1 misses) */
  ratio: number;
}

export const round = (x: number, digits = 2) => Number(x.toFixed(digits));

/** The targets of issue 12 that the results have figures for (a benchmark not run gives no line). */
export function targets(results: readonly BenchResult[]): Target[] {
  const by = (name: string) => results.find((r) => r.name === name);
  const out: Target[] = [];
  const atMost = (target: string, value: number | undefined, bound: number, unit: string, note = "") => {
    if (value === undefined || !Number.isFinite(value)) return;
    out.push({ target, measured: `${round(value)} ${unit}${note}`, ok: value <= bound, ratio: round(value / bound) });
  };
  const atLeast = (target: string, value: number | undefined, bound: number, unit: string, note = "") => {
    if (value === undefined || !Number.isFinite(value)) return;
    out.push({ target, measured: `${round(value)}${unit}${note}`, ok: value >= bound, ratio: round(bound / value) });
  };
  const bedrock = by("bedrock-day");
  atMost("bedrock-day wall <= 30 s", bedrock?.wall_s, 30, "s");
  atMost("bedrock-day peak RSS <= 1 GB", bedrock?.peak_rss_mb, 1024, "MB");
  const fleet = by("fleet-day");
  if (fleet) {
    // A quick run's simulation time scaled to 24 hours; a full run's own.
    const perDay = fleet.quick ? ((fleet.simulation_s ?? fleet.wall_s) * 24) / (fleet.simulated_hours as number) : fleet.simulation_s;
    atMost("52 M-request day (1,000 GPUs, 600/s, 24 h) <= 180 s", perDay, 180, "s", fleet.quick ? ` (extrapolated from ${fleet.simulated_hours} h)` : "");
  }
  atLeast("M/M/c >= 10x SimPy (customers/s, whole process)", by("mmc")?.vs_simpy_customers_per_s as number | undefined, 10, "x");
  atMost("100k chat requests on 16 replicas <= 0.5 s of simulation", by("llm-100k")?.simulation_s, 0.5, "s");
  const ceiling = by("sweep-shards")?.speedup_vs_jobs1 as number | undefined;
  atLeast("sweep --jobs 2 >= 1.7x --jobs 1", by("sweep-jobs2")?.speedup_vs_jobs1 as number | undefined, 1.7, "x", ceiling === undefined ? "" : ` (two separate processes: ${round(ceiling)}x)`);
  return out;
}

const fmt = (x: unknown, digits = 2) => (typeof x === "number" && Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: digits }) : "–");
const millions = (x: unknown) => (typeof x === "number" && Number.isFinite(x) ? `${fmt(x / 1e6)} M` : "–");

export function resultsTable(results: readonly BenchResult[]): string {
  const rows = results.map(
    (r) =>
      `| ${r.name} | ${r.what} | ${fmt(r.wall_s)} s | ${r.simulation_s === undefined ? "–" : `${fmt(r.simulation_s)} s`} | ${millions(r.events)} | ${millions(r.events_per_s)} | ${fmt(r.requests, 0)} | ${fmt(r.requests_per_s, 0)} | ${fmt(r.peak_rss_mb, 0)} MB |`,
  );
  return [
    "| benchmark | what | wall (process) | simulation | events | events/s | requests | requests/s | peak RSS |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ...rows,
  ].join("\n");
}

export interface MemoryReading {
  simulated_days: number;
  rss_mb: number;
  heap_used_mb: number;
}

export function memoryTable(results: readonly BenchResult[]): string {
  const lines: string[] = [];
  const days = results.find((r) => r.name === "memory-days");
  if (days) {
    lines.push(`${days.what}:`, "", "| simulated days | RSS | live heap after a full GC |", "|---:|---:|---:|");
    for (const m of days.readings as MemoryReading[]) lines.push(`| ${fmt(m.simulated_days)} | ${m.rss_mb} MB | ${m.heap_used_mb} MB |`);
    lines.push("");
  }
  const fleets = results.filter((r) => r.name.startsWith("memory-fleet-"));
  if (fleets.length > 0) {
    lines.push("The 1,000-GPU fleet's scenario scaled down, the load with it, one simulated hour each:", "");
    lines.push("| GPUs | requests | peak RSS | MB per 100 GPUs |", "|---:|---:|---:|---:|");
    for (const f of fleets) lines.push(`| ${f.gpus} | ${fmt(f.requests, 0)} | ${f.peak_rss_mb} MB | ${fmt((100 * f.peak_rss_mb) / (f.gpus as number), 0)} |`);
  }
  return lines.join("\n");
}

export function targetsTable(list: readonly Target[]): string {
  const rows = list.map((t) => `| ${t.target} | ${t.measured} | ${t.ok ? "pass" : "miss"} | ${t.ratio} |`);
  return ["| target | measured | | ratio (above 1 misses) |", "|---|---:|---|---:|", ...rows].join("\n");
}

/** `text` with what lies between `<!-- marker:start -->` and `<!-- marker:end -->` replaced by `body`. */
export function replaceBetween(text: string, marker: string, body: string): string {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`markers ${start} ... ${end} not found`);
  return `${text.slice(0, i + start.length)}\n${body}\n${text.slice(j)}`;
}
