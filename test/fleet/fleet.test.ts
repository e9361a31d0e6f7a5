/**
 * The datacenter against hand calculations and theory: idle energy and cost, power of a fully
 * loaded replica, uptime and SLA credit of an outage, failure counts of a renewal process,
 * conservation of GPU slots and of money.
 */
import { describe, expect, it } from "vitest";
import { simulate, type ScenarioInput } from "../../src/index.js";

const P5_HOST_IDLE_W = 2200;
const P5_HOST_MAX_W = 4600;
const H100 = { idleW: 75, promptW: 700, tokenW: 380 };

function region(servers: number, extra: Record<string, unknown> = {}) {
  return { name: "r1", geo: "east", pue: 1.2, electricity_usd_per_kwh: 0.1, carbon_g_per_kwh: 400, azs: [{ name: "r1a", servers: { type: "p5.48xlarge", count: servers } }], ...extra };
}

describe("energy and cost by hand", () => {
  it("an idle fleet for one hour uses idle power x PUE x 1 h and costs its hourly price (power included in it)", () => {
    const { report } = simulate({ version: 1, name: "idle", duration: "1h", regions: [region(2)] });
    const itKw = (2 * (P5_HOST_IDLE_W + 8 * H100.idleW)) / 1e3; // 5.6 kW
    expect(report.energy.it_kwh).toBeCloseTo(itKw, 9);
    expect(report.energy.facility_kwh).toBeCloseTo(itKw * 1.2, 9);
    expect(report.energy.electricity_usd).toBeCloseTo(itKw * 1.2 * 0.1, 9);
    expect(report.energy.carbon_kg).toBeCloseTo((itKw * 1.2 * 400) / 1e3, 9);
    expect(report.cost.items.gpu_servers_on_demand).toBeCloseTo(2 * 55.04, 9);
    // On-demand prices include electricity: it is reported (above) but not charged.
    expect(report.cost.electricity).toBe("included");
    expect(report.cost.items.electricity).toBeUndefined();
    expect(report.cost.total_usd).toBeCloseTo(2 * 55.04, 9);
    expect(report.fleet.gpu_states_mean).toEqual({ free: 16, booting: 0, starting: 0, loading: 0, serving: 0, draining: 0, failed: 0 });
  });

  it("flags an AZ whose power draw, or whose servers flat out, would exceed its power capacity", () => {
    const azs = [{ name: "r1a", servers: { type: "p5.48xlarge", count: 2 }, power_capacity_kw: 10 }];
    const az = simulate({ version: 1, name: "cap", duration: "10m", regions: [region(2, { azs })] }).report.energy.by_az.r1a;
    // Idle: 5.6 kW x 1.2 = 6.72 kW, under 10 kW. Flat out: 2 x (4.6 + 8 x 0.7) kW x 1.2 = 24.48 kW, over it.
    expect(az.peak_facility_kw).toBeCloseTo(6.72, 9);
    expect(az.exceeds_capacity).toBe(false);
    expect(az.planned_max_facility_kw).toBeCloseTo(24.48, 9);
    expect(az.plan_exceeds_capacity).toBe(true);
  });

  it("applies an hourly PUE hour by hour", () => {
    const hourly = Array.from({ length: 24 }, (_, h) => (h < 12 ? 1.1 : 1.3));
    const { report } = simulate({ version: 1, name: "pue", duration: "24h", regions: [region(1, { pue: { hourly } })] });
    const itKw = (P5_HOST_IDLE_W + 8 * H100.idleW) / 1e3;
    expect(report.energy.facility_kwh).toBeCloseTo(itKw * (12 * 1.1 + 12 * 1.3), 6);
  });

  it("integrates facility energy exactly with an hourly PUE when the warm-up ends inside a report interval", () => {
    // Power changes within the interval the warm-up ends in: prorating that interval's energy by time would miss.
    const hourly = Array.from({ length: 24 }, () => 1.25);
    const { report } = simulate({
      version: 1,
      name: "pue-edge",
      duration: "10m",
      warmup: "90s",
      report: { interval: "60s" },
      regions: [region(1, { pue: { hourly } })],
      models: [{ name: "m", model: "llama-3.1-8b", replicas: { initial: 2 } }],
      workload: { tenants: [{ name: "t", model: "m", arrival: { kind: "piecewise", rates: [{ at: 0, rate_per_s: 0 }, { at: 85, rate_per_s: 20 }, { at: 95, rate_per_s: 0 }, { at: 300, rate_per_s: 5 }] } }] },
    });
    expect(report.energy.it_kwh).toBeGreaterThan(0);
    expect(report.energy.facility_kwh).toBeCloseTo(report.energy.it_kwh * 1.25, 9);
  });

  it("leaves no rounding residue of power in an AZ that lost it all: 0 kW, not -4.5e-16", () => {
    // Two 2-GPU servers whose busy replicas moved their AZ's watts up and down many times before the outage.
    const { timeseries } = simulate({
      version: 1,
      name: "dark",
      duration: "10m",
      server_types: { box: { gpu: "h100-sxm", gpus: 2 } },
      regions: [region(1, { azs: [{ name: "r1a", servers: { type: "box", count: 2 } }] })],
      models: [{ name: "m", model: "llama-3.1-8b", replicas: { initial: 3 } }],
      workload: { tenants: [{ name: "t", model: "m", arrival: { kind: "poisson", rate_per_s: 3 } }] },
      faults: [{ kind: "region_outage", region: "r1", at: "2m", duration: "1h" }],
    });
    const dark = timeseries.filter((row) => row.time_s >= 180 && row.time_s < 3600);
    expect(dark.length).toBeGreaterThan(5);
    for (const row of dark) expect(row.it_kw).toBe(0);
  });

  it("a fully loaded replica draws what the power model says: token-phase GPUs, host at full load", () => {
    // One TP8 replica on one p5, kept decoding by 64 users with tiny prompts and long answers.
    const { report } = simulate({
      version: 1,
      name: "loaded",
      duration: "20m",
      warmup: "5m",
      regions: [region(1)],
      models: [{ name: "m", model: "llama-3.1-8b", tensor_parallel: 8, replicas: { initial: 1 }, engine: { kind: "continuous_batching" } }],
      workload: { tenants: [{ name: "t", model: "m", arrival: { kind: "closed_loop", concurrency: 64 }, input_tokens: { dist: "fixed", value: 16 }, output_tokens: { dist: "fixed", value: 4000 } }] },
    });
    expect(report.by_model.m.replicas_detail[0].busy_fraction).toBeGreaterThan(0.999);
    // Energy covers the window, from the end of the warm-up to `duration`.
    const meanItKw = report.energy.it_kwh / (report.run.window_s / 3600);
    const expectedKw = (P5_HOST_MAX_W + 8 * H100.tokenW) / 1e3; // 7.64 kW
    // Within 1.5 %: the iterations that carry a new prompt draw a little more (about 1 % here).
    expect(Math.abs(meanItKw / expectedKw - 1)).toBeLessThan(0.015);
  });
});

