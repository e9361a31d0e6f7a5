/**
 * Predictive scaling, after AWS predictive scaling: each period's arrival rate is forecast from the
 * same time one season earlier, and converted to replicas with the load per request measured then
 * (Little's law: requests in flight = arrival rate x time in system), looking ahead by the longest lead time
 * the replica set has measured so capacity is serving when the load arrives. The forecast is a floor
 * under target tracking, which keeps running as the safety net and alone decides scale-ins below the
 * forecast; before one season has passed it is target tracking alone.
 */
import type { AutoscalerSpec } from "../../scenario/schema.js";
import type { Autoscaler, Decision, ScalingState } from "./index.js";
import type { PeriodReading } from "./meter.js";
import { clamp, metricValue, replicasFor } from "./metric.js";
import { TargetTracking } from "./target-tracking.js";

type PredictiveSpec = Extract<AutoscalerSpec, { kind: "predictive" }>;

export class Predictive implements Autoscaler {
  readonly periodUs: number;
  readonly samples: boolean;
  private readonly tracking: TargetTracking;
  /** per period since t = 0: arrival rate, and the metric's total (value x serving) per unit of arrival rate */
  private readonly rates: number[] = [];
  private readonly loadPerRate: number[] = [];
  private readonly seasonPeriods: number;

  constructor(private readonly spec: PredictiveSpec) {
    this.tracking = new TargetTracking(spec);
    this.periodUs = this.tracking.periodUs;
    this.samples = this.tracking.samples;
    this.seasonPeriods = Math.round(spec.season / spec.period);
  }

  bounds(state: ScalingState): { min: number; max: number } {
    return { min: state.min, max: state.max };
  }

  /** Replicas the forecast asks for from now until the lead time plus one period ahead; undefined before a season of history. */
  forecast(state: ScalingState): { replicas: number; rate: number } | undefined {
    const now = Math.round(state.nowUs / this.periodUs);
    const ahead = Math.ceil(state.leadTimeUs / this.periodUs) + 1;
    let replicas = -1;
    let rate = 0;
    for (let k = now; k <= now + ahead; k++) {
      const past = k - this.seasonPeriods;
      if (past < 0 || past >= this.rates.length) continue;
      const load = this.rates[past] * this.loadPerRate[past];
      replicas = Math.max(replicas, replicasFor(load, 1, this.spec.target));
      rate = Math.max(rate, this.rates[past]);
    }
    return replicas < 0 ? undefined : { replicas, rate };
  }

  evaluate(reading: PeriodReading, state: ScalingState): Decision | undefined {
    const value = metricValue(this.spec.metric, reading, state.serving);
    const total = value === null ? 0 : value * Math.max(state.serving, 1);
    this.rates.push(reading.arrivalRate);
    this.loadPerRate.push(reading.arrivalRate > 0 ? total / reading.arrivalRate : 0);
    const tracked = this.tracking.evaluate(reading, state);
    const predicted = this.forecast(state);
    if (!predicted) return tracked;
    const floor = clamp(predicted.replicas, state.min, state.max);
    const desired = Math.max(tracked?.desired ?? state.desired, floor);
    if (desired === state.desired) return undefined;
    if (tracked && tracked.desired === desired) return tracked;
    return {
      desired,
      reason: `forecast ${predicted.rate.toFixed(2)} requests/s within the lead time (${(state.leadTimeUs / 1e6).toFixed(0)} s) from one season earlier: ${floor} replicas`,
    };
  }
}
