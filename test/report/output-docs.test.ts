/**
 * reports/README.md documents every key of report.json and every column of timeseries.csv and
 * requests.csv; these tests hold it to that on real runs, so a key added without a line there fails.
 *
 * How the page is read: under `## report.json`, the backquoted patterns in the first column of tables
 * headed `key path`; under `## timeseries.csv` and `## requests.csv`, those of tables headed `column`.
 * A pattern is a dotted path of names, `[]` (every element of an array) and `<placeholders>`. A
 * placeholder listed in the table headed `placeholder` stands for one of the scenario's own names
 * (NAMES_FROM_SCENARIO below says which); one that heads a table of its own (`<group>`, `<latency>`,
 * `<stat>`, ...) stands for one of the values in that table's first column, each itself a path (a
 * row without backquotes is the empty path: the top level).
 *
 * report.json is flattened to key paths with arrays as `[]`; a path matches a pattern of the same
 * length whose names are equal and whose placeholders hold a name of the run's scenario. An empty
 * object or array matches when it is the start of a pattern.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { loadScenarioFile, simulate, type Result, type SimulationOptions } from "../../src/index.js";
import { requestCsvWriter } from "../../src/report/index.js";

const README = new URL("../../reports/README.md", import.meta.url);

/** The runs whose reports are checked: together they produce every key the page documents. Durations are cut to keep this fast. */
const RUNS: { scenario: string; sets: string[]; options?: SimulationOptions }[] = [
  // An A100 server beside the H100 ones, which no model can use: a warning.
  { scenario: "reference", sets: ["duration=3m", "warmup=1m", "regions[0].azs[0].servers=[{type: p5.48xlarge, count: 2}, {type: p4d.24xlarge, count: 1}]", "models[0].gpu=h100-sxm"] },
  { scenario: "az-outage-2az", sets: ["duration=8m", "warmup=1m", "faults[0].at=3m", "faults[0].duration=2m"] },
  {
    scenario: "step-scale-out",
    sets: ["duration=30m", "workload.tenants[0].arrival.rates[1].at=5m", "workload.tenants[0].arrival.rates[2].at=20m", "costs.gpu_pricing=owned"],
  },
  { scenario: "canary-rollback", sets: ["duration=12m", "warmup=1m", "models[0].rollout.at=2m", "models[0].revenue_share=0.3"] },
  { scenario: "gateway", sets: ["duration=5m"] },
  { scenario: "mmc", sets: ["duration=1000s", "warmup=100s"], options: { shuffleTies: true } },
];

/** Placeholders for names the scenario chooses, and where each run's names come from. */
const NAMES_FROM_SCENARIO: Record<string, (r: Result) => string[]> = {
  tenant: (r) => r.run.scenario.workload.tenants.map((t) => t.name),
  account: (r) => r.run.scenario.workload.tenants.map((t) => t.account ?? t.name),
  model: (r) => r.run.scenario.models.map((m) => m.name),
  region: (r) => r.run.topology.regions.map((region) => region.name),
  az: (r) => r.run.topology.azs.map((az) => az.name),
  server_type: (r) => r.run.topology.servers.map((s) => s.type.id),
  cost_item: (r) => r.run.scenario.costs.other.map((item) => item.name),
  threshold_metric: (r) => Object.keys(r.run.scenario.thresholds),
};

// --- the page ----------------------------------------------------------------------------------

type Segment = { name: string } | { placeholder: string } | { array: true };

interface Table {
  section: string;
  header: string[];
  rows: string[][];
}

function tablesOf(markdown: string): Table[] {
  const tables: Table[] = [];
  let section = "";
  let current: Table | undefined;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("## ")) section = line.slice(3).trim();
    if (!line.startsWith("|")) {
      current = undefined;
      continue;
    }
    const cells = line.slice(1, line.trimEnd().endsWith("|") ? line.trimEnd().length - 1 : undefined).split("|").map((c) => c.trim());
    if (!current) tables.push((current = { section, header: cells, rows: [] }));
    else if (!cells.every((c) => /^:?-+:?$/.test(c))) current.rows.push(cells);
  }
  return tables;
}

