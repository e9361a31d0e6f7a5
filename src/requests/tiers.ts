/**
 * Service tiers (Bedrock's priority, standard, flex and batch): the order in which waiting requests
 * are taken, at a replica's admission and in a model's central queue, and which running sequence is
 * preempted first. A lower rank is served first: priority 0, on_demand 1, flex 2, batch 3. A request
 * that has waited `priority_aging` rises one rank, never more (so batch never above flex): a bound on
 * starvation, not a promotion to the top. Within a rank, the oldest arrival first; a preempted request
 * resumes ahead of the new ones of its own tier, as vLLM resumes before admitting.
 */
import type { FormationPolicy } from "../inference/batch-formation.js";
import { RequestQueue } from "./queue.js";
import { TIERS } from "../scenario/schema/workload.js";
import { RequestState, type RequestTable } from "./table.js";

export { TIERS };
export type Tier = (typeof TIERS)[number];

/** How a model orders its waiting requests by tier: each tenant's tier rank, and the wait after which a request rises one rank. */
export interface TierOrder {
  /** per tenant (by index): its tier's rank in TIERS */
  rankOfTenant: Uint8Array;
  /** a request waiting at least this long (since its attempt reached the model) ranks one tier higher; Infinity: never */
  agingUs: number;
}

/** The rank of `req` by its tier alone: a request served under reserved capacity ranks with priority. */
function rankOf(order: TierOrder, requests: RequestTable, req: number): number {
  return requests.reserved[req] ? 0 : order.rankOfTenant[requests.tenant[req]];
}

/** The rank of `req` now: its tier's, one better once it has waited the aging time. */
function rankNow(order: TierOrder, requests: RequestTable, req: number, nowUs: number): number {
  const rank = rankOf(order, requests, req);
  return rank > 0 && nowUs - requests.attemptStartUs[req] >= order.agingUs ? rank - 1 : rank;
}

/**
 * Waiting requests by tier: one first-come-first-served queue and one resume stack per tier. `peek`
 * compares the heads (an aged head ranks one better); ties go to the earlier arrival.
 */
export class TierLine {
  private readonly queues: RequestQueue[];
  private readonly resume: number[][];
  /** where the request `peek` returned sits: its tier, and whether on the resume stack */
  private peekedTier = -1;
  private peekedResume = false;

  constructor(
    private readonly requests: RequestTable,
    private readonly order: TierOrder,
  ) {
    this.queues = TIERS.map(() => new RequestQueue(requests));
    this.resume = TIERS.map(() => []);
  }

  get length(): number {
    let n = 0;
    for (let t = 0; t < TIERS.length; t++) n += this.queues[t].length + this.resume[t].length;
    return n;
  }

  push(req: number): void {
    this.queues[rankOf(this.order, this.requests, req)].push(req);
  }

  pushPreempted(req: number): void {
    this.resume[rankOf(this.order, this.requests, req)].push(req);
  }

  /** The top of a tier's resume stack still waiting (abandoned ones released on the way), or -1. */
  private resumeHead(t: number): number {
    const stack = this.resume[t];
    while (stack.length > 0) {
      const req = stack[stack.length - 1];
      if (this.requests.stateOf(req) !== RequestState.abandoned) return req;
      stack.pop();
      this.requests.release(req);
    }
    return -1;
  }

  peek(): number {
    const requests = this.requests;
    const nowUs = requests.clock.nowUs;
    let best = -1;
    let bestRank = Infinity;
    for (let t = 0; t < TIERS.length; t++) {
      // A tier's preempted requests go before its new ones.
      let req = this.resumeHead(t);
      const resumed = req >= 0;
      if (!resumed) req = this.queues[t].peek();
      if (req < 0) continue;
      const rank = rankNow(this.order, requests, req, nowUs);
      if (rank < bestRank || (rank === bestRank && requests.attemptStartUs[req] < requests.attemptStartUs[best])) {
        best = req;
        bestRank = rank;
        this.peekedTier = t;
        this.peekedResume = resumed;
      }
    }
    return best;
  }

  /** Removes the request `peek` just returned. */
  take(): void {
    if (this.peekedResume) this.resume[this.peekedTier].pop();
    else this.queues[this.peekedTier].shift();
  }

  /** Removes and returns the request `peek` would return; -1 if none. */
  shift(): number {
    const req = this.peek();
    if (req >= 0) this.take();
    return req;
  }

  /** Empties the line, calling `f` on each request in it (abandoned ones included), preempted ones first. */
  clear(f: (req: number) => void): void {
    for (const stack of this.resume) {
      for (const req of stack) f(req);
      stack.length = 0;
    }
    for (const queue of this.queues) queue.clear(f);
  }
}

/** Preempts the lowest tier first (the highest rank by tier, not aging); among equals the last admitted, as vLLM does. */
export function preemptLowestTier(order: TierOrder, requests: RequestTable): FormationPolicy {
  return {
    victim(running, from) {
      let at = running.length - 1;
      let worst = rankOf(order, requests, running[at]);
      for (let i = running.length - 2; i >= from; i--) {
        const rank = rankOf(order, requests, running[i]);
        if (rank > worst) {
          worst = rank;
          at = i;
        }
      }
      return at;
    },
  };
}
