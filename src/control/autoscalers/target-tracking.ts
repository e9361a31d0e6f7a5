/**
 * Target tracking, after AWS Application Auto Scaling as SageMaker endpoints use it (its "Target
 * tracking scaling policies" guide): scale out after `scale_out_periods` consecutive datapoints above
 * the target to ceil(serving x value / target), counting replicas still provisioning toward the
 * desired count so a long lead time does not scale out again; scale in after `scale_in_periods`
 * consecutive datapoints below 90 % of the target, no sooner than `scale_in_cooldown` after the
 * last scale-in. The consecutive counts start again after each action.
 */
import { secondsToUs } from "../../engine/index.js";
import type { AutoscalerSpec } from "../../scenario/schema.js";
import type { Autoscaler, Decision, ScalingState } from "./index.js";
import type { PeriodReading } from "./meter.js";
import { clamp, metricValue, replicasFor, shown } from "./metric.js";

export type TrackingSpec = Extract<AutoscalerSpec, { kind: "target_tracking" | "predictive" }>;

/** AWS target tracking scales in only below 90 % of the target. */
const SCALE_IN_BAND = 0.9;

export class TargetTracking implements Autoscaler {
  readonly periodUs: number;
  readonly samples: boolean;
  private above = 0;
  private below = 0;
  private lastScaleInUs = -Infinity;
  private readonly maxStep: number;

  constructor(private readonly spec: TrackingSpec) {
    this.periodUs = secondsToUs(spec.period);
    this.samples = spec.metric === "queue_length" || spec.metric === "kv_utilization";
    this.maxStep = spec.max_step ?? Infinity;
  }

  bounds(state: ScalingState): { min: number; max: number } {
    return { min: state.min, max: state.max };
  }

  evaluate(reading: PeriodReading, state: ScalingState): Decision | undefined {
    const { metric, target } = this.spec;
    const value = metricValue(metric, reading, state.serving);
    if (value === null) return undefined; // no data: counts neither way
    if (value > target) {
      this.above++;
      this.below = 0;
    } else if (value < SCALE_IN_BAND * target) {
      this.below++;
      this.above = 0;
    } else {
      this.above = 0;
      this.below = 0;
    }
    const { min, max } = this.bounds(state);
    const want = replicasFor(value, state.serving, target);
    if (this.above >= this.spec.scale_out_periods) {
      const desired = clamp(Math.min(want, state.desired + this.maxStep), min, max);
      if (desired <= state.desired) return undefined;
      this.above = 0;
      this.below = 0;
      return { desired, reason: `${metric} ${shown(value)} above target ${shown(target)} for ${this.spec.scale_out_periods} datapoints` };
    }
    if (this.below >= this.spec.scale_in_periods && state.nowUs - this.lastScaleInUs >= secondsToUs(this.spec.scale_in_cooldown)) {
      const desired = clamp(Math.max(want, state.desired - this.maxStep), min, max);
      if (desired >= state.desired) return undefined;
      this.above = 0;
      this.below = 0;
      this.lastScaleInUs = state.nowUs;
      return { desired, reason: `${metric} ${shown(value)} below 90 % of target ${shown(target)} for ${this.spec.scale_in_periods} datapoints` };
    }
    return undefined;
  }
}
