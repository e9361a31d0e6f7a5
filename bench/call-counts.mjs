/**
 * Method calls per simulated request: where a run's work goes, counted rather than sampled. Every
 * method of every class the built simulator exports is wrapped with a counter (closures kept in
 * fields, such as event handlers, and plain functions are not counted), then the scenario runs.
 * Counts are exact and repeat, where a profile's shares move with the machine's noise; the run is
 * several times slower than a plain one, so cut long scenarios with --set.
 *   npm run build && node bench/call-counts.mjs scenarios/FILE.yaml [--set PATH=VALUE ...] [--top N] [--json]
 * --json prints { requests, events, calls } with every method's whole count instead of the table.
 */
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const args = process.argv.slice(2);
const valueOf = (flag) => args.flatMap((arg, i) => (args[i - 1] === flag ? [arg] : []));
const sets = valueOf("--set");
const top = Number(valueOf("--top")[0] ?? 40);
const json = args.includes("--json");
const file = args.find((arg, i) => !arg.startsWith("--") && !["--set", "--top"].includes(args[i - 1]));
if (!file) {
  console.error("usage: node bench/call-counts.mjs SCENARIO.yaml [--set PATH=VALUE ...] [--top N] [--json]");
  process.exit(2);
}

// The simulator's modules: not the CLI, the report writers, the sweep or the worker entry points
// (importing a worker module outside a worker fails).
const SKIPPED = /\/(cli|report|sweep|plan)\/|worker|bundle/;
function modules(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return modules(path);
    return path.endsWith(".js") && !SKIPPED.test(path) ? [path] : [];
  });
}

const counts = new Map();
const wrapped = new Set(); // a class re-exported by an index module is wrapped once
for (const path of modules("dist")) {
  for (const [name, value] of Object.entries(await import(pathToFileURL(path).href))) {
    if (typeof value !== "function" || !value.prototype || wrapped.has(value)) continue;
    wrapped.add(value);
    for (const key of Object.getOwnPropertyNames(value.prototype)) {
      const method = Object.getOwnPropertyDescriptor(value.prototype, key).value;
      if (key === "constructor" || typeof method !== "function") continue;
      const label = `${name}.${key}`;
      counts.set(label, 0);
      value.prototype[key] = function (...a) {
        counts.set(label, counts.get(label) + 1);
        return method.apply(this, a);
      };
    }
  }
}

const { simulateFile, ScenarioError } = await import(pathToFileURL("dist/index.js").href);
let report;
try {
  ({ report } = simulateFile(file, sets));
} catch (error) {
  if (!(error instanceof ScenarioError)) throw error;
  console.error(error.message);
  process.exit(2);
}
const requests = report.run.requests_generated;
if (json) {
  console.log(JSON.stringify({ requests, events: report.run.events, calls: Object.fromEntries(counts) }));
  process.exit(0);
}
let total = 0;
for (const n of counts.values()) total += n;
console.log(`${file}: ${requests.toLocaleString("en-US")} requests, ${report.run.events.toLocaleString("en-US")} events (${(report.run.events / requests).toFixed(2)} per request)`);
console.log(`${(total / requests).toFixed(1)} method calls per request; the most called:`);
for (const [label, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  if (n > 0) console.log(`${(n / requests).toFixed(2).padStart(9)}  ${label}`);
}
