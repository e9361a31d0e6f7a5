/**
 * How a request ended: every request ends in exactly one outcome (INVARIANTS.md 4). The table below is
 * the one place that says, per outcome, its report key, whether it is a server error and whether the
 * client caused it; availability (`uptime_pct`, `error_rate`, a refused attempt's count), the
 * summary's "errors" column and SLO attainment all read it.
 *
 * A client error (400, 403, 429) is not a server error: availability leaves it out, as AWS's SLA does.
 */

interface OutcomeInfo {
  /** its name in code: `Outcome.<name>` */
  readonly name: string;
  /** key in report.json's `requests` counts */
  readonly key: string;
  /** name in requests.csv's `outcome` column */
  readonly csvName: string;
  /** status the API answers with; null where it answers nothing (the client gave up, the run ended) */
  readonly httpStatus: number | null;
  /**
   * Counts against availability: the service failed a request it should have served. A throttle is the
   * tenant's own doing (AWS's SLA excludes it); a timeout counts, since the service was too slow to answer.
   */
  readonly serverError: boolean;
  /**
   * The client caused it (a 400 or 403 the request would get however the service ran): it leaves the
   * denominator of SLO attainment and goodput. Every other outcome but success is a miss there:
   * throttled, rejected, failed, timed out and in flight (DistServe's attainment, over all requests).
   */
  readonly clientCaused: boolean;
}

/**
 * How a request can end, one row each: a new outcome is a new row (its index is its place here), and
 * availability, SLO attainment, the summary's errors, report.json's counts and requests.csv follow.
 */
export const OUTCOMES = [
  { name: "ok", key: "completed", csvName: "ok", httpStatus: 200, serverError: false, clientCaused: false },
  /** refused by validation: prompt empty, or prompt + output over the model's context (400) */
  { name: "invalid", key: "invalid", csvName: "invalid", httpStatus: 400, serverError: false, clientCaused: true },
  /** credentials refused (403) */
  { name: "unauthorized", key: "unauthorized", csvName: "unauthorized", httpStatus: 403, serverError: false, clientCaused: true },
  /** refused by a WAF rule (403) */
  { name: "blocked", key: "blocked", csvName: "blocked", httpStatus: 403, serverError: false, clientCaused: true },
  /** refused by a rate limit or quota (429) */
  { name: "throttled", key: "throttled", csvName: "throttled", httpStatus: 429, serverError: false, clientCaused: false },
  /** refused for lack of capacity: no replica, queue full, no region allowed by residency (503) */
  { name: "rejected", key: "rejected", csvName: "rejected", httpStatus: 503, serverError: true, clientCaused: false },
  /** lost to a fault: its replica died under it, or could not be reached (5xx) */
  { name: "failed", key: "failed", csvName: "failed", httpStatus: 500, serverError: true, clientCaused: false },
  /** abandoned by the client after its timeout */
  { name: "timedOut", key: "timed_out", csvName: "timed_out", httpStatus: null, serverError: true, clientCaused: false },
  /** still queued or in service when the run ended */
  { name: "inFlight", key: "in_flight_at_end", csvName: "in_flight_at_end", httpStatus: null, serverError: false, clientCaused: false },
  /** a batch job's record not done by the end of its completion window (not a server error: the job ends PartiallyCompleted); reported only where tenants run batch jobs */
  { name: "expired", key: "expired", csvName: "expired", httpStatus: null, serverError: false, clientCaused: false },
] as const satisfies readonly OutcomeInfo[];

type Rows = typeof OUTCOMES;
type OutcomeIndex = { [I in keyof Rows & `${number}` as Rows[I]["name"]]: I extends `${infer N extends number}` ? N : never };

/** Outcomes by name, each its row's index in OUTCOMES. */
export const Outcome = Object.fromEntries(OUTCOMES.map((o, i) => [o.name, i])) as OutcomeIndex;
export type Outcome = OutcomeIndex[keyof OutcomeIndex];

export type OutcomeKey = Rows[number]["key"];

/** Outcomes that count against availability and in the "errors" of every report. */
export const SERVER_ERROR_OUTCOMES: readonly Outcome[] = OUTCOMES.flatMap((o, i) => (o.serverError ? [i as Outcome] : []));

export function isServerError(outcome: Outcome): boolean {
  return OUTCOMES[outcome].serverError;
}

/** Requests that SLO attainment and goodput are a share of: all but the client-caused outcomes (indexed by Outcome). */
export function sloDenominator(counts: ArrayLike<number>): number {
  let n = 0;
  OUTCOMES.forEach((o, i) => {
    if (!o.clientCaused) n += counts[i];
  });
  return n;
}

/** Server errors among outcome counts indexed by Outcome (a ScopeStats' `outcomes`). */
export function serverErrors(counts: ArrayLike<number>): number {
  let errors = 0;
  for (const outcome of SERVER_ERROR_OUTCOMES) errors += counts[outcome];
  return errors;
}
