/**
 * Starts a worker thread on one of fleetsim's modules, from source or from dist/, whichever the caller
 * is. From source (`node --import tsx`), a worker does not inherit the parent's loader hooks in Node
 * 20, so it registers tsx itself before importing the module.
 *
 * In dist/, `npm run build` also bundles each worker with what it imports into one file
 * (`<module>.bundle.js`, esbuild): one file loads in about half the time of the hundred-odd modules,
 * and a worker's start-up is on the critical path of every run and sweep. A bundle older than its
 * module (dist/ rebuilt by tsc alone) is not used.
 */
import { statSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

/** `module` is the worker's file relative to `callerUrl` (the caller's `import.meta.url`), without extension. */
export function startWorker(callerUrl: string, module: string, workerData: unknown): Worker {
  if (!callerUrl.endsWith(".ts")) return new Worker(builtWorker(callerUrl, module), { workerData });
  const workerUrl = new URL(`${module}.ts`, callerUrl).href;
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(workerUrl)}); })`;
  return new Worker(boot, { eval: true, workerData, execArgv: withoutTsxImport(process.execArgv) });
}

function withoutTsxImport(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    if ((execArgv[i] === "--import" || execArgv[i] === "--loader") && /^tsx(\/|$)/.test(execArgv[i + 1] ?? "")) i++;
    else if (/^--(import|loader)=tsx(\/|$)/.test(execArgv[i])) continue;
    else out.push(execArgv[i]);
  }
  return out;
}

/** The bundle of a built worker when it is at least as new as the module, else the module. */
export function builtWorker(callerUrl: string, module: string): URL {
  const plain = new URL(`${module}.js`, callerUrl);
  const bundle = new URL(`${module}.bundle.js`, callerUrl);
  const modified = (url: URL) => statSync(fileURLToPath(url), { throwIfNoEntry: false })?.mtimeMs;
  const bundled = modified(bundle);
  return bundled !== undefined && bundled >= (modified(plain) ?? Infinity) ? bundle : plain;
}
