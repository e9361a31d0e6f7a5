/** How summary.md and report.html write numbers: one function per kind of value, so both pages agree. */
import { isThresholdProblem, parseThreshold, THRESHOLD_UNITS, type ThresholdResult, type ThresholdUnit } from "../metrics/thresholds.js";

/** Durations: "0", milliseconds below a second ("250 ms"), seconds above ("2.10 s"), 3 significant digits; "–" without data. */
export function seconds(value: number | null): string {
  if (value === null) return "–";
  if (value === 0) return "0";
  return value < 1 ? `${(value * 1000).toPrecision(3)} ms` : `${value.toPrecision(3)} s`;
}

/** Simulated time as a clock reads it: "18:43:00" on the first day, "d2 18:43:00" past it (whole seconds). */
export function clockTime(seconds: number): string {
  const s = Math.floor(seconds);
  const day = Math.floor(s / 86_400);
  const two = (n: number) => String(n).padStart(2, "0");
  const time = `${two(Math.floor((s % 86_400) / 3600))}:${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
  return day > 0 ? `d${day + 1} ${time}` : time;
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

const significant = (x: number, digits: number) => String(Number(x.toPrecision(digits)));

/** 4 significant digits, more where they would round an uptime of 99.9995 up to "100". */
function percentDigits(pct: number): string {
  const short = significant(pct, 4);
  return Number(short) === 100 && pct !== 100 ? significant(pct, 7) : short;
}

/** A duration k6's way, unit glued on: "51.2s", "247.8ms", "812µs", "0s". */
export function compactSeconds(value: number): string {
  const abs = Math.abs(value);
  if (abs === 0) return "0s";
  if (abs >= 1) return `${significant(value, 4)}s`;
  if (abs >= 1e-3) return `${significant(value * 1e3, 4)}ms`;
  return `${significant(value * 1e6, 4)}µs`;
}

/** A reading in its metric's unit: seconds as a duration, fractions and percent points as "0.12%", $ and /s. */
export function valueInUnit(value: number | null, unit: ThresholdUnit): string {
  if (value === null) return "no data";
  switch (unit) {
    case "s":
      return compactSeconds(value);
    case "fraction":
      return `${percentDigits(100 * value)}%`;
    case "pct":
      return `${percentDigits(value)}%`;
    case "per_s":
      return `${significant(value, 4)}/s`;
    case "usd":
      return `${value < 0 ? "-" : ""}$${significant(Math.abs(value), 4)}`;
  }
}

/** A threshold's reading as k6 prints it: the statistic, "=", the value in its unit ("p(99)=51.2s", "rate=0.12%", "value=99.95%"). */
export function thresholdReading(metric: string, result: ThresholdResult): string {
  const parsed = parseThreshold(metric, result.expression);
  if (isThresholdProblem(parsed)) return `actual=${thresholdActual(result.actual)}`;
  const statistic = parsed.statistic === "p" ? `p(${parsed.percentile})` : parsed.statistic;
  return `${statistic}=${valueInUnit(result.actual, THRESHOLD_UNITS[parsed.metric])}`;
}
