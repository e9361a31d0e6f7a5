/** How summary.md and report.html write numbers: one function per kind of value, so both pages agree. */

/** Durations: "0", milliseconds below a second ("250 ms"), seconds above ("2.10 s"), 3 significant digits; "–" without data. */
export function seconds(value: number | null): string {
  if (value === null) return "–";
  if (value === 0) return "0";
  return value < 1 ? `${(value * 1000).toPrecision(3)} ms` : `${value.toPrecision(3)} s`;
}

/** Counts with thousands separators: "12,345". */
export function count(value: number): string {
  return value.toLocaleString("en-US");
}

/** A share given as a fraction (0.25), in percent: "25.0 %". */
export function percent(fraction: number, digits = 1): string {
  return `${(100 * fraction).toFixed(digits)} %`;
}

/** A value already in percent (an uptime, a margin): "99.950 %". */
export function percentPoints(pct: number, digits = 1): string {
  return `${pct.toFixed(digits)} %`;
}

/** `part` as a share of `whole`, "–" when the whole is empty. */
export function percentOf(part: number, whole: number, digits = 2): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(digits)} %` : "–";
}

/** US dollars with cents and thousands separators ("$1,760.51", "-$992.63"), four decimals below $0.10 ("$0.0123"). */
export function usd(x: number): string {
  const abs = Math.abs(x);
  const text = abs === 0 || abs >= 0.1 ? abs.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }) : abs.toFixed(4);
  return `${x < 0 ? "-" : ""}$${text}`;
}

/** A threshold's measured value, 4 significant digits, or "no data". */
export function thresholdActual(actual: number | null): string {
  return actual === null ? "no data" : String(Number(actual.toPrecision(4)));
}
