/** Which region serves a tenant's next attempt: home by nearest, weights or load, spill when home is saturated, never outside the allowed regions. */
import { secondsToUs, type Rng } from "../engine/index.js";
import type { TenantRoutingSpec } from "../scenario/schema.js";

/** What the router reads of a region's model service. */
export interface RegionLoad {
  /** its load balancer has a replica it believes healthy */
  readonly routable: boolean;
  /** requests waiting (central queue and replica queues) per replica it sends to; Infinity when it has none */
  waitingPerReplica(): number;
  /** p90 of the queue waits of requests that started service in the last minute, microseconds; 0 without any */
  queueWaitP90Us(nowUs: number): number;
}

/** A region serving the tenant's model, as seen from the tenant's clients. */
export interface RegionOption {
  readonly load: RegionLoad;
  /** index of the region in the topology */
  readonly region: number;
  readonly name: string;
  readonly geo: string;
  /** round trip between the tenant's clients and the region, microseconds */
  readonly rttUs: number;
}

/**
 * Why the last choice came out as it did, for the report:
 * - `home`: the region the mode picks (also the nearest when nothing is routable and no residency applies);
 * - `failover`: the mode's first preference could not take requests (nearest: the nearest candidate is
 *   not routable; weighted: no region with a weight is routable), so the nearest routable one serves;
 * - `spill`: home was saturated and a less loaded region in the profile's scope took the attempt;
 * - `residency`: no allowed region can serve now (the caller answers 503 `residency`).
 */
export type RegionChoiceReason = "home" | "spill" | "failover" | "residency";

export class RegionRouter {
  lastReason: RegionChoiceReason = "home";
  /** options filtered by allowed_regions, nearest first */
  private readonly candidates: readonly RegionOption[];
  /** per candidate, its share in mode `weighted` (0 when not listed) */
  private readonly weights: Float64Array;
  private readonly spillAfterUs: number;
  private readonly residency: boolean;

  /** options: every region serving the tenant's model, nearest first (ties by region index) */
  constructor(
    private readonly spec: TenantRoutingSpec,
    options: readonly RegionOption[],
    private readonly rng: Rng,
  ) {
    const allowed = spec.allowed_regions;
    this.residency = allowed !== undefined;
    this.candidates = allowed === undefined ? options : options.filter((o) => allowed.includes(o.name));
    this.weights = Float64Array.from(this.candidates, (o) => spec.weights?.[o.name] ?? 0);
    this.spillAfterUs = secondsToUs(spec.spill_after);
  }

  /**
   * The region for an attempt at `nowUs`, or null when the tenant's allowed regions can serve nothing
   * now. Without allowed_regions and with nothing routable, the nearest region (the request is then
   * rejected there). Null also when the model is served nowhere; the front end handles that first.
   */
  choose(nowUs: number): RegionOption | null {
    // One draw per choice in weighted mode, whatever the regions' state, so an outage does not shift later draws.
    const draw = this.spec.mode === "weighted" ? this.rng() : 0;
    const home = this.home(draw);
    if (home === null) {
      this.lastReason = this.residency ? "residency" : "home";
      // Without residency, today's behaviour: the nearest region, which will reject the request.
      return this.residency || this.candidates.length === 0 ? null : this.candidates[0];
    }
    if (this.spec.profile !== "none" && home.load.queueWaitP90Us(nowUs) > this.spillAfterUs) {
      const target = this.spillTarget(home, nowUs);
      if (target !== null) {
        this.lastReason = "spill";
        return target;
      }
    }
    return home;
  }

  /** The mode's region among the routable candidates (setting lastReason to home or failover), or null if none is routable. */
  private home(draw: number): RegionOption | null {
    const candidates = this.candidates;
    const nearest = candidates.findIndex((c) => c.load.routable);
    if (nearest < 0) return null;
    this.lastReason = "home";
    switch (this.spec.mode) {
      case "nearest":
        if (nearest > 0) this.lastReason = "failover";
        return candidates[nearest];
      case "weighted": {
        let totalWeight = 0;
        for (let i = 0; i < candidates.length; i++) if (candidates[i].load.routable) totalWeight += this.weights[i];
        if (totalWeight === 0) {
          this.lastReason = "failover";
          return candidates[nearest];
        }
        let remaining = draw * totalWeight;
        let last = nearest;
        for (let i = 0; i < candidates.length; i++) {
          if (!candidates[i].load.routable || this.weights[i] === 0) continue;
          last = i;
          remaining -= this.weights[i];
          if (remaining < 0) return candidates[i];
        }
        // Rounding can leave a sliver past the last weight: it belongs to the last weighted region.
        return candidates[last];
      }
      case "least_loaded":
        return this.leastLoaded(nearest);
    }
  }

  /** The least-loaded routable, unsaturated candidate other than home within the profile's scope, or null. */
  private spillTarget(home: RegionOption, nowUs: number): RegionOption | null {
    const sameGeography = this.spec.profile === "geography";
    let best: RegionOption | null = null;
    let bestWaiting = Infinity;
    for (const c of this.candidates) {
      if (c === home || !c.load.routable || (sameGeography && c.geo !== home.geo)) continue;
      const waiting = c.load.waitingPerReplica();
      // Strictly fewer: ties go to the nearer; the p90 is read only for a region that would win.
      if ((best === null || waiting < bestWaiting) && c.load.queueWaitP90Us(nowUs) <= this.spillAfterUs) {
        best = c;
        bestWaiting = waiting;
      }
    }
    return best;
  }

  /** The routable candidate from index `from` on with the fewest waiting per replica, ties to the nearer. */
  private leastLoaded(from: number): RegionOption {
    let best = this.candidates[from];
    let bestWaiting = best.load.waitingPerReplica();
    for (let i = from + 1; i < this.candidates.length; i++) {
      const c = this.candidates[i];
      if (!c.load.routable) continue;
      const waiting = c.load.waitingPerReplica();
      if (waiting < bestWaiting) {
        best = c;
        bestWaiting = waiting;
      }
    }
    return best;
  }
}
