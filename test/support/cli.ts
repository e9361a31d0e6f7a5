/** Runs the CLI from source in a child process, as a user would (exit code, stdout, stderr). */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { builtWorker } from "../../src/threads.js";

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

/**
 * Whether dist/ holds a fresh `npm run build` (tsc, then the worker bundles, no older than their
 * modules): tests of built files run then, as in CI, which builds before testing, and are skipped on
 * a checkout that was never built.
 */
export function distIsBuilt(): boolean {
  const bundled = (caller: string, module: string) => builtWorker(pathToFileURL(join(REPO_ROOT, "dist", caller)).href, module).href.endsWith(".bundle.js");
  return bundled("cli/run.js", "./run-worker") && bundled("sweep/pool.js", "./worker");
}
