/**
 * Bedrock's quota accounting: a request reserves prompt + max_tokens against token limits at
 * admission and settles at its end to prompt (less cache reads) + output_burndown x output; the daily
 * quota is 1,440 minutes of the per-minute limit unless set; max_tokens caps a response and is what
 * validation checks.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { loadScenarioText } from "../../src/scenario/load.js";
import { checkRun, recording } from "../support/invariants.js";

function limited(options: { burndown: number; maxTokens?: number; rate?: number; output?: number }): string {
  return `
version: 1
name: burndown
seed: 4
duration: 1h
warmup: 5m
models:
  - name: m
    engine: { kind: queue, concurrency: 64, service_time: { dist: fixed, value: 0.1 } }
    replicas: { initial: 1 }
    output_burndown: ${options.burndown}
gateway:
  rate_limits:
    tenants:
      t: { tokens_per_min: 60000 }
workload:
  tenants:
    - name: t
      model: m
${options.maxTokens ? `      max_tokens: ${options.maxTokens}` : ""}
      arrival: { kind: poisson, rate_per_s: ${options.rate ?? 2} }
      input_tokens: { dist: fixed, value: 1000 }
      output_tokens: { dist: fixed, value: ${options.output ?? 200} }
`;
}

describe("quota accounting", () => {
  it("throttles a tenant where prompt + burndown x output reaches its tokens per minute", () => {
    const run = (burndown: number) => {
      const { options, tally } = recording();
      const result = simulate(loadScenarioText(limited({ burndown, maxTokens: 256 }), "burndown.yaml"), options);
      checkRun(result, tally);
      return result.report;
    };
    // 60,000 tokens a minute refill 1,000 a second; each answer costs 1,000 + 5 x 200 = 2,000: 0.5 answers a second.
    const five = run(5);
    expect(five.throughput.requests_per_s).toBeGreaterThan(0.5 * 0.97);
    expect(five.throughput.requests_per_s).toBeLessThan(0.5 * 1.03);
    // With burndown 1 an answer costs 1,200: 0.83 a second.
    const one = run(1);
    expect(one.throughput.requests_per_s).toBeGreaterThan((1000 / 1200) * 0.97);
    expect(one.throughput.requests_per_s).toBeLessThan((1000 / 1200) * 1.03);
    expect(five.requests.throttled).toBeGreaterThan(one.requests.throttled);
    expect(five.gateway.throttled_attempts.by_limit.tokens_per_min).toBe(five.requests.throttled);
  });

  it("reserves prompt + max_tokens at admission: a max_tokens above what the bucket holds is always refused", () => {
    // 1,000 + 60,000 > the 60,000-token bucket: every request is a 429, whatever it would have produced.
    const { report } = simulate(loadScenarioText(limited({ burndown: 1, maxTokens: 60000, rate: 0.2 }), "huge.yaml"));
    expect(report.requests.throttled).toBe(report.requests.arrived);
    // Without max_tokens the same requests reserve their actual 1,200 tokens and pass.
    const plain = simulate(loadScenarioText(limited({ burndown: 1, rate: 0.2 }), "plain.yaml")).report;
    expect(plain.requests.completed).toBe(plain.requests.arrived);
  });

  it("caps responses at max_tokens", () => {
    const { report } = simulate(loadScenarioText(limited({ burndown: 1, maxTokens: 50, rate: 0.2, output: 200 }), "cap.yaml"));
    expect(report.requests.completed).toBe(report.requests.arrived);
    expect(report.throughput.output_tokens_per_s / report.throughput.requests_per_s).toBeCloseTo(50, 0);
  });
});
