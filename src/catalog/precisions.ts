/**
 * Numeric formats: bytes per weight and per KV-cache element, and which tensor-core peak applies.
 * Weight-only formats (int4, and fp8 on GPUs without FP8 units) dequantise to 16-bit for the math.
 */
export type Precision = "fp16" | "bf16" | "fp8" | "int8" | "int4";

export interface PrecisionSpec {
  weightBytes: number;
  /** compute type whose peak applies, if the GPU has it; otherwise bf16 */
  compute: "bf16" | "fp8" | "int8";
  /** KV-cache bytes per element when the scenario does not set one */
  defaultKvBytes: number;
}

export const PRECISIONS: Record<Precision, PrecisionSpec> = {
  fp16: { weightBytes: 2, compute: "bf16", defaultKvBytes: 2 },
  bf16: { weightBytes: 2, compute: "bf16", defaultKvBytes: 2 },
  // TensorRT-LLM's FP8 recipe quantises the KV cache to FP8 too (kv_cache_quant_algo: FP8 in its 0.9 perf configs).
  fp8: { weightBytes: 1, compute: "fp8", defaultKvBytes: 1 },
  int8: { weightBytes: 1, compute: "int8", defaultKvBytes: 2 },
  int4: { weightBytes: 0.5, compute: "bf16", defaultKvBytes: 2 },
};

export const KV_BYTES: Record<"fp16" | "bf16" | "fp8", number> = { fp16: 2, bf16: 2, fp8: 1 };
