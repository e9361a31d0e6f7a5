/** Each autoscaler's decision rule on made-up period readings, against the rules the AWS policies document. */
import { describe, expect, it } from "vitest";
import { createAutoscaler, type ScalingState } from "../../src/control/autoscalers/index.js";
import type { PeriodReading } from "../../src/control/autoscalers/meter.js";
import { stepFor } from "../../src/control/autoscalers/step.js";
import { ScenarioSchema } from "../../src/scenario/schema.js";

function autoscaler(spec: object) {
  const scenario = ScenarioSchema.parse({
    version: 1,
    name: "a",
    duration: "3d",
    models: [{ name: "m", model: "llama-3.1-8b", replicas: { initial: 2, min: 1, max: 20 }, autoscaler: spec }],
  });
  return createAutoscaler(scenario.models[0].autoscaler!);
}

const reading = (inFlight: number, extra: Partial<PeriodReading> = {}): PeriodReading => ({ inFlight, busy: 0, arrivalRate: 0, ttftP90S: null, waiting: 0, kvLoad: 0, ...extra });
const state = (minute: number, desired: number, serving = desired, extra: Partial<ScalingState> = {}): ScalingState => ({
  nowUs: minute * 60e6,
  desired,
  serving,
  min: 1,
  max: 20,
  leadTimeUs: 0,
  ...extra,
});

describe("target tracking", () => {
  it("scales out on the third datapoint in a row above the target, to ceil(serving x value / target)", () => {
    const a = autoscaler({ kind: "target_tracking", metric: "requests_per_replica", target: 8 });
    expect(a.evaluate(reading(40), state(1, 2))).toBeUndefined(); // 20 per replica
    expect(a.evaluate(reading(40), state(2, 2))).toBeUndefined();
    expect(a.evaluate(reading(40), state(3, 2))?.desired).toBe(5); // ceil(40 / 8)
  });

  it("starts counting again when a datapoint falls back between 90 % and 100 % of the target", () => {
    const a = autoscaler({ kind: "target_tracking", metric: "requests_per_replica", target: 8 });
    a.evaluate(reading(40), state(1, 2));
    a.evaluate(reading(40), state(2, 2));
    expect(a.evaluate(reading(15), state(3, 2))).toBeUndefined(); // 7.5 per replica: inside the band
    expect(a.evaluate(reading(40), state(4, 2))).toBeUndefined();
    expect(a.evaluate(reading(40), state(5, 2))).toBeUndefined();
    expect(a.evaluate(reading(40), state(6, 2))?.desired).toBe(5);
  });

  it("does not scale out again while the replicas it asked for provision (desired counts them)", () => {
    const a = autoscaler({ kind: "target_tracking", metric: "requests_per_replica", target: 8, scale_out_periods: 1 });
    expect(a.evaluate(reading(40), state(1, 2))?.desired).toBe(5);
    // Still 2 serving, 5 desired: the same load asks for 5, which is not more.
    expect(a.evaluate(reading(40), state(2, 5, 2))).toBeUndefined();
  });

  it("limits a change to max_step, scales in only after scale_in_periods below 90 %, and spaces scale-ins by the cooldown", () => {
    const a = autoscaler({ kind: "target_tracking", metric: "requests_per_replica", target: 10, scale_in_periods: 2, scale_in_cooldown: "5m", max_step: 3 });
    expect(a.evaluate(reading(10), state(1, 10))).toBeUndefined(); // 1 per replica
    expect(a.evaluate(reading(10), state(2, 10))?.desired).toBe(7); // wants 1, at most 3 fewer
    expect(a.evaluate(reading(10), state(3, 7))).toBeUndefined();
    expect(a.evaluate(reading(10), state(4, 7))).toBeUndefined(); // two below, but only 2 minutes since the last scale-in
    expect(a.evaluate(reading(10), state(7, 7))?.desired).toBe(4);
  });

  it("keeps within min and max, and treats a period without TTFTs as no datapoint", () => {
    const a = autoscaler({ kind: "target_tracking", metric: "ttft_p90", target: "2s", scale_out_periods: 1 });
    expect(a.evaluate(reading(0, { ttftP90S: null }), state(1, 4))).toBeUndefined();
    expect(a.evaluate(reading(0, { ttftP90S: 30 }), state(2, 4))?.desired).toBe(20); // ceil(4 x 30 / 2) = 60, capped at max
  });
});

