/**
 * Step scaling, after AWS step scaling policies: each period, the `above` step with the highest bound
 * the metric exceeds applies (else the `below` step with the lowest bound it is under), and sets the
 * desired count to the serving replicas plus its `add`. Measuring from the serving replicas, not the
 * desired count, is AWS's instance warm-up rule: while the replicas a breach asked for are still
 * provisioning, the same breach asks for nothing more.
 */
import { secondsToUs } from "../../engine/index.js";
import type { AutoscalerSpec } from "../../scenario/schema.js";
import type { Autoscaler, Decision, ScalingState } from "./index.js";
import type { PeriodReading } from "./meter.js";
import { clamp, metricValue, shown } from "./metric.js";

type StepSpec = Extract<AutoscalerSpec, { kind: "step" }>;
type Step = StepSpec["steps"][number];

/** The step that applies to `value`, if any. */
export function stepFor(steps: readonly Step[], value: number): Step | undefined {
  let chosen: Step | undefined;
  for (const step of steps) if (step.above !== undefined && value > step.above && (chosen === undefined || step.above > chosen.above!)) chosen = step;
  if (chosen) return chosen;
  for (const step of steps) if (step.below !== undefined && value < step.below && (chosen === undefined || step.below < chosen.below!)) chosen = step;
  return chosen;
}

export class StepScaling implements Autoscaler {
  readonly periodUs: number;
  readonly samples: boolean;
  private lastScaleInUs = -Infinity;

  constructor(private readonly spec: StepSpec) {
    this.periodUs = secondsToUs(spec.period);
    this.samples = spec.metric === "queue_length" || spec.metric === "kv_utilization";
  }

  bounds(state: ScalingState): { min: number; max: number } {
    return { min: state.min, max: state.max };
  }

  evaluate(reading: PeriodReading, state: ScalingState): Decision | undefined {
    const value = metricValue(this.spec.metric, reading, state.serving);
    if (value === null) return undefined;
    const step = stepFor(this.spec.steps, value);
    if (!step || step.add === 0) return undefined;
    const bound = step.above !== undefined ? `above ${shown(step.above)}` : `below ${shown(step.below!)}`;
    const reason = `${this.spec.metric} ${shown(value)} ${bound}: ${step.add > 0 ? "+" : ""}${step.add} on ${state.serving} serving`;
    if (step.add > 0) {
      const desired = clamp(Math.max(state.desired, state.serving + step.add), state.min, state.max);
      return desired > state.desired ? { desired, reason } : undefined;
    }
    if (state.nowUs - this.lastScaleInUs < secondsToUs(this.spec.cooldown)) return undefined;
    const desired = clamp(Math.min(state.desired, state.serving + step.add), state.min, state.max);
    if (desired >= state.desired) return undefined;
    this.lastScaleInUs = state.nowUs;
    return { desired, reason };
  }
}
