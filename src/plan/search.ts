/**
 * The capacity search: the values a field may take (a grid from min to max) and the smallest of them
 * that passes, found by bisection on the assumption that more is better (a value that passes is
 * followed by values that pass). Pure: a grid is numbers, a test is a function.
 */

export interface GridSpec {
  min: number;
  max: number;
  /** distance between tried values; undefined for an integer field (step 1) */
  step?: number;
}

/** Rounds away the float dust of min + k * step (0.1 + 0.2 = 0.30000000000000004). */
function clean(x: number): number {
  return Number(x.toPrecision(12));
}

/** Most values a grid may hold: bisection needs only log2 of them, but they are listed once. */
export const MAX_GRID_VALUES = 10_000_000;

/**
 * min, min + step, ... up to max, and max itself when the steps do not land on it (so that "even max
 * fails" means max was tried). An integer grid is min..max by 1.
 */
export function valueGrid(spec: GridSpec): number[] {
  const step = spec.step ?? 1;
  const count = Math.floor((spec.max - spec.min) / step + 1e-9) + 1;
  if (count > MAX_GRID_VALUES) throw new RangeError(`${count} values from ${spec.min} to ${spec.max} by ${step}: more than ${MAX_GRID_VALUES}`);
  const grid = Array.from({ length: count }, (_, k) => clean(spec.min + k * step));
  if (grid[grid.length - 1] < spec.max) grid.push(spec.max);
  return grid;
}

export interface SearchOutcome {
  /** index of the smallest passing value; null when even the last (max) fails */
  index: number | null;
  /** index of the largest value tried and found failing below the answer (the answer's lower neighbour); null when none was */
  failedBelow: number | null;
}

/**
 * The smallest grid value for which `passes` holds, assuming it holds from some index on. Tries the
 * last value first (if it fails nothing does), then halves the interval between the largest known
 * failure and the smallest known pass: about log2(grid.length) + 1 calls.
 */
export function smallestPassing(grid: readonly number[], passes: (value: number) => boolean): SearchOutcome {
  const last = grid.length - 1;
  if (last < 0 || !passes(grid[last])) return { index: null, failedBelow: null };
  let failing = -1; // a virtual failure before the first value
  let passing = last;
  while (passing - failing > 1) {
    const mid = Math.floor((failing + passing) / 2);
    if (passes(grid[mid])) passing = mid;
    else failing = mid;
  }
  return { index: passing, failedBelow: failing >= 0 ? failing : null };
}
