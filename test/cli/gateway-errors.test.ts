/** A gateway section naming tenants that do not exist, or limiting nothing, is refused with file:line:col and the field path; exit code 2. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "fleetsim-gateway-errors-"));

function scenarioFile(name: string, gateway: string): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `version: 1
name: gateway
duration: 100s
gateway:
${gateway}models:
  - name: svc
    engine: { kind: queue, service_time: { dist: fixed, value: 1s } }
    router: { kind: round_robin }
workload:
  tenants:
    - name: acme
      model: svc
      arrival: { kind: poisson, rate_per_s: 0.5 }
`,
  );
  return path;
}

/** Asserts the CLI refused the input cleanly and returns its stderr lines. */
function expectRefused(file: string): string[] {
  const { code, stderr } = runCli(["validate", file]);
  expect(code).toBe(2);
  expect(stderr).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack frames
  return stderr.trim().split("\n");
}

describe("validate refuses a bad gateway section", () => {
  it("names a rate-limit tenant that is not in workload.tenants, at its line and column", () => {
    const file = scenarioFile("rate-limit-tenant.yaml", "  rate_limits:\n    tenants:\n      nobody: { requests_per_min: 10 }\n");
    const lines = expectRefused(file);
    expect(lines[0]).toMatch(new RegExp(`^${file}:7:\\d+: gateway\\.rate_limits\\.tenants\\.nobody: unknown tenant 'nobody'\\. Known: acme\\.$`));
    expect(lines.at(-1)).toBe("1 problem found.");
  });

  it("names unknown tenants under quotas and waf.block, suggesting the closest, and an entry that limits nothing", () => {
    const file = scenarioFile(
      "many.yaml",
      "  rate_limits:\n    tenants:\n      acme: {}\n  quotas:\n    acmee: { tokens_per_day: 1000 }\n  waf:\n    block: { ghost: 0.5 }\n",
    );
    const lines = expectRefused(file);
    const expectLine = (pattern: string) => expect(lines.some((l) => new RegExp(pattern).test(l)), `${pattern}\n${lines.join("\n")}`).toBe(true);
    expectLine(`^${file}:7:\\d+: gateway\\.rate_limits\\.tenants\\.acme: limits nothing: give requests_per_min, tokens_per_min or both$`);
    expectLine(`^${file}:9:\\d+: gateway\\.quotas\\.acmee: unknown tenant 'acmee'; did you mean 'acme'\\? Known: acme\\.$`);
    expectLine(`^${file}:11:\\d+: gateway\\.waf\\.block\\.ghost: unknown tenant 'ghost'`);
    expect(lines.at(-1)).toBe("3 problems found.");
  });
});

describe("validate refuses bad client and routing settings", () => {
  const write = (name: string, gatewayLimit: number, tenantExtra: string) => {
    const path = join(dir, name);
    writeFileSync(
      path,
      `version: 1
name: routing
duration: 100s
regions:
  - { name: east, azs: [{ name: east-a, servers: { type: p5.48xlarge, count: 1 } }] }
  - { name: west, azs: [{ name: west-a, servers: { type: p5.48xlarge, count: 1 } }] }
gateway:
  rate_limits: { default: { requests_per_min: ${gatewayLimit} } }
models:
  - { name: chat, model: llama-3.1-8b, regions: [east], engine: { kind: continuous_batching } }
workload:
  tenants:
    - name: acme
      model: chat
      arrival: { kind: poisson, rate_per_s: 0.5 }
${tenantExtra}`,
    );
    return path;
  };

  it("refuses a rate limit of zero at its position", () => {
    const lines = expectRefused(write("zero.yaml", 0, "")).join("\n");
    expect(lines).toMatch(/zero\.yaml:8:\d+: gateway\.rate_limits\.default\.requests_per_min: expected a number > 0, got 0/);
  });

  it("names allowed regions that serve none of the tenant's models, and retries given twice", () => {
    const lines = expectRefused(write("routing.yaml", 100, "      retries: 2\n      retry: { mode: standard }\n      routing: { allowed_regions: [west] }\n")).join("\n");
    expect(lines).toMatch(/routing\.yaml:18:\d+: workload\.tenants\[0\]\.routing\.allowed_regions: none of these regions serves model 'chat'/);
    expect(lines).toMatch(/routing\.yaml:16:\d+: workload\.tenants\[0\]\.retries: give either retries/);
  });
});
