/**
 * Closed forms from queueing theory, written independently of src/, to check the simulator against.
 * References: Kleinrock, Queueing Systems Vol. 1 (1975), §3.5 (M/M/c), §3.6 (M/M/c/K), §5.6 (P-K).
 */

/** Erlang C for M/M/c: probability an arrival waits, and the mean wait in queue. */
export function erlangC(c: number, lambda: number, mu: number): { pWait: number; meanWait: number } {
  const a = lambda / mu;
  const rho = a / c;
  if (rho >= 1) return { pWait: 1, meanWait: Infinity };
  let term = 1; // a^k / k!
  let sum = 0;
  for (let k = 0; k < c; k++) {
    sum += term;
    term *= a / (k + 1);
  }
  const top = term / (1 - rho);
  const pWait = top / (sum + top);
  return { pWait, meanWait: pWait / (c * mu - lambda) };
}

/** M/M/c/K (K = c servers + waiting places): probability an arrival is blocked. */
export function mmckBlocking(c: number, K: number, lambda: number, mu: number): number {
  const a = lambda / mu;
  const p: number[] = [1];
  for (let n = 1; n <= K; n++) p.push(p[n - 1] * (a / Math.min(n, c)));
  const total = p.reduce((s, x) => s + x, 0);
  return p[K] / total;
}

/** Pollaczek–Khinchine mean wait for M/G/1, given the service time's mean and second moment. */
export function pollaczekKhinchine(lambda: number, meanService: number, secondMomentService: number): number {
  const rho = lambda * meanService;
  return (lambda * secondMomentService) / (2 * (1 - rho));
}

/** Mean and standard error of independent replications. */
export function replicationStats(values: readonly number[]): { mean: number; standardError: number } {
  const n = values.length;
  const mean = values.reduce((s, x) => s + x, 0) / n;
  const variance = values.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  return { mean, standardError: Math.sqrt(variance / n) };
}
