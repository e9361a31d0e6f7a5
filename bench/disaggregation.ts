/**
 * Disaggregated against colocated serving at an equal GPU count: four Llama-3.1-70B FP8 replicas on
 * 4 H100s each, 8,000-token prompts and 256-token answers, at rising load. For each layout, goodput:
 * requests per second answered within a TTFT of 2 s and a TPOT of 25 ms (report.json's availability.
 * `goodput_per_s` under those `slo` targets), and the TPOT p90.
 *   node --import tsx bench/disaggregation.ts
 * Splitwise and DistServe found the same direction on real clusters: prompt and token phases on
 * separate machines remove the interference of long prompts with decoding (lower, steadier TPOT), and
 * the best prefill:decode split leans to prefill when prompts are long and answers short.
 */
import { simulate } from "../src/index.js";

const layouts: { label: string; pools?: [number, number] }[] = [
  { label: "colocated x4" },
  { label: "P:D 1:3", pools: [1, 3] },
  { label: "P:D 2:2", pools: [2, 2] },
  { label: "P:D 3:1", pools: [3, 1] },
];

console.log("rate/s | " + layouts.map((l) => `${l.label}: goodput/s, TPOT p90 ms`).join(" | "));
for (const rate of [1, 2, 3, 4, 5, 6]) {
  const cells = layouts.map(({ pools }) => {
    const { report } = simulate({
      version: 1,
      name: "pd-study",
      seed: 11,
      duration: 900,
      warmup: 120,
      models: [
        {
          name: "m",
          model: "llama-3.1-70b",
          gpu: "h100-sxm",
          precision: "fp8",
          tensor_parallel: 4,
          engine: { kind: "continuous_batching", max_num_seqs: 128, max_batched_tokens: 8192 },
          router: { kind: "least_outstanding_tokens" },
          ...(pools
            ? { disaggregation: { prefill: { replicas: { initial: pools[0] } }, decode: { replicas: { initial: pools[1] } }, kv_transfer: { bandwidth_gb_per_s: 50, latency: "50us" } } }
            : { replicas: { initial: 4 } }),
        },
      ],
      workload: {
        tenants: [
          { name: "long", model: "m", arrival: { kind: "poisson", rate_per_s: rate }, timeout: "10m", input_tokens: { dist: "fixed", value: 8000 }, output_tokens: { dist: "fixed", value: 256 } },
        ],
      },
      slo: { ttft: 2, tpot: 0.025 },
    });
    return `${report.availability.goodput_per_s.toFixed(2)}, ${((report.latency.tpot_s.p90 ?? NaN) * 1e3).toFixed(1)}`;
  });
  console.log(`${rate} | ${cells.join(" | ")}`);
}
