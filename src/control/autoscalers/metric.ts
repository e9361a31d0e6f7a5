/** A scaling metric's value per serving replica, read from a period's meter reading. */
import type { SCALING_METRICS } from "../../scenario/schema/scaling.js";
import type { PeriodReading } from "./meter.js";

export type ScalingMetric = (typeof SCALING_METRICS)[number];

/** The metric per serving replica (null when the period has no datapoint: no TTFT measured). With no replica serving, the whole load counts against one. */
export function metricValue(metric: ScalingMetric, reading: PeriodReading, serving: number): number | null {
  const replicas = Math.max(serving, 1);
  switch (metric) {
    case "requests_per_replica":
      return reading.inFlight / replicas;
    case "gpu_utilization":
      return reading.busy / replicas;
    case "kv_utilization":
      return reading.kvLoad;
    case "queue_length":
      return reading.waiting / replicas;
    case "ttft_p90":
      return reading.ttftP90S;
  }
}

/** Replicas that bring `value` (per replica, over `serving`) to `target`: ceil(serving x value / target). */
export function replicasFor(value: number, serving: number, target: number): number {
  // The tolerance keeps an exact ratio such as 24 / 8 from rounding up on floating-point noise.
  return Math.max(0, Math.ceil((Math.max(serving, 1) * value) / target - 1e-9));
}

export function clamp(n: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, n));
}

/** A value for a reason string: three significant digits. */
export function shown(value: number): string {
  return Number(value.toPrecision(3)).toString();
}
