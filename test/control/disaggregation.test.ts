/**
 * Prefill/decode disaggregation end to end: the scenario as written, the pools against a
 * colocated fleet of the same GPUs, the decider, KV transfers by hand, and failures.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../support/cli.js";
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { loadScenarioText } from "../../src/scenario/load.js";
import { MODELS } from "../../src/catalog/models.js";

const PD_YAML = readFileSync(new URL("../../scenarios/pd-vs-colocated.yaml", import.meta.url), "utf8");

/** Llama-3.1-70B FP8 on 4 H100s: 2 prefill + 2 decode replicas, or 4 colocated, under long prompts. */
function fleet(options: { disaggregated: boolean; ratePerS: number; input?: number; decider?: object; faults?: object[]; durationS?: number }) {
  return simulate(
    {
      version: 1,
      name: "pd",
      seed: 7,
      duration: options.durationS ?? 600,
      warmup: 60,
      models: [
        {
          name: "m",
          model: "llama-3.1-70b",
          gpu: "h100-sxm",
          precision: "fp8",
          tensor_parallel: 4,
          engine: { kind: "continuous_batching", max_num_seqs: 128, max_batched_tokens: 8192 },
          router: { kind: "least_outstanding_tokens" },
          ...(options.disaggregated
            ? {
                disaggregation: {
                  prefill: { replicas: { initial: 2 } },
                  decode: { replicas: { initial: 2 } },
                  kv_transfer: { bandwidth_gb_per_s: 50, latency: "50us" },
                  ...(options.decider ? { decider: options.decider } : {}),
                },
              }
            : { replicas: { initial: 4 } }),
        },
      ],
      workload: {
        tenants: [
          {
            name: "long",
            model: "m",
            arrival: { kind: "poisson", rate_per_s: options.ratePerS },
            input_tokens: { dist: "fixed", value: options.input ?? 8000 },
            output_tokens: { dist: "fixed", value: 256 },
          },
        ],
      },
      faults: options.faults ?? [],
    },
    { debugChecks: true },
  );
}