const backquoted = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** `a.<b>[].c` -> segments; throws on anything else, so a typo in the page fails loudly. */
function parsePattern(text: string): Segment[] {
  const segments: Segment[] = [];
  const token = /<([a-z_]+)>|\[\]|([A-Za-z0-9_]+)/y;
  let at = 0;
  while (at < text.length) {
    if (segments.length > 0 && text[at] === ".") at++;
    token.lastIndex = at;
    const m = token.exec(text);
    if (!m) throw new Error(`reports/README.md: cannot read the pattern ${JSON.stringify(text)} at ${at}`);
    segments.push(m[1] !== undefined ? { placeholder: m[1] } : m[2] !== undefined ? { name: m[2] } : { array: true });
    at = token.lastIndex;
  }
  return segments;
}

const show = (segments: readonly Segment[]): string =>
  segments.map((s, i) => ("array" in s ? "[]" : `${i > 0 ? "." : ""}${"name" in s ? s.name : `<${s.placeholder}>`}`)).join("");

interface Documented {
  /** the pattern as the page writes it */
  source: string;
  /** with every placeholder of a fixed list replaced by one of its values */
  segments: Segment[];
}

interface Page {
  reportKeys: Documented[];
  columns: Record<"timeseries.csv" | "requests.csv", string[]>;
  /** placeholders the page lists as the scenario's names */
  scenarioNames: string[];
  problems: string[];
}

function readPage(): Page {
  const tables = tablesOf(readFileSync(README, "utf8"));
  const problems: string[] = [];
  const lists = new Map<string, Segment[][]>();
  for (const t of tables) {
    const m = /^`<([a-z_]+)>`$/.exec(t.header[0]);
    if (m) lists.set(m[1], t.rows.map((row) => backquoted(row[0])[0] ?? "").map((value) => (value === "" ? [] : parsePattern(value))));
  }
  const scenarioNames = tables.filter((t) => t.header[0] === "placeholder").flatMap((t) => t.rows.flatMap((row) => backquoted(row[0]).map((p) => p.replace(/^<|>$/g, ""))));
  for (const name of scenarioNames) if (!NAMES_FROM_SCENARIO[name]) problems.push(`placeholder <${name}>: the test does not know where the scenario's names for it come from`);

  /** Replaces the first fixed-list placeholder by each of its values, until none is left. */
  const expand = (segments: Segment[], depth = 0): Segment[][] => {
    const i = segments.findIndex((s) => "placeholder" in s && lists.has(s.placeholder));
    if (i < 0 || depth > 8) return [segments];
    const values = lists.get((segments[i] as { placeholder: string }).placeholder)!;
    return values.flatMap((value) => expand([...segments.slice(0, i), ...value, ...segments.slice(i + 1)], depth + 1));
  };
  const reportKeys: Documented[] = [];
  for (const t of tables.filter((t) => t.section === "report.json" && t.header[0] === "key path")) {
    for (const row of t.rows) {
      for (const source of backquoted(row[0])) {
        for (const segments of expand(parsePattern(source))) {
          for (const s of segments) if ("placeholder" in s && !scenarioNames.includes(s.placeholder)) problems.push(`${source}: <${s.placeholder}> is defined nowhere on the page`);
          reportKeys.push({ source, segments });
        }
      }
    }
  }
  const columnsOf = (section: string) => tables.filter((t) => t.section === section && t.header[0] === "column").flatMap((t) => t.rows.flatMap((row) => backquoted(row[0])));
  return { reportKeys, columns: { "timeseries.csv": columnsOf("timeseries.csv"), "requests.csv": columnsOf("requests.csv") }, scenarioNames, problems };
}

// --- report.json's key paths -------------------------------------------------------------------

const ARRAY = Symbol("[]");
type KeyPath = (string | typeof ARRAY)[];

/** Every leaf's key path, and every empty object's or array's (whose contents the page may still describe). */
function keyPaths(value: unknown, path: KeyPath = [], out: { path: KeyPath; empty: boolean }[] = []): { path: KeyPath; empty: boolean }[] {
  if (Array.isArray(value)) {
    if (value.length === 0) out.push({ path: [...path, ARRAY], empty: true });
    for (const element of value) keyPaths(element, [...path, ARRAY], out);
  } else if (value !== null && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 0) out.push({ path, empty: true });
    for (const [key, child] of entries) keyPaths(child, [...path, key], out);
  } else {
    out.push({ path, empty: false });
  }
  return out;
}

const showKey = (path: KeyPath): string => path.map((k, i) => (k === ARRAY ? "[]" : `${i > 0 ? "." : ""}${k}`)).join("");