describe("availability by hand", () => {
  it("gives the uptime and credit of a 30-minute AZ outage in a day with no redundancy", () => {
    // Servers boot and replicas load instantly, so the service is down from the outage start until
    // the load balancer's next passing check after it ends (at most one 10 s interval later):
    // 6 of the day's 288 five-minute intervals are all errors, plus at most 10/300 of one more.
    const { report } = simulate({
      version: 1,
      name: "outage",
      seed: 3,
      duration: "1d",
      server_types: { fast: { gpu: "h100-sxm", gpus: 8, boot_time: 0 } },
      regions: [{ name: "r1", azs: [{ name: "r1a", servers: { type: "fast", count: 1 } }] }],
      models: [
        {
          name: "m",
          model: "llama-3.1-8b",
          replicas: { initial: 2 },
          startup: { engine: 0, weight_load_gb_per_s: 1e9 },
          health_check: { interval: "10s", unhealthy_threshold: 3 },
          engine: { kind: "continuous_batching" },
        },
      ],
      workload: { tenants: [{ name: "t", model: "m", arrival: { kind: "poisson", rate_per_s: 1 }, output_tokens: { dist: "fixed", value: 50 } }] },
      faults: [{ kind: "az_outage", az: "r1a", at: "10h", duration: "30m" }],
    });
    const a = report.availability.by_region.r1;
    expect(a.intervals).toBe(288);
    expect(a.uptime_pct).toBeLessThanOrEqual(100 * (1 - 6 / 288) + 1e-9);
    expect(a.uptime_pct).toBeGreaterThanOrEqual(100 * (1 - (6 + 10 / 300) / 288) - 1e-9);
    expect(a.sla_credit_pct).toBe(25);
    expect(report.events.filter((e) => e.kind.startsWith("az_")).map((e) => [e.t_s, e.kind])).toEqual([
      [36_000, "az_outage_start"],
      [37_800, "az_outage_end"],
    ]);
    // Each replica is marked unhealthy after 3 failed checks 10 s apart (within 30 s), and healthy at the first check after it is back.
    const marks = report.events.filter((e) => e.kind.startsWith("marked_"));
    expect(marks.map((e) => e.kind).sort()).toEqual(["marked_healthy", "marked_healthy", "marked_unhealthy", "marked_unhealthy"]);
    for (const e of marks) {
      const [from, to] = e.kind === "marked_unhealthy" ? [36_020, 36_030] : [37_800, 37_810];
      expect(e.t_s).toBeGreaterThanOrEqual(from);
      expect(e.t_s).toBeLessThanOrEqual(to);
    }
    // About 30 minutes of 1 request/s lost to errors.
    expect(report.requests.failed + report.requests.rejected).toBeGreaterThan(1700);
    expect(report.requests.failed + report.requests.rejected).toBeLessThan(1900);
  });
});

