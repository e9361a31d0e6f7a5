/**
 * Samplers for the scenario's distributions. Each sampler draws from one named random stream, one
 * uniform per sample where the family allows it, so the streams of different quantities stay aligned
 * request by request across what-if variants.
 */
import { gamma as gammaFunction } from "simple-statistics";
import type { Rng } from "../engine/index.js";
import type { Distribution } from "../scenario/fields.js";
import { DataFiles, readNumberColumn } from "./datafiles.js";
import { LIMITS } from "../scenario/limits.js";

export type Sampler = () => number;

/** -ln(1-U): exponential with mean 1. */
export function standardExponential(rng: Rng): number {
  return -Math.log(1 - rng());
}

/** A standard normal sampler (Box–Muller, using both values of each pair). */
export function normalSampler(rng: Rng): Sampler {
  // The spare sits in a typed array: a double in a closure variable is a new heap number at every write.
  const spare = new Float64Array(1);
  let hasSpare = false;
  return () => {
    if (hasSpare) {
      hasSpare = false;
      return spare[0];
    }
    const radius = Math.sqrt(-2 * Math.log(1 - rng()));
    const angle = 2 * Math.PI * rng();
    spare[0] = radius * Math.sin(angle);
    hasSpare = true;
    return radius * Math.cos(angle);
  };
}

/** Gamma with the given shape and scale (Marsaglia & Tsang 2000; shape < 1 by boosting to shape + 1). */
export function gammaSampler(shape: number, scale: number, rng: Rng): Sampler {
  const normal = normalSampler(rng);
  const boosted = shape < 1;
  const d = (boosted ? shape + 1 : shape) - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  return () => {
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - rng();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) {
        const sample = d * v * scale;
        return boosted ? sample * Math.pow(1 - rng(), 1 / shape) : sample;
      }
    }
  };
}

/** Parameters (mu, sigma) of the normal underlying a lognormal with this mean and CV. */
export function lognormalParameters(mean: number, cv: number): { mu: number; sigma: number } {
  const sigma2 = Math.log(1 + cv * cv);
  return { mu: Math.log(mean) - sigma2 / 2, sigma: Math.sqrt(sigma2) };
}

function unbounded(spec: Distribution, rng: Rng, data: DataFiles): Sampler {
  switch (spec.dist) {
    case "fixed": {
      const value = spec.value;
      return () => value;
    }
    case "exponential": {
      const mean = spec.mean;
      return () => mean * standardExponential(rng);
    }
    case "uniform": {
      const { min, max } = spec;
      return () => min + (max - min) * rng();
    }
    case "lognormal": {
      const { mu, sigma } = lognormalParameters(spec.mean, spec.cv);
      const normal = normalSampler(rng);
      return () => Math.exp(mu + sigma * normal());
    }
    case "gamma": {
      const shape = 1 / (spec.cv * spec.cv);
      return gammaSampler(shape, spec.mean / shape, rng);
    }
    case "weibull": {
      const k = spec.shape;
      const scale = spec.mean / gammaFunction(1 + 1 / k);
      return () => scale * Math.pow(standardExponential(rng), 1 / k);
    }
    case "empirical": {
      const values = empiricalValues(data, spec.file, spec.column);
      const scale = spec.scale;
      return () => values[Math.floor(rng() * values.length)] * scale;
    }
  }
}

/** The numbers in one column of a data file, for empirical distributions: times and token counts, so >= 0. */
export function empiricalValues(data: DataFiles, file: string, column: string): Float64Array {
  return data.read(file, `column:${column}`, (path, shownAs) => readNumberColumn(path, shownAs, column, { min: 0 }));
}

/** A sampler for a distribution spec, with its optional min/max bounds applied by clamping. */
export function makeSampler(spec: Distribution, rng: Rng, data: DataFiles): Sampler {
  const draw = unbounded(spec, rng, data);
  const lo = spec.dist === "uniform" ? undefined : spec.min;
  const hi = spec.dist === "uniform" ? undefined : spec.max;
  if (lo === undefined && hi === undefined) return draw;
  const min = lo ?? -Infinity;
  const max = hi ?? Infinity;
  return () => Math.min(max, Math.max(min, draw()));
}

/**
 * A sampler of token counts: makeSampler's draws capped at LIMITS.tokens (so a count fits the request
 * table's 32-bit columns) and rounded to a whole count of at least 1. A small integer is also what V8
 * passes back without allocating; a fractional draw was a new heap number per call.
 */
export function makeTokenSampler(spec: Distribution, rng: Rng, data: DataFiles): Sampler {
  const draw = makeSampler(spec, rng, data);
  const most = LIMITS.tokens.max;
  return () => Math.max(1, Math.round(Math.min(most, draw())));
}

/** Mean of a distribution before clamping (for estimates and offered-load figures). */
export function distributionMean(spec: Distribution, data: DataFiles): number {
  switch (spec.dist) {
    case "fixed":
      return spec.value;
    case "uniform":
      return (spec.min + spec.max) / 2;
    case "empirical": {
      const values = empiricalValues(data, spec.file, spec.column);
      let sum = 0;
      for (const v of values) sum += v;
      return (sum / values.length) * spec.scale;
    }
    default:
      return spec.mean;
  }
}
