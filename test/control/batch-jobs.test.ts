/**
 * Batch inference jobs: a job's records all enter when it starts, at most 10 jobs of a model are in
 * progress, records not done in the completion window expire (not server errors), and each job reports
 * its turnaround, outcomes and revenue.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "../../src/index.js";
import { loadScenarioText } from "../../src/scenario/load.js";
import { checkRun, recording } from "../support/invariants.js";

function jobs(options: { jobs: string; window?: string; concurrency?: number; replicas?: number; extra?: string }): string {
  return `
version: 1
name: batch
seed: 8
duration: 2h
models:
  - name: q
    engine: { kind: queue, concurrency: ${options.concurrency ?? 4}, service_time: { dist: fixed, value: 2 } }
    replicas: { initial: ${options.replicas ?? 3} }
    price: { input_usd_per_mtok: 3, output_usd_per_mtok: 15, batch_discount: 0.5 }
workload:
  tenants:
    - name: nightly
      model: q
      tier: batch
      arrival: { kind: batch_job, jobs: ${options.jobs}${options.window ? `, completion_window: ${options.window}` : ""} }
      input_tokens: { dist: fixed, value: 1000 }
      output_tokens: { dist: fixed, value: 100 }
${options.extra ?? ""}
`;
}

describe("batch jobs", () => {
  it("ends a job of N records on an idle fleet at N x service time / (replicas x concurrency)", () => {
    const { options, tally } = recording();
    const result = simulate(loadScenarioText(jobs({ jobs: "[{ at: 10m, records: 600 }]" }), "batch.yaml"), options);
    checkRun(result, tally);
    const [job] = result.report.batch_jobs!;
    // 600 records x 2 s over 3 replicas x 4 slots: 100 s.
    expect(job.state).toBe("Completed");
    expect(job.started_s).toBe(600);
    expect(job.turnaround_s).toBeCloseTo((600 * 2) / (3 * 4), 6);
    expect(job.completed).toBe(600);
    // Revenue: 600 x (1,000 x $3 + 100 x $15) per million tokens, at half price.
    expect(job.revenue_usd).toBeCloseTo((600 * (1000 * 3 + 100 * 15)) / 1e6 / 2, 9);
    expect(result.report.requests.expired).toBe(0);
  });

  it("keeps at most 10 jobs of a model in progress; the others wait as Submitted and start as jobs end", () => {
    const list = `[${Array.from({ length: 12 }, () => "{ at: 0, records: 12 }").join(", ")}]`;
    const result = simulate(loadScenarioText(jobs({ jobs: list }), "twelve.yaml"));
    const all = result.report.batch_jobs!;
    expect(all.filter((j) => j.started_s === 0).length).toBe(10);
    // Records are served first come first served: the first job's 12 fill the 12 slots and end at 2 s, and the eleventh job starts then.
    const firstEnd = Math.min(...all.slice(0, 10).map((j) => j.ended_s!));
    expect(firstEnd).toBeCloseTo(2, 6);
    expect(all[10].started_s).toBeCloseTo(firstEnd, 6);
    expect(all[11].started_s!).toBeGreaterThanOrEqual(firstEnd);
    expect(all.every((j) => j.state === "Completed")).toBe(true);
  });

  it("expires the records not done in the completion window: the job is PartiallyCompleted, and nothing is a server error", () => {
    const { options, tally } = recording();
    // 3,000 records need 500 s; the window is 200 s.
    const result = simulate(loadScenarioText(jobs({ jobs: "[{ at: 60, records: 3000 }]", window: "200s" }), "expire.yaml"), options);
    checkRun(result, tally);
    const [job] = result.report.batch_jobs!;
    expect(job.state).toBe("PartiallyCompleted");
    expect(job.ended_s).toBeCloseTo(260, 6);
    // 200 s x 12 slots / 2 s = 1,200 answered, the rest expired.
    expect(job.completed).toBe(1200);
    expect(job.expired).toBe(1800);
    expect(result.report.requests.expired).toBe(1800);
    expect(tally.serverErrors).toBe(0);
    expect(result.report.availability.by_region.default.uptime_pct).toBe(100);
  });

  it("reports the p99 TTFT of the model's other traffic while a job runs, against a priority tier that jumps its queue", () => {
    const extra = "    - { name: live, model: q, tier: priority, arrival: { kind: poisson, rate_per_s: 1 } }";
    const result = simulate(loadScenarioText(jobs({ jobs: "[{ at: 10m, records: 3000 }]", extra }), "mixed.yaml"));
    const [job] = result.report.batch_jobs!;
    expect(job.state).toBe("Completed");
    expect(job.others_ttft_p99_s).not.toBeNull();
    // A priority request waits at most for a slot of its replica to free (2 s), never behind the job's records, then is served (2 s).
    expect(job.others_ttft_p99_s!).toBeLessThan(2 + 2 + 0.01);
  });
});