describe("failures against theory", () => {
  it("matches the expected number of failures and time down: MTBF 1,000 h, MTTR 10 h, 1,000 servers, 30 days", () => {
    const { report } = simulate({
      version: 1,
      name: "mtbf",
      seed: 11,
      duration: "30d",
      report: { interval: "1h" },
      server_types: { node: { gpu: "h100-sxm", gpus: 8, boot_time: 0 } },
      regions: [{ name: "r1", azs: [{ name: "r1a", servers: { type: "node", count: 1000 } }] }],
      faults: [{ kind: "server_failures", mtbf: "1000h", mttr: "10h" }],
    });
    // Each server alternates up (rate lambda = 1/1000 h) and down (rate mu = 1/10 h), starting up.
    const lambda = 1 / 1000;
    const mu = 1 / 10;
    const t = 720;
    const k = lambda + mu;
    const expectedFailures = 1000 * lambda * ((mu / k) * t + (lambda / k) * ((1 - Math.exp(-k * t)) / k));
    const failures = report.events.filter((e) => e.kind === "server_failure").length;
    // The count is close to Poisson: 4 standard deviations is about 15 %.
    expect(Math.abs(failures - expectedFailures)).toBeLessThan(4 * Math.sqrt(expectedFailures));
    const expectedDown = (lambda / k) * (1 - (1 - Math.exp(-k * t)) / (k * t));
    const down = report.fleet.gpu_states_mean.failed / 8000;
    // Downtime sums ~713 exponential repairs: its relative standard deviation is about 5 %.
    expect(Math.abs(down / expectedDown - 1)).toBeLessThan(0.2);
  });
});

