/**
 * Figures that must stay true where planners look hardest: an overloaded fleet, a fault at the end of
 * a run, a short CI run (issue 22). Each case has its hand figure beside it.
 */
import { describe, expect, it } from "vitest";
import { simulate, type ScenarioInput } from "../../src/index.js";

/** `c` single-slot queue replicas behind one central queue holding at most `maxQueue` waiting requests. */
function lossSystem(c: number, ratePerS: number, maxQueue: number, extra: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    version: 1,
    name: "loss",
    seed: 4,
    duration: "4000s",
    warmup: "200s",
    models: [{ name: "svc", engine: { kind: "queue", concurrency: 1, service_time: { dist: "exponential", mean: "1s" } }, replicas: { initial: c }, router: { kind: "central_queue", max_queue: maxQueue } }],
    workload: { tenants: [{ name: "t", model: "svc", arrival: { kind: "poisson", rate_per_s: ratePerS } }] },
    ...extra,
  } as ScenarioInput;
}

describe("SLO attainment is a share of every request, not of those completed", () => {
  it("an Erlang loss system that refuses 8/13 of its requests meets the SLO for 5/13, and a 95 % gate fails", () => {
    // Erlang B with c = 2 and a = 4 erlangs: B = (a^2 / 2) / (1 + a + a^2 / 2) = 8 / 13.
    const { report } = simulate(lossSystem(2, 4, 0, { slo: { ttft: "1h", tpot: "1h" }, thresholds: { slo_attainment: ["value >= 95%"] } }));
    const arrived = report.requests.arrived;
    expect(report.requests.rejected / arrived).toBeCloseTo(8 / 13, 1);
    // Every completed request met the (loose) objectives; the refused ones are misses.
    expect(report.availability.slo_attainment).toBeCloseTo(report.requests.completed / arrived, 8);
    expect(report.availability.slo_attainment!).toBeLessThan(0.45);
    expect(report.thresholds_ok).toBe(false);
  });
});

describe("uptime counts every 5-minute interval the window touches", () => {
  it("a 9-minute run down from minute 5 is 55.6 % up (the cut interval weighs 0.8), and a 99.9 % gate fails", () => {
    const input: ScenarioInput = {
      version: 1,
      name: "late-outage",
      seed: 3,
      duration: "9m",
      regions: [{ name: "r", geo: "g", azs: [{ name: "r-a", servers: { type: "p5.48xlarge", count: 1 } }] }],
      models: [{ name: "m", model: "llama-3.1-8b", replicas: { initial: 2 }, engine: { kind: "continuous_batching" } }],
      workload: { tenants: [{ name: "t", model: "m", arrival: { kind: "poisson", rate_per_s: 4 } }] },
      faults: [{ kind: "az_outage", az: "r-a", at: "5m", duration: "30m" }],
      thresholds: { availability: ["value >= 99.9%"] },
    } as ScenarioInput;
    const { report } = simulate(input);
    const up = report.availability.by_region.r;
    // Interval [0, 5 min) has no errors; [5, 9 min), 0.8 of an interval, errs on every call.
    expect(up.intervals).toBeCloseTo(1.8, 12);
    expect(up.uptime_pct).toBeCloseTo(100 * (1 - 0.8 / 1.8), 6);
    expect(up.sla_credit_pct).toBe(100);
    expect(report.thresholds_ok).toBe(false);
  });
});

