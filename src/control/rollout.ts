/**
 * A rollout of a new model version, after SageMaker's blue/green deployment guardrails: a full second
 * fleet of the new version is provisioned next to the current one; once all of it serves, traffic
 * shifts to it stage by stage (blue_green: all at once), each stage baking for its time; after the
 * last stage the old fleet drains and is released. Alarms on the new version's error rate and p99
 * TTFT over a trailing window roll it back at once: all traffic returns to the old version and the
 * new fleet is released. The autoscaler holds while a rollout runs.
 */
import { quantileSorted } from "simple-statistics";
import { Priority, secondsToUs, type Simulator } from "../engine/index.js";
import type { RolloutSpec } from "../scenario/schema.js";
import type { EventContext, Fleet } from "../fleet/fleet.js";
import type { ModelService } from "./model-service.js";
import type { ReplicaSet } from "./replica-set.js";

/** How often the alarms look at the trailing window. */
const ALARM_EVERY_US = 10e6;
const NEW = 1;
const OLD = 0;

export type RolloutOutcome = "pending" | "provisioning" | "shifting" | "completed" | "rolled_back";

export interface RolloutRecord {
  version: string;
  strategy: string;
  outcome: RolloutOutcome;
  started_s: number | null;
  /** each stage when it began */
  stages: { share: number; at_s: number }[];
  ended_s: number | null;
  rollback_reason: string | null;
}

/** The fleet as the rollout found it, to tell what it added to the bill (the report's `extra_*`). */
export interface RolloutBaseline {
  startedUs: number;
  /** paid time of each server at the start (servers added later were paid nothing) */
  paidUs: number[];
  /** the servers of the model's GPU in its region paid for at the start, and until when they would have stayed so without the rollout (their pending idle shutdown, or the end: Infinity) */
  paidServers: Map<number, number>;
}

export class Rollout {
  readonly record: RolloutRecord;
  /** set when the rollout begins */
  baseline?: RolloutBaseline;
  private readonly sim: Simulator;
  private readonly where: EventContext;
  private readonly target: string;
  private stage = -1;
  private stageEvent = -1;
  private alarmEvent = -1;
  /** the new version's ended requests in the alarm window: end time, whether it failed, TTFT */
  private window: { tUs: number; failed: boolean; ttftUs: number }[] = [];
  private readonly onBegin = () => this.begin();
  private readonly onStageDone = () => this.nextStage();
  private readonly onAlarmCheck = () => this.checkAlarms();

  constructor(
    private readonly spec: RolloutSpec,
    private readonly set: ReplicaSet,
    private readonly service: ModelService,
    private readonly fleet: Fleet,
    /** when arrivals stop: like every control loop, the alarms stop looking then, so a rollout that never finishes cannot keep the run going */
    private readonly endUs: number,
  ) {
    this.sim = service.ctx.sim;
    this.where = { model: service.spec.name, region: fleet.topology.regions[service.regionIndex].name };
    this.target = `${this.where.model}/${this.where.region}`;
    this.record = { version: spec.version.name, strategy: spec.strategy, outcome: "pending", started_s: null, stages: [], ended_s: null, rollback_reason: null };
  }

  /** Servers that can hold the model's replicas in its region: those of its GPU (the ones added later included, when called later). */
  serversOfModel(): number[] {
    const t = this.fleet.topology;
    const gpu = t.modelGpu[this.service.modelIndex];
    return t.regions[this.service.regionIndex].azs.flatMap((a) => t.azs[a].servers).filter((s) => t.servers[s].type.gpu === gpu);
  }

  start(): void {
    this.sim.at(secondsToUs(this.spec.at), Priority.control, this.onBegin);
  }

  private log(kind: string, reason: string): void {
    this.fleet.log(kind, this.target, { ...this.where, reason });
  }

