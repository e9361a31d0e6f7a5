/**
 * scenarios/bedrock-day.yaml is what issue 12 asks for, read from the file without running it (a full
 * run takes minutes; test/validation/invariants.test.ts runs its first 20 minutes).
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenarioFile } from "../../src/index.js";
import { REPO_ROOT } from "../support/cli.js";

const { scenario } = loadScenarioFile(join(REPO_ROOT, "scenarios", "bedrock-day.yaml"));
const DAY_S = 86_400;

describe("scenarios/bedrock-day.yaml", () => {
  it("spreads 1,000 H100s (125 p5.48xlarge at the start) over three regions of two or three AZs", () => {
    const regions = scenario.regions ?? [];
    expect(regions).toHaveLength(3);
    for (const region of regions) expect([2, 3]).toContain(region.azs.length);
    const pools = regions.flatMap((r) => r.azs.flatMap((az) => (Array.isArray(az.servers) ? az.servers : [az.servers])));
    expect(pools.every((p) => p.type === "p5.48xlarge")).toBe(true);
    expect(pools.reduce((sum, p) => sum + p.count, 0) * 8).toBe(1000);
  });

  it("serves Llama-3.1 8B (BF16, TP1), 70B (FP8, TP4) and 405B (FP8, TP8), autoscaled by target tracking", () => {
    const shapes = new Set(scenario.models.map((m) => `${m.model} ${m.precision} tp${m.tensor_parallel}`));
    expect([...shapes].sort()).toEqual(["llama-3.1-405b fp8 tp8", "llama-3.1-70b fp8 tp4", "llama-3.1-8b bf16 tp1"]);
    for (const size of ["llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b"]) {
      expect(scenario.models.some((m) => m.model === size && m.autoscaler?.kind === "target_tracking")).toBe(true);
    }
  });

  it("generates about 10 M requests in its 24 hours", () => {
    expect(scenario.duration).toBe(DAY_S);
    let open = 0;
    let closedAtMost = 0;
    for (const t of scenario.workload.tenants) {
      const a = t.arrival;
      if (a.kind === "diurnal") open += a.mean_rate_per_s * DAY_S; // whole periods of a sinusoid average to the mean
      else if (a.kind === "piecewise") a.rates.forEach((p, i) => (open += p.rate_per_s * ((a.rates[i + 1]?.at ?? DAY_S) - p.at)));
      else if (a.kind === "closed_loop" && a.think_time.dist === "exponential") closedAtMost += (a.concurrency * DAY_S) / a.think_time.mean; // responses take time too
      else throw new Error(`unexpected arrival kind ${a.kind}`);
    }
    expect(open + closedAtMost).toBeGreaterThan(9.5e6);
    expect(open + closedAtMost).toBeLessThan(11e6);
  });

  it("has chat and code tenants with Azure trace lengths, a batch tier and closed-loop agents on a shared prefix", () => {
    const tenants = scenario.workload.tenants;
    const fromTrace = (file: string) => tenants.filter((t) => t.input_tokens?.dist === "empirical" && t.input_tokens.file === `traces/${file}`);
    expect(fromTrace("AzureLLMInferenceTrace_conv.csv").length).toBeGreaterThanOrEqual(2);
    expect(fromTrace("AzureLLMInferenceTrace_code.csv")).toHaveLength(1);
    expect(tenants.some((t) => t.tier === "batch")).toBe(true);
    const agent = tenants.find((t) => t.arrival.kind === "closed_loop")!;
    expect(agent.prefix!.tokens).toBeGreaterThanOrEqual(4096);
    expect(agent.arrival.kind === "closed_loop" && agent.arrival.think_time.dist !== "fixed").toBe(true);
  });

  it("fails servers at random and takes one AZ down", () => {
    expect(scenario.faults.map((f) => f.kind).sort()).toEqual(["az_outage", "server_failures"]);
  });
});
