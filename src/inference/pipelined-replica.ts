/**
 * A replica split into `pp` pipeline stages keeps `pp` micro-batches in flight, as vLLM's virtual
 * engines and TensorRT-LLM's pipeline micro-batching do: its sequences are divided among `pp` lanes,
 * each with its own scheduler and an equal share of the KV blocks (vLLM's Scheduler divides
 * num_gpu_blocks by the pipeline size), and each lane's iteration crosses every stage. With all lanes
 * busy every stage is busy; with one lane busy (a lone request) the other stages idle: the pipeline
 * bubble, paid as the full crossing time per token. A new request goes to the lane with the fewest
 * requests (vLLM adds it to the virtual engine with the fewest unfinished sequences).
 */
import type { Replica, ReplicaHost } from "./replica.js";
import { combineLanes, type ReplicaSummary } from "../metrics/replica-summary.js";
import type { BatchingReplica } from "./batching-replica.js";

export class PipelinedReplica implements Replica {
  readonly lanes: BatchingReplica[];
  /** lane of each request held here */
  private readonly laneOf = new Map<number, number>();
  private readonly laneShare: Float64Array;
  private readonly laneBusy: Uint8Array;
  onPower?: (computeShare: number, busy: boolean) => void;

  constructor(
    readonly index: number,
    pp: number,
    host: ReplicaHost,
    makeLane: (laneHost: ReplicaHost) => BatchingReplica,
  ) {
    const laneHost: ReplicaHost = {
      ctx: host.ctx,
      serviceId: host.serviceId,
      connectTimeoutUs: host.connectTimeoutUs,
      started: (req) => host.started(req),
      completed: (req, firstTokenUs) => {
        this.laneOf.delete(req);
        host.completed(req, firstTokenUs);
      },
      hasRoom: () => host.hasRoom(this),
      failed: (req) => {
        this.laneOf.delete(req);
        host.failed(req);
      },
    };
    this.lanes = Array.from({ length: pp }, () => makeLane(laneHost));
    this.laneShare = new Float64Array(pp);
    this.laneBusy = new Uint8Array(pp);
    this.lanes.forEach((lane, k) => (lane.onPower = (computeShare, busy) => this.lanePower(k, computeShare, busy)));
  }

  /** The GPUs are busy while any lane runs; the lanes' compute shares (each over all the replica's GPUs) add up. */
  private lanePower(k: number, computeShare: number, busy: boolean): void {
    this.laneShare[k] = computeShare;
    this.laneBusy[k] = busy ? 1 : 0;
    let running = 0;
    let share = 0;
    for (let i = 0; i < this.lanes.length; i++) {
      if (!this.laneBusy[i]) continue;
      running++;
      share += this.laneShare[i];
    }
    this.onPower?.(Math.min(1, share), running > 0);
  }

  private sum(of: (lane: BatchingReplica) => number): number {
    let total = 0;
    for (const lane of this.lanes) total += of(lane);
    return total;
  }

  get outstanding(): number {
    return this.sum((l) => l.outstanding);
  }
  get waiting(): number {
    return this.sum((l) => l.waiting);
  }
  get outstandingTokens(): number {
    return this.sum((l) => l.outstandingTokens);
  }
  get alive(): boolean {
    return this.lanes[0].alive;
  }
  get latencyFactor(): number {
    return this.lanes[0].latencyFactor;
  }
  set latencyFactor(factor: number) {
    for (const lane of this.lanes) lane.latencyFactor = factor;
  }

  hasFreeSlot(): boolean {
    return this.lanes.some((l) => l.hasFreeSlot());
  }

  kvLoad(): number {
    return this.sum((l) => l.kvLoad()) / this.lanes.length;
  }

  prefixMatchTokens(req: number): number {
    let best = 0;
    for (const lane of this.lanes) best = Math.max(best, lane.prefixMatchTokens(req));
    return best;
  }

  submit(req: number): void {
    let k = 0;
    for (let i = 1; i < this.lanes.length; i++) if (this.lanes[i].outstanding < this.lanes[k].outstanding) k = i;
    this.laneOf.set(req, k);
    this.lanes[k].submit(req);
  }

  abandon(req: number): void {
    const k = this.laneOf.get(req);
    if (k === undefined) return;
    this.laneOf.delete(req);
    this.lanes[k].abandon(req);
  }

  fail(): void {
    for (const lane of this.lanes) lane.fail();
  }

  restart(): void {
    for (const lane of this.lanes) lane.restart();
  }

  /** The lanes' summaries combined (counts and rates add up; shares are averaged over the lanes). */
  summary(windowS: number): ReplicaSummary {
    return combineLanes(this.lanes.map((l) => l.summary(windowS)));
  }
}
