/**
 * TensorRT-LLM's own maximum-throughput measurements (0.14 and 1.0: in-flight batching, requests of
 * one ISL/OSL fed as fast as the engine takes them) as calibration points, each predicted the way
 * `fleetsim estimate --max-throughput` predicts it, by simulating the replica. Every version is its own
 * serving stack (trtllm-0.14, trtllm-1.0): half of each table's configurations fit that stack's
 * overheads, the other half are checks no factor is fitted to.
 */
import { join } from "node:path";
import { GPUS } from "./catalog/gpus.js";
import type { Precision } from "./catalog/precisions.js";
import { estimate, EstimateError } from "./estimate.js";
import type { CalibrationPoint, SkippedRows } from "./inference/latency/calibration.js";
import { skippedRows } from "./inference/latency/calibration-points.js";
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
  { file: "trtllm_v0.14_perf_overview.csv", stack: "trtllm-0.14", source: "TensorRT-LLM 0.14, max throughput" },
  { file: "trtllm_v1.0_perf_overview.csv", stack: "trtllm-1.0", source: "TensorRT-LLM 1.0, max throughput" },
] as const;

/** The suffix of a source's held-out half. */
const HELD_OUT = " (held out)";

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

const CHECK = "a maximum-throughput run of a configuration (GPU, model, precision, TP) whose runs fit no factor: a check";
/** Simulating a replica per point is too slow to move the hardware factors: these points fit their stack's overheads only. */
const STACK_ONLY = "a maximum-throughput run, predicted by simulating the replica: fits its version's stack overheads, with the hardware factors held";

/**
 * Which configurations fit and which are held out: sorted by GPU, model, precision and TP, every
 * second one is held out, so a check is a configuration none of whose runs the fit saw.
 */
function heldOutConfigurations(keys: readonly string[]): Set<string> {
  const sorted = [...new Set(keys)].sort();
  return new Set(sorted.filter((_, i) => i % 2 === 1));
}

export function loadMaxThroughputPoints(dir: string): { points: CalibrationPoint[]; skipped: SkippedRows[] } {
  const points: CalibrationPoint[] = [];
  const { skip, list } = skippedRows();
  for (const { file, stack, source } of MAX_THROUGHPUT_FILES) {
    const records = readRecords(join(dir, file));
    const configuration = (row: Record<string, unknown>) => [row.gpu, row.model, row.precision, row.tensor_parallel, row.pipeline_parallel].join("/");
    const heldOut = heldOutConfigurations(records.rows.filter((row) => GPU_NAMES[String(row.gpu)] && MODEL_NAMES[String(row.model)]).map(configuration));
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
      const check = heldOut.has(configuration(row));
      points.push({
        source: check ? source + HELD_OUT : source,
        metric: "output tok/s of the replica",
        label: `${modelId} ${gpuId} ${precision} TP${tp} ${isl}/${osl}`,
        family: GPUS[gpuId].family,
        stack,
        pcie: tp > 1 && GPUS[gpuId].interconnect === "pcie",
        measured: Number(row.output_throughput_tokens_per_s_total),
        ...(check ? { checkOnly: CHECK } : { stackOnly: STACK_ONLY }),
        predict: (calibration) => {
          try {
            const requests = BENCHMARK_REQUESTS[`${isl}/${osl}`];
            return estimate({ gpu: gpuId, model: modelId, precision, tp, pp, isl, osl, mode: { kind: "max_throughput" }, stack, requests, calibration }).output_tokens_per_s;
          } catch (error) {
            // A configuration the model says does not fit predicts no throughput at all.
            if (error instanceof EstimateError) return 0;
            throw error;
          }
        },
      });
    }
  }
  return { points, skipped: list() };
}
