/** Simulated time is integer microseconds; scenario and report values are seconds. */
export const US_PER_S = 1_000_000;
export const US_PER_MS = 1_000;

export function secondsToUs(seconds: number): number {
  return Math.round(seconds * US_PER_S);
}

export function usToSeconds(us: number): number {
  return us / US_PER_S;
}
