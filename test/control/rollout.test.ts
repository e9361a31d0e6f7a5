/**
 * Rollouts: a canary of a broken version rolls back on its alarm, bounding the damage; a good version
 * deployed blue/green takes all traffic after its bake and the old fleet is released; a slower
 * version's latency factor shows in the requests it serves.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { simulate, type RequestRecord, type ScenarioInput } from "../../src/index.js";
import { REPO_ROOT } from "../support/cli.js";

const CANARY = parse(readFileSync(`${REPO_ROOT}/scenarios/canary-rollback.yaml`, "utf8")) as ScenarioInput;

function variant(edit: (s: any) => void): ScenarioInput {
  const copy = structuredClone(CANARY) as any;
  edit(copy);
  return copy;
}

describe("a canary of a broken version", () => {
  const { report } = simulate(CANARY, { debugChecks: true });
  const rollout = report.rollouts.chat["us-east-1"];

  it("rolls back on the error-rate alarm during the first stage", () => {
    expect(rollout.outcome).toBe("rolled_back");
    expect(rollout.stages).toHaveLength(1);
    expect(rollout.stages[0].share).toBe(0.05);
    expect(rollout.rollback_reason).toMatch(/^error rate .* > alarm 1\.00 %/);
    const rollback = report.events.find((e) => e.kind === "rollback")!;
    expect(rollback.t_s).toBe(rollout.ended_s);
    // Within the alarm window of the shift.
    expect(rollback.t_s - rollout.stages[0].at_s).toBeLessThan(300);
  });

  it("keeps the whole run's server-error rate under the alarm bound plus the canary's share x its error rate", () => {
    const errorRate = report.requests.failed / report.requests.arrived;
    expect(report.requests.failed).toBeGreaterThan(0); // the canary did fail some
    expect(errorRate).toBeLessThan(0.01 + 0.05 * 0.02);
    expect(report.thresholds.error_rate[0].actual).toBeCloseTo(errorRate, 9);
    expect(report.thresholds_ok).toBe(true);
  });

  it("releases every replica of the new version; the two fleets overlapped, but on GPUs already paid for", () => {
    const stopped = report.events.filter((e) => e.kind === "replica_stopped").map((e) => e.target);
    expect(stopped.sort()).toEqual(["chat/us-east-1/4", "chat/us-east-1/5", "chat/us-east-1/6", "chat/us-east-1/7"]);
    // Four GPUs of each version from the start of the rollout until the new ones are gone.
    const lastStop = Math.max(...report.events.filter((e) => e.kind === "replica_stopped").map((e) => e.t_s));
    expect(rollout.overlap_gpu_hours).toBeGreaterThanOrEqual((4 * (rollout.ended_s! - rollout.started_s!)) / 3600 - 1e-9);
    expect(rollout.overlap_gpu_hours).toBeLessThanOrEqual((4 * (lastStop - rollout.started_s!)) / 3600 + 1e-9);
    // The canary sat on the free GPUs of the one server already running: it added nothing to the bill.
    expect(rollout.extra_gpu_hours).toBe(0);
    expect(rollout.extra_cost_usd).toBe(0);
    expect(report.scaling.chat["us-east-1"].desired_at_end).toBe(4);
  });
});

describe("a good version deployed blue/green", () => {
  const records: RequestRecord[] = [];
  const goodSlow = variant((s) => {
    s.models[0].rollout = { at: "1h", strategy: "blue_green", version: { name: "v2", latency_factor: 2 }, stages: [{ share: 1, bake: "10m" }] };
    s.workload.tenants[0].input_tokens = { dist: "fixed", value: 200 };
    s.workload.tenants[0].output_tokens = { dist: "fixed", value: 100 };
    s.workload.tenants[0].arrival = { kind: "poisson", rate_per_s: 1 };
    s.thresholds = {};
  });
  const { report } = simulate(goodSlow, { debugChecks: true, onRequestEnd: (r) => records.push(r) });
  const rollout = report.rollouts.chat["us-east-1"];

  it("moves all traffic once the new fleet serves, bakes, then drains and releases the old fleet", () => {
    expect(rollout.outcome).toBe("completed");
    const complete = report.events.find((e) => e.kind === "rollout_complete")!;
    expect(complete.t_s).toBeCloseTo(rollout.stages[0].at_s + 600, 6);
    const stopped = report.events.filter((e) => e.kind === "replica_stopped").map((e) => e.target);
    expect(stopped.sort()).toEqual(["chat/us-east-1/0", "chat/us-east-1/1", "chat/us-east-1/2", "chat/us-east-1/3"]);
    for (const e of report.events.filter((e) => e.kind === "replica_draining")) expect(e.t_s).toBe(complete.t_s);
  });

  it("serves at the new version's latency factor: E2E doubles at low load", () => {
    const switchedS = rollout.stages[0].at_s + 30; // after the new replicas' first health checks
    const before = records.filter((r) => r.arrival_s > 1800 && r.arrival_s < 3600);
    const after = records.filter((r) => r.arrival_s > switchedS && r.arrival_s < 3 * 3600 - 60);
    const mean = (rs: RequestRecord[]) => rs.reduce((a, r) => a + r.e2e_s, 0) / rs.length;
    expect(before.length).toBeGreaterThan(1000);
    expect(after.length).toBeGreaterThan(1000);
    expect(mean(after) / mean(before)).toBeGreaterThan(1.85);
    expect(mean(after) / mean(before)).toBeLessThan(2.15);
  });
});

describe("a rollout with alarms that never gets its second fleet", () => {
  // One p5 (8 GPUs) for 4 replicas now and no room to grow: the new fleet never fully serves, so the
  // rollout stays provisioning. Its alarms once looked every 10 s forever, and the run never ended.
  const stuck = variant((s) => {
    s.duration = "20m";
    s.regions[0].azs[0].servers = { type: "p5.48xlarge", count: 1, max: 1 };
    s.models[0].replicas = { initial: 6, min: 6, max: 6 };
    s.models[0].rollout.at = "5m";
    s.workload.tenants[0].arrival = { kind: "poisson", rate_per_s: 2 };
  });
  const { report } = simulate(stuck, { debugChecks: true });

  it("stops checking its alarms when arrivals stop, so the run ends", () => {
    const rollout = report.rollouts.chat["us-east-1"];
    expect(rollout.outcome).toBe("provisioning");
    expect(report.requests.completed).toBe(report.requests.arrived);
    // Drained within minutes of the end of arrivals, not run on by the alarm loop.
    expect(report.run.simulated_s).toBeLessThan(20 * 60 + 120);
  });
});

describe("what a rollout adds to the bill, against the same seed without it", () => {
  /** The bill and the rollout's figure, with the rollout and without it (the same seed, so the same requests). */
  function withAndWithout(edit: (s: any) => void) {
    const withIt = variant(edit);
    const without = structuredClone(withIt) as any;
    delete without.models[0].rollout;
    const a = simulate(withIt).report;
    const b = simulate(without).report;
    const bill = (r: typeof a) => r.cost.items.gpu_servers_on_demand;
    return { rollout: a.rollouts.chat["us-east-1"], added: bill(a) - bill(b), gpuHoursAdded: a.fleet.gpu_hours.paid - b.fleet.gpu_hours.paid };
  }

  it("blue/green onto a new server: the new server's hours and the old one's idle tail, less its release, within 2 %", () => {
    // Four TP2 replicas fill the p5; the new version's four need a second one (the pool's max is 2).
    const { rollout, added, gpuHoursAdded } = withAndWithout((s) => {
      s.models[0].tensor_parallel = 2;
      s.models[0].rollout = { at: "1h", strategy: "blue_green", version: { name: "v2" }, stages: [{ share: 1, bake: "10m" }] };
      delete s.thresholds;
    });
    expect(rollout.outcome).toBe("completed");
    expect(added).toBeGreaterThan(1);
    expect(Math.abs(rollout.extra_cost_usd! - added)).toBeLessThanOrEqual(0.02 * added);
    expect(Math.abs(rollout.extra_gpu_hours - gpuHoursAdded)).toBeLessThanOrEqual(0.02 * gpuHoursAdded);
  });

  it("a canary on free GPUs of a running server adds nothing, as the bill says", () => {
    const { rollout, added } = withAndWithout(() => {});
    expect(rollout.overlap_gpu_hours).toBeGreaterThan(0.1); // four GPUs for the minutes before its rollback
    expect(Math.abs(rollout.extra_cost_usd! - added)).toBeLessThan(0.01);
  });
});
