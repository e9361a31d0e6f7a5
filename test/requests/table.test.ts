import { describe, expect, it } from "vitest";
import { RequestQueue } from "../../src/requests/queue.js";
import { IllegalTransitionError, RequestState, RequestTable } from "../../src/requests/table.js";

describe("request transitions", () => {
  it("follows a request through queue, service, preemption and answer", () => {
    const t = new RequestTable(4);
    const req = t.allocate();
    expect(t.stateOf(req)).toBe(RequestState.unassigned);
    for (const to of [RequestState.centralQueue, RequestState.replicaQueue, RequestState.inService, RequestState.replicaQueue, RequestState.inService, RequestState.unassigned]) {
      t.moveTo(req, to);
      expect(t.stateOf(req)).toBe(to);
    }
    t.release(req);
    expect(t.stateOf(req)).toBe(RequestState.free);
    expect(t.inFlight).toBe(0);
  });

  it("refuses to free a request twice (a double release would hand one id to two requests)", () => {
    const t = new RequestTable(4);
    const req = t.allocate();
    t.release(req);
    expect(() => t.release(req)).toThrow(IllegalTransitionError);
    // The pool was not corrupted: two allocations give two different ids.
    expect(t.allocate()).not.toBe(t.allocate());
  });

  it("refuses to serve a request its client abandoned, and to free one still listed in a queue", () => {
    const t = new RequestTable(4);
    const req = t.allocate();
    t.moveTo(req, RequestState.centralQueue);
    expect(() => t.release(req)).toThrow(/centralQueue to free/);
    t.moveTo(req, RequestState.abandoned);
    expect(() => t.moveTo(req, RequestState.inService)).toThrow(/abandoned to inService/);
    t.release(req);
  });

  it("starts a retry afresh: one more attempt, nothing of the last attempt's replica or cached tokens", () => {
    const t = new RequestTable(4);
    const req = t.allocate();
    t.moveTo(req, RequestState.replicaQueue);
    t.moveTo(req, RequestState.inService);
    t.replica[req] = 3;
    t.cachedTokens[req] = 512;
    t.retry(req);
    expect([t.attempts[req], t.replica[req], t.cachedTokens[req], t.stateOf(req)]).toEqual([2, -1, 0, RequestState.unassigned]);
  });

  it("recycles ids but never serials, and grows past its initial capacity", () => {
    const t = new RequestTable(2);
    const ids = [t.allocate(), t.allocate(), t.allocate()];
    expect(new Set(ids).size).toBe(3);
    t.release(ids[1]);
    const again = t.allocate();
    expect(again).toBe(ids[1]);
    expect(t.serial[again]).toBe(3);
  });
});

describe("RequestQueue", () => {
  it("skips abandoned requests at its head and frees their ids, in order", () => {
    const t = new RequestTable(8);
    const q = new RequestQueue(t);
    const [a, b, c] = [t.allocate(), t.allocate(), t.allocate()];
    for (const req of [a, b, c]) {
      t.moveTo(req, RequestState.replicaQueue);
      q.push(req);
    }
    t.moveTo(a, RequestState.abandoned);
    t.moveTo(b, RequestState.abandoned);
    expect(q.shift()).toBe(c);
    expect([t.stateOf(a), t.stateOf(b)]).toEqual([RequestState.free, RequestState.free]);
    expect(q.shift()).toBe(-1);
    expect(t.inFlight).toBe(1);
  });
});
