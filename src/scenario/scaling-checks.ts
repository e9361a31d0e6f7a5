/** Checks of autoscalers and rollouts that need more than one field. */
import type { PathSegment } from "./issues.js";
import type { Scenario } from "./schema.js";

type Report = (path: PathSegment[], message: string) => void;

export function checkScaling(s: Scenario, report: Report): void {
  s.models.forEach((model, i) => {
    const at = (...path: PathSegment[]): PathSegment[] => ["models", i, ...path];
    const { initial, min, max } = model.replicas;
    if (min !== undefined && max !== undefined && min > max) report(at("replicas", "min"), `min (${min}) is above max (${max})`);
    const scaler = model.autoscaler;
    const rollout = model.rollout;
    if ((scaler || rollout) && model.engine.kind !== "continuous_batching") {
      report(at(scaler ? "autoscaler" : "rollout"), `${scaler ? "autoscaling" : "a rollout"} needs replicas on GPUs: give the model an architecture (model:) and a continuous_batching engine`);
    }
    if (scaler?.kind === "predictive") {
      if (scaler.metric === "ttft_p90") report(at("autoscaler", "metric"), "predictive scaling needs a metric that adds up over replicas (requests_per_replica, gpu_utilization, kv_utilization or queue_length), not ttft_p90");
      if (scaler.season >= s.duration) report(at("autoscaler", "season"), `the season (${scaler.season} s) must be shorter than the run (${s.duration} s), or there is nothing to learn from`);
      if (scaler.season < scaler.period) report(at("autoscaler", "season"), `the season (${scaler.season} s) must be at least one period (${scaler.period} s)`);
    }
    if (scaler?.kind === "step") {
      scaler.steps.forEach((step, k) => {
        if ((step.above === undefined) === (step.below === undefined)) report(at("autoscaler", "steps", k), "give exactly one of above or below");
      });
    }
    if (scaler?.kind === "scheduled") {
      scaler.table.forEach((entry, k) => {
        if (entry.min !== undefined && entry.max !== undefined && entry.min > entry.max) report(at("autoscaler", "table", k, "min"), `min (${entry.min}) is above max (${entry.max})`);
        if (entry.at >= 86400) report(at("autoscaler", "table", k, "at"), `a time of day must be under 24h, got ${entry.at} s`);
      });
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
