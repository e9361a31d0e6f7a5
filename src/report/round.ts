/** Rounding for what fleetsim writes: 10 significant digits, stable and diff-friendly, far below any model's error, and free of float noise (0.1 + 0.2 writes 0.3). */

/** A number to 10 significant digits (non-finite numbers unchanged). */
export function significant(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(10)) : x;
}

/** Every number in a JSON-able value, to 10 significant digits. */
export function roundNumbers<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === "number" ? significant(v) : v)));
}
