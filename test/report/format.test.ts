/** summary.md and report.html write numbers the same way; the "errors" column counts server errors only. */
import { describe, expect, it } from "vitest";
import { clockTime, count, percent, percentOf, percentPoints, seconds, thresholdActual, usd } from "../../src/report/format.js";
import { summaryMarkdown } from "../../src/report/markdown.js";
import { simulate } from "../../src/index.js";
import { overloaded } from "../support/scenarios.js";

describe("number formats", () => {
  it("writes durations in ms below a second and s above, 3 significant digits", () => {
    expect([seconds(null), seconds(0), seconds(0.0617), seconds(2.1)]).toEqual(["–", "0", "61.7 ms", "2.10 s"]);
  });

  it("writes money with cents and separators, four decimals below ten cents, the sign before the $", () => {
    expect([usd(1760.514), usd(-992.63), usd(0.0023), usd(0), usd(55.04)]).toEqual(["$1,760.51", "-$992.63", "$0.0023", "$0.00", "$55.04"]);
  });

  it("writes an event's simulated time as a clock reads it, with the day past the first", () => {
    expect([clockTime(0), clockTime(67_380), clockTime(67_380.9), clockTime(86_400), clockTime(86_400 + 67_380)]).toEqual(["00:00:00", "18:43:00", "18:43:00", "d2 00:00:00", "d2 18:43:00"]);
  });

  it("writes counts, shares and percent points", () => {
    expect(count(1064424)).toBe("1,064,424");
    expect(percent(0.2534)).toBe("25.3 %");
    expect(percentOf(1, 3)).toBe("33.33 %");
    expect(percentOf(1, 0)).toBe("–");
    expect(percentPoints(99.95, 3)).toBe("99.950 %");
    expect([thresholdActual(null), thresholdActual(0.123456)]).toEqual(["no data", "0.1235"]);
  });
});

describe("summary.md errors column", () => {
  it("counts server errors (rejected, failed, timed out), not throttles, as error_rate and availability do", () => {
    const tenant = (name: string) => ({ name, model: "svc", arrival: { kind: "poisson" as const, rate_per_s: 6 }, timeout: "3s" });
    const report = simulate(overloaded({ duration: 300, workload: { tenants: [tenant("a"), tenant("b")] } })).report;
    // No policy throttles yet; a throttled count must still stay out of the column.
    const r = report.by_tenant.a.requests;
    r.throttled = 7;
    const serverErrors = r.rejected + r.failed + r.timed_out;
    expect(serverErrors).toBeGreaterThan(0);
    const row = summaryMarkdown(report).split("\n").find((line) => line.startsWith("| a |"))!;
    expect(row.split("|")[4].trim()).toBe(count(serverErrors));
  });
});
