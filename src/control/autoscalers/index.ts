/**
 * Autoscalers: at the end of each period an autoscaler reads its service's meter and may change how
 * many replicas are desired. One file per kind; the replica set (../replica-set.ts) turns the
 * desired count into launches and drains.
 */
import type { AutoscalerSpec } from "../../scenario/schema.js";
import type { PeriodReading } from "./meter.js";
import { Predictive } from "./predictive.js";
import { Scheduled } from "./scheduled.js";
import { StepScaling } from "./step.js";
import { TargetTracking } from "./target-tracking.js";

export interface ScalingState {
  nowUs: number;
  /** replicas wanted now: serving plus provisioning, once launched */
  desired: number;
  /** replicas serving */
  serving: number;
  /** bounds from the scenario's replicas.min and replicas.max */
  min: number;
  max: number;
  /** lead time of a new replica (request to serving): the longest measured, microseconds */
  leadTimeUs: number;
}

export interface Decision {
  desired: number;
  reason: string;
}

export interface Autoscaler {
  readonly periodUs: number;
  /** The period just ended: a new desired count (within the bounds in force), or undefined to keep it. */
  evaluate(reading: PeriodReading, state: ScalingState): Decision | undefined;
  /** The bounds in force now (a schedule may move them). */
  bounds(state: ScalingState): { min: number; max: number };
  /** whether it reads the sampled metrics (queue length, KV load) */
  readonly samples: boolean;
}

export function createAutoscaler(spec: AutoscalerSpec): Autoscaler {
  switch (spec.kind) {
    case "target_tracking":
      return new TargetTracking(spec);
    case "step":
      return new StepScaling(spec);
    case "scheduled":
      return new Scheduled(spec);
    case "predictive":
      return new Predictive(spec);
  }
}
