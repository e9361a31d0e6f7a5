/**
 * From a YAML file (plus --set overrides) to a validated Scenario, or a ScenarioError listing every
 * problem at once, each with file:line:col and field path. Data files the scenario names (traces,
 * empirical distributions) are read here too, so a missing or malformed file is a scenario error
 * rather than a crash halfway through a run.
 */
import { dirname } from "node:path";
import { isMap, type Document, type LineCounter } from "yaml";
import { DataFileError, DataFiles } from "../workload/datafiles.js";
import { hashIdRange, readTrace } from "../workload/trace.js";
import { empiricalValues } from "../workload/distributions.js";
import { ScenarioError, formatPath, type PathSegment, type ScenarioIssue } from "./issues.js";
import { applyOverride, parseOverride, type Override } from "./overrides.js";
import { ScenarioSchema, type Scenario } from "./schema.js";
import { checkScenario } from "./checks.js";
import { describeIssue } from "./zod-issues.js";
import { deployModel } from "../inference/deployment.js";
import { checkFaults, checkOffloadMemory, checkTransferNetwork, planTopology, poolSpecs } from "../fleet/topology.js";
import { ProfileModel } from "../inference/latency/profile.js";
import { createHash } from "node:crypto";
import { checkDocument, checkPlainData, parseSource, plainData, readSourceFile } from "./source.js";
import { expectedRequests, tooManyRequests, traceReplay } from "./limit-checks.js";
import { PREFIX_KEYS } from "../workload/tenant-source.js";
import { formatLimit } from "./limits.js";

export { readSourceFile };

export interface LoadedScenario {
  scenario: Scenario;
  /** the file it came from (for messages and reports) */
  file: string;
  /** data files, already read and checked */
  data: DataFiles;
  /** what the report records to say which scenario it is: the source's SHA-256 and the overrides applied to it */
  provenance: { sha256: string; overrides: string[] };
}

export interface LoadOptions {
  /** `--set path=value` overrides, applied in order */
  sets?: readonly string[];
  /** `--seed N`: the same as a last `--set seed=N` */
  seed?: number;
  /**
   * `--data-dir`: folders data files (traces, empirical distributions, profiles) may be read from
   * besides the scenario's own folder; a file anywhere else, symbolic links resolved, is refused.
   */
  dataDirs?: readonly string[];
}

/** Maps field paths to positions in the YAML source. */
class SourceMap {
  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly overrides: readonly Override[],
  ) {}

  issue(path: readonly PathSegment[], message: string, atKey = false): ScenarioIssue {
    const fieldPath = formatPath(path);
    const override = [...this.overrides].reverse().find((o) => startsWith(path, o.path));
    if (override) return { file: `--set ${override.text}`, path: fieldPath, message };
    const offset = this.offsetOf(path, atKey);
    if (offset === undefined) return { file: this.file, path: fieldPath, message };
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col, path: fieldPath, message };
  }

  /** Start of the node at `path`, or of its key, or of the nearest ancestor that exists. */
  private offsetOf(path: readonly PathSegment[], atKey: boolean): number | undefined {
    for (let n = path.length; n >= 0; n--) {
      const prefix = path.slice(0, n);
      if (atKey && n === path.length && n > 0) {
        const parent = n === 1 ? this.doc.contents : this.doc.getIn(prefix.slice(0, -1), true);
        if (isMap(parent)) {
          const pair = parent.items.find((item) => (item.key as { value?: unknown })?.value === path[n - 1]);
          const range = (pair?.key as { range?: [number, number] } | undefined)?.range;
          if (range) return range[0];
        }
      }
      const node = n === 0 ? this.doc.contents : this.doc.getIn(prefix, true);
      const range = (node as { range?: [number, number] } | null | undefined)?.range;
      if (range) return range[0];
    }
    return undefined;
  }
}

function startsWith(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}

export function loadScenarioFile(file: string, options: LoadOptions = {}): LoadedScenario {
  return loadScenarioText(readSourceFile(file), file, options);
}

export function loadScenarioText(text: string, file: string, options: LoadOptions = {}): LoadedScenario {
  const { doc, lines } = parseSource(text, file);
  const issues: ScenarioIssue[] = [];

  const overrides: Override[] = [];
  const sets = options.seed === undefined ? (options.sets ?? []) : [...(options.sets ?? []), `seed=${options.seed}`];
  for (const text of sets) {
    const parsed = parseOverride(text);
    const problem = typeof parsed === "string" ? parsed : applyOverride(doc, parsed);
    if (problem) issues.push({ file: `--set ${text}`, path: "", message: problem });
    else overrides.push(parsed as Override);
  }
  if (issues.length > 0) throw new ScenarioError(issues);

  const source = new SourceMap(file, doc, lines, overrides);
  checkDocument(doc, (path, message, atKey, offset) =>
    issues.push(offset === undefined ? source.issue(path, message, atKey) : { file, ...lines.linePos(offset), path: formatPath(path), message }),
  );
  if (issues.length > 0) throw new ScenarioError(issues);
  const data = new DataFiles(dirname(file), options.dataDirs);
  const scenario = validate(plainData(doc, lines, file), data, (path, message, atKey) => issues.push(source.issue(path, message, atKey)));
  if (!scenario) throw new ScenarioError(issues);
  return { scenario, file, data, provenance: { sha256: sha256(text), overrides: overrides.map((o) => o.text) } };
}

