/**
 * A model service's refusal is counted for availability as its outcome says: a 503 is a server error,
 * a 429 (a full provisioned model, a model not ready) is in neither count, as AWS's SLA treats it.
 */
import { describe, expect, it } from "vitest";
import { RandomStreams, Simulator } from "../../src/engine/index.js";
import { Frontend, type TenantClient } from "../../src/control/frontend.js";
import type { Gateway } from "../../src/control/gateway.js";
import type { ModelService } from "../../src/control/model-service.js";
import type { RegionRouter } from "../../src/control/region-router.js";
import { AttemptResult, type RequestLifecycle, type SimContext } from "../../src/requests/context.js";
import { Outcome } from "../../src/requests/outcomes.js";
import { Scopes } from "../../src/requests/scopes.js";
import { RequestTable } from "../../src/requests/table.js";
import { RetryPolicy } from "../../src/workload/retry.js";

/** One request through a front end whose only region's service refuses every attempt with `outcome`. */
function refusedWith(outcome: Outcome, retries: number) {
  const sim = new Simulator();
  const requests = new RequestTable(16);
  const attempts: AttemptResult[] = [];
  const ended: Outcome[] = [];
  const lifecycle = {
    arrived() {},
    queueChanged() {},
    started() {},
    tokenGaps() {},
    completed() {},
    ended: (_req: number, o: Outcome) => ended.push(o),
    attemptEnded: (_req: number, _region: number, result: AttemptResult) => attempts.push(result),
    throttled() {},
    residencyRefused() {},
  } as unknown as RequestLifecycle;
  const ctx = { sim, streams: new RandomStreams(1), requests, lifecycle, data: undefined } as unknown as SimContext;
  let frontend: Frontend;
  const service = {
    serviceId: 0,
    receive: (req: number) => {
      requests.service[req] = 0;
      frontend.refused(req, outcome);
    },
  } as unknown as ModelService;
  const option = { region: 0, name: "r", geo: "g", rttUs: 0, load: undefined };
  const client: TenantClient = {
    router: { choose: () => option, lastReason: "home" } as unknown as RegionRouter,
    byRegion: [{ ...option, service } as never],
    homeRegion: 0,
    timeoutUs: Infinity,
    attemptTimeoutUs: Infinity,
    retry: new RetryPolicy({ retries }, () => 0.5),
  };
  const gateway = { overheadUs: () => 0, screen: () => Outcome.ok, admit: () => -1, admitModel: () => -1, reservation: () => 0, settle: () => {}, charge: () => 0, reserve: () => false } as unknown as Gateway;
  frontend = new Frontend(ctx, [client], new Scopes(1, 1), gateway);
  const req = requests.allocate();
  requests.tenant[req] = 0;
  frontend.submit(req);
  sim.run();
  return { attempts, ended, simulatedUs: sim.nowUs };
}

describe("refusals counted by their outcome", () => {
  it("a 503 refusal is a server error in availability, every attempt of it", () => {
    const { attempts, ended } = refusedWith(Outcome.rejected, 2);
    expect(attempts).toEqual([AttemptResult.serverError, AttemptResult.serverError, AttemptResult.serverError]);
    expect(ended).toEqual([Outcome.rejected]);
  });

  it("a 429 refusal is in neither count, and is retried after the throttle backoff", () => {
    const { attempts, ended, simulatedUs } = refusedWith(Outcome.throttled, 2);
    expect(attempts).toEqual([]);
    expect(ended).toEqual([Outcome.throttled]);
    // Two retries at half their ceilings: 250 ms + 500 ms after a throttle (500 ms base), not 50 + 100 ms.
    expect(simulatedUs).toBe(750_000);
  });
});
