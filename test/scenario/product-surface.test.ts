/** The product layer's scenario of issue 25, as written there, end to end. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { loadScenarioText } from "../../src/scenario/load.js";
import { checkRun, recording } from "../support/invariants.js";

const YAML = readFileSync(new URL("../../scenarios/product-surface.yaml", import.meta.url), "utf8");

describe("scenarios/product-surface.yaml", () => {
  it("runs as written: tiers, a reservation, provisioned throughput, a batch job, billed caching and a model that scales to zero", () => {
    const { options, tally } = recording();
    const result = simulate(loadScenarioText(YAML, "product-surface.yaml"), options);
    checkRun(result, tally);
    const { report } = result;
    expect(Object.keys(report.by_tier!)).toEqual(["priority", "on_demand", "flex", "batch"]);
    // Priority at 1.75x, flex judged by its own 20 s target.
    expect(report.by_tier!.flex!.slo.ttft_s).toBe(20);
    expect(report.reserved!.app.answered_reserved).toBeGreaterThan(0);
    expect(report.batch_jobs![0]).toMatchObject({ tenant: "nightly", state: "Completed", completed: 3000 });
    expect(report.by_model["claude-like"].prompt_cache!.read_tokens).toBeGreaterThan(0);
    // acme pays its replica-hours whatever it used: 1 replica x 115 minutes x $45.
    expect(report.revenue.by_model["acme-dedicated"]).toBeCloseTo((115 / 60) * 45, 6);
    // long-tail wakes on a request, scales to zero 20 minutes after the last one, and wakes again.
    const wakes = report.events.filter((e) => e.model === "long-tail" && e.kind === "scale_out" && /wake on arrival/.test(e.reason ?? ""));
    const toZero = report.events.filter((e) => e.model === "long-tail" && /scale to zero/.test(e.reason ?? ""));
    expect(wakes.length).toBe(2);
    expect(toZero.length).toBe(1);
    expect(toZero[0].t_s).toBeGreaterThan(30 * 60 + 20 * 60 - 120);
    expect(tally.serverErrors).toBe(0);
  });
});
