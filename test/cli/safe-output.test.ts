/**
 * Output files are safe against whoever can write into the output folder or submit a scenario: planted
 * links are replaced, never written through; Ctrl-C and SIGTERM leave the previous report intact and
 * no temporary file behind; a bad --out is a plain exit-2 message; a stale requests.csv does not
 * outlive the run that wrote it; and scenario text cannot drive the terminal.
 */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { StagedFiles } from "../../src/report/write.js";
import { REPO_ROOT, runCli } from "../support/cli.js";

const dir = mkdtempSync(join(tmpdir(), "fleetsim-safe-output-"));
const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

const SCENARIO = `version: 1
name: safe
duration: 60s
report: { requests_csv: true }
models:
  - name: svc
    engine: { kind: queue, service_time: { dist: fixed, value: 10ms } }
    router: { kind: round_robin }
workload:
  tenants:
    - { name: t, model: svc, arrival: { kind: poisson, rate_per_s: 5 } }
`;

/** About 10^8 requests: minutes of work, long after the test has sent its signal. */
const LONG = SCENARIO.replace("duration: 60s", "duration: 1000000s").replace("rate_per_s: 5", "rate_per_s: 100");

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Every file of a folder (hidden ones too) with its bytes. */
function snapshot(folder: string): Record<string, string> {
  return Object.fromEntries(readdirSync(folder).map((name) => [name, lstatSync(join(folder, name)).isFile() ? readFileSync(join(folder, name), "latin1") : "(not a file)"]));
}

/** Names in a folder that a run may have left behind. */
const leftovers = (folder: string) => readdirSync(folder).filter((name) => name.startsWith(".fleetsim-staging-") || name.endsWith(".tmp"));

function expectPlainRefusal(result: ReturnType<typeof runCli>, message: RegExp): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
}

describe("planted links", () => {
  it("a link at the old predictable temporary name or at a final name is replaced, never written through", () => {
    const out = join(dir, "links-direct");
    mkdirSync(out);
    const target = file("victim-direct.txt", "precious\n");
    // The names the old writer opened (`<name>.<pid>.tmp`, following links) and the final names.
    for (const name of ["summary.md", "report.json"]) {
      symlinkSync(target, join(out, `${name}.${process.pid}.tmp`));
      symlinkSync(target, join(out, name));
    }
    const files = new StagedFiles(out);
    files.write("summary.md", "# new\n");
    const log = files.stream("report.json");
    log.write("{}\n");
    log.close();
    files.commit();
    expect(readFileSync(target, "utf8")).toBe("precious\n");
    expect(lstatSync(join(out, "summary.md")).isFile()).toBe(true);
    expect(readFileSync(join(out, "summary.md"), "utf8")).toBe("# new\n");
    expect(readFileSync(join(out, "report.json"), "utf8")).toBe("{}\n");
    expect(leftovers(out).filter((name) => name.startsWith(".fleetsim-staging-"))).toEqual([]);
  });

  it("fleetsim run replaces links planted at every report file name and leaves their targets alone", () => {
    const out = join(dir, "links-cli");
    mkdirSync(out);
    const target = file("victim-cli.txt", "precious\n");
    const names = ["report.json", "summary.md", "timeseries.csv", "report.html", "requests.csv"];
    for (const name of names) symlinkSync(target, join(out, name));
    const { code, stderr } = runCli(["run", file("links.yaml", SCENARIO), "--out", out, "--quiet"]);
    expect(code, stderr).toBe(0);
    expect(readFileSync(target, "utf8")).toBe("precious\n");
    for (const name of names) expect(lstatSync(join(out, name)).isFile(), name).toBe(true);
    expect(readFileSync(join(out, "requests.csv"), "utf8")).toMatch(/^serial,tenant,model/);
  });
});

