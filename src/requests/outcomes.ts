/**
 * How a request ended: every request ends in exactly one outcome (INVARIANTS.md 4). The table below is
 * the one place that says, per outcome, its report key and whether it is a server error; availability
 * (`uptime_pct`, `error_rate`) and the summary's "errors" column both read `isServerError`.
 *
 * A new outcome (the gateway's `invalid`, `unauthorized`, `blocked`) is one more row: a new number, its
 * report key, its HTTP status and `serverError: false` for a client error, which availability excludes.
 */

export const Outcome = {
  ok: 0,
  /** refused by a rate limit or quota (429) */
  throttled: 1,
  /** refused for lack of capacity: no replica, queue full (503) */
  rejected: 2,
  /** lost to a fault while being served (5xx) */
  failed: 3,
  /** abandoned by the client after its timeout */
  timedOut: 4,
  /** still queued or in service when the run ended */
  inFlight: 5,
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

interface OutcomeInfo {
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
}

/** Indexed by Outcome. */
export const OUTCOMES = [
  { key: "completed", csvName: "ok", httpStatus: 200, serverError: false },
  { key: "throttled", csvName: "throttled", httpStatus: 429, serverError: false },
  { key: "rejected", csvName: "rejected", httpStatus: 503, serverError: true },
  { key: "failed", csvName: "failed", httpStatus: 500, serverError: true },
  { key: "timed_out", csvName: "timed_out", httpStatus: null, serverError: true },
  { key: "in_flight_at_end", csvName: "in_flight_at_end", httpStatus: null, serverError: false },
] as const satisfies readonly OutcomeInfo[];

export type OutcomeKey = (typeof OUTCOMES)[number]["key"];

/** Outcomes that count against availability and in the "errors" of every report. */
export const SERVER_ERROR_OUTCOMES: readonly Outcome[] = OUTCOMES.flatMap((o, i) => (o.serverError ? [i as Outcome] : []));

export function isServerError(outcome: Outcome): boolean {
  return OUTCOMES[outcome].serverError;
}

/** Server errors among outcome counts indexed by Outcome (a ScopeStats' `outcomes`). */
export function serverErrors(counts: ArrayLike<number>): number {
  let errors = 0;
  for (const outcome of SERVER_ERROR_OUTCOMES) errors += counts[outcome];
  return errors;
}
