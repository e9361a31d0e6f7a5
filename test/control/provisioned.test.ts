/**
 * Provisioned throughput: a model's replicas serve the tenant that bought them, billed by the
 * replica-hour whatever it uses; a request its queue has no room for is a 429, so uptime stays 100 %.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { loadScenarioText } from "../../src/scenario/load.js";
import { checkRun, recording } from "../support/invariants.js";

const YAML = (rate: number) => `
version: 1
name: provisioned
seed: 6
duration: 1h
warmup: 10m
models:
  - name: acme-dedicated
    engine: { kind: queue, concurrency: 4, service_time: { dist: fixed, value: 2 } }
    replicas: { initial: 2 }
    router: { kind: least_outstanding, max_queue: 8 }
    provisioned: { tenant: acme, usd_per_replica_hour: 45 }
    price: { input_usd_per_mtok: 3, output_usd_per_mtok: 15 }
workload:
  tenants:
    - { name: acme, model: acme-dedicated, arrival: { kind: poisson, rate_per_s: ${rate} } }
`;

describe("provisioned throughput", () => {
  it("answers overflow with 429 throttled, keeps uptime at 100 %, and bills the replica-hours bought", () => {
    // 2 replicas x 4 slots / 2 s = 4 requests/s of capacity, offered 8.
    const { options, tally } = recording();
    const result = simulate(loadScenarioText(YAML(8), "provisioned.yaml"), options);
    checkRun(result, tally);
    const { report } = result;
    expect(report.requests.throttled).toBeGreaterThan(0.3 * report.requests.arrived);
    expect(report.requests.rejected).toBe(0);
    expect(report.availability.by_region.default.uptime_pct).toBe(100);
    // 2 replicas x 50 minutes x $45 an hour, not per token.
    expect(report.revenue.total_usd).toBeCloseTo(2 * (50 / 60) * 45, 9);
    // The same bill at a tenth of the load: provisioned capacity is paid for whether used or not.
    const idle = simulate(loadScenarioText(YAML(0.4), "idle.yaml")).report;
    expect(idle.revenue.total_usd).toBeCloseTo(report.revenue.total_usd, 9);
    expect(idle.requests.throttled).toBe(0);
  });

  it("serves only the tenant that bought it, with a fixed replica count", () => {
    const two = YAML(1).replace("workload:\n  tenants:\n", "workload:\n  tenants:\n    - { name: other, model: acme-dedicated, arrival: { kind: poisson, rate_per_s: 1 } }\n");
    expect(() => loadScenarioText(two, "bad.yaml")).toThrow(/tenants\[0\]\.model: acme-dedicated is provisioned throughput of tenant acme/);
    expect(() => loadScenarioText(YAML(1).replace("tenant: acme,", "tenant: acne,"), "bad.yaml")).toThrow(/provisioned\.tenant: .*acne/);
    const scaled = YAML(1).replace("replicas: { initial: 2 }", "replicas: { initial: 2, max: 4 }\n    autoscaler: { kind: target_tracking, metric: requests_per_replica, target: 4 }");
    expect(() => loadScenarioText(scaled, "bad.yaml")).toThrow(/autoscaler: provisioned throughput is a fixed number of replicas/);
  });
});
