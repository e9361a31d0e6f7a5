/** The request path's example scenarios show what their comments say. */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile, simulate } from "../../src/index.js";
import type { RequestRecord } from "../../src/metrics/recorder.js";
import { Outcome } from "../../src/requests/outcomes.js";
import { REPO_ROOT } from "../support/cli.js";

const run = (file: string, sets: string[] = [], onRequestEnd?: (r: RequestRecord) => void) =>
  simulate(loadScenarioFile(join(REPO_ROOT, "scenarios", file), { sets }), { onRequestEnd }).report;

describe("example scenarios of the request path", () => {
  it("retry-storm: the retry quota stops the storm that retries without one make of an AZ outage", () => {
    const withQuota = run("retry-storm.yaml");
    const without = run("retry-storm.yaml", ["workload.tenants[0].retry.quota=false"]);
    expect(without.requests.retry_amplification!).toBeGreaterThan(2);
    expect(withQuota.requests.retry_amplification!).toBeLessThan(1.3);
    expect(withQuota.requests.completed).toBeGreaterThan(1.3 * without.requests.completed);
    expect(withQuota.availability.by_region["us-east-1"].uptime_pct).toBeGreaterThan(without.availability.by_region["us-east-1"].uptime_pct);
  });

  it("noisy-neighbour: rate limits keep the quiet tenant's p99 TTFT where it is without the neighbour", () => {
    const alone = run("noisy-neighbour.yaml", ["workload.tenants[1].arrival.rate_per_s=0.01"]);
    const limited = run("noisy-neighbour.yaml");
    const unlimited = run("noisy-neighbour.yaml", [
      "gateway.rate_limits.tenants.noisy.requests_per_min=1000000",
      "gateway.rate_limits.tenants.noisy.tokens_per_min=1000000000",
    ]);
    const p99 = (r: typeof alone) => r.by_tenant.quiet.latency.ttft_s.p99!;
    expect(p99(limited)).toBeLessThan(1.3 * p99(alone));
    expect(p99(unlimited)).toBeGreaterThan(2 * p99(alone));
    expect(limited.by_tenant.noisy.requests.throttled).toBeGreaterThan(limited.by_tenant.noisy.requests.arrived / 2);
    expect(limited.availability.by_region.default.uptime_pct).toBe(100);
  });

  it("residency-outage: the bound tenant is never served outside its region and is refused while it is down; the other fails over", () => {
    const served: Record<string, Set<number>> = { analytics: new Set(), "health-records": new Set() };
    const report = run("residency-outage.yaml", [], (r) => {
      if (r.outcome === Outcome.ok) served[r.tenant === 0 ? "analytics" : "health-records"].add(r.region);
    });
    expect([...served["health-records"]]).toEqual([0]);
    expect([...served.analytics].sort()).toEqual([0, 1]);
    expect(report.routing.by_tenant["health-records"].residency_refusals).toBeGreaterThan(1000);
    expect(report.routing.by_tenant.analytics.residency_refusals).toBe(0);
  });
});
