/** A scenario whose servers no model can use is run, but said to be so: report.json, summary.md, stderr. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { simulate, type ScenarioInput } from "../../src/index.js";
import { runCli } from "../support/cli.js";

const MISMATCHED: ScenarioInput = {
  version: 1,
  name: "mismatched",
  duration: "10m",
  regions: [
    {
      name: "r",
      geo: "g",
      azs: [
        { name: "r-a", servers: { type: "p5e.48xlarge", count: 1 } },
        { name: "r-b", servers: { type: "p5.48xlarge", count: 2 } },
      ],
    },
  ],
  models: [{ name: "m", model: "llama-3.1-8b", gpu: "h200-sxm", replicas: { initial: 1 } }],
  workload: { tenants: [{ name: "t", model: "m", arrival: { kind: "poisson", rate_per_s: 1 } }] },
};

describe("servers no model can use", () => {
  it("are named with why and what they cost: two H100 servers beside a model that asks for H200", () => {
    const { report } = simulate(MISMATCHED);
    expect(report.warnings).toHaveLength(1);
    const [w] = report.warnings;
    expect(w.kind).toBe("unusable_servers");
    expect(w.message).toBe("2 p5.48xlarge server(s) in r-b can host no model (they hold h100-sxm GPUs; the models here ask for 1 x h200-sxm): paid 2.7 GPU-hours in the window for nothing");
    // Two p5.48xlarge at $55.04 an hour for the 10-minute window.
    expect(w.cost_usd).toBeCloseTo((2 * 55.04) / 6, 6);
  });

  it("are none when every server can hold a model's replica", () => {
    const fine = structuredClone(MISMATCHED) as any;
    fine.regions[0].azs[1].servers.type = "p5e.48xlarge";
    expect(simulate(fine).report.warnings).toEqual([]);
  });

  it("are said on stderr, even with --quiet, and in summary.md", () => {
    const dir = mkdtempSync(join(tmpdir(), "fleetsim-warnings-"));
    const file = join(dir, "mismatched.yaml");
    writeFileSync(file, JSON.stringify(MISMATCHED));
    const { code, stderr } = runCli(["run", file, "--out", join(dir, "out"), "--quiet"]);
    expect(code).toBe(0);
    expect(stderr).toContain("fleetsim: warning: 2 p5.48xlarge server(s) in r-b can host no model");
    expect(readFileSync(join(dir, "out", "summary.md"), "utf8")).toContain("**Warning**: 2 p5.48xlarge server(s) in r-b can host no model");
  });
});
