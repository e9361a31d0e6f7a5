/**
 * Billed prompt caching (Bedrock): a tenant whose prefix carries a `cache_ttl` sets a checkpoint at
 * the end of it, on a model with `prompt_cache`. The ledger keeps, per tenant and prefix variant, when
 * the checkpoint expires: a request using it before then reads it (at the cache-read price), else
 * writes it (at the 5-minute or 1-hour write price); either refreshes the TTL. A prefix shorter than
 * the model's `min_tokens` (or a prompt cut below it) is silently not cached. Billing follows the
 * ledger; what the replica computed follows its own physical cache (a billed read whose blocks were
 * evicted is recomputed).
 */
import type { RequestTable } from "../requests/table.js";
import type { Scenario } from "../scenario/schema.js";

/** How a request used its billed checkpoint. */
export const CacheUse = { none: 0, read: 1, write5m: 2, write1h: 3 } as const;
export type CacheUse = (typeof CacheUse)[keyof typeof CacheUse];

const TTL_US = { "5m": 300e6, "1h": 3600e6 } as const;

export class CacheLedger {
  /** per tenant: its checkpoint's TTL (0: no billed checkpoint), prefix tokens and the model's minimum */
  private readonly ttlUs: Float64Array;
  private readonly prefixTokens: Float64Array;
  private readonly minTokens: Float64Array;
  private readonly writeUse: Uint8Array;
  private readonly variants: Int32Array;
  /** tenant x variant -> when its checkpoint expires, µs */
  private readonly expiresUs = new Map<number, number>();

  constructor(scenario: Scenario) {
    const tenants = scenario.workload.tenants;
    const modelOf = (name: string) => scenario.models.find((m) => m.name === name);
    this.ttlUs = Float64Array.from(tenants, (t) => (t.prefix?.cache_ttl && modelOf(t.model)?.prompt_cache ? TTL_US[t.prefix.cache_ttl] : 0));
    this.prefixTokens = Float64Array.from(tenants, (t) => t.prefix?.tokens ?? 0);
    this.minTokens = Float64Array.from(tenants, (t) => modelOf(t.model)?.prompt_cache?.min_tokens ?? Infinity);
    this.writeUse = Uint8Array.from(tenants, (t) => (t.prefix?.cache_ttl === "1h" ? CacheUse.write1h : CacheUse.write5m));
    this.variants = Int32Array.from(tenants, (t) => t.prefix?.variants ?? 1);
  }

  /** Whether any tenant bills a checkpoint. */
  static wanted(scenario: Scenario): boolean {
    return scenario.workload.tenants.some((t) => t.prefix?.cache_ttl && scenario.models.find((m) => m.name === t.model)?.prompt_cache);
  }

  /** Tokens under the request's checkpoint (0: none), for `use`. */
  checkpointTokens(requests: RequestTable, req: number): number {
    const t = requests.tenant[req];
    if (this.ttlUs[t] === 0 || requests.prefixVariant[req] < 0) return 0;
    const tokens = Math.min(this.prefixTokens[t], requests.inputTokens[req]);
    return tokens >= this.minTokens[t] ? tokens : 0;
  }

  /** The request used its checkpoint at `atUs` (its prompt was computed): a read if the checkpoint was alive, else a write; the TTL restarts. */
  use(requests: RequestTable, req: number, atUs: number): CacheUse {
    if (this.checkpointTokens(requests, req) === 0) return CacheUse.none;
    const t = requests.tenant[req];
    const key = t * this.variants[t] + requests.prefixVariant[req];
    const expires = this.expiresUs.get(key);
    const alive = expires !== undefined && atUs < expires;
    this.expiresUs.set(key, Math.max(expires ?? 0, atUs + this.ttlUs[t]));
    return alive ? CacheUse.read : (this.writeUse[t] as CacheUse);
  }
}
