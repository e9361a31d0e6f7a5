/**
 * Where speculative decoding stops paying: per output token, a decode step of b sequences costs
 * target(b) without a draft, and (target verifying k + 1 tokens each + k draft passes) / E with one,
 * E = (1 - a^(k+1)) / (1 - a). Priced by the latency model at ~1,000 tokens of context per sequence.
 *   node --import tsx bench/speculative.ts
 * Prints, per acceptance rate, the smallest batch at which speculation makes decoding slower.
 */
import { deployModel } from "../src/inference/deployment.js";
import { emptyShape } from "../src/inference/latency/shape.js";
import { expectedTokensPerStep, Speculation } from "../src/inference/speculation.js";
import { ModelSchema } from "../src/scenario/schema.js";
import { DataFiles } from "../src/workload/datafiles.js";

const CONTEXT = 1000;
const K = 4;
const configurations = [
  { label: "Llama-3.1-70B FP8 on 4 x H100, draft Llama-3.1-8B", target: "llama-3.1-70b", draft: "llama-3.1-8b", gpu: "h100-sxm", precision: "fp8", tp: 4 },
  { label: "Llama-3.1-405B FP8 on 8 x H100, draft Llama-3.1-8B", target: "llama-3.1-405b", draft: "llama-3.1-8b", gpu: "h100-sxm", precision: "fp8", tp: 8 },
];

console.log(`k = ${K}, ${CONTEXT} tokens of context per sequence; time per output token with and without a draft`);
for (const c of configurations) {
  for (const a of [0.6, 0.7, 0.8, 0.9]) {
    const spec = ModelSchema.parse({
      name: "m",
      model: c.target,
      gpu: c.gpu,
      precision: c.precision,
      tensor_parallel: c.tp,
      engine: { kind: "continuous_batching", max_num_seqs: 1024, max_batched_tokens: 16384, speculative: { draft_model: c.draft, draft_tokens: K, acceptance_rate: a } },
    });
    const deployed = deployModel(spec, new DataFiles(".")).deployed!;
    const speculation = new Speculation(deployed.draft!, () => 0.5, () => a);
    const e = expectedTokensPerStep(K, a);
    const perToken = (b: number) => {
      const plain = { ...emptyShape(), decodeSeqs: b, decodeKvTokens: b * CONTEXT };
      const verify = { ...plain, decodeWidth: K + 1 };
      return { plain: deployed.latency.iterationUs(plain), speculative: (deployed.latency.iterationUs(verify) + speculation.draftUs(verify)) / e };
    };
    let crossover = 0;
    for (let b = 1; b <= 1024; b++) {
      const t = perToken(b);
      if (t.speculative > t.plain) {
        crossover = b;
        break;
      }
    }
    const one = perToken(1);
    console.log(
      `${c.label}, a = ${a} (E = ${e.toFixed(2)}): batch 1 ${(one.plain / 1e3).toFixed(2)} -> ${(one.speculative / 1e3).toFixed(2)} ms per token; ` +
        (crossover > 0 ? `slower from batch ${crossover} on` : "faster at every batch up to 1,024"),
    );
  }
}
