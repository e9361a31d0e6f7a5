/**
 * Scale to zero and cold starts: a request for a model with no replica wakes it (a replica starts on
 * a server that boots), and meets the wait or a 429 model_not_ready, never a server error; an idle
 * model goes back to zero after `scale_to_zero_after`.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { loadScenarioText } from "../../src/scenario/load.js";
import { defaultServerFor } from "../../src/catalog/servers.js";
import { OUTCOMES } from "../../src/requests/outcomes.js";
import { checkRun, recording } from "../support/invariants.js";

/** Llama-3.1-8B on one H100 (implicit region: servers made as needed, each boots first), target tracking from zero. */
function zero(options: { coldStart?: string; tenants?: string; autoscaler?: string }): string {
  return `
version: 1
name: zero
seed: 2
duration: 30m
models:
  - name: m
    model: llama-3.1-8b
    replicas: { initial: 0, min: 0, max: 4 }
    autoscaler: ${options.autoscaler ?? "{ kind: target_tracking, metric: requests_per_replica, target: 8 }"}
${options.coldStart ? `    cold_start: { on_no_replica: ${options.coldStart} }` : ""}
workload:
  tenants:
${options.tenants ?? "    - { name: t, model: m, arrival: { kind: poisson, rate_per_s: 2 }, timeout: 15m }"}
`;
}

describe("scale to zero", () => {
  it("wakes a model at zero on the first request; with `wait` every request completes, the first after boot + engine start + weight load", () => {
    const ends: number[] = [];
    const { options, tally } = recording({});
    const record = options.onRequestEnd!;
    const result = simulate(loadScenarioText(zero({ coldStart: "wait" }), "zero.yaml"), { ...options, onRequestEnd: (r) => (record(r), ends.push(r.end_at_s)) });
    checkRun(result, tally);
    const { report } = result;
    expect(report.requests.completed).toBe(report.requests.arrived);
    expect(tally.serverErrors).toBe(0);
    const cold = report.by_model.m.cold_starts!;
    expect(cold.count).toBe(1);
    // Boot of a new 8-GPU H100 server, the engine's start, then 16 GB of weights at 2 GB/s.
    const d = report.by_model.m.deployment!;
    const startS = defaultServerFor("h100-sxm").bootS + 60 + (d.weights_gb_per_gpu * d.gpus_per_replica) / 2;
    const firstArrival = tally.firstArrivalS;
    expect(Math.min(...ends)).toBeGreaterThan(firstArrival + startS);
    // The wake took the start-up plus at most one health-check interval (10 s) until the balancer sent to it.
    expect(cold.latency_s.max!).toBeGreaterThanOrEqual(startS);
    expect(cold.latency_s.max!).toBeLessThanOrEqual(startS + 10);
    expect(cold.waited).toBeGreaterThan(0);
    expect(cold.not_ready_attempts).toBe(0);
    expect(report.events[0]).toMatchObject({ kind: "scale_out", reason: expect.stringMatching(/wake on arrival/) });
  });

  it("answers 429 model_not_ready while the model wakes (by default); clients retry, and nothing is a server error", () => {
    const { options, tally } = recording();
    const retrying = "    - { name: t, model: m, arrival: { kind: poisson, rate_per_s: 2 }, timeout: 15m, retries: 4 }";
    const result = simulate(loadScenarioText(zero({ tenants: retrying }), "zero.yaml"), options);
    checkRun(result, tally);
    const { report } = result;
    const cold = report.by_model.m.cold_starts!;
    expect(cold.count).toBe(1);
    expect(cold.not_ready_attempts).toBeGreaterThan(0);
    expect(cold.waited).toBe(0);
    expect(tally.serverErrors).toBe(0);
    for (const o of OUTCOMES) if (o.serverError) expect(report.requests[o.key as "rejected"], o.key).toBe(0);
    expect(report.requests.attempts).toBeGreaterThan(report.requests.arrived);
    expect(report.requests.completed + report.requests.throttled).toBe(report.requests.arrived);
  });

  it("goes back to zero after an idle spell of scale_to_zero_after, and wakes again; GPU-hours saved against one replica always on", () => {
    const tenants = [
      "    - { name: early, model: m, stop: 6m, arrival: { kind: poisson, rate_per_s: 0.5 }, timeout: 15m }",
      "    - { name: late, model: m, start: 22m, arrival: { kind: poisson, rate_per_s: 0.5 }, timeout: 15m }",
    ].join("\n");
    const autoscaler = "{ kind: target_tracking, metric: requests_per_replica, target: 8, scale_to_zero_after: 5m }";
    const { options, tally } = recording();
    // At most one replica: what it holds is the time from each wake to zero (or the end).
    const result = simulate(loadScenarioText(zero({ coldStart: "wait", tenants, autoscaler }).replace("max: 4", "max: 1"), "zero.yaml"), options);
    checkRun(result, tally);
    const { report } = result;
    const toZero = report.events.filter((e) => e.kind === "scale_in" && /scale to zero/.test(e.reason ?? ""));
    expect(toZero.length).toBe(1);
    // The last request of `early` came before 6m: zero comes at the first evaluation at least 5 minutes later, before `late` starts.
    expect(toZero[0].t_s).toBeGreaterThanOrEqual(6 * 60 + 5 * 60 - 60);
    expect(toZero[0].t_s).toBeLessThan(22 * 60);
    const cold = report.by_model.m.cold_starts!;
    expect(cold.count).toBe(2);
    expect(report.requests.completed).toBe(report.requests.arrived);
    expect(cold.gpu_hours_saved).toBeGreaterThan(0);
    expect(cold.gpu_hours + cold.gpu_hours_saved).toBeCloseTo(cold.gpu_hours_always_on, 9);
  });

  it("keeps the last replica until the idle spell ends, however low the metric", () => {
    const autoscaler = "{ kind: target_tracking, metric: requests_per_replica, target: 8, scale_in_periods: 1, scale_in_cooldown: 0, scale_to_zero_after: 1h }";
    const result = simulate(loadScenarioText(zero({ coldStart: "wait", autoscaler }).replace("rate_per_s: 2", "rate_per_s: 0.05"), "zero.yaml"));
    // Requests come every 20 s on average: never an hour idle, so never back to zero after the first wake.
    expect(result.report.by_model.m.cold_starts!.count).toBe(1);
    expect(result.report.scaling.m.default.desired_at_end).toBe(1);
  });
});

describe("scale to zero, checked", () => {
  it("refuses a cold start or a scale to zero on a model that cannot reach zero, at the field", () => {
    const yaml = zero({ coldStart: "wait", autoscaler: "{ kind: target_tracking, metric: requests_per_replica, target: 8, scale_to_zero_after: 10m }" });
    expect(() => loadScenarioText(yaml, "ok.yaml")).not.toThrow();
    expect(() => loadScenarioText(yaml.replace("min: 0", "min: 1").replace("initial: 0", "initial: 1"), "bad.yaml")).toThrow(/autoscaler\.scale_to_zero_after: the model cannot scale to zero: replicas\.min is 1/);
    expect(() => loadScenarioText(yaml.replace("min: 0", "min: 1").replace("initial: 0", "initial: 1"), "bad.yaml")).toThrow(/cold_start: the model never scales to zero: replicas\.min is 1/);
  });
});