describe("SLA credits per account and region", () => {
  it("credits an account its own uptime's tier on its own charges there, not the region's pooled tier on everyone's", () => {
    const price = { input_usd_per_mtok: 0.3, output_usd_per_mtok: 0.6 };
    const input: ScenarioInput = {
      version: 1,
      name: "per-account",
      seed: 5,
      duration: "1h",
      regions: [
        {
          name: "r",
          geo: "g",
          azs: [
            { name: "r-a", servers: { type: "p5e.48xlarge", count: 1 } },
            { name: "r-b", servers: { type: "p5.48xlarge", count: 1 } },
          ],
        },
      ],
      models: [
        { name: "small-m", model: "llama-3.1-8b", gpu: "h200-sxm", replicas: { initial: 1 }, price },
        { name: "big-m", model: "llama-3.1-8b", gpu: "h100-sxm", replicas: { initial: 2 }, price },
      ],
      workload: {
        tenants: [
          { name: "small", model: "small-m", arrival: { kind: "poisson", rate_per_s: 0.2 } },
          { name: "big", model: "big-m", arrival: { kind: "poisson", rate_per_s: 5 } },
        ],
      },
      faults: [{ kind: "az_outage", az: "r-a", at: "10m", duration: "20m" }],
    } as ScenarioInput;
    const { report } = simulate(input);
    const small = report.availability.by_account.small.r;
    const big = report.availability.by_account.big.r;
    // The small account's model is down a third of the hour (every call then a 503); the big one's never.
    expect(small.uptime_pct).toBeLessThan(95);
    expect(small.sla_credit_pct).toBe(100);
    expect(big.uptime_pct).toBe(100);
    // Pooled, the big account's calls hide the outage: the region's tier is lower than the small account's.
    expect(report.availability.by_region.r.uptime_pct).toBeGreaterThan(95);
    expect(small.revenue_usd).toBeCloseTo(report.revenue.by_tenant.small, 9);
    // Owed: 100 % of the small account's charges in the region, nothing to the big one.
    expect(small.sla_credit_usd).toBeCloseTo(small.revenue_usd, 9);
    expect(big.sla_credit_usd).toBe(0);
    expect(report.cost.items.sla_credits).toBeCloseTo(small.revenue_usd, 9);
  });

  it("pools tenants that name one account", () => {
    const base = {
      version: 1,
      name: "accounts",
      duration: "10m",
      models: [{ name: "svc", engine: { kind: "queue", concurrency: 1, service_time: { dist: "fixed", value: "10ms" } }, replicas: { initial: 1 }, price: { input_usd_per_mtok: 1, output_usd_per_mtok: 1 } }],
      workload: {
        tenants: [
          { name: "app-1", account: "acme", model: "svc", arrival: { kind: "poisson", rate_per_s: 1 } },
          { name: "app-2", account: "acme", model: "svc", arrival: { kind: "poisson", rate_per_s: 2 } },
          { name: "solo", model: "svc", arrival: { kind: "poisson", rate_per_s: 1 } },
        ],
      },
    } as ScenarioInput;
    const { report } = simulate(base);
    expect(Object.keys(report.availability.by_account)).toEqual(["acme", "solo"]);
    const region = Object.keys(report.availability.by_account.acme)[0];
    const tenants = report.availability.by_tenant;
    expect(report.availability.by_account.acme[region].attempts).toBe(tenants["app-1"].attempts + tenants["app-2"].attempts);
  });
});

describe("facility energy under an hourly PUE", () => {
  const pue = Array.from({ length: 24 }, (_, h) => (h % 2 === 0 ? 1 : 2));
  const idle = (interval: string): ScenarioInput =>
    ({
      version: 1,
      name: "pue",
      duration: "4h",
      regions: [{ name: "r", geo: "g", pue: { hourly: pue }, azs: [{ name: "r-a", servers: { type: "p5.48xlarge", count: 1 } }] }],
      report: { interval },
    }) as ScenarioInput;

  it("does not depend on the report interval: an idle p5 (2.8 kW) over 4 h of PUE 1, 2, 1, 2 is 16.8 kWh", () => {
    // Idle p5.48xlarge: 2,200 W of host + 8 x 75 W of GPUs = 2.8 kW; 2.8 x (1 + 2 + 1 + 2) = 16.8 kWh.
    for (const interval of ["1h", "2h", "90m", "7m"]) {
      const { report } = simulate(idle(interval));
      expect(report.energy.it_kwh, interval).toBeCloseTo(11.2, 9);
      expect(report.energy.facility_kwh, interval).toBeCloseTo(16.8, 9);
    }
  });

  it("peaks at the highest IT x PUE at one instant, not the IT peak x the worst PUE", () => {
    const busy = {
      ...idle("1h"),
      models: [{ name: "m", model: "llama-3.1-8b", replicas: { initial: 8 } }],
      workload: { tenants: [{ name: "t", model: "m", stop: "50m", arrival: { kind: "poisson", rate_per_s: 40 } }] },
    } as ScenarioInput;
    const { report } = simulate(busy);
    // Busy only in hour 0 (PUE 1); idle 2.8 kW in hour 1 (PUE 2) is 5.6 kW.
    expect(report.energy.peak_it_kw).toBeGreaterThan(5.6);
    expect(report.energy.peak_facility_kw).toBeCloseTo(Math.max(report.energy.peak_it_kw, 5.6), 6);
  });
});

