/** Availability as AWS computes it: requests and server errors per 5-minute interval, uptime per region, and the SLA credit it earns. */

/** AWS computes availability over 5-minute intervals. */
export const AVAILABILITY_INTERVAL_US = 300e6;

/** Requests and server errors of one region, by 5-minute interval of their end. */
export class RegionAvailability {
  readonly total: number[] = [];
  readonly errors: number[] = [];
  count(nowUs: number, error: boolean): void {
    const bucket = Math.floor(nowUs / AVAILABILITY_INTERVAL_US);
    while (this.total.length <= bucket) {
      this.total.push(0);
      this.errors.push(0);
    }
    this.total[bucket]++;
    if (error) this.errors[bucket]++;
  }
}

export interface RegionUptime {
  /** 100 % minus the mean error rate over the 5-minute intervals (server errors and timeouts; not throttles) */
  uptime_pct: number;
  sla_credit_pct: number;
  /** server errors over requests ended in the window, 0 without requests */
  error_rate: number;
  intervals: number;
}

/** Bedrock-style service credit for a region's monthly uptime, percent of its revenue: 10 % below 99.9 %, 25 % below 99 %, 100 % below 95 %. */
export function slaCreditPct(uptimePct: number): number {
  if (uptimePct < 95) return 100;
  if (uptimePct < 99) return 25;
  if (uptimePct < 99.9) return 10;
  return 0;
}

/** Uptime of a region over the intervals that overlap [fromUs, toUs] (at least one); an interval without requests counts as fully up. */
export function regionUptime(counts: Pick<RegionAvailability, "total" | "errors">, fromUs: number, toUs: number): RegionUptime {
  const first = Math.floor(fromUs / AVAILABILITY_INTERVAL_US);
  const last = Math.max(first, Math.ceil(toUs / AVAILABILITY_INTERVAL_US) - 1);
  let errorRateSum = 0;
  let intervals = 0;
  let errors = 0;
  let requests = 0;
  for (let b = first; b <= last; b++) {
    const n = counts.total[b] ?? 0;
    const e = counts.errors[b] ?? 0;
    errorRateSum += n > 0 ? e / n : 0;
    intervals++;
    errors += e;
    requests += n;
  }
  const uptime = 100 * (1 - errorRateSum / intervals);
  return { uptime_pct: uptime, sla_credit_pct: slaCreditPct(uptime), error_rate: requests > 0 ? errors / requests : 0, intervals };
}

/** The lowest uptime of any region (the `availability` threshold metric); null without regions. */
export function lowestUptimePct(regions: readonly RegionUptime[]): number | null {
  return regions.length > 0 ? Math.min(...regions.map((r) => r.uptime_pct)) : null;
}
