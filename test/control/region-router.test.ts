import { describe, expect, it } from "vitest";
import { RandomStreams, US_PER_S, type Rng } from "../../src/engine/index.js";
import { RegionRouter, type RegionOption } from "../../src/control/region-router.js";
import { RoutingSchema } from "../../src/scenario/schema/workload.js";
import { ScenarioSchema, type ScenarioInput } from "../../src/scenario/schema.js";
import { checkRouting } from "../../src/scenario/routing-checks.js";

/** A region as the router sees it; its load is a plain object the test changes between choices. */
function region(index: number, name: string, geo: string, load: { routable?: boolean; waiting?: number; p90S?: number } = {}) {
  const state = { routable: load.routable ?? true, waiting: load.waiting ?? 0, p90S: load.p90S ?? 0 };
  const option: RegionOption = {
    region: index,
    name,
    geo,
    rttUs: index * 10_000,
    load: {
      get routable() {
        return state.routable;
      },
      waitingPerReplica: () => state.waiting,
      queueWaitP90Us: () => state.p90S * US_PER_S,
    },
  };
  return { option, state };
}

const throwingRng: Rng = () => {
  throw new Error("drew a random number");
};

function router(routing: Record<string, unknown>, options: RegionOption[], rng: Rng = new RandomStreams(1).get("regions")) {
  return new RegionRouter(RoutingSchema.parse(routing), options, rng);
}

describe("RegionRouter", () => {
  it("with default routing picks the nearest region and draws no random number nor reads queue waits", () => {
    const a = region(0, "eu-west", "eu");
    const b = region(1, "eu-central", "eu");
    a.option.load.queueWaitP90Us = () => {
      throw new Error("read the queue waits");
    };
    const r = router({}, [a.option, b.option], throwingRng);
    for (let i = 0; i < 5; i++) expect(r.choose(i * US_PER_S)).toBe(a.option);
    expect(r.lastReason).toBe("home");
  });

  it("nearest picks the nearest routable region and fails over in order", () => {
    const a = region(0, "eu-west", "eu");
    const b = region(1, "eu-central", "eu");
    const c = region(2, "us-east", "us");
    const r = router({ mode: "nearest" }, [a.option, b.option, c.option], throwingRng);
    expect(r.choose(0)).toBe(a.option);
    expect(r.lastReason).toBe("home");
    a.state.routable = false;
    expect(r.choose(0)).toBe(b.option);
    expect(r.lastReason).toBe("failover");
    b.state.routable = false;
    expect(r.choose(0)).toBe(c.option);
    expect(r.lastReason).toBe("failover");
    // Nothing routable and no residency: today's behaviour, the nearest region (which rejects the request).
    c.state.routable = false;
    expect(r.choose(0)).toBe(a.option);
    expect(r.lastReason).toBe("home");
  });

  it("never leaves allowed_regions, even when only a forbidden region is routable", () => {
    const a = region(0, "us-east", "us");
    const b = region(1, "eu-west", "eu", { routable: false });
    const r = router({ allowed_regions: ["eu-west"], profile: "global" }, [a.option, b.option], throwingRng);
    expect(r.choose(0)).toBeNull();
    expect(r.lastReason).toBe("residency");
    b.state.routable = true;
    // Saturated, but the only region allowed: it stays there rather than spill to a forbidden one.
    b.state.p90S = 60;
    expect(r.choose(0)).toBe(b.option);
    expect(r.lastReason).toBe("home");
  });

  it("weighted splits requests by the weights, within four binomial standard deviations", () => {
    const a = region(0, "eu-west", "eu");
    const b = region(1, "eu-central", "eu");
    const c = region(2, "us-east", "us");
    const r = router({ mode: "weighted", weights: { "eu-west": 1, "eu-central": 3 } }, [a.option, b.option, c.option]);
    const n = 20_000;
    const counts = new Map<RegionOption, number>();
    const reasons = new Set<string>();
    for (let i = 0; i < n; i++) {
      const choice = r.choose(0)!;
      counts.set(choice, (counts.get(choice) ?? 0) + 1);
      reasons.add(r.lastReason);
    }
    expect([...reasons]).toEqual(["home"]);
    // eu-central's share is 3/4: mean 15,000, standard deviation sqrt(n p (1-p)) ≈ 61.
    const sd = Math.sqrt(n * 0.75 * 0.25);
    expect(Math.abs((counts.get(b.option) ?? 0) - 0.75 * n)).toBeLessThan(4 * sd);
    expect(counts.get(c.option)).toBeUndefined();
  });

  it("weighted shares among the routable weighted regions, and fails over to the nearest routable when none is", () => {
    const a = region(0, "eu-west", "eu");
    const b = region(1, "eu-central", "eu", { routable: false });
    const c = region(2, "us-east", "us");
    const r = router({ mode: "weighted", weights: { "eu-west": 1, "eu-central": 3 } }, [a.option, b.option, c.option]);
    for (let i = 0; i < 100; i++) expect(r.choose(0)).toBe(a.option);
    a.state.routable = false;
    expect(r.choose(0)).toBe(c.option);
    expect(r.lastReason).toBe("failover");
  });

  it("least_loaded picks the routable region with the fewest waiting per replica, ties to the nearest", () => {
    const a = region(0, "eu-west", "eu", { waiting: 5 });
    const b = region(1, "eu-central", "eu", { waiting: 2 });
    const c = region(2, "us-east", "us", { waiting: 2 });
    const d = region(3, "us-west", "us", { waiting: 0, routable: false });
    const r = router({ mode: "least_loaded" }, [a.option, b.option, c.option, d.option], throwingRng);
    expect(r.choose(0)).toBe(b.option);
    expect(r.lastReason).toBe("home");
    c.state.waiting = 1.5;
    expect(r.choose(0)).toBe(c.option);
  });

  it("spills within the geography only when home's p90 queue wait exceeds spill_after", () => {
    const home = region(0, "eu-west", "eu", { waiting: 9 });
    const busy = region(1, "eu-north", "eu", { waiting: 1, p90S: 5 });
    const calm = region(2, "eu-central", "eu", { waiting: 4, p90S: 1 });
    const far = region(3, "us-east", "us", { waiting: 0 });
    const r = router({ profile: "geography", spill_after: "3s" }, [home.option, busy.option, calm.option, far.option], throwingRng);
    home.state.p90S = 3;
    expect(r.choose(0)).toBe(home.option);
    expect(r.lastReason).toBe("home");
    home.state.p90S = 3.5;
    // eu-north has fewer waiting but is saturated itself; us-east is emptier but in another geography.
    expect(r.choose(0)).toBe(calm.option);
    expect(r.lastReason).toBe("spill");
    calm.state.p90S = 4;
    expect(r.choose(0)).toBe(home.option);
    expect(r.lastReason).toBe("home");
  });

  it("global spill may leave the geography, to the least loaded unsaturated region", () => {
    const home = region(0, "eu-west", "eu", { waiting: 9, p90S: 10 });
    const calm = region(1, "eu-central", "eu", { waiting: 4 });
    const far = region(2, "us-east", "us", { waiting: 1 });
    const r = router({ profile: "global", spill_after: "2s" }, [home.option, calm.option, far.option], throwingRng);
    expect(r.choose(0)).toBe(far.option);
    expect(r.lastReason).toBe("spill");
    far.state.routable = false;
    expect(r.choose(0)).toBe(calm.option);
  });
});