describe("prefill/decode disaggregation", () => {
  it("runs the issue's scenario as written, reporting the pools apart and every KV transfer", () => {
    const { report } = simulate(loadScenarioText(PD_YAML, "pd-vs-colocated.yaml"));
    const m = report.by_model["llama-70b"];
    expect(m.requests.completed).toBe(m.requests.arrived);
    expect(m.pools!.prefill.replicas).toBe(2);
    expect(m.pools!.decode.replicas).toBe(2);
    // Every disaggregated request moved its KV cache once: 8,000 tokens x 160 KiB (FP8) at 50 GB/s + 50 µs.
    const a = MODELS["llama-3.1-70b"];
    const bytes = 8000 * 2 * a.layers * a.kvHeads * a.headDim * 1;
    expect(m.kv_transfer!.count).toBeGreaterThan(1000);
    expect(m.kv_transfer!.bytes).toBe(bytes * m.kv_transfer!.count);
    expect(m.kv_transfer!.time_s.mean!).toBeCloseTo(bytes / 50e9 + 50e-6, 5);
    // The gap between the first token (at the prefill replica) and the second spans the transfer.
    expect(m.latency.tbt_s.max!).toBeGreaterThan(m.kv_transfer!.time_s.mean!);
    // Prefill replicas hand every request on after its first token; the decode replicas produce the rest.
    expect(m.pools!.prefill.tokens_per_s).toBeGreaterThan(20 * m.pools!.decode.tokens_per_s);
    expect(m.replicas_detail.filter((r) => r.pool === "prefill").every((r) => r.output_tokens_per_s < r.tokens_per_s / 1000)).toBe(true);
  });

  it("keeps prefill chunks out of decode steps: TPOT p90 lower than a colocated fleet of the same GPUs near saturation", () => {
    // About 3 requests/s of 8,000-token prompts: the colocated fleet runs at ~80 % prefill work.
    const colocated = fleet({ disaggregated: false, ratePerS: 3 }).report;
    const pd = fleet({ disaggregated: true, ratePerS: 3 }).report;
    expect(pd.requests.completed).toBeGreaterThan(0.95 * pd.requests.arrived);
    expect(colocated.latency.tpot_s.p90!).toBeGreaterThan(1.5 * pd.latency.tpot_s.p90!);
  });

  it("sends only prompts of at least min_prompt_tokens to the prefill pool", () => {
    const short = fleet({ disaggregated: true, ratePerS: 2, input: 1000, decider: { min_prompt_tokens: 2000 }, durationS: 200 }).report.by_model.m;
    expect(short.kv_transfer!.count).toBe(0);
    expect(short.pools!.prefill.completed).toBe(0);
    expect(short.pools!.decode.completed).toBeGreaterThan(100);
    const long = fleet({ disaggregated: true, ratePerS: 2, input: 3000, decider: { min_prompt_tokens: 2000 }, durationS: 200 }).report.by_model.m;
    expect(long.kv_transfer!.count).toBe(long.pools!.prefill.completed);
  });

  it("accounts for every request when replicas of either pool fail, transfers included", () => {
    const { report } = fleet({ disaggregated: true, ratePerS: 2, faults: [{ kind: "gpu_failures", mtbf: "20m", mttr: "2m" }], durationS: 900 });
    const r = report.requests;
    expect(r.failed).toBeGreaterThan(0);
    expect(r.completed + r.failed + r.timed_out + r.rejected + r.in_flight_at_end).toBe(r.arrived);
  });

  it("gives each pool its own tensor parallelism: two TP4 prefill replicas and one TP8 decode replica on 16 GPUs", () => {
    const { report, run } = simulate(
      loadScenarioText(PD_YAML.replace("decode: { replicas: { initial: 2 } }", "decode: { replicas: { initial: 1 }, tensor_parallel: 8 }"), "pd-tp8.yaml"),
      { debugChecks: true },
    );
    const m = report.by_model["llama-70b"];
    expect([m.pools!.prefill.gpus_per_replica, m.pools!.decode.gpus_per_replica]).toEqual([4, 8]);
    expect(m.requests.completed).toBe(m.requests.arrived);
    // Placed as asked: two replicas of 4 GPUs and one of 8, the 8 on one server.
    const decode = m.replicas_detail.find((r) => r.pool === "decode")!;
    const slots = run.fleet.replicas.slots.filter((s) => s.model === 0);
    expect(slots.map((s) => s.placement.gpus).sort()).toEqual([4, 4, 8]);
    expect(decode.completed).toBeGreaterThan(1000);
  });

  it("gives each pool its own precision, the KV element type shared, and refuses a pool its GPUs cannot hold", () => {
    const yaml = PD_YAML.replace("decode: { replicas: { initial: 2 } }", "decode: { replicas: { initial: 1 }, tensor_parallel: 8, precision: bf16 }");
    const { report } = simulate(loadScenarioText(yaml, "pd-bf16.yaml"), { debugChecks: true });
    const m = report.by_model["llama-70b"];
    expect([m.pools!.prefill.precision, m.pools!.decode.precision]).toEqual(["fp8", "bf16"]);
    // The FP8 prefill pool's KV cache (FP8, the model's) moves as it is: 160 KiB a token.
    const a = MODELS["llama-3.1-70b"];
    expect(m.kv_transfer!.bytes / m.kv_transfer!.count).toBe(8000 * 2 * a.layers * a.kvHeads * a.headDim);
    expect(m.requests.completed).toBe(m.requests.arrived);
    const tooSmall = PD_YAML.replace("decode: { replicas: { initial: 2 } }", "decode: { replicas: { initial: 2 }, tensor_parallel: 1, precision: bf16 }");
    expect(() => loadScenarioText(tooSmall, "pd-small.yaml")).toThrow(/disaggregation\.decode\.tensor_parallel: decode pool: llama-3\.1-70b in bf16 does not fit/);
  });

  it("puts each pool on its own GPU type: prefill on H200 servers, decode on H100 servers, the KV cache crossing between them", () => {
    const yaml = PD_YAML.replace("prefill: { replicas: { initial: 2 } }", "prefill: { replicas: { initial: 2 }, gpu: h200-sxm }");
    const { report, run } = simulate(loadScenarioText(yaml, "pd-h200.yaml"), { debugChecks: true });
    const m = report.by_model["llama-70b"];
    expect(m.pools!.prefill.gpu).toBe("h200-sxm");
    const servers = run.fleet.replicas.slots.filter((s) => s.model === 0).map((s) => run.topology.servers[s.placement.server].type.gpu);
    expect(servers).toEqual(["h200-sxm", "h200-sxm", "h100-sxm", "h100-sxm"]);
    expect(m.kv_transfer!.count).toBeGreaterThan(1000);
    expect(m.requests.completed).toBe(m.requests.arrived);
    // A pool GPU no server has is refused at the pool's field.
    const regions = "regions:\n  - name: r\n    geo: g\n    azs: [{ name: r-a, servers: { type: p5.48xlarge, count: 4 } }]\n";
    expect(() => loadScenarioText(yaml.replace("models:", `${regions}models:`), "pd-no-h200.yaml")).toThrow(/disaggregation\.prefill\.gpu: no server in r has h200-sxm GPUs/);
  });

  it("says in summary.md and report.html what the pools, the draft and the offload tiers did", () => {
    const out = mkdtempSync(join(tmpdir(), "fleetsim-pd-"));
    const { code } = runCli(["run", "scenarios/pd-vs-colocated.yaml", "--out", out, "--quiet"]);
    expect(code).toBe(0);
    for (const file of ["summary.md", "report.html"]) {
      const text = readFileSync(join(out, file), "utf8");
      expect(text, file).toMatch(/Disaggregated: 2 prefill replicas \(4 x h100-sxm fp8; busy [\d.]+ %, batch [\d.]+\) hand KV caches to 2 decode replicas/);
      expect(text, file).toMatch(/Speculative decoding: llama-3\.1-8b proposes 4 tokens a step at acceptance 0\.8 \(E = 3\.36/);
      expect(text, file).toMatch(/KV offload: prefix units found in GPU memory [\d,]+ times, read back from host memory/);
    }
  });

  it("refuses what pools do not support yet, with the field", () => {
    const yaml = (extra: string) => `
version: 1
name: bad
duration: 60
models:
  - name: m
    model: llama-3.1-70b
    gpu: h100-sxm
    precision: fp8
    tensor_parallel: 4
    disaggregation: { prefill: { replicas: { initial: 1 } }, decode: { replicas: { initial: 1 } }, kv_transfer: { bandwidth_gb_per_s: 50 } }
${extra}
workload:
  tenants: [{ name: t, model: m, arrival: { kind: poisson, rate_per_s: 1 } }]
`;
    expect(() => loadScenarioText(yaml("    router: { kind: central_queue }"), "bad.yaml")).toThrow(/router\.kind: each pool routes itself/);
    expect(() => loadScenarioText(yaml("    replicas: { initial: 2, max: 4 }"), "bad.yaml")).toThrow(/replicas are its pools'/);
    expect(() => loadScenarioText(yaml("    pipeline_parallel: 2"), "bad.yaml")).toThrow(/one pipeline stage/);
    expect(() => loadScenarioText(yaml(""), "bad.yaml")).not.toThrow();
    // A pool may name its own router; a central queue is refused there too.
    const pooled = (router: string) => yaml("").replace("decode: { replicas: { initial: 1 } }", `decode: { replicas: { initial: 1 }, router: { kind: ${router} } }`);
    expect(() => loadScenarioText(pooled("round_robin"), "bad.yaml")).not.toThrow();
    expect(() => loadScenarioText(pooled("central_queue"), "bad.yaml")).toThrow(/disaggregation\.decode\.router\.kind: each pool routes itself/);
  });
});