describe("conservation", () => {
  const scenario: ScenarioInput = {
    version: 1,
    name: "chaos",
    seed: 2,
    duration: "3h",
    warmup: "10m",
    regions: [
      { name: "east", geo: "east", azs: [{ name: "east-a", servers: { type: "p5.48xlarge", count: 2 } }, { name: "east-b", servers: { type: "p5.48xlarge", count: 2 } }] },
      { name: "west", geo: "west", azs: [{ name: "west-a", servers: { type: "p5.48xlarge", count: 2 } }] },
    ],
    models: [
      {
        name: "m",
        model: "llama-3.1-8b",
        tensor_parallel: 2,
        replicas: { initial: 6 },
        engine: { kind: "continuous_batching" },
        price: { input_usd_per_mtok: 0.2, output_usd_per_mtok: 0.6 },
        revenue_share: 0.3,
      },
    ],
    workload: {
      tenants: [
        { name: "a", geo: "east", model: "m", arrival: { kind: "poisson", rate_per_s: 8 }, retries: 1, timeout: "60s" },
        { name: "b", geo: "west", model: "m", tier: "batch", arrival: { kind: "poisson", rate_per_s: 3 } },
      ],
    },
    faults: [
      { kind: "server_failures", mtbf: "2h", mttr: "20m" },
      { kind: "gpu_failures", mtbf: "40h", mttr: "15m" },
      { kind: "az_outage", az: "east-b", at: "1h", duration: "20m" },
      { kind: "region_outage", region: "west", at: "2h", duration: "15m" },
    ],
    costs: { other: [{ name: "network", usd_per_hour: 3 }, { name: "monitoring", fraction_of_compute: 0.05 }] },
  };

  it("keeps every GPU slot in exactly one state at every change, through failures and outages", () => {
    // debugChecks recounts every AZ's GPU states after each change and throws on a mismatch.
    const { report } = simulate(scenario, { debugChecks: true });
    expect(report.events.filter((e) => e.kind === "server_failure").length).toBeGreaterThan(0);
    expect(report.events.filter((e) => e.kind === "gpu_failure").length).toBeGreaterThan(0);
    const states = report.fleet.gpu_states_mean;
    const sum = Object.values(states).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(report.fleet.gpus, 6);
    expect(states.failed).toBeGreaterThan(0);
    expect(states.booting + states.starting + states.loading).toBeGreaterThan(0);
    expect(states.draining).toBe(0); // a fixed fleet never drains
  });

  it("checks where the GPU states live that they add up, and that GPU time by state is the time paid", () => {
    const { run } = simulate(scenario, { debugChecks: true });
    const servers = run.fleet.servers;
    // The run ended with the check passing (debugChecks: Servers.check(endUs) at the end).
    expect(() => servers.check(run.endUs)).not.toThrow();
    // A GPU counted in a state it is not in breaks the count of the AZ...
    const freeInFirstAz = servers.gpuStates[0][0];
    freeInFirstAz.add(1, run.endUs);
    expect(() => servers.check()).toThrow(/AZ east-a: free GPUs counted (\d+), recounted (?!\1)/);
    freeInFirstAz.add(-1, run.endUs);
    expect(() => servers.check(run.endUs)).not.toThrow();
    // ...and an hour of a server's paid time that no GPU state accounts for breaks the second.
    (servers as unknown as { runtime: { paidUs: number }[] }).runtime[0].paidUs += 3_600_000_000;
    expect(() => servers.check(run.endUs)).toThrow(/GPU time by state/);
  });

  it("adds money up: cost items to the total, revenue by model, region and tenant to the total", () => {
    const { report } = simulate(scenario);
    const total = (o: Record<string, number>) => Object.values(o).reduce((s, x) => s + x, 0);
    expect(total(report.cost.items)).toBeCloseTo(report.cost.total_usd, 6);
    expect(total(report.revenue.by_model)).toBeCloseTo(report.revenue.total_usd, 6);
    expect(total(report.revenue.by_region)).toBeCloseTo(report.revenue.total_usd, 6);
    expect(total(report.revenue.by_tenant)).toBeCloseTo(report.revenue.total_usd, 6);
    expect(report.cost.items.model_provider_share).toBeCloseTo(0.3 * report.revenue.total_usd, 6);
    expect(report.cost.items.monitoring).toBeCloseTo(0.05 * report.cost.items.gpu_servers_on_demand, 6);
    // Each figure is rounded to 10 significant digits: a difference of two ~$1,000 figures is good to about 1e-6.
    expect(report.margin.gross_usd).toBeCloseTo(report.revenue.total_usd - report.cost.total_usd, 5);
    // Batch-tier revenue is half price: tenant b pays $0.2/$0.6 per Mtok at 50 % off.
    const b = report.by_tenant.b.throughput;
    const windowS = 3 * 3600 - 600;
    expect(report.revenue.by_tenant.b).toBeCloseTo(((b.input_tokens_per_s * 0.2 + b.output_tokens_per_s * 0.6) * windowS * 0.5) / 1e6, 6);
  });

  it("fails over to the other region during a region outage, and adds the round trip to latency", () => {
    const { report } = simulate(scenario);
    // Tenant b lives in the west; while the west is out its requests are served in the east.
    expect(report.by_region.east.requests.arrived + report.by_region.west.requests.arrived).toBe(report.requests.arrived);
    const westLoad = report.by_region.west.requests.arrived / (8 + 3);
    expect(westLoad).toBeGreaterThan(0);
    expect(report.by_region.east.requests.arrived).toBeGreaterThan(8 * (3 * 3600 - 600) * 0.95);
  });

  it("adds exactly the client-region round trip to TTFT and E2E", () => {
    const base: ScenarioInput = {
      version: 1,
      name: "rtt",
      duration: "10m",
      regions: [{ name: "r1", geo: "east", azs: [{ name: "r1a", servers: { type: "p5.48xlarge", count: 1 } }] }],
      models: [{ name: "m", model: "llama-3.1-8b", replicas: { initial: 2 }, engine: { kind: "continuous_batching" } }],
      workload: { tenants: [{ name: "t", geo: "europe", model: "m", arrival: { kind: "poisson", rate_per_s: 2 } }] },
    };
    const near = simulate({ ...base, network: { rtt_ms: { europe: { r1: 0 } } } }).report;
    const far = simulate({ ...base, network: { rtt_ms: { europe: { r1: 85 } } } }).report;
    expect(far.latency.ttft_s.mean! - near.latency.ttft_s.mean!).toBeCloseTo(0.085, 9);
    expect(far.latency.e2e_s.mean! - near.latency.e2e_s.mean!).toBeCloseTo(0.085, 9);
  });
});