  private begin(): void {
    const count = this.set.desired;
    this.record.outcome = "provisioning";
    this.record.started_s = this.sim.nowUs / 1e6;
    const servers = this.fleet.servers;
    const paidServers = new Map(this.serversOfModel().filter((s) => servers.isPaid(s)).map((s) => [s, servers.releasedAtUs(s)]));
    this.baseline = { startedUs: this.sim.nowUs, paidUs: servers.paidUs(this.sim.nowUs), paidServers };
    this.log("rollout_start", `${this.spec.strategy} of ${this.spec.version.name}: provisioning ${count} replicas next to the current ${count}`);
    this.set.hold = true;
    this.set.latencyFactorOf[NEW] = this.spec.version.latency_factor;
    this.set.onServing = (version) => {
      if (version === NEW && this.stage < 0 && this.set.servingOf(NEW) >= this.set.desiredOf[NEW]) this.nextStage();
    };
    this.service.startSplit(this.spec.version.error_rate, (version, ok, ttftUs) => {
      if (version === NEW) this.window.push({ tUs: this.sim.nowUs, failed: !ok, ttftUs: ok ? ttftUs : -1 });
    });
    this.set.setDesired(count, NEW);
    this.set.reconcile("rollout");
    if (this.spec.alarms) this.scheduleAlarmCheck();
  }

  private scheduleAlarmCheck(): void {
    if (this.sim.nowUs + ALARM_EVERY_US < this.endUs) this.alarmEvent = this.sim.after(ALARM_EVERY_US, Priority.control, this.onAlarmCheck);
  }

  private nextStage(): void {
    this.stageEvent = -1;
    this.stage++;
    const stages = this.spec.stages;
    if (this.stage >= stages.length) return this.complete();
    const { share, bake } = stages[this.stage];
    this.record.outcome = "shifting";
    this.record.stages.push({ share, at_s: this.sim.nowUs / 1e6 });
    this.service.setShare(share);
    this.log("rollout_stage", `${Math.round(share * 100)} % of traffic to ${this.spec.version.name}, baking ${bake} s`);
    this.stageEvent = this.sim.after(secondsToUs(bake), Priority.control, this.onStageDone);
  }

  private complete(): void {
    this.finish("completed");
    this.log("rollout_complete", `${this.spec.version.name} serves all traffic; releasing the old fleet`);
    // The new version becomes the current one; the old one drains away.
    this.set.setDesired(this.set.desiredOf[OLD], NEW);
    this.set.current = NEW;
    this.set.setDesired(0, OLD);
    this.set.reconcile("rollout complete");
  }

  private rollback(reason: string): void {
    if (this.stageEvent >= 0) this.sim.cancel(this.stageEvent);
    this.stageEvent = -1;
    this.service.setShare(0);
    this.finish("rolled_back");
    this.record.rollback_reason = reason;
    this.log("rollback", reason);
    this.set.setDesired(0, NEW);
    this.set.reconcile("rollback");
  }

  private finish(outcome: RolloutOutcome): void {
    this.record.outcome = outcome;
    this.record.ended_s = this.sim.nowUs / 1e6;
    if (this.alarmEvent >= 0) this.sim.cancel(this.alarmEvent);
    this.alarmEvent = -1;
    this.set.hold = false;
    this.set.onServing = undefined;
    this.service.endSplit();
  }

  private checkAlarms(): void {
    this.alarmEvent = -1;
    const alarms = this.spec.alarms!;
    const fromUs = this.sim.nowUs - secondsToUs(alarms.window);
    this.window = this.window.filter((e) => e.tUs > fromUs);
    const n = this.window.length;
    if (n >= alarms.min_requests) {
      const failures = this.window.filter((e) => e.failed).length;
      const ttfts = this.window.filter((e) => !e.failed).map((e) => e.ttftUs).sort((a, b) => a - b);
      const errorRate = failures / n;
      const p99S = ttfts.length > 0 ? quantileSorted(ttfts, 0.99) / 1e6 : 0;
      if (alarms.error_rate !== undefined && errorRate > alarms.error_rate) {
        return this.rollback(`error rate ${(errorRate * 100).toFixed(2)} % of ${n} requests over ${alarms.window} s > alarm ${(alarms.error_rate * 100).toFixed(2)} %`);
      }
      if (alarms.ttft_p99 !== undefined && p99S > alarms.ttft_p99) {
        return this.rollback(`p99 TTFT ${p99S.toFixed(3)} s over ${alarms.window} s > alarm ${alarms.ttft_p99} s`);
      }
    }
    this.scheduleAlarmCheck();
  }
}
