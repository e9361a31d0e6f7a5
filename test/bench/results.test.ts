/** `npm run bench`'s bookkeeping: the targets' verdicts and the README tables (no benchmark is run here). */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { memoryTable, replaceBetween, resultsTable, targets, type BenchResult } from "../../bench/results.js";

const result = (name: string, fields: Partial<BenchResult> = {}): BenchResult => ({ name, what: name, command: "x", wall_s: 1, peak_rss_mb: 100, ...fields });

describe("bench targets", () => {
  it("passes an upper bound that holds and gives measured / bound as the ratio", () => {
    const [wall, rss] = targets([result("bedrock-day", { wall_s: 24, peak_rss_mb: 2048 })]);
    expect(wall).toMatchObject({ ok: true, ratio: 0.8 });
    expect(rss).toMatchObject({ ok: false, ratio: 2 });
  });

  it("gives bound / measured for a lower bound, so a ratio above 1 always means a miss", () => {
    const [mmc, sweep] = targets([result("mmc", { vs_simpy_customers_per_s: 4 }), result("sweep-jobs2", { speedup_vs_jobs1: 1.9 })]);
    expect(mmc).toMatchObject({ ok: false, ratio: 2.5 });
    expect(sweep.ok).toBe(true);
    expect(sweep.ratio).toBeLessThan(1);
  });

  it("reads the sweep's speed-up next to what two separate processes reach on the machine", () => {
    const [alone] = targets([result("sweep-jobs2", { speedup_vs_jobs1: 1.5 })]);
    expect(alone.measured).toBe("1.5x");
    const [withCeiling] = targets([result("sweep-jobs2", { speedup_vs_jobs1: 1.5 }), result("sweep-shards", { speedup_vs_jobs1: 1.55 })]);
    expect(withCeiling).toMatchObject({ measured: "1.5x (two separate processes: 1.55x)", ok: false, ratio: 1.13 });
  });

  it("scales a quick fleet run's simulation time to 24 hours and says so", () => {
    const [day] = targets([result("fleet-day", { quick: true, simulated_hours: 2, simulation_s: 20 })]);
    expect(day.measured).toBe("240 s (extrapolated from 2 h)");
    expect(day).toMatchObject({ ok: false, ratio: 1.33 });
    const [full] = targets([result("fleet-day", { quick: false, simulated_hours: 24, simulation_s: 170 })]);
    expect(full).toMatchObject({ measured: "170 s", ok: true });
  });

  it("lists only the targets whose benchmarks ran", () => {
    expect(targets([result("engine")])).toEqual([]);
    expect(targets([result("llm-100k", { simulation_s: 0.4 })]).map((t) => t.target)).toEqual(["100k chat requests on 16 replicas <= 0.5 s of simulation"]);
  });
});

describe("bench/README.md tables", () => {
  it("replaces what lies between the markers and keeps the prose around them", () => {
    const text = "before\n<!-- t:start -->\nold\ntable\n<!-- t:end -->\nafter\n";
    expect(replaceBetween(text, "t", "new")).toBe("before\n<!-- t:start -->\nnew\n<!-- t:end -->\nafter\n");
    expect(() => replaceBetween("no markers", "t", "new")).toThrow(/markers/);
  });

  it("has every marker pair the bench script fills", () => {
    const readme = readFileSync(new URL("../../bench/README.md", import.meta.url), "utf8");
    for (const marker of ["bench:results", "bench:targets", "bench:memory"]) expect(() => replaceBetween(readme, marker, "x")).not.toThrow();
  });

  it("writes one row per benchmark, and memory per simulated day and per 100 GPUs", () => {
    const table = resultsTable([result("engine", { events: 10e6, events_per_s: 5e6, simulation_s: 2 }), result("llm-100k", { requests: 100_000 })]);
    expect(table.split("\n")).toHaveLength(4);
    expect(table).toContain("| engine | engine | 1 s | 2 s | 10 M | 5 M |");
    const memory = memoryTable([
      result("memory-days", { readings: [1, 2, 4].map((d) => ({ simulated_days: d, rss_mb: 150, heap_used_mb: 40 })) }),
      result("memory-fleet-500", { gpus: 496, requests: 1e6, peak_rss_mb: 124 }),
    ]);
    expect(memory).toContain("| 4 | 150 MB | 40 MB |");
    expect(memory).toContain("| 496 | 1,000,000 | 124 MB | 25 |");
  });
});
