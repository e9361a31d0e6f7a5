/** fleetsim estimate: one point as JSON, many as CSV, and clear refusals. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";
import { estimate } from "../../src/estimate.js";
import { readRecords } from "../../src/workload/datafiles.js";
import { significant } from "../../src/report/round.js";

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
    expect(Number(offline.detail.max_num_seqs)).toBeLessThanOrEqual(offline.kv_cache_tokens / 1024);
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
    expect(lines[0]).toBe(
      "gpu,model,precision,tp,isl,osl,batch,concurrency,max_throughput,ttft_ms,tbt_ms,e2e_ms,output_tokens_per_s,ttft_p99_ms,e2e_p99_ms,kv_cache_tokens,error",
    );
    expect(lines.slice(1).map((l) => l.split(",").slice(0, 2).join(","))).toEqual(["h100-sxm,llama-3.1-8b", "a100-sxm-80gb,llama-2-70b", "h200-sxm,mistral-7b"]);
    for (const line of lines.slice(1)) {
      const cells = line.split(",");
      expect(cells.at(-1)).toBe(""); // no error
      for (const v of cells.slice(-8, -1)) expect(Number(v)).toBeGreaterThan(0);
    }
  });

  it("gives a row that cannot run its reason in an error column and estimates the others, one output row per input row, in order", () => {
    const input = join(dir, "bad.csv");
    writeFileSync(
      input,
      "gpu,model,precision,tp,isl,osl,batch\n" +
        "h100-sxm,llama-3.1-8b,bf16,1,128,256,8\n" +
        "h100-sxm,llama-3.1-8b,bf16,1,abc,256,8\n" +
        "h100-sxm,llama-3.1-70b,bf16,1,128,128,1\n" +
        "h100-sxx,llama-3.1-8b,bf16,1,128,256,8\n" +
        "h100-sxm,llama-3.1-8b,bf16,1,128,128,4\n",
    );
    const out = join(dir, "bad-out.csv");
    const { code, stderr } = runCli(["estimate", "--points", input, "--out", out]);
    expect(code).toBe(0);
    expect(stderr).toMatch(/3 of 5 points not estimated/);
    expect(stderr).toMatch(/bad\.csv line 3: column isl: expected an integer, got "abc"/);
    const rows = readRecords(out).rows;
    expect(rows.map((r) => r.isl)).toEqual(["128", "abc", "128", "128", "128"]);
    expect(rows[0].error).toBe("");
    expect(rows[1].error).toBe('column isl: expected an integer, got "abc"');
    expect(rows[2].error).toMatch(/^tp: llama-3\.1-70b in bf16 does not fit/);
    expect(rows[3].error).toMatch(/^gpu: unknown GPU 'h100-sxx'; did you mean 'h100-sxm'\?/);
    expect(rows[4].error).toBe("");
    for (const i of [1, 2, 3]) expect(rows[i].ttft_ms).toBe("");
    for (const i of [0, 4]) expect(Number(rows[i].kv_cache_tokens)).toBeGreaterThan(0);
  });

  it("quotes fields holding commas and quotes, so every output row parses back to the header's columns", () => {
    const input = join(dir, "quoted.csv");
    writeFileSync(input, 'gpu,model,precision,tp,isl,osl,batch,note\nh100-sxm,llama-3.1-8b,bf16,1,128,256,8,"chat, short"\nh100-sxm,llama-3.1-8b,bf16,1,128,256,,"say ""hi"""\n');
    const out = join(dir, "quoted-out.csv");
    expect(runCli(["estimate", "--points", input, "--out", out]).code).toBe(0);
    const text = readFileSync(out, "utf8");
    const rows = readRecords(out).rows; // csv-parse refuses a row with more or fewer fields than the header
    expect(text.trim().split("\n")).toHaveLength(3);
    expect(rows.map((r) => r.note)).toEqual(["chat, short", 'say "hi"']);
    expect(Number(rows[0].ttft_ms)).toBeGreaterThan(0);
    // The second row's reason holds commas itself.
    expect(rows[1].error).toBe("give exactly one of batch N, concurrency N or max_throughput");
  });

  it("takes pipeline stages with --pp (a replica of tp x pp GPUs) and refuses what cannot be", () => {
    const { code, stdout } = runCli(["estimate", ...POINT, "--pp", "2", "--batch", "16"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ tp: 4, pp: 2, gpus: 8 });
    const zero = runCli(["estimate", ...POINT, "--pp", "0", "--batch", "16"]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/pp: expected an integer >= 1, got 0/);
    const deep = runCli(["estimate", ...POINT, "--pp", "81", "--batch", "16"]);
    expect(deep.code).toBe(2);
    expect(deep.stderr).toMatch(/pp: llama-3\.1-70b has only 80 layers/);
    const input = join(dir, "pp.csv");
    writeFileSync(input, "gpu,model,precision,tp,pp,isl,osl,batch\nh100-sxm,llama-3.1-70b,fp8,4,2,128,128,16\nh100-sxm,llama-3.1-70b,fp8,4,,128,128,16\n");
    const out = join(dir, "pp-out.csv");
    expect(runCli(["estimate", "--points", input, "--out", out]).code).toBe(0);
    const [two, one] = readRecords(out).rows;
    expect([two.pp, two.error, one.pp, one.error]).toEqual(["2", "", "", ""]);
    // Twice the GPUs for the same weights: more room for KV cache.
    expect(Number(two.kv_cache_tokens)).toBeGreaterThan(Number(one.kv_cache_tokens));
  });

  it("reports p99 TTFT and E2E and KV tokens, with no float noise in the JSON", () => {
    const { code, stdout } = runCli(["estimate", "--gpu", "h100-sxm", "--model", "llama-3.1-8b", "--isl", "128", "--osl", "128", "--concurrency", "8"]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    for (const key of ["ttft_p99_ms", "e2e_p99_ms", "kv_cache_tokens"]) expect(out[key]).toBeGreaterThan(0);
    expect(out.e2e_p99_ms).toBeGreaterThanOrEqual(out.ttft_p99_ms);
    for (const [key, value] of Object.entries(out)) if (typeof value === "number") expect(Number(value.toPrecision(10)), key).toBe(value);
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

  it("names the engine version with --stack or a stack column, the newest TensorRT-LLM by default", () => {
    const point = (stack?: string) => {
      const { code, stdout, stderr } = runCli(["estimate", ...POINT, "--batch", "64", ...(stack ? ["--stack", stack] : [])]);
      expect(stderr).toBe("");
      expect(code).toBe(0);
      return JSON.parse(stdout) as { stack: string; output_tokens_per_s: number };
    };
    const newest = point();
    expect(newest.stack).toBe("trtllm-1.0");
    expect(point("trtllm").stack).toBe("trtllm-1.0");
    const older = point("trtllm-0.14");
    expect(older.stack).toBe("trtllm-0.14");
    // Each version has its own fitted overheads, so the same point comes out differently.
    expect(older.output_tokens_per_s).not.toBe(newest.output_tokens_per_s);
    const bad = runCli(["estimate", ...POINT, "--batch", "64", "--stack", "trtllm-2.0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/trtllm-1\.0/);

    const input = join(dir, "stacks.csv");
    writeFileSync(input, "gpu,model,precision,tp,isl,osl,batch,stack\n" + ["", "trtllm-1.0", "trtllm-0.14", "vllm-2023", "tensorrt"].map((s) => `h100-sxm,llama-3.1-70b,fp8,4,128,2048,64,${s}`).join("\n") + "\n");
    const out = join(dir, "stacks-out.csv");
    expect(runCli(["estimate", "--points", input, "--out", out, "--stack", "trtllm-0.14"]).code).toBe(0);
    const rows = readRecords(out).rows;
    // A blank cell takes --stack; a named one overrides it; an unknown one is that row's error.
    expect(rows[0].output_tokens_per_s).toBe(rows[2].output_tokens_per_s);
    expect(rows[1].output_tokens_per_s).toBe(String(significant(newest.output_tokens_per_s)));
    expect(new Set(rows.slice(0, 4).map((r) => r.output_tokens_per_s)).size).toBe(3);
    expect(rows[4].error).toMatch(/column stack: unknown stack "tensorrt"\. Known: trtllm-1\.0, trtllm-0\.14, trtllm-0\.9, vllm-2023, trtllm/);
  });

  it("estimates speculative decoding with --draft-model, --draft-tokens and --acceptance-rate, and reports tokens per step", () => {
    const spec = ["--draft-model", "llama-3.1-8b", "--draft-tokens", "4", "--acceptance-rate", "0.8"];
    const point = ["--gpu", "h100-sxm", "--model", "llama-3.1-70b", "--precision", "fp8", "--tp", "4", "--isl", "1000", "--osl", "400", "--concurrency", "4"];
    const { code, stdout, stderr } = runCli(["estimate", ...point, ...spec]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out.expected_tokens_per_step).toBeCloseTo(3.3616, 4);
    expect(Math.abs(out.tokens_per_step - 3.3616)).toBeLessThan(0.15);
    // A gap between tokens is a whole step; per token it is about a third of that.
    expect(out.tpot_ms).toBeLessThan(out.tbt_ms / 2);
    const plain = JSON.parse(runCli(["estimate", ...point]).stdout);
    expect(plain.tokens_per_step).toBeUndefined();
    expect(out.e2e_ms).toBeLessThan(plain.e2e_ms);
    const batch = runCli(["estimate", ...point.slice(0, -2), "--batch", "4", ...spec]);
    expect(batch.code).toBe(2);
    expect(batch.stderr).toMatch(/--batch is a closed form without a draft model/);
    const partial = runCli(["estimate", ...point, "--draft-model", "llama-3.1-8b"]);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/needs --draft-model, --draft-tokens and --acceptance-rate together/);
  });
});
