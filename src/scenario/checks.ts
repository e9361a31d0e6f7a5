/** Checks that need more than one field: names that must exist or be unique, ordered bounds. */
import type { PathSegment } from "./issues.js";
import { unknownName } from "./issues.js";
import type { Scenario } from "./schema.js";
import { isThresholdProblem } from "../metrics/thresholds.js";
import { checkRouting } from "./routing-checks.js";
import { checkScaling } from "./scaling-checks.js";
import { checkLimits } from "./limit-checks.js";

type Report = (path: PathSegment[], message: string) => void;

function checkUnique(names: string[], what: string, pathOf: (i: number) => PathSegment[], report: Report): void {
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    const first = seen.get(name);
    if (first !== undefined) report(pathOf(i), `duplicate ${what} name '${name}' (also at index ${first})`);
    else seen.set(name, i);
  });
}

function checkBounds(node: unknown, path: PathSegment[], report: Report): void {
  if (Array.isArray(node)) node.forEach((item, i) => checkBounds(item, [...path, i], report));
  else if (node && typeof node === "object") {
    const record = node as Record<string, unknown>;
    if (typeof record.dist === "string" && typeof record.min === "number" && typeof record.max === "number" && record.min > record.max) {
      report([...path, "max"], `max (${record.max}) is below min (${record.min})`);
    }
    for (const [key, value] of Object.entries(record)) checkBounds(value, [...path, key], report);
  }
}

/** A rate schedule's pieces must start in order, each after the one before. */
function checkPiecewise(pieces: readonly { at: number }[], path: PathSegment[], report: Report): void {
  for (let j = 1; j < pieces.length; j++) {
    if (pieces[j].at <= pieces[j - 1].at) {
      report([...path, j, "at"], `must be after the previous piece's start (${pieces[j - 1].at} s): pieces are listed in time order`);
    }
  }
}

/** Every tenant the gateway names must exist; a rate-limit entry must limit something. */
function checkGateway(s: Scenario, report: Report): void {
  const tenantNames = s.workload.tenants.map((t) => t.name);
  const checkTenantNames = (names: string[], path: PathSegment[]) => {
    for (const name of names) if (!tenantNames.includes(name)) report([...path, name], unknownName("tenant", name, tenantNames));
  };
  const rateLimits = s.gateway.rate_limits;
  if (rateLimits) {
    checkTenantNames(Object.keys(rateLimits.tenants), ["gateway", "rate_limits", "tenants"]);
    const limitsSomething = (limit: { requests_per_min?: number; tokens_per_min?: number }) =>
      limit.requests_per_min !== undefined || limit.tokens_per_min !== undefined;
    const neither = "limits nothing: give requests_per_min, tokens_per_min or both";
    if (rateLimits.default && !limitsSomething(rateLimits.default)) report(["gateway", "rate_limits", "default"], neither);
    for (const [name, limit] of Object.entries(rateLimits.tenants)) {
      // An empty entry would silently lift the default for that tenant; say so rather than guess.
      if (!limitsSomething(limit)) report(["gateway", "rate_limits", "tenants", name], neither);
    }
    const modelNames = s.models.map((m) => m.name);
    for (const [name, limit] of Object.entries(rateLimits.models)) {
      if (!modelNames.includes(name)) report(["gateway", "rate_limits", "models", name], unknownName("model", name, modelNames));
      else if (!limitsSomething(limit)) report(["gateway", "rate_limits", "models", name], neither);
    }
  }
  checkTenantNames(Object.keys(s.gateway.quotas), ["gateway", "quotas"]);
  if (s.gateway.waf) checkTenantNames(Object.keys(s.gateway.waf.block), ["gateway", "waf", "block"]);
}

