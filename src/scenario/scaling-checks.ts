/** Checks of autoscalers and rollouts that need more than one field. */
import type { PathSegment } from "./issues.js";
import type { ModelSpec, Scenario } from "./schema.js";

type Report = (path: PathSegment[], message: string) => void;
type Autoscaler = NonNullable<ModelSpec["autoscaler"]>;
type At = (...path: PathSegment[]) => PathSegment[];

export function checkScaling(s: Scenario, report: Report): void {
  s.models.forEach((model, i) => {
    const at: At = (...path) => ["models", i, ...path];
    const d = model.disaggregation;
    // A disaggregated model scales by pool: each pool's bounds and own autoscaler (the model's, if set, applies to both).
    if (d) {
      for (const pool of ["prefill", "decode"] as const) {
        const poolAt: At = (...path) => at("disaggregation", pool, ...path);
        checkBounds(d[pool].replicas, poolAt, report);
        if (d[pool].autoscaler) checkAutoscaler(s, d[pool].autoscaler!, poolAt, report);
        const scaler = d[pool].autoscaler ?? model.autoscaler;
        if (scaler?.scale_to_zero_after !== undefined) report((d[pool].autoscaler ? poolAt : at)("autoscaler", "scale_to_zero_after"), "a disaggregated model's pools do not scale to zero");
      }
    } else {
      checkBounds(model.replicas, at, report);
    }
    const scaler = model.autoscaler;
    const rollout = model.rollout;
    if ((scaler || rollout) && model.engine.kind !== "continuous_batching") {
      report(at(scaler ? "autoscaler" : "rollout"), `${scaler ? "autoscaling" : "a rollout"} needs replicas on GPUs: give the model an architecture (model:) and a continuous_batching engine`);
    }
    if (scaler) checkAutoscaler(s, scaler, at, report);
    // Scaling to zero needs an autoscaler allowed to reach zero; a cold start needs a model that can be at zero.
    const floor = model.replicas.min ?? model.replicas.initial;
    if (!d && scaler?.scale_to_zero_after !== undefined && floor > 0) report(at("autoscaler", "scale_to_zero_after"), `the model cannot scale to zero: replicas.min is ${floor} (set it to 0)`);
    if (model.cold_start && (d || !scaler || floor > 0)) {
      report(at("cold_start"), d ? "a disaggregated model's pools do not scale to zero" : !scaler ? "the model never scales to zero: it has no autoscaler" : `the model never scales to zero: replicas.min is ${floor} (set it to 0)`);
    }
    if (rollout) {
      const last = rollout.stages[rollout.stages.length - 1];
      if (last.share !== 1) report(at("rollout", "stages", rollout.stages.length - 1, "share"), `the last stage must send all traffic (share 1.0) to the new version, got ${last.share}`);
      if (rollout.at >= s.duration) report(at("rollout", "at"), `the rollout starts at ${rollout.at} s, after the simulated time ends (${s.duration} s)`);
      rollout.stages.forEach((stage, k) => {
        if (k > 0 && stage.share < rollout.stages[k - 1].share) report(at("rollout", "stages", k, "share"), `shares must not decrease (${rollout.stages[k - 1].share} before ${stage.share})`);
      });
    }
  });
}

function checkBounds({ initial, min, max }: { initial: number; min?: number; max?: number }, at: At, report: Report): void {
  if (min !== undefined && min > initial) report(at("replicas", "min"), `min (${min}) is above initial (${initial})`);
  if (max !== undefined && max < initial) report(at("replicas", "max"), `max (${max}) is below initial (${initial})`);
  if (min !== undefined && max !== undefined && min > max) report(at("replicas", "min"), `min (${min}) is above max (${max})`);
}

function checkAutoscaler(s: Scenario, scaler: Autoscaler, at: At, report: Report): void {
  if (scaler.kind === "predictive") {
    if (scaler.metric === "ttft_p90") report(at("autoscaler", "metric"), "predictive scaling needs a metric that adds up over replicas (requests_per_replica, gpu_utilization, kv_utilization or queue_length), not ttft_p90");
    if (scaler.season >= s.duration) report(at("autoscaler", "season"), `the season (${scaler.season} s) must be shorter than the run (${s.duration} s), or there is nothing to learn from`);
    if (scaler.season < scaler.period) report(at("autoscaler", "season"), `the season (${scaler.season} s) must be at least one period (${scaler.period} s)`);
  }
  if (scaler.kind === "step") {
    scaler.steps.forEach((step, k) => {
      if ((step.above === undefined) === (step.below === undefined)) report(at("autoscaler", "steps", k), "give exactly one of above or below");
    });
  }
  if (scaler.kind === "scheduled") {
    scaler.table.forEach((entry, k) => {
      if (entry.min !== undefined && entry.max !== undefined && entry.min > entry.max) report(at("autoscaler", "table", k, "min"), `min (${entry.min}) is above max (${entry.max})`);
      if (entry.at >= 86400) report(at("autoscaler", "table", k, "at"), `a time of day must be under 24h, got ${entry.at} s`);
    });
  }
}
