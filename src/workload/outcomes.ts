/** How a request ended. Every request ends in exactly one of these. */
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

/** report.json's `requests` keys, indexed by Outcome. */
export const OUTCOME_REPORT_KEYS = ["completed", "throttled", "rejected", "failed", "timed_out", "in_flight_at_end"] as const;
