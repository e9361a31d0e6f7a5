/**
 * The engine against queueing theory. Each case runs independent replications (different seeds) and
 * compares their mean with the closed form. The tolerance is 3 %; the number of customers was chosen
 * so that the replications' own standard error stays below 0.8 %, which each test also asserts: a 3 %
 * tolerance is then at least 3.75 standard errors, so a pass is not luck and a 3 % bias would show.
 * (Sizing: a pilot of 8 x 200,000 customers at c = 8, rho = 0.8 gave 1.3 % relative standard error;
 * the error shrinks as 1/sqrt(customers), and heavier load needs more customers.)
 */
import { describe, expect, it } from "vitest";
import { loadScenarioFile, simulate } from "../../src/index.js";
import { queueScenario } from "../support/scenarios.js";
import { erlangC, mmckBlocking, pollaczekKhinchine, replicationStats } from "../support/queueing-theory.js";

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];
const TOLERANCE = 0.03;
const MAX_RELATIVE_STANDARD_ERROR = 0.008;

function replicate(run: (seed: number) => { meanWait: number; waited: number; littleL: number; littleLambdaW: number }) {
  const results = SEEDS.map(run);
  return {
    meanWait: replicationStats(results.map((r) => r.meanWait)),
    waited: replicationStats(results.map((r) => r.waited)),
    little: results.map((r) => r.littleL / r.littleLambdaW - 1),
  };
}

function runQueue(c: number, lambda: number, service: Record<string, unknown>, customers: number, seed: number) {
  const durationS = customers / lambda;
  const r = simulate(queueScenario({ seed, c, lambda, service, durationS, warmupS: durationS / 50 })).report;
  return {
    meanWait: r.latency.queue_s.mean!,
    waited: r.occupancy.waited_fraction!,
    littleL: r.occupancy.mean_in_system,
    littleLambdaW: r.throughput.requests_per_s * r.latency.e2e_s.mean!,
  };
}

function expectClose(measured: { mean: number; standardError: number }, theory: number) {
  expect(measured.standardError / theory).toBeLessThan(MAX_RELATIVE_STANDARD_ERROR);
  expect(Math.abs(measured.mean / theory - 1)).toBeLessThan(TOLERANCE);
}

describe("M/M/c against Erlang C", () => {
  it("matches the M/M/c scenario of SCENARIO-FORMAT.md (c = 8, rho = 0.8) run from its file", () => {
    const theory = erlangC(8, 6.4, 1);
    // The file as written (122,000 customers) once, then 8 replications 4x longer for precision.
    const asWritten = simulate(loadScenarioFile("scenarios/mmc.yaml")).report;
    expect(asWritten.requests.completed).toBe(asWritten.requests.arrived);
    expect(Math.abs(asWritten.latency.queue_s.mean! / theory.meanWait - 1)).toBeLessThan(0.1);
    const stats = replicate((seed) => {
      const r = simulate(loadScenarioFile("scenarios/mmc.yaml", { sets: [`seed=${seed}`, "duration=80000s", "warmup=2000s"] })).report;
      return {
        meanWait: r.latency.queue_s.mean!,
        waited: r.occupancy.waited_fraction!,
        littleL: r.occupancy.mean_in_system,
        littleLambdaW: r.throughput.requests_per_s * r.latency.e2e_s.mean!,
      };
    });
    expectClose(stats.meanWait, theory.meanWait);
    expectClose(stats.waited, theory.pWait);
  });

  it("matches at heavy load (c = 16, rho = 0.9)", () => {
    const theory = erlangC(16, 14.4, 1);
    const stats = replicate((seed) => runQueue(16, 14.4, { dist: "exponential", mean: "1s" }, 700_000, seed));
    expectClose(stats.meanWait, theory.meanWait);
    expectClose(stats.waited, theory.pWait);
  });

  it("matches with few servers and a different service rate (c = 2, rho = 0.6, mean service 250 ms)", () => {
    const theory = erlangC(2, 4.8, 4);
    const stats = replicate((seed) => runQueue(2, 4.8, { dist: "exponential", mean: "250ms" }, 300_000, seed));
    expectClose(stats.meanWait, theory.meanWait);
    expectClose(stats.waited, theory.pWait);
  });
});

describe("M/D/1 against Pollaczek–Khinchine", () => {
  it("matches the mean wait at rho = 0.8 with a deterministic 1 s service", () => {
    const theory = pollaczekKhinchine(0.8, 1, 1); // 2.0 s
    const stats = replicate((seed) => runQueue(1, 0.8, { dist: "fixed", value: "1s" }, 400_000, seed));
    expectClose(stats.meanWait, theory);
    // P(wait > 0) for M/G/1 is rho.
    expectClose(stats.waited, 0.8);
  });
});

describe("Little's law on the report's own numbers", () => {
  it("mean number in system = throughput x mean time in system, within 1 %", () => {
    for (const [c, lambda] of [
      [8, 6.4],
      [1, 0.5],
    ]) {
      const r = runQueue(c, lambda, { dist: "exponential", mean: "1s" }, 200_000, 3);
      expect(Math.abs(r.littleL / r.littleLambdaW - 1)).toBeLessThan(0.01);
    }
  });
});

describe("M/M/c/K against its blocking probability", () => {
  it("rejects arrivals that find the queue full as often as theory says (c = 4, 6 waiting places, rho = 1.1)", () => {
    const c = 4;
    const waiting = 6;
    const lambda = 4.4;
    const theory = mmckBlocking(c, c + waiting, lambda, 1);
    const blocked = SEEDS.map((seed) => {
      const scenario = queueScenario({ seed, c, lambda, service: { dist: "exponential", mean: 1 }, durationS: 300_000 / lambda, warmupS: 500 });
      (scenario.models![0] as { router: unknown }).router = { kind: "central_queue", max_queue: waiting };
      const r = simulate(scenario).report;
      expect(r.requests.arrived).toBe(r.requests.completed + r.requests.rejected);
      return r.requests.rejected / r.requests.arrived;
    });
    expectClose(replicationStats(blocked), theory);
  });
});

describe("routing against independent M/M/1 queues", () => {
  it("random routing of Poisson arrivals to c replicas behaves as c separate M/M/1 queues", () => {
    // Random splitting of a Poisson stream gives c Poisson streams of rate lambda / c.
    const theory = erlangC(1, 0.7, 1);
    const random = replicate((seed) => {
      const s = queueScenario({ seed, c: 4, lambda: 2.8, service: { dist: "exponential", mean: 1 }, durationS: 600_000 / 2.8, warmupS: 2000, router: { kind: "random" } });
      const r = simulate(s).report;
      return { meanWait: r.latency.queue_s.mean!, waited: r.occupancy.waited_fraction!, littleL: 0, littleLambdaW: 1 };
    });
    expectClose(random.meanWait, theory.meanWait);
    expectClose(random.waited, theory.pWait);
  });
});
