/**
 * Scheduled scaling, after AWS scheduled actions: at each time of day in the table the bounds (and,
 * when given, the desired count) change; the table repeats every day. The entry in force at a time is
 * the last one at or before that time of day, else the day's last entry (in force since yesterday).
 */
import { secondsToUs } from "../../engine/index.js";
import type { AutoscalerSpec } from "../../scenario/schema.js";
import type { Autoscaler, Decision, ScalingState } from "./index.js";
import { clamp } from "./metric.js";

type ScheduledSpec = Extract<AutoscalerSpec, { kind: "scheduled" }>;
const DAY_US = 86_400e6;

export class Scheduled implements Autoscaler {
  readonly periodUs: number;
  readonly samples = false;
  private readonly table: ScheduledSpec["table"];
  /** the entry applied last, by day and index, so `desired` applies once when its entry takes effect */
  private applied = "";

  constructor(spec: ScheduledSpec) {
    this.periodUs = secondsToUs(spec.period);
    this.table = [...spec.table].sort((a, b) => a.at - b.at);
  }

  private entryAt(nowUs: number): { entry: ScheduledSpec["table"][number]; key: string } {
    const day = Math.floor(nowUs / DAY_US);
    const timeOfDay = nowUs - day * DAY_US;
    let k = -1;
    for (let i = 0; i < this.table.length; i++) if (secondsToUs(this.table[i].at) <= timeOfDay) k = i;
    return k >= 0 ? { entry: this.table[k], key: `${day}/${k}` } : { entry: this.table[this.table.length - 1], key: `${day - 1}/${this.table.length - 1}` };
  }

  bounds(state: ScalingState): { min: number; max: number } {
    const { entry } = this.entryAt(state.nowUs);
    const min = entry.min ?? state.min;
    return { min, max: Math.max(min, entry.max ?? state.max) };
  }

  evaluate(_reading: unknown, state: ScalingState): Decision | undefined {
    const { entry, key } = this.entryAt(state.nowUs);
    const { min, max } = this.bounds(state);
    const fresh = key !== this.applied;
    this.applied = key;
    const desired = clamp(fresh && entry.desired !== undefined ? entry.desired : state.desired, min, max);
    if (desired === state.desired) return undefined;
    return { desired, reason: `scheduled action at ${entry.at} s of the day: min ${min}, max ${max}${entry.desired !== undefined ? `, desired ${entry.desired}` : ""}` };
  }
}