/** Starts a long run, waits until requests.csv is being staged, sends `signal`, and returns how it ended. */
async function interrupt(out: string, signal: NodeJS.Signals) {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, "run", file("long.yaml", LONG), "--out", out], {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: "1", FLEETSIM_DEBUG: "" },
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  try {
    const stagedRows = () =>
      existsSync(out) &&
      readdirSync(out)
        .filter((name) => name.startsWith(".fleetsim-staging-"))
        .some((staging) => existsSync(join(out, staging, "requests.csv")) && lstatSync(join(out, staging, "requests.csv")).size > 0);
    const deadline = Date.now() + 90_000;
    while (!stagedRows()) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`requests.csv was never staged: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill(signal);
    const timeout = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 30_000));
    const code = await Promise.race([exited, timeout]);
    return { code, stderr };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
  }
}

describe("interrupted runs", () => {
  for (const [signal, exitCode] of [
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const) {
    it(`${signal} removes the staged files, keeps the previous report byte for byte, says so and exits ${exitCode}`, async () => {
      const out = join(dir, `interrupted-${signal}`);
      const first = runCli(["run", file("short.yaml", SCENARIO), "--out", out, "--quiet"]);
      expect(first.code, first.stderr).toBe(0);
      const before = snapshot(out);
      expect(Object.keys(before).sort()).toEqual(["report.html", "report.json", "requests.csv", "summary.md", "timeseries.csv"]);

      const { code, stderr } = await interrupt(out, signal);
      expect(code, stderr).toBe(exitCode);
      expect(stderr).toContain(`fleetsim: interrupted (${signal}): nothing was written; ${out} holds the previous report, unchanged`);
      expect(leftovers(out)).toEqual([]);
      expect(snapshot(out)).toEqual(before);
    });
  }

  it("an interrupted first run leaves no folder behind", async () => {
    const out = join(dir, "interrupted-new", "report");
    const { code, stderr } = await interrupt(out, "SIGINT");
    expect(code, stderr).toBe(130);
    expect(stderr).toContain(`nothing was written to ${out}`);
    expect(existsSync(out)).toBe(false);
  });
});

describe("output paths that cannot be written", () => {
  const scenario = () => file("paths.yaml", SCENARIO.replace("report: { requests_csv: true }\n", ""));

  it("--out naming an existing file is a plain exit-2 message", () => {
    const existing = file("existing-file.txt", "mine\n");
    expectPlainRefusal(runCli(["run", scenario(), "--out", existing]), new RegExp(`^fleetsim: cannot write ${existing}: it is a file, not a folder$`, "m"));
    expect(readFileSync(existing, "utf8")).toBe("mine\n");
  });

  it("--out under a file is a plain exit-2 message", () => {
    const existing = file("existing-parent.txt", "mine\n");
    expectPlainRefusal(runCli(["run", scenario(), "--out", join(existing, "report")]), /cannot write .*existing-parent\.txt\/report: a part of the path is a file, not a folder/);
    expectPlainRefusal(runCli(["check", scenario(), "--allow-empty", "--out", join(existing, "report")]), /a part of the path is a file, not a folder/);
    expectPlainRefusal(runCli(["sweep", scenario(), "--out", join(existing, "sweep"), "--quiet"]), /a part of the path is a file, not a folder/);
  });

  it("a file name that is a folder is a plain exit-2 message (check --junit)", () => {
    const folder = join(dir, "a-folder");
    mkdirSync(folder, { recursive: true });
    expectPlainRefusal(runCli(["check", scenario(), "--allow-empty", "--junit", folder]), /cannot write .*a-folder: it is a folder; give a file name/);
  });

  it("a folder where a report file goes stops the run before any file is replaced", () => {
    const out = join(dir, "folder-in-the-way");
    mkdirSync(join(out, "summary.md"), { recursive: true });
    writeFileSync(join(out, "report.json"), "old\n");
    expectPlainRefusal(runCli(["run", scenario(), "--out", out]), /cannot write .*summary\.md: a folder of that name is in the way/);
    expect(readFileSync(join(out, "report.json"), "utf8")).toBe("old\n");
    expect(leftovers(out)).toEqual([]);
  });

  it.skipIf(process.getuid?.() === 0)("an unwritable folder is a plain exit-2 message", () => {
    const locked = join(dir, "locked");
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    try {
      expectPlainRefusal(runCli(["run", scenario(), "--out", join(locked, "report")]), /permission denied/);
    } finally {
      chmodSync(locked, 0o700);
    }
  });
});

describe("stale files", () => {
  it("a run without requests.csv removes the one an earlier run wrote, but not a user's own file of that name", () => {
    const out = join(dir, "stale");
    expect(runCli(["run", file("with-csv.yaml", SCENARIO), "--out", out, "--quiet"]).code).toBe(0);
    expect(existsSync(join(out, "requests.csv"))).toBe(true);
    const without = file("without-csv.yaml", SCENARIO.replace("report: { requests_csv: true }\n", ""));
    const second = runCli(["run", without, "--out", out]);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(`removed ${join(out, "requests.csv")}`);
    expect(existsSync(join(out, "requests.csv"))).toBe(false);

    writeFileSync(join(out, "requests.csv"), "id,note\n1,mine\n");
    expect(runCli(["check", without, "--allow-empty", "--out", out]).code).toBe(0);
    expect(readFileSync(join(out, "requests.csv"), "utf8")).toBe("id,note\n1,mine\n");
  });

  it("check --out removes an earlier run's requests.csv too", () => {
    const out = join(dir, "stale-check");
    expect(runCli(["run", file("with-csv-2.yaml", SCENARIO), "--out", out, "--quiet"]).code).toBe(0);
    expect(runCli(["check", file("without-csv-2.yaml", SCENARIO), "--allow-empty", "--out", out]).code).toBe(0);
    expect(existsSync(join(out, "requests.csv"))).toBe(false);
    expect(existsSync(join(out, "report.json"))).toBe(true);
  });
});

describe("scenario text on the terminal", () => {
  const ESC = "\u001b";
  const HOSTILE_NAME = `evil${ESC}]0;pwned\u0007${ESC}[2J\u009b31m\u202e`;

  it("a run prints the scenario's name with its control characters escaped", () => {
    const scenario = file("terminal.yaml", SCENARIO.replace("name: safe", `name: ${JSON.stringify(HOSTILE_NAME)}`).replace("report: { requests_csv: true }\n", ""));
    const { code, stdout, stderr } = runCli(["run", scenario, "--out", join(dir, "terminal")]);
    // (Should names with control characters ever be refused, the refusal must be just as safe.)
    if (code === 0) expect(stdout).toContain("evil\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202e: ");
    else expect(code, stderr).toBe(2);
    expect(stdout + stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
  });

  it("errors quoting scenario text escape it too", () => {
    const scenario = file("terminal-error.yaml", SCENARIO.replace("version: 1\n", `version: 1\n${JSON.stringify(`key${ESC}[31m`)}: 1\n`));
    const { code, stderr } = runCli(["validate", scenario]);
    expect(code).toBe(2);
    expect(stderr).toContain("key\\u001b[31m");
    expect(stderr).not.toContain(ESC);
  });
});