describe("step scaling", () => {
  const steps = [
    { above: 4, add: 1 },
    { above: 16, add: 4 },
    { below: 0.5, add: -1 },
  ];

  it("applies the step with the highest bound exceeded, else the lowest bound undercut", () => {
    expect(stepFor(steps, 20)?.add).toBe(4);
    expect(stepFor(steps, 5)?.add).toBe(1);
    expect(stepFor(steps, 0.2)?.add).toBe(-1);
    expect(stepFor(steps, 2)).toBeUndefined();
  });

  it("adds to the serving replicas, so a breach repeated during warm-up asks for nothing more", () => {
    const a = autoscaler({ kind: "step", metric: "queue_length", steps });
    expect(a.evaluate(reading(0, { waiting: 40 }), state(1, 2))?.desired).toBe(6); // 20 waiting per replica: +4
    expect(a.evaluate(reading(0, { waiting: 40 }), state(2, 6, 2))).toBeUndefined();
    expect(a.evaluate(reading(0, { waiting: 0 }), state(3, 6))?.desired).toBe(5);
    expect(a.evaluate(reading(0, { waiting: 0 }), state(4, 5))).toBeUndefined(); // cooldown of 300 s
  });
});

describe("scheduled scaling", () => {
  it("moves the bounds at times of day, every day, and sets desired once when an entry takes effect", () => {
    const a = autoscaler({
      kind: "scheduled",
      table: [
        { at: "7h", min: 8, max: 40 },
        { at: "22h", min: 2, max: 10, desired: 3 },
      ],
    });
    // 03:00 on day one: the 22h entry of the day before is in force.
    expect(a.bounds(state(3 * 60, 5))).toEqual({ min: 2, max: 10 });
    expect(a.evaluate(reading(0), state(3 * 60, 5))?.desired).toBe(3);
    expect(a.evaluate(reading(0), state(3 * 60 + 1, 3))).toBeUndefined();
    expect(a.evaluate(reading(0), state(7 * 60, 3))?.desired).toBe(8);
    expect(a.bounds(state(24 * 60 + 8 * 60, 8))).toEqual({ min: 8, max: 40 });
  });
});

describe("predictive scaling", () => {
  it("is target tracking alone for the first season, then provisions ahead from the same time one season earlier", () => {
    const a = autoscaler({ kind: "predictive", metric: "requests_per_replica", target: 8, season: "1h", period: "10m" }) as any;
    // First hour: a load of 80 in flight at 10 requests/s from minute 30 (8 s in the system each).
    for (let minute = 10; minute <= 60; minute += 10) {
      const load = minute > 30 ? 80 : 0;
      const rate = minute > 30 ? 10 : 0;
      a.evaluate(reading(load, { arrivalRate: rate }), state(minute, 10, 10, { leadTimeUs: 15 * 60e6 }));
    }
    // At minute 70 (idle now), the same time one season earlier was idle too; so is 15 minutes plus a period ahead... until minute 80:
    expect(a.forecast(state(70, 1, 1, { leadTimeUs: 0 }))?.replicas).toBe(0);
    // With a 15-minute lead time, at minute 70 it already sees minute 90's load of 80 in flight: 10 replicas.
    const decision = a.evaluate(reading(0, { arrivalRate: 0 }), state(70, 1, 1, { leadTimeUs: 15 * 60e6 }));
    expect(decision?.desired).toBe(10);
    expect(decision?.reason).toMatch(/forecast 10\.00 requests\/s/);
  });
});