/** Two regions; the model serves `modelRegions`; tenant routing as given. */
function scenarioWith(routing: Record<string, unknown>, modelRegions?: string[]): ScenarioInput {
  const server = { type: "p5.48xlarge", count: 1 };
  return {
    version: 1,
    name: "routing",
    duration: 60,
    regions: [
      { name: "eu-west", geo: "eu", azs: [{ name: "eu-west-a", servers: server }] },
      { name: "us-east", geo: "us", azs: [{ name: "us-east-a", servers: server }] },
    ] as never,
    models: [
      {
        name: "svc",
        engine: { kind: "queue", concurrency: 1, service_time: { dist: "exponential", mean: 1 } },
        replicas: { initial: 1 },
        regions: modelRegions,
      } as never,
    ],
    workload: { tenants: [{ name: "t", model: "svc", arrival: { kind: "poisson", rate_per_s: 1 }, routing } as never] },
  };
}

function routingProblems(routing: Record<string, unknown>, modelRegions?: string[]): string[] {
  const problems: string[] = [];
  checkRouting(ScenarioSchema.parse(scenarioWith(routing, modelRegions)), (path, message) => problems.push(`${path.join(".")}: ${message}`));
  return problems;
}

describe("checkRouting", () => {
  it("accepts valid routing", () => {
    expect(routingProblems({})).toEqual([]);
    expect(routingProblems({ mode: "weighted", weights: { "us-east": 1 }, allowed_regions: ["us-east"], profile: "global" })).toEqual([]);
  });

  it("reports an unknown region in allowed_regions at its index", () => {
    const problems = routingProblems({ allowed_regions: ["eu-west", "us-eats"] });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^workload\.tenants\.0\.routing\.allowed_regions\.1: unknown region 'us-eats'; did you mean 'us-east'\?/);
  });

  it("reports allowed_regions of which none serves the tenant's model", () => {
    const problems = routingProblems({ allowed_regions: ["us-east"] }, ["eu-west"]);
    expect(problems).toEqual([expect.stringMatching(/^workload\.tenants\.0\.routing\.allowed_regions: none of these regions serves model 'svc'/)]);
  });

  it("reports weights naming unknown regions, and mode weighted without weights", () => {
    expect(routingProblems({ mode: "weighted", weights: { "eu-wset": 1 } })).toEqual([
      expect.stringMatching(/^workload\.tenants\.0\.routing\.weights\.eu-wset: unknown region 'eu-wset'/),
    ]);
    expect(routingProblems({ mode: "weighted" })).toEqual([expect.stringMatching(/^workload\.tenants\.0\.routing\.weights: mode `weighted` needs `weights`/)]);
  });
});