function matches(segments: readonly Segment[], path: KeyPath, names: Map<string, Set<string>>, asPrefix: boolean): boolean {
  if (asPrefix ? segments.length < path.length : segments.length !== path.length) return false;
  return path.every((key, i) => {
    const s = segments[i];
    if ("array" in s) return key === ARRAY;
    if (key === ARRAY) return false;
    return "name" in s ? s.name === key : (names.get(s.placeholder)?.has(key) ?? false);
  });
}

function scenarioNamesOf(result: Result, placeholders: readonly string[]): Map<string, Set<string>> {
  return new Map(placeholders.filter((p) => NAMES_FROM_SCENARIO[p]).map((p) => [p, new Set(NAMES_FROM_SCENARIO[p](result))]));
}

/** Key paths of the report no documented pattern describes, and the documented patterns it used. */
function checkReport(report: unknown, result: Result, page: Page): { undocumented: string[]; used: Set<Documented> } {
  const names = scenarioNamesOf(result, page.scenarioNames);
  const undocumented = new Set<string>();
  const used = new Set<Documented>();
  const seen = new Set<string>();
  for (const { path, empty } of keyPaths(report)) {
    const id = `${empty}:${showKey(path)}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const hits = page.reportKeys.filter((d) => matches(d.segments, path, names, empty));
    if (hits.length === 0) undocumented.add(showKey(path));
    if (!empty) for (const d of hits) used.add(d);
  }
  return { undocumented: [...undocumented], used };
}

// --- the tests ---------------------------------------------------------------------------------

describe("reports/README.md", () => {
  const page = readPage();
  const runs: { name: string; result: Result }[] = [];

  beforeAll(() => {
    for (const { scenario, sets, options } of RUNS) runs.push({ name: scenario, result: simulate(loadScenarioFile(`scenarios/${scenario}.yaml`, { sets }), options) });
  }, 120_000);

  it("defines every placeholder its patterns use", () => {
    expect(page.problems).toEqual([]);
    expect(page.reportKeys.length).toBeGreaterThan(100);
  });

  it("describes every key path of report.json", () => {
    const undocumented = runs.flatMap(({ name, result }) => checkReport(result.report, result, page).undocumented.map((key) => `${name}: ${key}`));
    expect(undocumented, "keys of report.json missing from reports/README.md").toEqual([]);
  });

  it("describes no key of report.json that none of the runs produces", () => {
    const used = new Set<Documented>();
    for (const { result } of runs) for (const d of checkReport(result.report, result, page).used) used.add(d);
    const stale = [...new Set(page.reportKeys.filter((d) => !used.has(d)).map((d) => `${d.source} (as ${show(d.segments)})`))];
    expect(stale, "documented keys no run produced: gone from report.json, or RUNS needs a scenario that has them").toEqual([]);
  });

  it("notices a key added without documentation", () => {
    const { result } = runs[0];
    const model = result.run.scenario.models[0].name;
    const report = structuredClone(result.report) as unknown as Record<string, unknown>;
    report.brand_new = 1;
    (report.by_model as Record<string, Record<string, unknown>>)[model].brand_new = { nested: [1] };
    (report.by_model as Record<string, Record<string, unknown>>)["not-a-model"] = { replicas: 1 };
    expect(checkReport(report, result, page).undocumented.sort()).toEqual(["brand_new", `by_model.${model}.brand_new.nested[]`, "by_model.not-a-model.replicas"]);
  });

  it("describes every column of timeseries.csv, and no other", () => {
    const columns = new Set(runs.flatMap(({ result }) => result.timeseries.flatMap((row) => Object.keys(row))));
    expect([...columns].filter((c) => !page.columns["timeseries.csv"].includes(c)), "undocumented columns").toEqual([]);
    expect(page.columns["timeseries.csv"].filter((c) => !columns.has(c)), "documented columns no run wrote").toEqual([]);
  });

  it("describes every column of requests.csv, and no other", () => {
    let written = "";
    requestCsvWriter(runs[0].result.run.scenario, { write: (text) => (written += text) });
    const columns = written.trim().split(",");
    expect(columns.filter((c) => !page.columns["requests.csv"].includes(c)), "undocumented columns").toEqual([]);
    expect(page.columns["requests.csv"].filter((c) => !columns.includes(c)), "documented columns not in the header").toEqual([]);
  });
});
