/** fleetsim estimate: one point as JSON, many as CSV, and clear refusals. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { estimate } from "../../src/estimate.js";

const dir = mkdtempSync(join(tmpdir(), "fleetsim-estimate-"));
const POINT = ["--gpu", "h100-sxm", "--model", "llama-3.1-70b", "--precision", "fp8", "--tp", "4", "--isl", "128", "--osl", "2048"];

describe("fleetsim estimate", () => {
  it("prints one point as JSON with TTFT, TBT, E2E and throughput", () => {
    const { code, stdout } = runCli(["estimate", ...POINT, "--batch", "64"]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ gpu: "h100-sxm", model: "llama-3.1-70b", tp: 4, mode: "batch", batch: 64 });
    // A static batch: E2E = TTFT + (osl - 1) x TBT, and throughput = batch x osl / E2E.
    expect(out.e2e_ms).toBeCloseTo(out.ttft_ms + 2047 * out.tbt_ms, 0);
    expect(out.output_tokens_per_s).toBeCloseTo((64 * 2048) / (out.e2e_ms / 1000), 0);
  });

  it("agrees between a closed loop of N users and a static batch of N at steady state (decode-dominated)", () => {
    const input = { gpu: "h100-sxm", model: "llama-3.1-8b", precision: "bf16" as const, tp: 1, isl: 128, osl: 1024 };
    const batch = estimate({ ...input, mode: { kind: "batch", size: 32 } });
    const users = estimate({ ...input, mode: { kind: "concurrency", users: 32 } });
    expect(Math.abs(users.output_tokens_per_s / batch.output_tokens_per_s - 1)).toBeLessThan(0.1);
    expect(Math.abs(users.tbt_ms / batch.tbt_ms - 1)).toBeLessThan(0.1);
  });

  it("reaches more throughput offline than any modest batch, limited by KV memory", () => {
    const input = { gpu: "h100-sxm", model: "llama-3.1-8b", precision: "bf16" as const, tp: 1, isl: 512, osl: 512 };
    const offline = estimate({ ...input, mode: { kind: "max_throughput" } });
    const batch64 = estimate({ ...input, mode: { kind: "batch", size: 64 } });
    expect(offline.output_tokens_per_s).toBeGreaterThan(batch64.output_tokens_per_s);
    expect(Number(offline.detail.max_num_seqs)).toBeLessThanOrEqual(Number(offline.detail.kv_cache_tokens) / 1024);
  });

  it("writes one output row per input row, in order, from --points", () => {
    const input = join(dir, "in.csv");
    writeFileSync(
      input,
      "gpu,model,precision,tp,isl,osl,batch,concurrency,max_throughput\n" +
        "h100-sxm,llama-3.1-8b,bf16,1,128,256,8,,\n" +
        "a100-sxm-80gb,llama-2-70b,fp16,4,2048,128,16,,\n" +
        "h200-sxm,mistral-7b,fp8,1,512,512,,,1\n",
    );
    const out = join(dir, "out.csv");
    const { code, stderr } = runCli(["estimate", "--points", input, "--out", out]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines[0]).toBe("gpu,model,precision,tp,isl,osl,batch,concurrency,max_throughput,ttft_ms,tbt_ms,e2e_ms,output_tokens_per_s");
    expect(lines.slice(1).map((l) => l.split(",").slice(0, 2).join(","))).toEqual(["h100-sxm,llama-3.1-8b", "a100-sxm-80gb,llama-2-70b", "h200-sxm,mistral-7b"]);
    for (const line of lines.slice(1)) for (const v of line.split(",").slice(-4)) expect(Number(v)).toBeGreaterThan(0);
  });

  it("names the bad row of a --points file", () => {
    const input = join(dir, "bad.csv");
    writeFileSync(input, "gpu,model,precision,tp,isl,osl,batch\nh100-sxm,llama-3.1-8b,bf16,1,128,256,8\nh100-sxm,llama-3.1-8b,bf16,1,abc,256,8\n");
    const { code, stderr } = runCli(["estimate", "--points", input]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/bad\.csv line 3: column isl: expected an integer, got "abc"/);
  });

  it("lists the known GPUs and models for an unknown id", () => {
    const gpu = runCli(["estimate", ...POINT.map((a) => (a === "h100-sxm" ? "h100-sxn" : a)), "--batch", "1"]);
    expect(gpu.code).toBe(2);
    expect(gpu.stderr).toMatch(/gpu: unknown GPU 'h100-sxn'; did you mean 'h100-sxm'\? Known: a100-sxm-80gb, a100-sxm-40gb, a100-pcie-80gb, h100-sxm, h100-pcie, h200-sxm, l40s, b200, a10g\./);
    const model = runCli(["estimate", ...POINT.map((a) => (a === "llama-3.1-70b" ? "llama-4" : a)), "--batch", "1"]);
    expect(model.stderr).toMatch(/model: unknown model 'llama-4'.*Known: llama-2-7b, llama-2-70b, llama-3.1-8b/);
  });

  it("says how much memory a model needs and has when it does not fit", () => {
    const { code, stderr } = runCli(["estimate", "--gpu", "h100-sxm", "--model", "llama-3.1-70b", "--precision", "bf16", "--tp", "1", "--isl", "128", "--osl", "128", "--batch", "1"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/llama-3\.1-70b in bf16 does not fit: each of the 1 GPU\(s\) has 85\.5 GB and needs 141\.1 GB of weights .* runtime buffers, leaving no room for a KV block/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
