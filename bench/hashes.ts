/**
 * Fingerprints of every example scenario's results, to show that an optimisation or a reshaping
 * meant to keep behaviour kept it: per scenario, one SHA-256 over its report.json and its time
 * series as the library returns them, and one over the requests.csv rows `fleetsim run` would
 * write (every request, whether or not the scenario asks for the file). Run before and after a
 * change and compare the lines.
 *   node --import tsx bench/hashes.ts [scenario.yaml ...] [--set PATH=VALUE ...]
 */
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { basename, join } from "node:path";
import { loadScenarioFile, simulate } from "../src/index.js";
import { requestCsvWriter } from "../src/report/index.js";

const args = process.argv.slice(2);
// `--set PATH=VALUE` (repeatable) applies to every scenario, as `fleetsim run --set` does.
const sets = args.flatMap((arg, i) => (args[i - 1] === "--set" ? [arg] : []));
const named = args.filter((arg, i) => arg !== "--set" && args[i - 1] !== "--set");
const files = named.length > 0 ? named : readdirSync("scenarios").filter((f) => f.endsWith(".yaml")).sort().map((f) => join("scenarios", f));
for (const file of files) {
  const started = performance.now();
  const loaded = loadScenarioFile(file, { sets });
  const rows = createHash("sha256");
  const { report, timeseries } = simulate(loaded, { onRequestEnd: requestCsvWriter(loaded.scenario, { write: (text) => rows.update(text) }) });
  const digest = createHash("sha256").update(JSON.stringify(report)).update(JSON.stringify(timeseries)).digest("hex");
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${basename(file, ".yaml").padEnd(28)} ${digest.slice(0, 16)}  csv ${rows.digest("hex").slice(0, 16)}  ${seconds} s`);
}
