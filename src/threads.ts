/**
 * Starts a worker thread on one of fleetsim's modules, from source or from dist/, whichever the caller
 * is. From source (`node --import tsx`), a worker does not inherit the parent's loader hooks in Node
 * 20, so it registers tsx itself before importing the module.
 */
import { Worker } from "node:worker_threads";

/** `module` is the worker's file relative to `callerUrl` (the caller's `import.meta.url`), without extension. */
export function startWorker(callerUrl: string, module: string, workerData: unknown): Worker {
  if (!callerUrl.endsWith(".ts")) return new Worker(new URL(`${module}.js`, callerUrl), { workerData });
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