/**
 * A disaggregated model's replicas are its pools' (prefill first, then decode), so the topology places
 * them all; what pools do not support yet is refused here.
 */
function poolReplicas(scenario: Scenario, fail: Report): void {
  scenario.models.forEach((model, i) => {
    const d = model.disaggregation;
    if (!d) return;
    const at = (...path: PathSegment[]) => ["models", i, ...path];
    const unsupported: [boolean, PathSegment[], string][] = [
      [model.engine.kind !== "continuous_batching", at("engine"), "pools hand a KV cache over: a disaggregated model needs a continuous_batching engine"],
      [model.rollout !== undefined, at("rollout"), "a disaggregated model cannot be rolled out yet"],
      [model.replicas.min !== undefined || model.replicas.max !== undefined, at("replicas"), "a disaggregated model's replicas are its pools': give disaggregation.prefill.replicas and decode.replicas"],
      [model.pipeline_parallel > 1, at("pipeline_parallel"), "pools run one pipeline stage (tensor parallelism only) for now"],
      // Each pool's router: its own, or the model's (checked once however many pools use it).
      ...[...new Map((["prefill", "decode"] as const).map((pool) => (d[pool].router ? [pool, d[pool].router!] : ["model", model.router]))).entries()].map(
        ([owner, router]): [boolean, PathSegment[], string] => [
          router.kind === "central_queue",
          owner === "model" ? at("router", "kind") : at("disaggregation", owner, "router", "kind"),
          "each pool routes itself: choose a router that sends to replicas (central_queue holds requests for a single pool)",
        ],
      ),
    ];
    for (const [bad, path, message] of unsupported) if (bad) fail(path, message);
    // The model's replicas are the pools' together: at the start, and at their fewest and most.
    const bound = (k: "min" | "max") => (d.prefill.replicas[k] ?? d.prefill.replicas.initial) + (d.decode.replicas[k] ?? d.decode.replicas.initial);
    const scaled = [d.prefill, d.decode].some((p) => p.replicas.min !== undefined || p.replicas.max !== undefined);
    model.replicas = { initial: d.prefill.replicas.initial + d.decode.replicas.initial, ...(scaled ? { min: bound("min"), max: bound("max") } : {}) };
  });
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

type Report = (path: PathSegment[], message: string, atKey?: boolean) => void;

/** Validates plain data (from YAML or built in code); reports problems and returns undefined if any. */
function validate(input: unknown, data: DataFiles, report: Report): Scenario | undefined {
  const parsed = ScenarioSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      for (const m of describeIssue(issue, ScenarioSchema, input)) report(m.path, m.message, m.atKey);
    }
    return undefined;
  }
  let ok = true;
  const fail: Report = (path, message, atKey) => {
    ok = false;
    report(path, message, atKey);
  };
  poolReplicas(parsed.data, fail);
  checkScenario(parsed.data, fail);
  if (ok) readDataFiles(parsed.data, data, fail);
  if (ok) {
    const planned = planTopology(parsed.data);
    for (const problem of planned.problems) fail(problem.path, problem.message);
    if (planned.topology) {
      const topology = planned.topology;
      for (const problem of checkFaults(parsed.data, topology)) fail(problem.path, problem.message);
      for (const problem of checkOffloadMemory(parsed.data, topology)) fail(problem.path, problem.message);
      for (const problem of checkTransferNetwork(parsed.data, topology)) fail(problem.path, problem.message);
      parsed.data.models.forEach((model, i) => {
        for (const problem of deployModel(model, data, topology.modelGpu[i]).problems) fail(["models", i, ...problem.path], problem.message);
        const pools = poolSpecs(model);
        for (const pool of ["prefill", "decode"] as const) {
          const own = model.disaggregation?.[pool];
          if (!pools || !own || (own.gpu === undefined && own.tensor_parallel === undefined && own.precision === undefined)) continue;
          for (const problem of deployModel(pools[pool], data, topology.modelGpu[i]).problems) {
            // At the pool's own field the problem concerns, or the first it sets.
            const field = problem.path[0] === "gpu" && own.gpu !== undefined ? "gpu" : own.tensor_parallel !== undefined ? "tensor_parallel" : own.precision !== undefined ? "precision" : "gpu";
            fail(["models", i, "disaggregation", pool, field], `${pool} pool: ${problem.message}`);
          }
        }
      });
    }
  }
  return ok ? parsed.data : undefined;
}

