/**
 * KV-cache transfers between servers, for prefill/decode disaggregation: each transfer moves its
 * bytes out of its source server's network link and into its destination's, every link shared
 * max-min fairly among the transfers on it (progressive filling), each transfer also capped at the
 * model's `kv_transfer.bandwidth_gb_per_s`. Rates change whenever a transfer starts or ends, so
 * every change settles the bytes moved so far and reschedules the ends. A transfer inside one server
 * uses NVLink: capped alone (at the cap and the GPUs' NVLink rate), sharing no server link. After its
 * bytes, a transfer takes its fixed latency.
 */
import { Priority, type Simulator } from "../engine/index.js";

export interface TransferSpec {
  bytes: number;
  /** source and destination servers */
  from: number;
  to: number;
  /** the transfer's own cap, bytes per µs */
  capBytesPerUs: number;
  /** fixed time after the bytes, µs */
  latencyUs: number;
  /** called when the transfer (bytes and latency) is done */
  done: () => void;
}

interface Active {
  spec: TransferSpec;
  remaining: number;
  rateBytesPerUs: number;
  /** links it crosses: 2 x server (out) and 2 x server + 1 (in); none inside a server */
  links: number[];
  event: number;
  /** in its latency phase: bytes all moved */
  landing: boolean;
}

export class KvTransfers {
  private readonly active = new Map<number, Active>();
  private nextId = 0;
  private settledUs = 0;

  constructor(
    private readonly sim: Simulator,
    /** per server, its network link's rate each way, bytes per µs */
    private readonly linkBytesPerUs: (server: number) => number,
  ) {}

  /** Starts a transfer; returns its id (to cancel it). */
  start(spec: TransferSpec): number {
    this.settle();
    const id = this.nextId++;
    const links = spec.from === spec.to ? [] : [2 * spec.from, 2 * spec.to + 1];
    this.active.set(id, { spec, remaining: spec.bytes, rateBytesPerUs: 0, links, event: -1, landing: false });
    this.reallocate();
    return id;
  }

  /** Drops a transfer (its source or destination went away, or the client gave up). */
  cancel(id: number): void {
    const t = this.active.get(id);
    if (!t) return;
    this.settle();
    this.sim.cancel(t.event);
    this.active.delete(id);
    this.reallocate();
  }

  get inFlight(): number {
    return this.active.size;
  }

  /** Counts the bytes moved since the last change at the rates then in force. */
  private settle(): void {
    const elapsed = this.sim.nowUs - this.settledUs;
    this.settledUs = this.sim.nowUs;
    if (elapsed <= 0) return;
    for (const t of this.active.values()) if (!t.landing) t.remaining = Math.max(0, t.remaining - t.rateBytesPerUs * elapsed);
  }

  /** Max-min fair rates by progressive filling, then each moving transfer's end rescheduled. */
  private reallocate(): void {
    const moving = [...this.active.entries()].filter(([, t]) => !t.landing);
    const capacity = new Map<number, number>();
    const users = new Map<number, number>();
    for (const [, t] of moving) {
      t.rateBytesPerUs = 0;
      for (const link of t.links) {
        if (!capacity.has(link)) capacity.set(link, this.linkBytesPerUs(link >> 1));
        users.set(link, (users.get(link) ?? 0) + 1);
      }
    }
    let unfrozen = moving.map(([, t]) => t);
    while (unfrozen.length > 0) {
      // The smallest increment anyone can take: a link's fair share of what is left, or a transfer's headroom to its cap.
      let step = Infinity;
      for (const [link, n] of users) if (n > 0) step = Math.min(step, capacity.get(link)! / n);
      for (const t of unfrozen) step = Math.min(step, t.spec.capBytesPerUs - t.rateBytesPerUs);
      for (const t of unfrozen) {
        t.rateBytesPerUs += step;
        for (const link of t.links) capacity.set(link, capacity.get(link)! - step);
      }
      const saturated = new Set([...capacity.entries()].filter(([, c]) => c <= 1e-9 * Math.max(1, step)).map(([link]) => link));
      const next: Active[] = [];
      for (const t of unfrozen) {
        const frozen = t.rateBytesPerUs >= t.spec.capBytesPerUs * (1 - 1e-12) || t.links.some((l) => saturated.has(l));
        if (frozen) for (const link of t.links) users.set(link, users.get(link)! - 1);
        else next.push(t);
      }
      if (next.length === unfrozen.length) break; // nothing froze: every rate is final
      unfrozen = next;
    }
    for (const [id, t] of moving) {
      this.sim.cancel(t.event);
      const us = Math.max(0, Math.ceil(t.remaining / t.rateBytesPerUs));
      t.event = this.sim.after(us, Priority.completion, () => this.moved(id));
    }
  }

  /** Its bytes are all across: the link is free for the others, and the latency runs. */
  private moved(id: number): void {
    const t = this.active.get(id)!;
    this.settle();
    t.remaining = 0;
    t.landing = true;
    t.rateBytesPerUs = 0;
    this.reallocate();
    t.event = this.sim.after(Math.round(t.spec.latencyUs), Priority.completion, () => {
      this.active.delete(id);
      t.spec.done();
    });
  }
}
