/** Runs the CLI from source in a child process, as a user would (exit code, stdout, stderr). */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

export function runCli(args: string[], options: { cwd?: string } = {}) {
  const result = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", FLEETSIM_DEBUG: "" },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}