export function checkScenario(s: Scenario, report: Report): void {
  if (s.warmup >= s.duration) report(["warmup"], `the warm-up (${s.warmup} s) must be shorter than the duration (${s.duration} s)`);
  const modelNames = s.models.map((m) => m.name);
  checkUnique(modelNames, "model", (i) => ["models", i, "name"], report);
  checkUnique(s.workload.tenants.map((t) => t.name), "tenant", (i) => ["workload", "tenants", i, "name"], report);
  s.models.forEach((model, i) => {
    const engine = model.engine;
    // Reported here, for the whole entry, because a left-out engine is indistinguishable from the default written out.
    if (engine.kind === "continuous_batching" && model.model === undefined) {
      report(
        ["models", i],
        "no model architecture for its continuous_batching engine (the default when `engine` is left out): give `model` (a catalog id such as llama-3.1-8b, or an inline spec), or, for a service that is not an LLM, an `engine` such as { kind: queue, service_time: ... }",
      );
    }
    if (engine.kind === "continuous_batching" && engine.max_batched_tokens < engine.max_num_seqs) {
      report(["models", i, "engine", "max_batched_tokens"], `must be at least max_num_seqs (${engine.max_num_seqs}), so every running sequence can decode in each iteration`);
    }
    if (engine.kind === "continuous_batching" && engine.prefix_block_tokens % engine.block_size !== 0) {
      report(["models", i, "engine", "prefix_block_tokens"], `must be a multiple of block_size (${engine.block_size})`);
    }
    if (engine.kind === "continuous_batching" && engine.speculative && engine.latency.kind === "profile") {
      report(["models", i, "engine", "speculative"], "speculative decoding prices its draft and verify passes with the roofline latency model; a measured profile has no verify pass of k + 1 tokens");
    }
    if (engine.kind === "continuous_batching" && engine.speculative && engine.speculative.draft_tokens + 1 > engine.max_batched_tokens / engine.max_num_seqs) {
      report(
        ["models", i, "engine", "speculative", "draft_tokens"],
        `a verify pass of ${engine.max_num_seqs} sequences x ${engine.speculative.draft_tokens + 1} tokens exceeds max_batched_tokens (${engine.max_batched_tokens}): lower draft_tokens or max_num_seqs, or raise max_batched_tokens`,
      );
    }
  });
  // Provisioned throughput is one tenant's: it names a tenant that calls the model, and no other tenant does.
  s.models.forEach((model, i) => {
    const owner = model.provisioned?.tenant;
    if (owner === undefined) return;
    const tenantNames = s.workload.tenants.map((t) => t.name);
    const tenant = s.workload.tenants.find((t) => t.name === owner);
    if (!tenant) report(["models", i, "provisioned", "tenant"], unknownName("tenant", owner, tenantNames));
    else if (tenant.model !== model.name) report(["models", i, "provisioned", "tenant"], `tenant ${owner} calls ${tenant.model}, not ${model.name}: provisioned capacity serves the tenant that bought it`);
    if (model.autoscaler) report(["models", i, "autoscaler"], "provisioned throughput is a fixed number of replicas bought by the hour: set replicas.initial and leave out the autoscaler");
    s.workload.tenants.forEach((t, k) => {
      if (t.model === model.name && t.name !== owner) report(["workload", "tenants", k, "model"], `${model.name} is provisioned throughput of tenant ${owner}: its replicas serve no other tenant`);
    });
  });
  s.workload.tenants.forEach((tenant, i) => {
    if (!modelNames.includes(tenant.model)) report(["workload", "tenants", i, "model"], unknownName("model", tenant.model, modelNames));
    const served = s.models.find((m) => m.name === tenant.model);
    if (tenant.speculative_acceptance_rate !== undefined && served && (served.engine.kind !== "continuous_batching" || !served.engine.speculative)) {
      report(["workload", "tenants", i, "speculative_acceptance_rate"], `model ${tenant.model} does not decode speculatively (its engine has no \`speculative\`)`);
    }
    if (tenant.prefix?.cache_ttl && served && !served.prompt_cache) {
      report(["workload", "tenants", i, "prefix", "cache_ttl"], `model ${tenant.model} has no prompt_cache: give it one ({ min_tokens: 1024 }) to bill cache checkpoints, or leave cache_ttl out`);
    }
    if (tenant.retries !== undefined && tenant.retry !== undefined) {
      report(["workload", "tenants", i, "retries"], "give either retries (a count) or retry (the policy), not both");
    }
    if (tenant.stop !== undefined && tenant.stop <= (tenant.start ?? 0)) {
      report(["workload", "tenants", i, "stop"], `must be after start (${tenant.start ?? 0} s): the tenant would send nothing`);
    }
    if (tenant.arrival.kind === "piecewise") checkPiecewise(tenant.arrival.rates, ["workload", "tenants", i, "arrival", "rates"], report);
  });
  checkGateway(s, report);
  checkScaling(s, report);
  if (s.workload.tenants.every((t) => modelNames.includes(t.model))) checkRouting(s, report);
  checkBounds(s, [], report);
  checkLimits(s, report);
  // The schema parsed every threshold; here the ones it could not read become problems.
  for (const [metric, parsed] of Object.entries(s.thresholds)) {
    parsed.forEach((threshold, i) => {
      if (isThresholdProblem(threshold)) report(["thresholds", metric, i], threshold.problem);
    });
  }
}
