/**
 * The closed-form decode jump, as pure functions. While a batch only decodes and nothing joins or
 * leaves it, step k (0-based) of the jump lasts `a + b k` microseconds: a decode step's time is
 * linear in the batch's context (LatencyModel.decodeCost), and each step adds one token of context
 * per sequence. So `steps` steps last `steps a + b steps (steps - 1) / 2`.
 */

/** The step times of a jump: step k lasts aUs + bUs k. */
export interface JumpCost {
  aUs: number;
  bUs: number;
}

/** Microseconds the first `steps` steps take. */
export function jumpDurationUs(cost: JumpCost, steps: number): number {
  return steps * cost.aUs + (cost.bUs * steps * (steps - 1)) / 2;
}

/** Steps completed `elapsedUs` after the jump started: the largest k with jumpDurationUs(k) <= elapsedUs. */
export function stepsCompleted(cost: JumpCost, elapsedUs: number): number {
  // Solve (b/2) k^2 + (a - b/2) k = elapsed, then correct the floating-point root by a step either way.
  const half = cost.bUs / 2;
  const linear = cost.aUs - cost.bUs / 2;
  let done = half > 0 ? Math.floor((-linear + Math.sqrt(linear * linear + 4 * half * elapsedUs)) / (2 * half)) : Math.floor(elapsedUs / cost.aUs);
  while (done > 0 && jumpDurationUs(cost, done) > elapsedUs) done--;
  while (jumpDurationUs(cost, done + 1) <= elapsedUs) done++;
  return done;
}

/**
 * The most steps, up to `steps`, whose extra KV blocks fit in `availableBlocks`, given the extra
 * blocks `extraBlocksFor(k)` that k steps need (non-decreasing in k; one step is always affordable,
 * its blocks being allocated already). `seqs` sequences each need at most ceil(k / blockSize) more
 * blocks, so the exact count is searched only when that bound does not fit.
 */
export function stepsKvAllows(steps: number, seqs: number, blockSize: number, availableBlocks: number, extraBlocksFor: (steps: number) => number): number {
  if (seqs * Math.ceil(steps / blockSize) <= availableBlocks || extraBlocksFor(steps) <= availableBlocks) return steps;
  let lo = 1;
  let hi = steps;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (extraBlocksFor(mid) <= availableBlocks) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Token gaps of a jump in two halves, each at its mean step time, so the mean over all gaps stays
 * exact while the spread of step times (context growing) still shows in the distribution. Written
 * into `out` when given (a replica reuses one per jump).
 */
export function jumpHalves(cost: JumpCost, steps: number, out: JumpHalves = { firstSteps: 0, firstUs: 0, secondUs: 0 }): JumpHalves {
  const firstSteps = Math.floor(steps / 2);
  out.firstSteps = firstSteps;
  out.firstUs = jumpDurationUs(cost, firstSteps) / Math.max(1, firstSteps);
  out.secondUs = (jumpDurationUs(cost, steps) - jumpDurationUs(cost, firstSteps)) / (steps - firstSteps);
  return out;
}

/** A jump's two halves: the steps of the first, and each half's mean step time. */
export interface JumpHalves {
  firstSteps: number;
  firstUs: number;
  secondUs: number;
}
