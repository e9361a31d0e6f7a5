/** Availability as AWS computes it: requests and server errors per 5-minute interval, uptime per region, and the SLA credit it earns. */

/** AWS computes availability over 5-minute intervals. */
export const AVAILABILITY_INTERVAL_US = 300e6;

/** Requests and server errors of one region, by 5-minute interval of their end. */
export class RegionAvailability {
  readonly total: number[] = [];
  readonly errors: number[] = [];
  /** the last interval counted in begins at `total.length - 1` x 300 s and ends here (times are integer µs and never decrease) */
  private intervalEndUs = 0;

  count(nowUs: number, error: boolean): void {
    if (nowUs >= this.intervalEndUs) {
      const bucket = Math.floor(nowUs / AVAILABILITY_INTERVAL_US);
      while (this.total.length <= bucket) {
        this.total.push(0);
        this.errors.push(0);
      }
      this.intervalEndUs = (bucket + 1) * AVAILABILITY_INTERVAL_US;
    }
    const last = this.total.length - 1;
    this.total[last]++;
    if (error) this.errors[last]++;
  }
}

export interface RegionUptime {
  /** 100 % minus the mean error rate over the window's 5-minute intervals (server errors and timeouts over those and successes) */
  uptime_pct: number;
  /** the same over a 30-day month (8,640 intervals) whose intervals outside the window had no errors */
  month_uptime_pct: number;
  /** credit earned by the uptime the scenario's `sla.credit_basis` names */
  sla_credit_pct: number;
  /** failed attempts (5xx and timed out) over counted attempts in the window, 0 without any */
  error_rate: number;
  /** API calls counted: successes, server errors and timeouts (client errors are in neither) */
  attempts: number;
  intervals: number;
}

/** 5-minute intervals in a 30-day month, the period AWS's SLA computes monthly uptime over. */
export const INTERVALS_PER_MONTH = (30 * 24 * 3600e6) / AVAILABILITY_INTERVAL_US;

/** Bedrock-style service credit for a region's monthly uptime, percent of its revenue: 10 % below 99.9 %, 25 % below 99 %, 100 % below 95 %. */
export function slaCreditPct(uptimePct: number): number {
  if (uptimePct < 95) return 100;
  if (uptimePct < 99) return 25;
  if (uptimePct < 99.9) return 10;
  return 0;
}

/**
 * The intervals uptime is computed over: the whole 5-minute intervals inside [fromUs, toUs]; a
 * window shorter than one whole interval uses the intervals it overlaps.
 */
export function availabilityIntervals(fromUs: number, toUs: number): { first: number; last: number } {
  const first = Math.ceil(fromUs / AVAILABILITY_INTERVAL_US);
  const last = Math.floor(toUs / AVAILABILITY_INTERVAL_US) - 1;
  if (last >= first) return { first, last };
  const overlapFirst = Math.floor(fromUs / AVAILABILITY_INTERVAL_US);
  return { first: overlapFirst, last: Math.max(overlapFirst, Math.ceil(toUs / AVAILABILITY_INTERVAL_US) - 1) };
}

/**
 * Uptime as AWS defines it: per interval, error rate = failed attempts / counted attempts (0 in an
 * interval without any); uptime = 100 % minus the mean interval error rate.
 */
export function regionUptime(counts: Pick<RegionAvailability, "total" | "errors">, fromUs: number, toUs: number, creditBasis: "window" | "month" = "window"): RegionUptime {
  const { first, last } = availabilityIntervals(fromUs, toUs);
  let errorRateSum = 0;
  let intervals = 0;
  let errors = 0;
  let attempts = 0;
  for (let b = first; b <= last; b++) {
    const n = counts.total[b] ?? 0;
    const e = counts.errors[b] ?? 0;
    errorRateSum += n > 0 ? e / n : 0;
    intervals++;
    errors += e;
    attempts += n;
  }
  const uptime = 100 * (1 - errorRateSum / intervals);
  const monthUptime = 100 * (1 - errorRateSum / INTERVALS_PER_MONTH);
  return {
    uptime_pct: uptime,
    month_uptime_pct: monthUptime,
    sla_credit_pct: slaCreditPct(creditBasis === "month" ? monthUptime : uptime),
    error_rate: attempts > 0 ? errors / attempts : 0,
    attempts,
    intervals,
  };
}

/** The lowest uptime of any region (the `availability` threshold metric); null without regions. */
export function lowestUptimePct(regions: readonly RegionUptime[]): number | null {
  return regions.length > 0 ? Math.min(...regions.map((r) => r.uptime_pct)) : null;
}
