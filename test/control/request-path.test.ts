/** The request path checked by hand: throttling, validation, retries against availability, and load balancing around dead replicas. */
import { describe, expect, it } from "vitest";
import { simulate, type ScenarioInput } from "../../src/index.js";
import type { RequestRecord } from "../../src/metrics/recorder.js";
import { Outcome } from "../../src/requests/outcomes.js";

/** A queue service, one tenant sending `ratePerMin` requests a minute evenly, behind a 100/min limit. */
function throttled(ratePerMin: number): ScenarioInput {
  return {
    version: 1,
    name: "throttled",
    duration: "30m",
    gateway: { rate_limits: { default: { requests_per_min: 100 } } },
    models: [{ name: "svc", engine: { kind: "queue", concurrency: 64, service_time: { dist: "fixed", value: 0.1 } }, replicas: { initial: 1 } }],
    workload: { tenants: [{ name: "t", model: "svc", arrival: { kind: "constant", rate_per_s: ratePerMin / 60 } }] },
  };
}

/** Two AZs of one server each, four replicas of an 8B model; AZ `a` goes dark from 10 to 20 minutes. */
function outage(router: string, tenant: Record<string, unknown> = {}): ScenarioInput {
  return {
    version: 1,
    name: "outage",
    seed: 7,
    duration: "30m",
    regions: [{ name: "r", azs: [{ name: "a", servers: { type: "p5.48xlarge", count: 1 } }, { name: "b", servers: { type: "p5.48xlarge", count: 1 } }] }],
    models: [
      {
        name: "m",
        model: "llama-3.1-8b",
        replicas: { initial: 4 },
        startup: { engine: 0, weight_load_gb_per_s: 1e9 },
        engine: { kind: "continuous_batching" },
        router: { kind: router } as never,
      },
    ],
    workload: {
      tenants: [
        {
          name: "t",
          model: "m",
          arrival: { kind: "poisson", rate_per_s: 20 },
          input_tokens: { dist: "fixed", value: 500 },
          output_tokens: { dist: "fixed", value: 50 },
          ...tenant,
        },
      ],
    },
    faults: [{ kind: "az_outage", az: "a", at: "10m", duration: "10m" }],
  };
}

describe("the request path by hand", () => {
  it("throttles about half of 200 requests/min offered against a 100/min limit, and leaves uptime at 100 %", () => {
    const { report } = simulate(throttled(200));
    const r = report.requests;
    // 6,000 offered; the bucket admits 100 at once, then 100 a minute: 100 + 2,999 or so.
    expect(r.throttled / r.arrived).toBeGreaterThan(0.47);
    expect(r.throttled / r.arrived).toBeLessThan(0.5);
    expect(r.completed + r.throttled).toBe(r.arrived);
    expect(report.gateway.throttled_attempts.by_limit.requests_per_min).toBe(r.throttled);
    expect(report.availability.by_region.default.uptime_pct).toBe(100);
  });

  it("answers a 140k-token prompt to a 128k-context model 400 invalid, and leaves uptime at 100 %", () => {
    const { report } = simulate({
      version: 1,
      name: "too-long",
      duration: "10m",
      models: [{ name: "m", model: "llama-3.1-8b", engine: { kind: "continuous_batching" }, replicas: { initial: 1 } }],
      workload: {
        tenants: [
          { name: "long", model: "m", arrival: { kind: "poisson", rate_per_s: 0.2 }, input_tokens: { dist: "fixed", value: 140_000 }, output_tokens: { dist: "fixed", value: 100 } },
          { name: "ok", model: "m", arrival: { kind: "poisson", rate_per_s: 1 }, output_tokens: { dist: "fixed", value: 50 } },
        ],
      },
    });
    const long = report.by_tenant.long.requests;
    expect(long.arrived).toBeGreaterThan(50);
    expect(long.invalid).toBe(long.arrived);
    expect(report.by_tenant.ok.requests.invalid).toBe(0);
    expect(report.availability.by_region.default.uptime_pct).toBe(100);
    expect(report.availability.by_tenant.long.attempts).toBe(0);
  });

  it("hides an AZ outage from clients that retry but not from uptime, which counts the failed attempts", () => {
    const withRetries = simulate(outage("round_robin", { retries: 2 })).report;
    const without = simulate(outage("round_robin")).report;
    const failedFinal = (r: typeof without) => r.requests.failed + r.requests.rejected + r.requests.timed_out;
    // Without retries, the requests sent to the dead replicas before detection fail. Round robin sends
    // each attempt to a dead replica with probability 1/2 during the gap, so with three attempts about 1/8 still fail.
    expect(failedFinal(without)).toBeGreaterThan(100);
    expect(failedFinal(withRetries)).toBeLessThan(failedFinal(without) / 5);
    expect(withRetries.requests.attempts).toBeGreaterThan(withRetries.requests.arrived);
    // The service answered about as many errors either way: uptime within 0.3 points.
    const up = (r: typeof without) => r.availability.by_region.r.uptime_pct;
    expect(up(without)).toBeLessThan(99.9);
    expect(Math.abs(up(withRetries) - up(without))).toBeLessThan(0.3);
  });

  it.each(["central_queue", "round_robin", "least_outstanding", "random", "power_of_two", "least_outstanding_tokens", "least_kv_load", "prefix_affinity", "weighted"])(
    "%s gives no dead replica more than twice its fair share before the health checks notice",
    (router) => {
      const records: RequestRecord[] = [];
      simulate(outage(router), { onRequestEnd: (r) => records.push(r) });
      // The outage starts at 600 s; three failed checks 10 s apart mark the dead replicas within 30 s.
      const inGap = records.filter((r) => r.arrival_s >= 600 && r.arrival_s < 620 && r.outcome !== Outcome.inFlight);
      const byReplica = [0, 0, 0, 0];
      for (const r of inGap) byReplica[r.replica]++;
      const fair = inGap.length / 4;
      expect(inGap.length).toBeGreaterThan(300);
      for (const count of byReplica) expect(count).toBeLessThanOrEqual(2 * fair);
    },
  );

  it("counts a request's wait in the region its last attempt went to, with the rest of it", () => {
    // Two regions, each one slow single-slot replica; attempts time out and retries go to the less
    // loaded region. A request's queue_s once stayed with the region it first started in; it is
    // counted, like every latency part, for the requests completed, in their last attempt's region.
    const twoRegions = (name: string) => ({ name, geo: "g", azs: [{ name: `${name}a`, servers: { type: "p5.48xlarge", count: 0 } }] });
    const startedIn = [0, 0];
    const { report } = simulate(
      {
        version: 1,
        name: "moved",
        duration: "30m",
        regions: [twoRegions("r0"), twoRegions("r1")],
        models: [{ name: "svc", engine: { kind: "queue", service_time: { dist: "exponential", mean: 1.5 } }, replicas: { initial: 1 } }],
        workload: { tenants: [{ name: "t", model: "svc", geo: "g", arrival: { kind: "poisson", rate_per_s: 0.5 }, attempt_timeout: 2, retries: 2, routing: { mode: "least_loaded" } }] },
      },
      { onRequestEnd: (r) => r.measured && r.outcome === 0 && startedIn[r.region]++ },
    );
    expect(report.requests.attempts).toBeGreaterThan(1.2 * report.requests.arrived);
    expect(startedIn[1]).toBeGreaterThan(50);
    expect([report.by_region.r0.latency.queue_s.count, report.by_region.r1.latency.queue_s.count]).toEqual(startedIn);
  });
});
