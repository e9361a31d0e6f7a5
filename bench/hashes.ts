/**
 * Fingerprints of every example scenario's results, to show that an optimisation meant to keep
 * behaviour kept it: one SHA-256 per scenario over its report.json and its time series, as the
 * library returns them. Run before and after a change and compare the lines.
 *   node --import tsx bench/hashes.ts [scenario.yaml ...] [--set PATH=VALUE ...]
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { simulateFile } from "../src/index.js";

const args = process.argv.slice(2);
// `--set PATH=VALUE` (repeatable) applies to every scenario, as `fleetsim run --set` does.
const sets = args.flatMap((arg, i) => (args[i - 1] === "--set" ? [arg] : []));
const named = args.filter((arg, i) => arg !== "--set" && args[i - 1] !== "--set");
const files = named.length > 0 ? named : readdirSync("scenarios").filter((f) => f.endsWith(".yaml")).sort().map((f) => join("scenarios", f));
for (const file of files) {
  const started = performance.now();
  const { report, timeseries } = simulateFile(file, sets);
  const digest = createHash("sha256").update(JSON.stringify(report)).update(JSON.stringify(timeseries)).digest("hex");
  console.log(`${basename(file, ".yaml").padEnd(28)} ${digest.slice(0, 16)}  ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
