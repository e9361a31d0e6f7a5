/** Sweep plans, cells, shards, the CSV and the chart statistics, checked by hand. */
import { describe, expect, it } from "vitest";
import { cellAt, cellCount, formatCells, parseGridOption, parseShard, shardCells, sweepHash, type SweepPlan } from "../../src/sweep/grid.js";
import { chartPoints } from "../../src/sweep/charts.js";
import { sweepCsv, type SweepRow } from "../../src/sweep/table.js";

const plan: SweepPlan = {
  scenario: { file: "s.yaml", name: "s", sha256: "abc" },
  sets: ["duration=60s"],
  axes: [parseGridOption("a.rate=1,2,3"), parseGridOption("b[0].n=x,y")],
  seeds: { first: 7, count: 2 },
};

describe("sweep grid", () => {
  it("numbers cells with the first axis outermost and the seeds innermost", () => {
    expect(cellCount(plan)).toBe(12);
    const cells = Array.from({ length: 12 }, (_, i) => cellAt(plan, i));
    expect(cells.map((c) => [...c.values.map((v) => v.label), c.seed].join(" "))).toEqual([
      "1 x 7", "1 x 8", "1 y 7", "1 y 8", "2 x 7", "2 x 8", "2 y 7", "2 y 8", "3 x 7", "3 x 8", "3 y 7", "3 y 8",
    ]);
    expect(cells[5].overrides).toEqual(["duration=60s", "a.rate=2", "b[0].n=x"]);
  });

  it("keys a cell by its inputs only, and a sweep by its scenario, sets, grid and seeds", () => {
    expect(cellAt(plan, 3).key).toBe(cellAt({ ...plan, scenario: { ...plan.scenario, file: "elsewhere/s.yaml" } }, 3).key);
    expect(cellAt(plan, 3).key).not.toBe(cellAt({ ...plan, scenario: { ...plan.scenario, sha256: "abd" } }, 3).key);
    expect(new Set(Array.from({ length: 12 }, (_, i) => cellAt(plan, i).key)).size).toBe(12);
    expect(sweepHash(plan)).not.toBe(sweepHash({ ...plan, seeds: { first: 7, count: 3 } }));
  });

  it("splits cells into shards by index mod N, each cell in exactly one", () => {
    const shards = [1, 2, 3, 4, 5].map((i) => shardCells(12, parseShard(`${i}/5`)));
    expect(shards[1]).toEqual([1, 6, 11]);
    expect(shards.flat().sort((a, b) => a - b)).toEqual(shardCells(12));
    expect(() => parseShard("0/3")).toThrow(/1 <= i <= N/);
    expect(formatCells([9, 1, 2, 3, 7])).toBe("1-3, 7, 9");
  });

  it("reads axis values as --set does and refuses malformed axes", () => {
    expect(parseGridOption("x=5m, 7 ,true").values.map((v) => v.set)).toEqual(["x=5m", "x=7", "x=true"]);
    expect(() => parseGridOption("nopath")).toThrow(/PATH=v1,v2/);
    expect(() => parseGridOption("a..b=1")).toThrow(/malformed field path/);
    expect(() => parseGridOption("x=1,1.0")).toThrow(/given twice/);
  });
});

describe("sweep table and charts", () => {
  const row = (cell: number, labels: string[], seed: number, p99: number | null, error: string | null = null): SweepRow => ({
    cell,
    labels,
    seed,
    metrics: [p99],
    thresholds: p99 === null ? [] : [["ttft[0]", p99 < 2]],
    error,
  });

  it("quotes fields with commas, quotes or line breaks (RFC 4180) and leaves failed cells' metrics empty", () => {
    const csv = sweepCsv([parseGridOption("name=a")], [row(0, ['say "hi", then\nleave'], 1, 1.5), row(1, ["b"], 1, null, "bad, very")]);
    const lines = csv.split("\n");
    expect(lines[1]).toBe('0,"say ""hi"", then');
    expect(csv.endsWith(',"bad, very"\n')).toBe(true);
    expect(lines[0].endsWith(",threshold.ttft[0],error")).toBe(true);
  });

  it("charts the mean over seeds with a band of 1.96 standard errors, one line per value of the other axes", () => {
    const axes = [parseGridOption("rate=1,2"), parseGridOption("gpu=a,b")];
    // rate 1, gpu a: seeds give 1, 2, 3 -> mean 2, sample sd 1, SE 1/sqrt(3).
    const rows = [row(0, ["1", "a"], 1, 1), row(1, ["1", "a"], 2, 2), row(2, ["1", "a"], 3, 3), row(3, ["1", "b"], 1, 5), row(4, ["2", "a"], 1, null, "boom")];
    const points = chartPoints(axes, rows, 0);
    expect(points).toHaveLength(2);
    expect(points[0]).toMatchObject({ x: 1, series: "gpu=a", mean: 2, n: 3 });
    expect(points[0].hi - points[0].mean).toBeCloseTo(1.96 / Math.sqrt(3), 12);
    expect(points[1]).toMatchObject({ x: 1, series: "gpu=b", mean: 5, lo: 5, hi: 5, n: 1 });
  });
});
