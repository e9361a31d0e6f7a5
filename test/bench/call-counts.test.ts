/**
 * bench/call-counts.mjs counts method calls of the built simulator. It runs where dist/ holds a fresh
 * build (as in CI, which builds before testing); on a checkout that was never built it is skipped.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { distIsBuilt, REPO_ROOT } from "../support/cli.js";

function callCounts(args: string[]) {
  const r = spawnSync(process.execPath, ["bench/call-counts.mjs", ...args], { cwd: REPO_ROOT, encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!distIsBuilt())("bench/call-counts.mjs", () => {
  it("counts every event popped once and every request through the front door once", () => {
    const { code, stdout } = callCounts(["scenarios/mmc.yaml", "--set", "duration=1500s", "--json"]);
    expect(code).toBe(0);
    const { requests, events, calls } = JSON.parse(stdout) as { requests: number; events: number; calls: Record<string, number> };
    expect(requests).toBeGreaterThan(5_000);
    expect(calls["EventQueue.pop"]).toBe(events);
    expect(calls["Frontend.submit"]).toBe(requests);
    // M/M/c: an arrival and a service end per customer, give or take those still in service at the end.
    expect(Math.abs(events - 2 * requests)).toBeLessThanOrEqual(8);
  }, 60_000);

  it("refuses an invalid scenario with its position and exit 2, without a stack trace", () => {
    const { code, stderr } = callCounts(["scenarios/mmc.yaml", "--set", "duration=200s"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^scenarios\/mmc\.yaml:8:9: warmup: the warm-up \(1000 s\) must be shorter than the duration/);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
