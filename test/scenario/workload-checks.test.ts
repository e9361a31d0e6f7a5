/** Tenants' rate schedules and sending windows: parsed as written, refused with the offending field's position when out of order. */
import { describe, expect, it } from "vitest";
import { loadScenarioText } from "../../src/index.js";
import { ScenarioError } from "../../src/scenario/issues.js";

const SCENARIO = `version: 1
name: schedule
duration: 3h
models:
  - name: svc
    engine: { kind: queue, service_time: { dist: fixed, value: 10ms } }
workload:
  tenants:
    - name: t
      model: svc
      arrival: { kind: piecewise, rates: [ { at: 0s, rate_per_s: 2 }, { at: 1h, rate_per_s: 20 }, { at: 2h, rate_per_s: 2 } ] }
`;

function problems(text: string): string[] {
  try {
    loadScenarioText(text, "schedule.yaml");
    return [];
  } catch (error) {
    if (!(error instanceof ScenarioError)) throw error;
    return error.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
  }
}

describe("piecewise rate schedules", () => {
  it("parses the schedule as written, durations in seconds", () => {
    const arrival = loadScenarioText(SCENARIO, "schedule.yaml").scenario.workload.tenants[0].arrival;
    expect(arrival).toStrictEqual({
      kind: "piecewise",
      rates: [
        { at: 0, rate_per_s: 2 },
        { at: 3600, rate_per_s: 20 },
        { at: 7200, rate_per_s: 2 },
      ],
    });
  });

  it("refuses pieces out of time order, pointing at the `at` that is not after the one before", () => {
    expect(problems(SCENARIO.replace("at: 2h", "at: 1h"))).toEqual([
      "11:105 workload.tenants[0].arrival.rates[2].at: must be after the previous piece's start (3600 s): pieces are listed in time order",
    ]);
  });

  it("refuses a negative rate and an empty schedule", () => {
    expect(problems(SCENARIO.replace("rate_per_s: 20", "rate_per_s: -1"))).toEqual([expect.stringMatching(/^11:\d+ workload\.tenants\[0\]\.arrival\.rates\[1\]\.rate_per_s: /)]);
    expect(problems(SCENARIO.replace(/rates: \[.*\] \}/, "rates: [] }"))).toEqual([expect.stringMatching(/^11:\d+ workload\.tenants\[0\]\.arrival\.rates: /)]);
  });
});

describe("tenant start and stop", () => {
  const windowed = (fields: string) => SCENARIO.replace("      model: svc\n", `      model: svc\n${fields}`);

  it("parses start and stop as durations, and leaves them out when not given", () => {
    expect(loadScenarioText(windowed("      start: 10m\n      stop: 1h\n"), "schedule.yaml").scenario.workload.tenants[0]).toMatchObject({ start: 600, stop: 3600 });
    const tenant = loadScenarioText(SCENARIO, "schedule.yaml").scenario.workload.tenants[0];
    expect([tenant.start, tenant.stop]).toEqual([undefined, undefined]);
  });

  it("refuses a stop not after start, pointing at stop", () => {
    expect(problems(windowed("      start: 1h\n      stop: 30m\n"))).toEqual([
      "12:13 workload.tenants[0].stop: must be after start (3600 s): the tenant would send nothing",
    ]);
    expect(problems(windowed("      start: 1h\n      stop: 1h\n"))).toEqual([expect.stringMatching(/^12:13 workload\.tenants\[0\]\.stop: must be after start/)]);
    expect(problems(windowed("      stop: 0s\n"))).toEqual([expect.stringMatching(/^11:13 workload\.tenants\[0\]\.stop: expected a duration > 0/)]);
  });
});
