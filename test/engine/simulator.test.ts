import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue, Priority, RandomStreams, Simulator } from "../../src/engine/index.js";

describe("Simulator", () => {
  it("handles events in time order, then priority class, then the order they were scheduled", () => {
    const sim = new Simulator();
    const seen: string[] = [];
    const log = (name: string) => () => seen.push(`${name}@${sim.nowUs}`);
    sim.at(10, Priority.arrival, log("arrival-a"));
    sim.at(10, Priority.completion, log("completion"));
    sim.at(5, Priority.sample, log("early-sample"));
    sim.at(10, Priority.arrival, log("arrival-b"));
    sim.at(10, Priority.fault, log("fault"));
    sim.run();
    expect(seen).toEqual(["early-sample@5", "fault@10", "completion@10", "arrival-a@10", "arrival-b@10"]);
  });

  it("never lets the clock go backwards and refuses to schedule in the past", () => {
    const sim = new Simulator();
    sim.at(100, 0, () => {
      expect(() => sim.at(99, 0, () => {})).toThrow(/cannot schedule/);
      sim.after(0, 0, () => expect(sim.nowUs).toBe(100));
    });
    sim.run();
    expect(sim.eventsHandled).toBe(2);
  });

  it("rounds times to whole microseconds", () => {
    const sim = new Simulator();
    let at = -1;
    sim.at(2.6, 0, () => (at = sim.nowUs));
    sim.run();
    expect(at).toBe(3);
  });

  it("cancels pending events, and a stale handle cancels nothing", () => {
    const sim = new Simulator();
    const fired: number[] = [];
    const handle = sim.at(10, 0, (x) => fired.push(x), 1);
    sim.at(20, 0, (x) => fired.push(x), 2);
    expect(sim.cancel(handle)).toBe(true);
    expect(sim.cancel(handle)).toBe(false);
    // The freed slot is reused; the old handle must not cancel the new event.
    sim.at(30, 0, (x) => fired.push(x), 3);
    expect(sim.cancel(handle)).toBe(false);
    sim.run();
    expect(fired).toEqual([2, 3]);
  });

  it("stops at the time limit and leaves later events pending", () => {
    const sim = new Simulator();
    const fired: number[] = [];
    for (const t of [5, 15, 25]) sim.at(t, 0, () => fired.push(t));
    sim.run(20);
    expect(fired).toEqual([5, 15]);
    expect(sim.nowUs).toBe(20);
    expect(sim.pendingEvents).toBe(1);
  });
});

describe("Simulator clock", () => {
  it("is read-only outside the kernel: advanceTo moves it forward, never back and never past a pending event", () => {
    const sim = new Simulator();
    expect(() => ((sim as { nowUs: number }).nowUs = 5)).toThrow(TypeError);
    sim.at(100, Priority.completion, () => {});
    sim.advanceTo(100); // an event due exactly then still runs at its own time
    expect(sim.nowUs).toBe(100);
    expect(() => sim.advanceTo(101)).toThrow(/past an event pending at 100/);
    sim.run();
    sim.advanceTo(250);
    expect(sim.nowUs).toBe(250);
    expect(() => sim.advanceTo(249)).toThrow(/back/);
  });
});

describe("EventQueue", () => {
  it("pops any mix of pushes and cancels in (time, priority, insertion) order", () => {
    const op = fc.oneof(
      fc.record({ push: fc.constant(true), time: fc.integer({ min: 0, max: 50 }), priority: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ push: fc.constant(false), victim: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const queue = new EventQueue();
        const live: { time: number; priority: number; seq: number; handle: number }[] = [];
        let seq = 0;
        for (const o of ops) {
          if (o.push) {
            const s = seq++;
            live.push({ time: o.time, priority: o.priority, seq: s, handle: queue.push(o.time, o.priority, () => {}, s) });
          } else if (live.length > 0) {
            const [victim] = live.splice(o.victim % live.length, 1);
            expect(queue.cancel(victim.handle)).toBe(true);
          }
        }
        live.sort((a, b) => a.time - b.time || a.priority - b.priority || a.seq - b.seq);
        const popped: number[] = [];
        while (queue.size > 0) {
          queue.pop();
          popped.push(queue.poppedArg);
        }
        expect(popped).toEqual(live.map((e) => e.seq));
      }),
      { numRuns: 300 },
    );
  });
});

describe("RandomStreams", () => {
  it("gives the same numbers for the same seed and name", () => {
    const a = new RandomStreams(7).get("workload/a/arrivals");
    const b = new RandomStreams(7).get("workload/a/arrivals");
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
  });

  it("keeps a stream's numbers unchanged when other streams are created and drawn from", () => {
    const alone = new RandomStreams(7);
    const expected = Array.from({ length: 5 }, () => alone.get("x")());
    const crowded = new RandomStreams(7);
    const other = crowded.get("another-component");
    const got = Array.from({ length: 5 }, () => (other(), crowded.get("x")()));
    expect(got).toEqual(expected);
  });

  it("gives different numbers for different seeds and names", () => {
    const first = new RandomStreams(1).get("x")();
    expect(new RandomStreams(2).get("x")()).not.toBe(first);
    expect(new RandomStreams(1).get("y")()).not.toBe(first);
  });
});
