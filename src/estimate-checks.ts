/**
 * TensorRT-LLM's own maximum-throughput measurements (0.14 and 1.0: in-flight batching, requests of
 * one ISL/OSL fed as fast as the engine takes them) as calibration points. Each is predicted the way
 * `fleetsim estimate --max-throughput` predicts it, by simulating the replica, so with the efficiency
 * factors in force rather than a calibration passed in: they are checks on the fit, never fitted.
 */
import { join } from "node:path";
import { GPUS } from "./catalog/gpus.js";
import type { Precision } from "./catalog/precisions.js";
import { estimate, EstimateError } from "./estimate.js";
import type { CalibrationPoint, SkippedRows } from "./inference/latency/calibration.js";
import { readRecords } from "./workload/datafiles.js";

const GPU_NAMES: Record<string, string> = {
  "H200 141GB HBM3": "h200-sxm",
  "H100 80GB HBM3": "h100-sxm",
  "A100-SXM4-80GB": "a100-sxm-80gb",
  "A100-PCIE-80GB": "a100-pcie-80gb",
  L40S: "l40s",
  H200: "h200-sxm",
  H100: "h100-sxm",
};

/** Llama 3 70B and 3.1 70B share their layer shapes (only the context differs). */
const MODEL_NAMES: Record<string, string> = {
  "LLaMA v3 70B": "llama-3.1-70b",
  "LLaMA v3.1 70B": "llama-3.1-70b",
  "LLaMA v3.1 405B": "llama-3.1-405b",
  "LLaMA v3.1 8B": "llama-3.1-8b",
  "Mistral 7B": "mistral-7b",
  "Mixtral 8x7B": "mixtral-8x7b",
  "Llama 3.3 70B": "llama-3.3-70b",
  "Llama 3.1 405B": "llama-3.1-405b",
  "Llama 3.1 8B": "llama-3.1-8b",
};

export const MAX_THROUGHPUT_FILES = [
  { file: "trtllm_v0.14_perf_overview.csv", source: "TensorRT-LLM 0.14, max throughput" },
  { file: "trtllm_v1.0_perf_overview.csv", source: "TensorRT-LLM 1.0, max throughput" },
] as const;

/**
 * Requests per run, by ISL/OSL, as both pages list them ("$num_requests"): fewer for long sequences.
 * Throughput is output tokens over the time until the last request ends, so a run that is not a whole
 * number of full batches ends on a partly empty one, and its throughput shows it.
 */
const BENCHMARK_REQUESTS: Record<string, number> = {
  "128/128": 30000,
  "128/2048": 3000,
  "128/4096": 1500,
  "2048/128": 3000,
  "2048/2048": 1500,
  "5000/500": 1500,
  "1000/1000": 3000,
  "500/2000": 3000,
  "20000/2000": 1000,
  "1000/2000": 1500,
};

const CHECK = "a maximum-throughput run, predicted by simulating the replica with the factors in force: a check, never fitted";

export function loadMaxThroughputPoints(dir: string): { points: CalibrationPoint[]; skipped: SkippedRows[] } {
  const points: CalibrationPoint[] = [];
  const skipped = new Map<string, SkippedRows>();
  const skip = (source: string, reason: string) => {
    const entry = skipped.get(`${source}\u0000${reason}`) ?? { source, reason, rows: 0 };
    entry.rows++;
    skipped.set(`${source}\u0000${reason}`, entry);
  };
  for (const { file, source } of MAX_THROUGHPUT_FILES) {
    const records = readRecords(join(dir, file));
    for (const row of records.rows) {
      const gpuId = GPU_NAMES[String(row.gpu)];
      const modelId = MODEL_NAMES[String(row.model)];
      if (!gpuId) {
        skip(source, `GPU ${row.gpu} is not in the catalog`);
        continue;
      }
      if (!modelId) {
        skip(source, `model ${row.model} is not in the catalog`);
        continue;
      }
      const precision = String(row.precision).toLowerCase() as Precision;
      const tp = Number(row.tensor_parallel);
      const pp = Number(row.pipeline_parallel);
      const isl = Number(row.isl_tokens);
      const osl = Number(row.osl_tokens);
      points.push({
        source,
        metric: "output tok/s of the replica",
        label: `${modelId} ${gpuId} ${precision} TP${tp} ${isl}/${osl}`,
        family: GPUS[gpuId].family,
        stack: "trtllm",
        pcie: tp > 1 && GPUS[gpuId].interconnect === "pcie",
        measured: Number(row.output_throughput_tokens_per_s_total),
        checkOnly: CHECK,
        predict: () => {
          try {
            return estimate({ gpu: gpuId, model: modelId, precision, tp, pp, isl, osl, mode: { kind: "max_throughput" }, requests: BENCHMARK_REQUESTS[`${isl}/${osl}`] }).output_tokens_per_s;
          } catch (error) {
            // A configuration the model says does not fit predicts no throughput at all.
            if (error instanceof EstimateError) return 0;
            throw error;
          }
        },
      });
    }
  }
  return { points, skipped: [...skipped.values()] };
}
