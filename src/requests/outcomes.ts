/**
 * How a request ended: every request ends in exactly one outcome (INVARIANTS.md 4). The table below is
 * the one place that says, per outcome, its report key and whether it is a server error; availability
 * (`uptime_pct`, `error_rate`) and the summary's "errors" column both read `isServerError`.
 *
 * A client error (400, 403, 429) is not a server error: availability leaves it out, as AWS's SLA does.
 */

export const Outcome = {
  ok: 0,
  /** refused by validation: prompt empty, or prompt + output over the model's context (400) */
  invalid: 1,
  /** credentials refused (403) */
  unauthorized: 2,
  /** refused by a WAF rule (403) */
  blocked: 3,
  /** refused by a rate limit or quota (429) */
  throttled: 4,
  /** refused for lack of capacity: no replica, queue full, no region allowed by residency (503) */
  rejected: 5,
  /** lost to a fault: its replica died under it, or could not be reached (5xx) */
  failed: 6,
  /** abandoned by the client after its timeout */
  timedOut: 7,
  /** still queued or in service when the run ended */
  inFlight: 8,
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
  { key: "invalid", csvName: "invalid", httpStatus: 400, serverError: false },
  { key: "unauthorized", csvName: "unauthorized", httpStatus: 403, serverError: false },
  { key: "blocked", csvName: "blocked", httpStatus: 403, serverError: false },
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