/**
 * Validates a scenario given as an object (the library API); throws ScenarioError with paths. Data
 * files resolve against `baseDir` and must lie inside it or one of `dataDirs`.
 */
export function validateScenarioObject(input: unknown, baseDir = ".", dataDirs: readonly string[] = []): LoadedScenario {
  const issues: ScenarioIssue[] = [];
  const data = new DataFiles(baseDir, dataDirs);
  const report = (path: PathSegment[], message: string) => issues.push({ file: "(scenario)", path: formatPath(path), message });
  checkPlainData(input, report);
  if (issues.length > 0) throw new ScenarioError(issues);
  const scenario = validate(input, data, report);
  if (!scenario) throw new ScenarioError(issues);
  return { scenario, file: "(scenario)", data, provenance: { sha256: sha256(JSON.stringify(input)), overrides: [] } };
}

/** Reads every trace and empirical column the scenario names, so file problems surface before the run. */
function readDataFiles(scenario: Scenario, data: DataFiles, report: Report): void {
  const attempt = (path: PathSegment[], read: () => unknown) => {
    try {
      read();
    } catch (error) {
      if (!(error instanceof DataFileError)) throw error;
      report(path, error.line === undefined ? `${error.file}: ${error.detail}` : `${error.file} line ${error.line}: ${error.detail}`);
    }
  };
  let requests = 0;
  let traceTenant = -1;
  // Prefix-cache keys, handed out tenant by tenant (PrefixKeySpace), must fit in 32 bits.
  let prefixKeys = 0;
  let keysReported = false;
  const countKeys = (path: PathSegment[], keys: number, what: string, advice: string) => {
    prefixKeys += keys;
    if (keysReported || prefixKeys <= PREFIX_KEYS) return;
    keysReported = true;
    report(path, `prefix-cache keys of the tenants up to here add up to ${formatLimit(prefixKeys)} (${what}), more than ${formatLimit(PREFIX_KEYS)} (the most 32-bit keys hold): ${advice}`);
  };
  scenario.workload.tenants.forEach((tenant, i) => {
    const arrival = tenant.arrival;
    requests += expectedRequests(tenant, scenario.duration);
    const model = scenario.models.find((m) => m.name === tenant.model);
    if (tenant.prefix && model?.engine.kind === "continuous_batching" && model.engine.prefix_caching) {
      // At most one key per KV block (a model replaying a hash-id trace caches by larger units, and such a trace's own keys replace these).
      const keys = tenant.prefix.variants * Math.floor(tenant.prefix.tokens / model.engine.block_size);
      countKeys(["workload", "tenants", i, "prefix"], keys, `this tenant's shared prefixes take up to ${formatLimit(keys)}, one per KV block`, "use fewer variants or shorter prefixes");
    }
    if (arrival.kind !== "trace") return;
    const path: PathSegment[] = ["workload", "tenants", i, "arrival"];
    attempt([...path, "file"], () => {
      const trace = loadTrace(data, arrival.file, arrival.format);
      if (trace.hashIds) {
        const { min, max } = hashIdRange(trace.hashIds);
        countKeys([...path, "file"], max - min + 1, `this trace's hash_ids run from ${min} to ${max}, a key for each id between`, "number the hash ids from 0");
      }
      const replay = traceReplay(tenant, arrival, { rows: trace.arrivalS.length, spanS: trace.spanS }, scenario.duration);
      if ("problem" in replay) report([...path, replay.field], replay.problem);
      else {
        requests += replay.requests;
        traceTenant = i;
      }
    });
  });
  if (traceTenant >= 0) {
    const problem = tooManyRequests(requests);
    if (problem) report(["workload", "tenants", traceTenant, "arrival"], problem);
  }
  visitEmpirical(scenario, [], (path, spec) => attempt([...path, "file"], () => empiricalValues(data, spec.file, spec.column)));
  scenario.models.forEach((model, i) => {
    const engine = model.engine;
    if (engine.kind === "continuous_batching" && engine.latency.kind === "profile") {
      const file = engine.latency.file;
      attempt(["models", i, "engine", "latency", "file"], () => ProfileModel.fromFile(data, file));
    }
  });
}

export function loadTrace(data: DataFiles, file: string, format?: "azure" | "mooncake") {
  return data.read(file, `trace:${format ?? "auto"}`, (path, shownAs) => readTrace(path, shownAs, format));
}

function visitEmpirical(node: unknown, path: PathSegment[], visit: (path: PathSegment[], spec: { file: string; column: string }) => void): void {
  if (Array.isArray(node)) node.forEach((item, i) => visitEmpirical(item, [...path, i], visit));
  else if (node && typeof node === "object") {
    const record = node as Record<string, unknown>;
    if (record.dist === "empirical") visit(path, record as { file: string; column: string });
    else for (const [key, value] of Object.entries(record)) visitEmpirical(value, [...path, key], visit);
  }
}
