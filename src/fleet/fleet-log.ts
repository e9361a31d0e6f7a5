/** The fleet's event log: what happened to servers, replicas and capacity, when, and why. */
import { usToSeconds } from "../engine/index.js";
import type { Simulator } from "../engine/index.js";

export interface FleetEvent {
  t_s: number;
  kind: string;
  target: string;
  model: string | null;
  region: string | null;
  reason: string | null;
}

export interface EventContext {
  model?: string;
  region?: string;
  reason?: string;
}

export class FleetLog {
  readonly events: FleetEvent[] = [];

  constructor(private readonly sim: Simulator) {}

  log(kind: string, target: string, ctx: EventContext = {}): void {
    this.events.push({ t_s: usToSeconds(this.sim.nowUs), kind, target, model: ctx.model ?? null, region: ctx.region ?? null, reason: ctx.reason ?? null });
  }
}
