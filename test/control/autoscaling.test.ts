/**
 * Autoscaling end to end, checked by hand: the step-load scenario (lead time of a new replica
 * = datapoints + boot + engine start + weight load), scale-in to min and never below, GPU scarcity,
 * self-healing, GPU-hours conservation and determinism.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { simulate, type ScenarioInput } from "../../src/index.js";
import { MODELS, totalParams } from "../../src/catalog/models.js";
import { REPO_ROOT } from "../support/cli.js";

const STEP = parse(readFileSync(`${REPO_ROOT}/scenarios/step-scale-out.yaml`, "utf8")) as ScenarioInput;

function variant(edit: (s: any) => void): ScenarioInput {
  const copy = structuredClone(STEP) as any;
  edit(copy);
  return copy;
}

const events = (report: { events: { kind: string; t_s: number; target: string; reason: string | null }[] }, kind: string) => report.events.filter((e) => e.kind === kind);

describe("the step-load scenario (issue 9)", () => {
  const { report, timeseries } = simulate(STEP, { debugChecks: true });

  it("has its first new replica serving at 3600 + 3 x 60 + 300 + 60 + weights / 4 GB/s", () => {
    // Llama-3.1-8B in bf16: parameters x 2 bytes, in GB of 1e9 bytes (16.06 GB).
    const weightsGb = (totalParams(MODELS["llama-3.1-8b"]) * 2) / 1e9;
    expect(weightsGb).toBeCloseTo(16.06, 2);
    const expected = 3600 + 3 * 60 + 300 + 60 + weightsGb / 4;
    const ready = events(report, "replica_ready");
    expect(ready.length).toBeGreaterThan(0);
    expect(ready[0].t_s).toBeCloseTo(expected, 5);
    expect(ready[0].t_s).toBeCloseTo(4144, 0);
    // The decision came at the third datapoint above the target, and asked for the capacity at once.
    const out = events(report, "scale_out")[0];
    expect(out.t_s).toBe(3600 + 3 * 60);
    expect(events(report, "server_requested")[0].t_s).toBe(out.t_s);
  });

  it("does not scale out again for a long lead time: replicas still provisioning count toward desired", () => {
    // While the first new replicas boot, only a rise of the load itself (the queue of the two serving
    // replicas grows) can ask for more, and then desired = ceil(2 x value / 8), not desired + that.
    const outs = events(report, "scale_out").filter((e) => e.t_s < 4144);
    expect(outs.length).toBeGreaterThan(0);
    for (const out of outs) {
      const [, value, from, to] = /requests_per_replica ([\d.]+) above .*desired (\d+) -> (\d+)$/.exec(out.reason!)!.map(Number);
      expect(to).toBeLessThanOrEqual(Math.ceil((2 * value * 1.005) / 8));
      expect(to).toBeGreaterThanOrEqual(Math.ceil((2 * value * 0.995) / 8));
      expect(to - from).toBeLessThan(to); // never the whole amount again on top
    }
  });

  it("scales in only after 15 datapoints below 90 % of the target, down to min after the load drops and never below", () => {
    const actions = report.events.filter((e) => e.kind === "scale_out" || e.kind === "scale_in");
    actions.forEach((e, k) => {
      if (e.kind !== "scale_in") return;
      expect(e.reason).toMatch(/below 90 % of target 8 for 15 datapoints/);
      // The count starts again after every action, so 15 datapoints separate a scale-in from the action before.
      if (k > 0) expect(e.t_s - actions[k - 1].t_s).toBeGreaterThanOrEqual(15 * 60);
    });
    expect(events(report, "scale_in").some((e) => e.t_s > 7200)).toBe(true);
    expect(report.scaling.chat.r1.desired_at_end).toBe(2);
    expect(report.scaling.chat.r1.serving_at_end).toBe(2);
    for (const row of timeseries) {
      expect(row.replicas_desired!).toBeGreaterThanOrEqual(2 - 1e-9);
      expect(row.replicas_desired!).toBeLessThanOrEqual(12 + 1e-9);
      expect(row.replicas_serving!).toBeGreaterThanOrEqual(2 - 1e-9);
    }
  });

  it("drains before it stops, and powers servers off after the idle shutdown", () => {
    for (const stop of events(report, "replica_stopped")) {
      const drain = report.events.find((e) => e.kind === "replica_draining" && e.target === stop.target);
      expect(drain).toBeDefined();
      expect(stop.t_s).toBeLessThanOrEqual(drain!.t_s + 300);
    }
    const off = events(report, "server_powered_off");
    expect(off.length).toBe(events(report, "replica_stopped").length);
    for (const e of off) {
      const freed = events(report, "replica_stopped").map((s) => s.t_s);
      expect(freed.some((t) => Math.abs(e.t_s - (t + 600)) < 1e-6)).toBe(true);
    }
  });

  it("pays for GPU-hours that add up: serving + idle + booting + starting + loading + draining + failed = paid = server-hours x GPUs", () => {
    const h = report.fleet.gpu_hours;
    const states = Object.values(h.by_state).reduce((a, b) => a + b, 0);
    expect(states).toBeCloseTo(h.paid, 6);
    // One-GPU servers at $7 an hour: the compute bill is the paid GPU-hours x 7.
    expect(report.cost.items.gpu_servers_on_demand).toBeCloseTo(h.paid * 7, 5);
    // More than the 2 initial servers' 6 hours, less than 12 servers' 36.
    expect(h.paid).toBeGreaterThan(6);
    expect(h.paid).toBeLessThan(36);
    const booted = events(report, "server_booted").length;
    expect(booted).toBeGreaterThan(2);
    expect(h.by_state.booting).toBeCloseTo((booted * 300) / 3600, 6); // each new server booted for 5 minutes
    expect(h.by_model.chat).toBeLessThanOrEqual(h.paid + 1e-9);
  });

  it("measures the lead time of every launch", () => {
    const lead = report.scaling.chat.r1.lead_time_s;
    expect(lead.count).toBe(report.scaling.chat.r1.replicas_launched);
    expect(lead.p50).toBeCloseTo(300 + 60 + 16.06 / 4, 1);
  });

  it("gives the same report for the same seed", () => {
    expect(JSON.stringify(simulate(STEP).report)).toBe(JSON.stringify(report));
  });
});

describe("GPU scarcity", () => {
  it("reports failed scale-outs and never runs more replicas than the pool has GPUs", () => {
    const capped = variant((s) => (s.regions[0].azs[0].servers.max = 4));
    const { report, timeseries } = simulate(capped, { debugChecks: true });
    const failed = events(report, "scale_out_failed");
    expect(failed.length).toBeGreaterThan(1); // retried at later evaluations
    expect(failed[0].reason).toMatch(/^no room left in r1 for a replica of 1 h100-sxm GPU\(s\) on one server \(server pools at their max\): \d+ of \d+ desired replicas not placed$/);
    expect(events(report, "server_requested")).toHaveLength(2);
    for (const row of timeseries) {
      const active = row.replicas_requested! + row.replicas_starting! + row.replicas_loading! + row.replicas_serving! + row.replicas_draining!;
      expect(active).toBeLessThanOrEqual(4 + 1e-9);
    }
    expect(report.scaling.chat.r1.scale_outs_failed).toBe(failed.length);
  });
});

describe("self-healing", () => {
  it("replaces a replica lost to a server failure on other capacity, and without an autoscaler waits for the repair", () => {
    const faults = [{ kind: "server_failures", mtbf: "2h", mttr: "30m" }];
    const healing = variant((s) => {
      s.faults = faults;
      s.duration = "2h";
    });
    const { report } = simulate(healing, { debugChecks: true });
    const lost = events(report, "replica_stopped").filter((e) => e.reason?.startsWith("failure"));
    expect(lost.length).toBeGreaterThan(0);
    // Each loss is followed at once by a new replica.
    for (const loss of lost) expect(report.events.some((e) => e.kind === "replica_requested" && e.t_s === loss.t_s)).toBe(true);
    expect(report.scaling.chat.r1.replaced).toBeGreaterThan(0);

    const fixed = variant((s) => {
      s.faults = faults;
      s.duration = "2h";
      delete s.models[0].autoscaler;
    });
    const still = simulate(fixed, { debugChecks: true }).report;
    expect(events(still, "replica_requested")).toHaveLength(0);
    expect(events(still, "server_failure").length).toBeGreaterThan(0);
    expect(still.scaling).toEqual({});
  });
});
