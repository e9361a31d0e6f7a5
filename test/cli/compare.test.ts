/**
 * `fleetsim compare A B`: headline metrics side by side with B - A and its percentage of A, threshold
 * verdicts for both, exit 99 only when a metric got worse by more than --fail-on-regression percent,
 * exit 2 on a file that is not a report. B is A edited by hand, so every expected number is known.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { simulate, type Report } from "../../src/index.js";
import { usd } from "../../src/report/format.js";
import { queueScenario } from "../support/scenarios.js";
import { runCli } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "fleetsim-compare-"));
let base: Report;

function writeReport(name: string, edit: (r: Report) => void = () => {}): string {
  const report: Report = structuredClone(base);
  edit(report);
  mkdirSync(join(dir, name), { recursive: true });
  const path = join(dir, name, "report.json");
  writeFileSync(path, JSON.stringify(report, null, 2));
  return path;
}

beforeAll(() => {
  const scenario = {
    ...queueScenario({ name: "compare-base", c: 4, lambda: 2, service: { dist: "exponential", mean: 1 }, durationS: 600, warmupS: 60 }),
    regions: [{ name: "r1", azs: [{ name: "r1a", servers: { type: "p5.48xlarge", count: 1 } }] }],
    thresholds: { ttft: ["p(99) < 30s"], error_rate: ["rate < 1%"] },
  };
  base = simulate(scenario).report;
  expect(base.cost.total_usd).toBeGreaterThan(0);
});

describe("fleetsim compare", () => {
  it("prints Markdown with A, B, B - A and its percentage of A for each metric, and both threshold verdicts", () => {
    const a = writeReport("a");
    const b = writeReport("slower", (r) => {
      r.latency.ttft_s.p99 = base.latency.ttft_s.p99! * 1.1; // 10 % slower
      r.cost.total_usd = base.cost.total_usd / 2; // half the cost
      r.thresholds.ttft[0] = { expression: "p(99) < 30s", actual: 42, ok: false };
    });
    const { code, stdout } = runCli(["compare", a, join(dir, "slower")]); // a folder stands for its report.json
    expect(code).toBe(0);
    expect(stdout).toMatch(/^## fleetsim compare$/m);
    expect(stdout).toContain(`| report | \`${a}\` | \`${b}\` |`);
    expect(stdout).toMatch(/^\| TTFT p99 \| [\d.]+ m?s \| [\d.]+ m?s \| \+[\d.]+ m?s \| \+10\.0 % \| worse \|$/m);
    const cost = base.cost.total_usd;
    expect(stdout).toContain(`| cost | ${usd(cost)} | ${usd(cost / 2)} | -${usd(cost / 2)} | -50.0 % | better |`);
    expect(stdout).toMatch(/^\| arrived \| [\d,]+ \| [\d,]+ \| 0 \| 0 % \|  \|$/m);
    expect(stdout).toMatch(/^\| uptime r1 \| 100\.000 % \| 100\.000 % \| 0 \| 0 % \|  \|$/m);
    expect(stdout).toMatch(/^\| `ttft: p\(99\) < 30s` \| ✓ pass \(p\(99\)=[\d.]+m?s\) \| ✗ \*\*FAIL\*\* \(p\(99\)=42s\) \|$/m);
    expect(stdout).toMatch(/^\| `error_rate: rate < 1%` \| ✓ pass \(rate=0%\) \| ✓ pass \(rate=0%\) \|$/m);
    expect(stdout).not.toMatch(/regression/);
  });

  it("exits 99 when a metric got worse by more than --fail-on-regression percent, 0 when within it; improvements never count", () => {
    const a = writeReport("a");
    const b = writeReport("slower-cheaper", (r) => {
      r.latency.ttft_s.p99 = base.latency.ttft_s.p99! * 1.1;
      r.cost.total_usd = base.cost.total_usd / 2;
      r.throughput.requests_per_s = base.throughput.requests_per_s * 1.5;
    });
    const strict = runCli(["compare", a, b, "--fail-on-regression", "5"]);
    expect(strict.code).toBe(99);
    expect(strict.stdout).toMatch(/^\| TTFT p99 \| .* \| \+10\.0 % \| \*\*regression\*\* \|$/m);
    expect(strict.stdout).toMatch(/^\*\*1 metric got worse by more than 5 %:\*\* TTFT p99\.$/m);
    expect(strict.stderr).toMatch(/1 metric\(s\) got worse by more than 5 %: TTFT p99/);
    const lenient = runCli(["compare", a, b, "--fail-on-regression", "15"]);
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toMatch(/^No metric got worse by more than 15 %\.$/m);
  });

  it("counts a server error count rising from zero as a regression at any tolerance, and writes JSON to --out", () => {
    const a = writeReport("a");
    const b = writeReport("failing", (r) => {
      r.requests.failed = 3;
      r.availability.by_region.r1.uptime_pct = 99.5; // lower is worse: -0.5 % of A
    });
    const out = join(dir, "comparison.json");
    const { code, stdout } = runCli(["compare", a, b, "--format", "json", "--out", out, "--fail-on-regression", "1"]);
    expect(code).toBe(99);
    expect(stdout).toBe("");
    const comparison = JSON.parse(readFileSync(out, "utf8"));
    expect(comparison.regressions).toEqual(["failed"]);
    const byKey = (key: string) => comparison.metrics.find((m: { key: string }) => m.key === key);
    expect(byKey("requests.failed")).toMatchObject({ a: 0, b: 3, diff: 3, pct: null, better: "lower", change: "worse", regression: true });
    expect(byKey("availability.by_region.r1.uptime_pct")).toMatchObject({ a: 100, b: 99.5, diff: -0.5, pct: -0.5, better: "higher", change: "worse", regression: false });
    expect(byKey("latency.ttft_s.p50")).toMatchObject({ diff: 0, pct: 0, change: "same" });
  });

  it("exits 2 with a clear message for a missing file, a file that is not JSON and JSON that is not a report", () => {
    const a = writeReport("a");
    const notJson = join(dir, "not.json");
    writeFileSync(notJson, "{ oops");
    const notReport = join(dir, "plan.json");
    writeFileSync(notReport, JSON.stringify({ best: null }));
    const future = writeReport("future", (r) => (r.schema_version = 3));
    const cases: [string, RegExp][] = [
      [join(dir, "missing.json"), /missing\.json: file not found/],
      [notJson, /not\.json: not JSON/],
      [notReport, /plan\.json: not a fleetsim report \(no schema_version\)/],
      [future, /report schema version 3; this fleetsim reads version 2/],
    ];
    for (const [b, message] of cases) {
      const { code, stderr, stdout } = runCli(["compare", a, b]);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr).not.toMatch(/internal error/);
      expect(stdout).toBe("");
    }
  });
});
