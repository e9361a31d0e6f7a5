/**
 * A disaggregated model's pools scale apart: each pool's autoscaler reads that pool alone, launches
 * replicas of that pool (its GPUs, its engine) and replaces that pool's replicas lost to failures;
 * KV caches move to decode replicas launched during the run as to the initial ones.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { loadScenarioText } from "../../src/scenario/load.js";
import { checkRun, recording } from "../support/invariants.js";

/** Llama-3.1-70B FP8, TP4 pools on p5 servers (two replicas a server), long prompts: the prefill pool is the one under load. */
function pooled(options: { rate: number; azs: string; faults?: string; decodeScaler?: string }): string {
  return `
version: 1
name: pool-scale
seed: 4
duration: 30m
warmup: 2m
regions:
  - name: r
    azs:
${options.azs}
models:
  - name: m
    model: llama-3.1-70b
    gpu: h100-sxm
    precision: fp8
    tensor_parallel: 4
    engine: { kind: continuous_batching, max_num_seqs: 128, max_batched_tokens: 8192 }
    router: { kind: least_outstanding_tokens }
    disaggregation:
      prefill:
        replicas: { initial: 1, min: 1, max: 4 }
        autoscaler: { kind: target_tracking, metric: requests_per_replica, target: 2, period: 30s }
      decode:
        replicas: { initial: 1, min: 1, max: 3 }
        autoscaler: ${options.decodeScaler ?? "{ kind: target_tracking, metric: requests_per_replica, target: 24, period: 30s }"}
      kv_transfer: { bandwidth_gb_per_s: 50, latency: 50us }
${options.faults ?? ""}
workload:
  tenants:
    - name: long
      model: m
      arrival: { kind: poisson, rate_per_s: ${options.rate} }
      input_tokens: { dist: fixed, value: 8000 }
      output_tokens: { dist: fixed, value: 256 }
`;
}

const ONE_AZ = "      - { name: r-a, servers: { type: p5.48xlarge, count: 1, max: 4 } }";

describe("autoscaled pools", () => {
  it("scales the prefill pool under long prompts and leaves the decode pool, every request accounted for", () => {
    const { options, tally } = recording();
    const result = simulate(loadScenarioText(pooled({ rate: 2.5, azs: ONE_AZ }), "pool-scale.yaml"), options);
    checkRun(result, tally);
    const { report } = result;
    const scaling = report.scaling.m.r;
    const { prefill, decode } = scaling.pools!;
    // The prefill pool's in-flight requests (about 0.75 s of prefill each at 2.5/s) call for more than its one replica at target 2.
    expect(prefill.scale_outs).toBeGreaterThan(0);
    expect(prefill.replicas_launched).toBeGreaterThan(0);
    expect(decode.replicas_launched).toBe(0);
    // The model's figures are the pools' sums.
    for (const key of ["min", "max", "desired_at_end", "serving_at_end", "scale_outs", "scale_ins", "replicas_launched"] as const) {
      expect(scaling[key], key).toBe(prefill[key] + decode[key]);
    }
    expect([scaling.min, scaling.max]).toEqual([2, 7]);
    // Launched replicas are the prefill pool's, on its engine, and took prompts; decisions are logged per pool.
    const detail = report.by_model.m.replicas_detail;
    const launched = detail.slice(2);
    expect(launched.length).toBe(prefill.replicas_launched);
    expect(launched.every((r) => r.pool === "prefill")).toBe(true);
    expect(launched.filter((r) => r.completed > 0).length).toBeGreaterThan(0);
    expect(report.by_model.m.pools!.prefill.replicas).toBe(1 + prefill.replicas_launched);
    const decisions = report.events.filter((e) => e.kind === "scale_out");
    expect(decisions.length).toBe(prefill.scale_outs);
    expect(decisions.every((e) => e.target === "m/r/prefill")).toBe(true);
    // Every disaggregated request moved its KV cache once, whichever prefill replica computed it.
    expect(report.by_model.m.kv_transfer!.cancelled).toBe(0);
    expect(report.requests.completed).toBe(report.requests.arrived);
  });

  it("replaces a decode replica lost with its AZ in the other AZ, and moves KV caches to the replacement", () => {
    const azs = ["      - { name: r-a, servers: { type: p5.48xlarge, count: 1, max: 2 } }", "      - { name: r-b, servers: { type: p5.48xlarge, count: 1, max: 2 } }"].join("\n");
    // Spread placement puts the prefill replica in r-a and the decode replica in r-b.
    const faults = "faults:\n  - { kind: az_outage, az: r-b, at: 10m, duration: 10m }";
    const { options, tally } = recording();
    const result = simulate(
      loadScenarioText(pooled({ rate: 0.5, azs, faults, decodeScaler: "{ kind: target_tracking, metric: requests_per_replica, target: 1000, period: 30s }" }), "pool-az.yaml"),
      options,
    );
    checkRun(result, tally);
    const { report } = result;
    const { prefill, decode } = report.scaling.m.r.pools!;
    expect(decode.replaced).toBe(1);
    expect(prefill.replaced).toBe(0);
    const detail = report.by_model.m.replicas_detail;
    expect(detail[1].pool).toBe("decode");
    const replacement = detail.filter((r, i) => i >= 2 && r.pool === "decode");
    expect(replacement.length).toBe(1);
    // The replacement decodes: KV caches reached it after it started serving.
    expect(replacement[0].completed).toBeGreaterThan(0);
    // Requests caught on the lost replica failed and were retried; none is lost from the count.
    expect(report.requests.failed + report.requests.completed + report.requests.timed_out + report.requests.in_flight_at_end).toBe(report.requests.arrived);
  });

  it("checks each pool's bounds and autoscaler at the pool's field", () => {
    const bad = (from: string, to: string) => () => loadScenarioText(pooled({ rate: 1, azs: ONE_AZ }).replace(from, to), "bad.yaml");
    expect(bad("replicas: { initial: 1, min: 1, max: 4 }", "replicas: { initial: 3, min: 1, max: 2 }")).toThrow(/disaggregation\.prefill\.replicas\.max: max \(2\) is below initial \(3\)/);
    expect(bad("metric: requests_per_replica, target: 24, period: 30s }", "metric: requests_per_replica, target: 24, period: 30s, bogus: 1 }")).toThrow(/disaggregation\.decode\.autoscaler/);
    expect(
      bad("{ kind: target_tracking, metric: requests_per_replica, target: 2, period: 30s }", "{ kind: predictive, metric: ttft_p90, target: 2, period: 30s, season: 10m }"),
    ).toThrow(/disaggregation\.prefill\.autoscaler\.metric: predictive scaling needs a metric that adds up/);
  });
});
