/**
 * GPU power follows the work: a decode batch draws more as it grows, a short prefill less than a long
 * one, as SplitwiseSim's A100 profiles recorded; a server broken in a powered rack idles while it
 * waits for repair, one in an outage draws nothing.
 */
import { describe, expect, it } from "vitest";
import { gpuPower } from "../../src/catalog/power.js";
import { BatchingEngine } from "../../src/inference/batching-engine.js";
import { deployModel } from "../../src/inference/deployment.js";
import { gpuWatts, idleServerWatts } from "../../src/fleet/power.js";
import { ScenarioSchema } from "../../src/scenario/schema.js";
import { DataFiles } from "../../src/workload/datafiles.js";
import { simulate, type ScenarioInput } from "../../src/index.js";
import { SERVER_TYPES } from "../../src/catalog/servers.js";

function engineFor(model: object) {
  const scenario = ScenarioSchema.parse({ version: 1, name: "p", duration: 60, models: [{ name: "m", ...model }] });
  const spec = scenario.models[0];
  const { deployed } = deployModel(spec, new DataFiles("."));
  if (spec.engine.kind !== "continuous_batching") throw new Error("expected an LLM engine");
  const engine = new BatchingEngine(spec.engine, deployed!, {} as never, { windowFromUs: 0, windowToUs: 1, scopeCount: 1, debugChecks: false });
  return { engine, deployed: deployed! };
}

/** Watts per GPU of an iteration of this shape, as the fleet meters it. */
function watts(model: object, shape: { prefillTokens: number; decodeSeqs: number; context: number }) {
  const { engine, deployed } = engineFor(model);
  const us = deployed.latency.iterationUs({
    prefillTokens: shape.prefillTokens,
    prefillSeqs: shape.prefillTokens > 0 ? 1 : 0,
    prefillAttentionPairs: (shape.prefillTokens * shape.prefillTokens) / 2,
    prefillKvTokens: shape.prefillTokens,
    decodeSeqs: shape.decodeSeqs,
    decodeKvTokens: shape.decodeSeqs * shape.context,
    decodeWidth: 1,
  });
  return gpuWatts(gpuPower(deployed.gpu), engine.computeShare(shape.prefillTokens + shape.decodeSeqs, us), true);
}

describe("GPU power by work", () => {
  const a100 = { model: "llama-2-70b", gpu: "a100-sxm-80gb", precision: "fp16", tensor_parallel: 4 };
  const tdp = 400;

  it("rises with the decode batch: Llama-2-70B on four A100s, batch 1 near SplitwiseSim's 0.59 of TDP, and more at 16 and 64", () => {
    const one = watts(a100, { prefillTokens: 0, decodeSeqs: 1, context: 576 });
    const sixteen = watts(a100, { prefillTokens: 0, decodeSeqs: 16, context: 576 });
    const sixtyFour = watts(a100, { prefillTokens: 0, decodeSeqs: 64, context: 576 });
    expect(one / tdp).toBeGreaterThan(0.59 - 0.1);
    expect(one / tdp).toBeLessThan(0.59 + 0.1);
    expect(sixteen).toBeGreaterThan(one);
    expect(sixtyFour).toBeGreaterThan(sixteen + 10);
  });

  it("draws less for a 128-token prefill than for 512 tokens, which is near TDP (SplitwiseSim: peaks 0.64 and 1.0 of TDP)", () => {
    const short = watts(a100, { prefillTokens: 128, decodeSeqs: 0, context: 0 });
    const long = watts(a100, { prefillTokens: 512, decodeSeqs: 0, context: 0 });
    expect(short).toBeLessThan(long);
    expect(short / tdp).toBeLessThan(0.85);
    expect(long / tdp).toBeGreaterThan(0.8);
  });

  function kwFrom1hTo1h10m(faults: object[]) {
    const scenario: ScenarioInput = {
      version: 1,
      name: "repair",
      duration: "2h",
      server_types: { one: { gpu: "h100-sxm", gpus: 8, host_idle_w: 2200, host_max_w: 4600, boot_time: "5m" } },
      regions: [{ name: "r", azs: [{ name: "a", servers: { type: "one", count: 1 } }] }],
      models: [{ name: "m", model: "llama-3.1-8b", replicas: { initial: 1 } }],
      faults,
      report: { interval: "10m" },
    } as ScenarioInput;
    const { timeseries } = simulate(scenario);
    return timeseries.find((row) => row.time_s === 3600)!.it_kw!;
  }

  it("keeps a broken server waiting for repair at idle power, and an AZ without power at 0 W", () => {
    const idleKw = idleServerWatts(SERVER_TYPES["p5.48xlarge"], gpuPower({ id: "h100-sxm" } as never).idleW) / 1e3;
    // Fails within seconds, repaired after years: broken through the interval.
    expect(kwFrom1hTo1h10m([{ kind: "server_failures", mtbf: "1s", mttr: "36500d" }])).toBeCloseTo(idleKw, 6);
    expect(kwFrom1hTo1h10m([{ kind: "az_outage", az: "a", at: "10m", duration: "10h" }])).toBe(0);
  });
});
