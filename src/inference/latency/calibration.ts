/**
 * The latency model against published measurements (calibration-points.ts): predicts every point
 * with a given set of efficiency factors, summarises the errors, and fits the factors (a handful per
 * GPU family and per serving stack) by coordinate descent on log error.
 */
import { median } from "simple-statistics";
import type { GpuFamily } from "../../catalog/gpus.js";
import type { HardwareEfficiency, PcieAllReduce, Stack, StackOverheads } from "./efficiency.js";
import type { Calibration, CalibrationPoint } from "./calibration-points.js";

export { CURRENT_CALIBRATION, loadCalibrationPoints, type Calibration, type CalibrationPoint, type SkippedRows } from "./calibration-points.js";

export interface Evaluated {
  point: CalibrationPoint;
  predicted: number;
  /** absolute percentage error */
  ape: number;
}

export function evaluate(points: readonly CalibrationPoint[], calibration: Calibration): Evaluated[] {
  return points.map((point) => {
    const predicted = point.predict(calibration);
    return { point, predicted, ape: (100 * Math.abs(predicted - point.measured)) / point.measured };
  });
}

export interface ErrorSummary {
  source: string;
  metric: string;
  points: number;
  meanApe: number;
  medianApe: number;
  worst: Evaluated[];
}


/** Errors per (source, metric), and per source with metric "all". */
export function summarize(rows: readonly Evaluated[]): ErrorSummary[] {
  const groups = new Map<string, Evaluated[]>();
  for (const row of rows) {
    if (row.point.excluded) continue;
    for (const metric of [row.point.metric, "all"]) {
      const key = `${row.point.source}\u0000${metric}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(row);
    }
  }
  return [...groups.entries()].map(([key, group]) => {
    const [source, metric] = key.split("\u0000");
    const apes = group.map((r) => r.ape);
    return {
      source,
      metric,
      points: group.length,
      meanApe: apes.reduce((s, x) => s + x, 0) / apes.length,
      medianApe: median(apes),
      worst: [...group].sort((a, b) => b.ape - a.ape).slice(0, 3),
    };
  });
}

// --- fitting ---------------------------------------------------------------------------------

interface Parameter {
  get(c: Calibration): number;
  set(c: Calibration, value: number): void;
  min: number;
  max: number;
  name: string;
}

/** Bounds keep every factor physically plausible: no kernel beats ~90 % of a datasheet peak. */
const HARDWARE_BOUNDS: Record<keyof HardwareEfficiency, [number, number]> = {
  gemmMfu: [0.2, 0.85],
  lowPrecisionGemmMfu: [0.1, 0.85],
  memoryEfficiency: [0.4, 0.92],
  layerKernelUs: [1, 200],
  allReducePairUs: [3, 60],
  allReduceGroupUs: [5, 100],
  interconnectEfficiency: [0.3, 0.95],
};
const STACK_BOUNDS: Record<keyof StackOverheads, [number, number]> = {
  stepUs: [10, 50_000],
  layerUs: [0, 2000],
  // Never negative: a prompt chunk must not make an iteration cheaper (RooflineModel.layerTokenUs).
  prefillLayerExtraUs: [0, 2000],
  sequenceUs: [0, 2000],
  attentionMfu: [0.05, 0.75],
  // Relative to how fast weights stream (memoryEfficiency, 0.78-0.88 of the datasheet): a decode-
  // attention kernel may read the KV cache a little faster, up to ~95 % of the datasheet on Hopper.
  decodeAttentionEfficiency: [0.05, 1.08],
  collectiveEfficiency: [0.05, 2],
};
/** A PCIe all-reduce: from NCCL's small-message latency on a PCIe switch (~25 µs) up to a cross-socket hop's. */
const PCIE_BOUNDS: Record<keyof PcieAllReduce, [number, number]> = {
  pairUs: [5, 200],
  groupUs: [5, 400],
  busEfficiency: [0.1, 0.9],
};

function stackParameters(stack: Stack): Parameter[] {
  return (Object.entries(STACK_BOUNDS) as [keyof StackOverheads, [number, number]][]).map(([key, [min, max]]) => ({
    name: `${stack}.${key}`,
    min,
    max,
    get: (c: Calibration) => c.stacks[stack][key],
    set: (c: Calibration, v: number) => (c.stacks[stack][key] = v),
  }));
}

function parametersFor(points: readonly CalibrationPoint[]): Parameter[] {
  const families = [...new Set(points.map((p) => p.family))].sort();
  const stacks = [...new Set(points.filter((p) => !p.stackOnly).map((p) => p.stack))].filter((s) => s !== "kernels").sort();
  const params: Parameter[] = [];
  for (const family of families) {
    for (const [key, [min, max]] of Object.entries(HARDWARE_BOUNDS) as [keyof HardwareEfficiency, [number, number]][]) {
      params.push({ name: `${family}.${key}`, min, max, get: (c) => c.hardware[family][key], set: (c, v) => (c.hardware[family][key] = v) });
    }
  }
  for (const stack of stacks as Stack[]) params.push(...stackParameters(stack));
  if (points.some((p) => p.pcie)) {
    for (const [key, [min, max]] of Object.entries(PCIE_BOUNDS) as [keyof PcieAllReduce, [number, number]][]) {
      params.push({ name: `pcie.${key}`, min, max, get: (c) => c.pcie[key], set: (c, v) => (c.pcie[key] = v) });
    }
  }
  return params;
}

/**
 * The loss on one point's log error: Huber's, quadratic within HUBER_DELTA (about 10 %) and linear
 * beyond, so a few points off by 50-100 % (a configuration the model does not describe well) pull the
 * fit no harder than their distance, instead of with its square.
 */
export const HUBER_DELTA = 0.1;
export function huber(logError: number): number {
  const a = Math.abs(logError);
  return a <= HUBER_DELTA ? 0.5 * a * a : HUBER_DELTA * (a - 0.5 * HUBER_DELTA);
}

/** Sum over sources of the mean Huber loss of log error, so each source weighs the same however many points it has. */
function objective(points: readonly CalibrationPoint[], calibration: Calibration): number {
  const perSource = new Map<string, { sum: number; n: number }>();
  for (const point of points) {
    const predicted = point.predict(calibration);
    const e = Math.log(Math.max(predicted, 1e-12) / point.measured);
    const entry = perSource.get(point.source) ?? { sum: 0, n: 0 };
    entry.sum += huber(e);
    entry.n++;
    perSource.set(point.source, entry);
  }
  let total = 0;
  for (const { sum, n } of perSource.values()) total += sum / n;
  return total;
}

export function cloneCalibration(c: Calibration): Calibration {
  return JSON.parse(JSON.stringify(c));
}

const STEPS = [0.5, 0.7, 0.85, 0.95, 0.99, 1.01, 1.05, 1.18, 1.4, 2];
/** Fewer, coarser steps where every evaluation simulates replicas. */
const SIMULATED_STEPS = [0.7, 0.9, 0.97, 1.03, 1.1, 1.4];

/** Coordinate descent with multiplicative steps over `params`; deterministic. */
function descend(points: readonly CalibrationPoint[], c: Calibration, params: readonly Parameter[], rounds: number, steps = STEPS): void {
  let best = objective(points, c);
  for (let round = 0; round < rounds; round++) {
    let improved = false;
    for (const param of params) {
      const current = param.get(c);
      // A factor at zero would never move under multiplicative steps: step from a small positive value instead.
      const base = current > 0 ? current : Math.max(param.min, 1e-3 * param.max);
      let bestValue = current;
      for (const step of steps) {
        const value = Math.min(param.max, Math.max(param.min, base * step));
        if (value === current) continue;
        param.set(c, value);
        const score = objective(points, c);
        if (score < best - 1e-9) {
          best = score;
          bestValue = value;
        }
      }
      param.set(c, bestValue);
      if (bestValue !== current) improved = true;
    }
    if (!improved) break;
  }
}

const COLLECTIVE_PARAMS = ["allReducePairUs", "allReduceGroupUs", "interconnectEfficiency"];
const MICROBENCHMARK_SOURCE = "Vidur all-reduce";

/**
 * Fits in three stages: a family's all-reduce hardware factors against the NCCL microbenchmarks where
 * they exist (hardware is measured by hardware benchmarks); then everything else against all sources
 * that predict in closed form, with those held fixed (end-to-end differences in collectives go to the
 * stacks' collectiveEfficiency); then each engine version's stack overheads against its own simulated
 * runs (`stackOnly`), with the hardware held, so a version differs from another only in its software.
 * `simulatedRounds` bounds the last stage, whose every step simulates a replica per point.
 */
export function fitCalibration(allPoints: readonly CalibrationPoint[], start: Calibration, rounds = 60, simulatedRounds = 4): Calibration {
  const fitted = allPoints.filter((p) => !p.excluded && !p.checkOnly);
  const points = fitted.filter((p) => !p.stackOnly);
  const c = cloneCalibration(start);
  const params = parametersFor(points);
  const microbenchmarks = points.filter((p) => p.source === MICROBENCHMARK_SOURCE);
  const measuredFamilies = new Set(microbenchmarks.map((p) => p.family));
  const isCollective = (p: Parameter) => {
    const [owner, key] = p.name.split(".");
    return COLLECTIVE_PARAMS.includes(key) && measuredFamilies.has(owner as GpuFamily);
  };
  descend(microbenchmarks, c, params.filter(isCollective), rounds);
  descend(points, c, params.filter((p) => !isCollective(p)), rounds);
  const simulated = fitted.filter((p) => p.stackOnly);
  for (const stack of [...new Set(simulated.map((p) => p.stack))].sort()) {
    descend(
      simulated.filter((p) => p.stack === stack),
      c,
      stackParameters(stack),
      simulatedRounds,
      SIMULATED_STEPS,
    );
  }
  return c;
}
