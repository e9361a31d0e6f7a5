/**
 * Model architectures. Unless a row says otherwise, values come from ../shared/data/calibration/models.csv,
 * which copies each model's Hugging Face config.json (its `source` column names the stored copy).
 * GPT-J 6B, Falcon 180B and BLOOM 176B are here because the published measurements we calibrate
 * against include them.
 */

export interface ModelSpec {
  id: string;
  layers: number;
  hidden: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** MLP inner size (per expert for MoE) */
  ffn: number;
  /** SwiGLU-style MLP with gate, up and down projections (3 matrices) rather than 2 */
  gatedMlp: boolean;
  vocab: number;
  maxContext: number;
  experts: number;
  expertsPerToken: number;
  /** the output projection shares the embedding matrix */
  tiedEmbeddings: boolean;
  source: string;
}

const MODELS_CSV = "../shared/data/calibration/models.csv";

function llamaLike(id: string, layers: number, hidden: number, heads: number, kvHeads: number, ffn: number, vocab: number, maxContext: number, source: string, moe = { experts: 1, perToken: 1 }): ModelSpec {
  return { id, layers, hidden, heads, kvHeads, headDim: 128, ffn, gatedMlp: true, vocab, maxContext, experts: moe.experts, expertsPerToken: moe.perToken, tiedEmbeddings: false, source };
}

export const MODELS: Record<string, ModelSpec> = {
  "llama-2-7b": llamaLike("llama-2-7b", 32, 4096, 32, 32, 11008, 32000, 4096, `${MODELS_CSV} (meta-llama/Llama-2-7b-hf config.json)`),
  "llama-2-70b": llamaLike("llama-2-70b", 80, 8192, 64, 8, 28672, 32000, 4096, `${MODELS_CSV} (meta-llama/Llama-2-70b-hf; TensorRT-LLM 0.9 perf-overview ckpt_config)`),
  "llama-3.1-8b": llamaLike("llama-3.1-8b", 32, 4096, 32, 8, 14336, 128256, 131072, `${MODELS_CSV} (meta-llama/Llama-3.1-8B-Instruct config.json)`),
  "llama-3.1-70b": llamaLike("llama-3.1-70b", 80, 8192, 64, 8, 28672, 128256, 131072, `${MODELS_CSV} (meta-llama/Llama-3.1-70B-Instruct config.json)`),
  "llama-3.3-70b": llamaLike("llama-3.3-70b", 80, 8192, 64, 8, 28672, 128256, 131072, `${MODELS_CSV}: "Llama-3.3-70B has the same architecture" as Llama-3.1-70B`),
  "llama-3.1-405b": llamaLike("llama-3.1-405b", 126, 16384, 128, 8, 53248, 128256, 131072, `${MODELS_CSV} ("The Llama 3 Herd of Models", arXiv:2407.21783, Table 3)`),
  "mistral-7b": llamaLike("mistral-7b", 32, 4096, 32, 8, 14336, 32000, 32768, `${MODELS_CSV} (mistralai/Mistral-7B-v0.1 params)`),
  "mixtral-8x7b": llamaLike("mixtral-8x7b", 32, 4096, 32, 8, 14336, 32000, 32768, `${MODELS_CSV} (mistralai/Mixtral-8x7B-v0.1 config.json: 8 experts, top-2)`, { experts: 8, perToken: 2 }),
  "qwen2.5-7b": llamaLike("qwen2.5-7b", 28, 3584, 28, 4, 18944, 152064, 32768, `${MODELS_CSV} (Qwen/Qwen2.5-7B-Instruct config.json)`),
  "qwen2.5-72b": llamaLike("qwen2.5-72b", 80, 8192, 64, 8, 29568, 152064, 32768, `${MODELS_CSV} (Qwen/Qwen2.5-72B-Instruct, mirrored configs)`),
  "gpt-j-6b": {
    id: "gpt-j-6b", layers: 28, hidden: 4096, heads: 16, kvHeads: 16, headDim: 256, ffn: 16384, gatedMlp: false, vocab: 50400, maxContext: 2048,
    experts: 1, expertsPerToken: 1, tiedEmbeddings: false,
    source: "TensorRT-LLM 0.9 docs/source/performance/perf-overview.md ckpt_config (28 layers, 16 heads, hidden 4096, vocab 50400); MLP inner size 4 x hidden (GPT-J's n_inner default)",
  },
  "falcon-180b": {
    id: "falcon-180b", layers: 80, hidden: 14848, heads: 232, kvHeads: 8, headDim: 64, ffn: 59392, gatedMlp: false, vocab: 65024, maxContext: 2048,
    experts: 1, expertsPerToken: 1, tiedEmbeddings: false,
    source: "TensorRT-LLM 0.9 docs/source/performance/perf-overview.md ckpt_config (80 layers, 232 heads, 8 KV heads, hidden 14848, vocab 65024); MLP inner size 4 x hidden (Falcon's new decoder architecture)",
  },
  "bloom-176b": {
    id: "bloom-176b", layers: 70, hidden: 14336, heads: 112, kvHeads: 112, headDim: 128, ffn: 57344, gatedMlp: false, vocab: 250880, maxContext: 2048,
    experts: 1, expertsPerToken: 1, tiedEmbeddings: true,
    source: "bigscience/bloom config.json (70 layers, n_head 112, hidden 14336, vocab 250880, tied embeddings; MLP 4 x hidden), as used by SplitwiseSim; not re-verified in a stored copy",
  },
};

/** Parameters of one transformer layer's linear projections, counting only `expertsCounted` experts. */
export function linearParamsPerLayer(m: ModelSpec, expertsCounted: number): { attention: number; mlp: number } {
  const q = m.heads * m.headDim;
  const kv = 2 * m.kvHeads * m.headDim;
  const attention = m.hidden * (q + kv) + q * m.hidden;
  const mlp = (m.gatedMlp ? 3 : 2) * m.hidden * m.ffn * expertsCounted + (m.experts > 1 ? m.hidden * m.experts : 0);
  return { attention, mlp };
}

/** Total parameters (all experts), including embeddings and the output projection. */
export function totalParams(m: ModelSpec): number {
  const { attention, mlp } = linearParamsPerLayer(m, m.experts);
  const norms = 2 * m.hidden;
  const embeddings = m.vocab * m.hidden * (m.tiedEmbeddings ? 1 : 2);
  return m.layers * (attention + mlp + norms) + embeddings + m.hidden;
}

/** Parameters a token actually uses (top-k experts for MoE). */
export function activeParams(m: ModelSpec): number {
  const { attention, mlp } = linearParamsPerLayer(m, m.expertsPerToken);
  return m.layers * (attention + mlp + 2 * m.hidden) + m.vocab * m.hidden * (m.tiedEmbeddings ? 1 : 2) + m.hidden;
}
