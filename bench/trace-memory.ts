/**
 * Peak memory of reading a large trace: generates a ~100 MB Azure-style CSV and a ~100 MB Mooncake
 * JSON Lines file (sizes adjustable), then validates a scenario replaying each in a fresh process and
 * prints one JSON line per file: rows, file size, wall time and the process's peak RSS (its
 * resourceUsage().maxRSS). Not a test: it writes hundreds of MB to the temporary folder.
 *
 *   node --import tsx bench/trace-memory.ts [megabytes]
 *   FLEETSIM_ROOT=/path/to/other/checkout node --import tsx bench/trace-memory.ts   (compare another build)
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = fileURLToPath(import.meta.url);

async function child(scenario: string): Promise<void> {
  const root = process.env.FLEETSIM_ROOT ?? fileURLToPath(new URL("..", import.meta.url));
  const { loadScenarioFile, loadTrace } = await import(pathToFileURL(join(root, "src/scenario/load.ts")).href);
  const started = performance.now();
  const loaded = loadScenarioFile(scenario);
  const arrival = loaded.scenario.workload.tenants[0].arrival;
  const rows = loadTrace(loaded.data, arrival.file, arrival.format).arrivalS.length;
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(JSON.stringify({ rows, seconds: +seconds.toFixed(2), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) }) + "\n");
}

/** Writes lines from `line(i)` until the file has `bytes` bytes; returns the number of data rows. */
function generate(path: string, bytes: number, header: string | undefined, line: (i: number) => string): number {
  const fd = openSync(path, "w");
  let written = 0;
  let rows = 0;
  let batch: string[] = [];
  if (header) written += writeSync(fd, header + "\n");
  while (written < bytes) {
    const text = line(rows++) + "\n";
    batch.push(text);
    written += Buffer.byteLength(text);
    if (batch.length === 10_000) {
      writeSync(fd, batch.join(""));
      batch = [];
    }
  }
  writeSync(fd, batch.join(""));
  closeSync(fd);
  return rows;
}

function azureTimestamp(i: number): string {
  const t = new Date(Date.UTC(2023, 10, 16, 0, 0, 0) + i * 20);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}.${pad(t.getUTCMilliseconds(), 3)}0000`;
}

function parent(megabytes: number): void {
  const dir = mkdtempSync(join(tmpdir(), "fleetsim-trace-memory-"));
  try {
    const bytes = megabytes * 1024 * 1024;
    const files = [
      { name: "azure.csv", format: "azure", header: "TIMESTAMP,ContextTokens,GeneratedTokens", line: (i: number) => `${azureTimestamp(i)},${200 + ((i * 7919) % 4000)},${20 + ((i * 104729) % 500)}` },
      {
        name: "mooncake.jsonl",
        format: "mooncake",
        header: undefined,
        line: (i: number) => JSON.stringify({ timestamp: i * 20, input_length: 512 * 20, output_length: 100 + (i % 300), hash_ids: Array.from({ length: 20 }, (_, k) => (k < 4 ? k : i * 16 + k)) }),
      },
    ];
    for (const f of files) {
      const path = join(dir, f.name);
      const rows = generate(path, bytes, f.header, f.line);
      const scenario = join(dir, `${f.format}.yaml`);
      const fd = openSync(scenario, "w");
      writeSync(
        fd,
        `version: 1\nname: trace-memory\nduration: 60s\nmodels:\n  - name: svc\n    engine: { kind: queue, service_time: { dist: fixed, value: 1s } }\nworkload:\n  tenants:\n    - { name: t, model: svc, arrival: { kind: trace, file: ${f.name}, format: ${f.format} }, input_tokens: { dist: fixed, value: 1 }, output_tokens: { dist: fixed, value: 1 } }\n`,
      );
      closeSync(fd);
      const run = spawnSync(process.execPath, ["--import", "tsx", HERE, "child", scenario], { encoding: "utf8", env: process.env });
      if (run.status !== 0) throw new Error(`${f.name}: ${run.stderr}`);
      const result = JSON.parse(run.stdout.trim().split("\n").pop()!);
      process.stdout.write(JSON.stringify({ file: f.name, generated_rows: rows, file_mb: +(statSync(path).size / 1024 / 1024).toFixed(1), ...result }) + "\n");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === "child") await child(process.argv[3]);
else parent(Number(process.argv[2] ?? 100));
