/** Availability as AWS computes it: requests and server errors per 5-minute interval, uptime per region, and the SLA credit it earns. */

/** AWS computes availability over 5-minute intervals. */
export const AVAILABILITY_INTERVAL_US = 300e6;

/**
 * API calls and server errors of one region (or tenant), by 5-minute interval of their end, counting
 * only calls that end inside the measurement window [fromUs, toUs].
 */
export class RegionAvailability {
  readonly total: number[] = [];
  readonly errors: number[] = [];
  /** the last interval counted in begins at `total.length - 1` x 300 s and ends here (times are integer µs and never decrease) */
  private intervalEndUs = 0;

  constructor(
    private readonly fromUs = 0,
    private readonly toUs = Infinity,
  ) {}

  count(nowUs: number, error: boolean): void {
    if (nowUs < this.fromUs || nowUs > this.toUs) return;
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
  /**
   * 100 % minus the mean error rate over the window's 5-minute intervals (server errors and timeouts
   * over those and successes), every interval aligned to t = 0 and one cut by the window's start or
   * end weighted by the share of it inside
   */
  uptime_pct: number;
  /** the same over a 30-day month (8,640 intervals) whose intervals outside the window had no errors */
  month_uptime_pct: number;
  /** credit earned by the uptime the scenario's `sla.credit_basis` names */
  sla_credit_pct: number;
  /** failed attempts (5xx and timed out) over counted attempts in the window, 0 without any */
  error_rate: number;
  /** API calls counted, ending in the window: successes, server errors and timeouts (client errors are in neither) */
  attempts: number;
  /** 5-minute intervals the window spans, a cut one counted by its share (a 9-minute window: 1.8) */
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
 * Uptime as AWS defines it: per 5-minute interval, error rate = failed attempts / counted attempts (0
 * in an interval without any); uptime = 100 % minus the mean interval error rate. Every interval the
 * window [fromUs, toUs] touches counts, one cut by the window's start or end in proportion to its part
 * inside (whose calls alone were counted), so neither a short run nor an odd warm-up drops an outage.
 */
export function regionUptime(counts: Pick<RegionAvailability, "total" | "errors">, fromUs: number, toUs: number, creditBasis: "window" | "month" = "window"): RegionUptime {
  const first = Math.floor(fromUs / AVAILABILITY_INTERVAL_US);
  const last = Math.max(first, Math.ceil(toUs / AVAILABILITY_INTERVAL_US) - 1);
  let errorRateSum = 0;
  let intervals = 0;
  let errors = 0;
  let attempts = 0;
  for (let b = first; b <= last; b++) {
    const startUs = Math.max(fromUs, b * AVAILABILITY_INTERVAL_US);
    const endUs = Math.min(toUs, (b + 1) * AVAILABILITY_INTERVAL_US);
    // A window of no length still has the one interval it sits in.
    const weight = toUs > fromUs ? (endUs - startUs) / AVAILABILITY_INTERVAL_US : 1;
    if (weight <= 0) continue;
    const n = counts.total[b] ?? 0;
    const e = counts.errors[b] ?? 0;
    errorRateSum += weight * (n > 0 ? e / n : 0);
    intervals += weight;
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
