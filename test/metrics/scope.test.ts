/** The (tenant, region) grid: indexing, and roll-ups that add up to the total. */
import { describe, expect, it } from "vitest";
import { Scopes, ScopeStats, requestCounts, serverErrorsOf, sum } from "../../src/metrics/scope.js";
import { Outcome } from "../../src/requests/outcomes.js";

describe("Scopes", () => {
  const grid = new Scopes(3, 2); // tenants 0..2, regions 0..1

  it("lays scopes out tenant by tenant: (t, r) -> t x regions + r, and back", () => {
    expect(grid.size).toBe(6);
    expect(grid.at(2, 1)).toBe(5);
    for (let i = 0; i < grid.size; i++) expect(grid.at(grid.tenantOf(i), grid.regionOf(i))).toBe(i);
  });

  it("rolls values up by tenant, region and model, and each roll-up adds to the total", () => {
    const values = [1, 2, 30, 40, 500, 600]; // (t0,r0) (t0,r1) (t1,r0) (t1,r1) (t2,r0) (t2,r1)
    expect(grid.byTenant(values, sum)).toEqual([3, 70, 1100]);
    expect(grid.byRegion(values, sum)).toEqual([531, 642]);
    // tenants 0 and 2 call model "a", tenant 1 calls "b"; nobody calls "c"
    expect(grid.byModel(values, ["a", "b", "c"], ["a", "b", "a"], sum)).toEqual([1103, 70, 0]);
    const total = grid.total(values, sum);
    expect(total).toBe(1173);
    for (const parts of [grid.byTenant(values, sum), grid.byRegion(values, sum)]) expect(sum(parts)).toBe(total);
  });

  it("hands each group its values in scope order, so float sums are the ones a loop over scopes gives", () => {
    const values = [0.1, 1e16, 0.2, -1e16, 0.3, 0.4];
    expect(grid.byRegion(values, (parts) => parts)).toEqual([
      [0.1, 0.2, 0.3],
      [1e16, -1e16, 0.4],
    ]);
  });

  it("merges ScopeStats by region into counts that add up to the total", () => {
    const scopes = Array.from({ length: grid.size }, (_, i) => {
      const s = new ScopeStats();
      s.arrived = 10 + i;
      s.outcomes[Outcome.ok] = 8 + i;
      s.outcomes[Outcome.throttled] = 1;
      s.outcomes[Outcome.failed] = 1;
      return s;
    });
    const byRegion = grid.byRegion(scopes, ScopeStats.merged);
    const total = grid.total(scopes, ScopeStats.merged);
    expect(byRegion[0].arrived + byRegion[1].arrived).toBe(total.arrived);
    expect(total.arrived).toBe(75);
    const counts = requestCounts(total);
    expect(counts).toMatchObject({ arrived: 75, completed: 63, throttled: 6, failed: 6 });
    // A throttle is the tenant's doing: the 6 throttles are not server errors.
    expect(serverErrorsOf(counts)).toBe(6);
  });
});