describe("one period for tokens, money and energy: the window", () => {
  it("an overloaded replica's throughput is what it produced in the window, not the window's arrivals' tokens", () => {
    // 70B FP8 on one H100: about 55k KV tokens, so at most six 8k + 1k requests at once; a decode step
    // reads 72.7 GB of weights at 3.35 TB/s, so six sequences make at most 6 / 21.7 ms = 276 tokens/s.
    const input: ScenarioInput = {
      version: 1,
      name: "overloaded",
      seed: 2,
      duration: "1200s",
      models: [{ name: "m", model: "llama-3.1-70b", precision: "fp8", gpu: "h100-sxm", replicas: { initial: 1 } }],
      workload: {
        tenants: [{ name: "t", model: "m", arrival: { kind: "poisson", rate_per_s: 1 }, input_tokens: { dist: "fixed", value: 8000 }, output_tokens: { dist: "fixed", value: 1000 } }],
      },
    } as ScenarioInput;
    const { report } = simulate(input);
    const replica = report.by_model.m.replicas_detail[0];
    expect(report.run.drain_s).toBeGreaterThan(1000); // the window's requests took far longer than it
    expect(report.run.window_s).toBe(1200);
    expect(report.throughput.output_tokens_per_s).toBeLessThan(276);
    // Tokens of answered requests that fell in the window: what the replica produced in it (its count
    // leaves out each request's first token, which the prefill makes), to the even spacing assumed.
    expect(report.throughput.output_tokens_per_s).toBeLessThanOrEqual(replica.output_tokens_per_s * 1.01);
    expect(report.throughput.output_tokens_per_s).toBeGreaterThan(replica.output_tokens_per_s * 0.9);
  });

  it("an outage near the end does not bill its recovery: the servers are paid for the window, not the drain", () => {
    const input: ScenarioInput = {
      version: 1,
      name: "late-recovery",
      seed: 1,
      duration: "10m",
      regions: [{ name: "r", geo: "g", azs: [{ name: "r-a", servers: { type: "p5.48xlarge", count: 1 } }, { name: "r-b", servers: { type: "p5.48xlarge", count: 1 } }] }],
      models: [{ name: "m", model: "llama-3.1-8b", replicas: { initial: 2 } }],
      workload: { tenants: [{ name: "t", model: "m", arrival: { kind: "poisson", rate_per_s: 2 }, retries: 2 }] },
      faults: [{ kind: "az_outage", az: "r-a", at: "7m", duration: "2m" }],
    } as ScenarioInput;
    const { report } = simulate(input);
    // The AZ comes back at 9 min and boots and loads past the 10 minutes of arrivals: the run goes on.
    expect(report.run.simulated_s).toBeGreaterThan(700);
    // Two p5.48xlarge at $55.04 an hour, for the 10 minutes of the window.
    expect(report.cost.items.gpu_servers_on_demand).toBeCloseTo((2 * 55.04 * 600) / 3600, 6);
    expect(report.fleet.gpu_hours.paid).toBeCloseTo((16 * 600) / 3600, 6);
    expect(report.margin.cost_per_mtok_usd).toBeCloseTo((report.cost.total_usd / ((report.throughput.input_tokens_per_s + report.throughput.output_tokens_per_s) * 600)) * 1e6, 6);
  });
});

describe("queue_s is queueing; the load balancer's hold and the client's backoff are parts of their own", () => {
  it("after a replica dies unseen, a request held 10 s on it and retried shows 10 s of connect_s, not of queue", () => {
    // Two 8B replicas on two servers; one server fails for good at 5 min. Until the health checks
    // (every 10 s, 3 in a row) mark it down, the least-outstanding router still sends to it: those
    // attempts wait out the 10 s connect timeout (a 504) and are retried after the SDK's backoff.
    const input: ScenarioInput = {
      version: 1,
      name: "held",
      seed: 8,
      duration: "10m",
      regions: [{ name: "r", geo: "g", azs: [{ name: "r-a", servers: { type: "p5.48xlarge", count: 1 } }, { name: "r-b", servers: { type: "p5.48xlarge", count: 1 } }] }],
      models: [{ name: "m", model: "llama-3.1-8b", replicas: { initial: 2 }, router: { kind: "least_outstanding" }, health_check: { interval: "10s", unhealthy_threshold: 3, connect_timeout: "10s" } }],
      workload: { tenants: [{ name: "t", model: "m", arrival: { kind: "poisson", rate_per_s: 4 }, retries: 2 }] },
      faults: [{ kind: "az_outage", az: "r-b", at: "5m", duration: "1h" }],
    } as ScenarioInput;
    const { report } = simulate(input);
    const l = report.latency;
    // Some completed requests were held on the dead replica for the whole connect timeout, then retried.
    expect(l.connect_s.max).toBeGreaterThanOrEqual(10);
    expect(l.connect_s.max).toBeLessThan(10.001 * 3);
    expect(l.backoff_s.max).toBeGreaterThan(0);
    // Queueing alone stays short: the live replica had room.
    expect(l.queue_s.p99!).toBeLessThan(1);
    // The parts add up to end to end, mean for mean.
    const parts = l.gateway_s.mean! + l.backoff_s.mean! + l.connect_s.mean! + l.queue_s.mean! + l.service_s.mean! + l.network_s.mean!;
    expect(parts).toBeCloseTo(l.e2e_s.mean!, 6);
    // And Little's law for the queue alone holds (it failed by 40x when queue_s held the hold and the backoff).
    expect(report.requests.completed).toBe(report.requests.arrived);
    const lambdaWq = (report.requests.completed / report.run.window_s) * l.queue_s.mean!;
    expect(Math.abs(report.occupancy.window_requests.mean_queued - lambdaWq)).toBeLessThanOrEqual(0.02 * lambdaWq);
  });
});
