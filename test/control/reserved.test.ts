/**
 * Reserved capacity: requests within a tenant's per-minute reservation bypass the on-demand limits,
 * are served first and paid for by the hour; the rest spill to token prices.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import type { RequestRecord } from "../../src/index.js";
import { quantile } from "simple-statistics";
import { loadScenarioText } from "../../src/scenario/load.js";
import { checkRun, recording } from "../support/invariants.js";

/** Queue-engine replicas (16 slots, 1 s each); `app` reserves 60 requests' worth a minute, `crowd` shares the model's limit. */
function fleet(withCrowd: boolean, appRate = 0.8): string {
  return `
version: 1
name: reserved
seed: 12
duration: 1h
warmup: 5m
models:
  - name: m
    engine: { kind: queue, concurrency: 8, service_time: { dist: exponential, mean: 1 } }
    replicas: { initial: 2 }
    price: { input_usd_per_mtok: 3, output_usd_per_mtok: 15 }
gateway:
  rate_limits:
    models:
      m: { tokens_per_min: 660000 }
workload:
  tenants:
    - name: app
      model: m
      reserved: { input_tokens_per_min: 60000, output_tokens_per_min: 6000, usd_per_hour: 20 }
      arrival: { kind: poisson, rate_per_s: ${appRate} }
      input_tokens: { dist: fixed, value: 1000 }
      output_tokens: { dist: fixed, value: 100 }
${withCrowd ? "    - { name: crowd, model: m, arrival: { kind: poisson, rate_per_s: 30 }, input_tokens: { dist: fixed, value: 1000 }, output_tokens: { dist: fixed, value: 100 } }" : ""}
`;
}

describe("reserved capacity", () => {
  it("keeps a reserved tenant's latency while its on_demand neighbour is throttled by the model's limit", () => {
    const ttfts = (withCrowd: boolean) => {
      const seen: number[] = [];
      const { options, tally } = recording({});
      const record = options.onRequestEnd!;
      const result = simulate(loadScenarioText(fleet(withCrowd), "reserved.yaml"), { ...options, onRequestEnd: (r: RequestRecord) => (record(r), r.tenant === 0 && r.measured && Number.isFinite(r.ttft_s) && seen.push(r.ttft_s)) });
      checkRun(result, tally);
      return { p99: quantile(seen, 0.99), report: result.report };
    };
    const alone = ttfts(false);
    const crowded = ttfts(true);
    // The crowd asks for 30 x 1,100 = 33,000 tokens a second against a limit of 11,000: most of it is throttled.
    expect(crowded.report.by_tenant.crowd.requests.throttled).toBeGreaterThan(0.5 * crowded.report.by_tenant.crowd.requests.arrived);
    // Only a Poisson minute with more than the reservation's 60 requests spills into the crowded limit.
    expect(crowded.report.by_tenant.app.requests.throttled).toBeLessThan(0.01 * crowded.report.by_tenant.app.requests.arrived);
    expect(crowded.p99).toBeLessThan(alone.p99 * 1.1);
    // 0.8 requests/s of 1,000 + 100 tokens fit the 60,000 + 6,000 a minute: nearly all served under the reservation.
    const r = crowded.report.reserved!.app;
    expect(r.answered_spilled).toBeLessThan(0.05 * r.answered_reserved);
    expect(r.input_used).toBeGreaterThan(0.7);
  });

  it("bills the reservation by the hour and only the spill by token", () => {
    // 2 requests/s want 120 a minute; the reservation covers 60: about half spill.
    const { report } = simulate(loadScenarioText(fleet(false, 2), "spill.yaml"));
    const r = report.reserved!.app;
    expect(r.answered_spilled).toBeGreaterThan(0.3 * (r.answered_reserved + r.answered_spilled));
    expect(r.fee_usd).toBeCloseTo(20 * (55 / 60), 6);
    const perRequest = (1000 * 3 + 100 * 15) / 1e6;
    // Token revenue of the spilled requests (every request here is the same size) plus the fee.
    const spilledTokensUsd = ((report.throughput.input_tokens_per_s * 3300 - r.input_tokens) / 1000) * perRequest;
    expect(report.revenue.total_usd).toBeCloseTo(r.fee_usd + spilledTokensUsd, 6);
  });
});
