/**
 * The client's backoff against the SDK for JavaScript v3 (`@smithy/util-retry` 4.6.2, its strategy in
 * `@smithy/core` 3.33.2): floor(random x min(20 s, base x 2^k)) ms for retry k, counted from 0.
 */
import { describe, expect, it } from "vitest";
import { RetryPolicy } from "../../src/workload/retry.js";

/** A policy whose random draws are all `u`. */
const policy = (u: number, retries = 20) => new RetryPolicy({ retries }, () => u);

describe("client backoff as the SDK computes it", () => {
  it("waits up to 100 ms before the first retry (500 ms after a throttle), twice that before the second", () => {
    const almostOne = policy(0.999999);
    // After the first attempt failed (attempts = 1): retry 0.
    expect(almostOne.backoffUs(1, false)).toBe(99_000);
    expect(almostOne.backoffUs(1, true)).toBe(499_000);
    expect(almostOne.backoffUs(2, false)).toBe(199_000);
    expect(almostOne.backoffUs(2, true)).toBe(999_000);
    // Half the ceiling, in whole milliseconds.
    expect(policy(0.5).backoffUs(3, false)).toBe(200_000);
  });

  it("caps the ceiling at 20 s before the jitter, so a late retry waits random(0, 1) x 20 s", () => {
    // 100 ms x 2^9 = 51.2 s > 20 s from the 10th retry on.
    expect(policy(0.999999).backoffUs(10, false)).toBe(19_999_000);
    expect(policy(0.25).backoffUs(15, false)).toBe(5_000_000);
    expect(policy(0.25).backoffUs(15, true)).toBe(5_000_000);
  });
});
