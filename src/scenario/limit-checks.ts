/**
 * Limits on products of fields (servers x GPUs, replicas x regions, tenants x regions, rate x time):
 * each field may be within its own limit (limits.ts) while together they ask for more memory or time
 * than any run should take. Checked before the fleet is planned, so nothing is allocated for them.
 */
import { SERVER_TYPES } from "../catalog/servers.js";
import type { PathSegment } from "./issues.js";
import { formatLimit, LIMITS, type Limit } from "./limits.js";
import type { ModelSpec, Scenario, TenantSpec } from "./schema.js";

type Report = (path: PathSegment[], message: string) => void;

function over(l: Limit, total: number, what: string, advice: string): string {
  return `${what} ${formatLimit(Math.round(total))}, more than ${formatLimit(l.max)} (the limit on ${l.what}): ${advice}`;
}

/** Servers and GPUs of every pool, at the most each pool may grow to. */
function checkFleet(s: Scenario, report: Report): void {
  let servers = 0;
  let gpus = 0;
  let serversReported = false;
  let gpusReported = false;
  (s.regions ?? []).forEach((region, ri) => {
    region.azs.forEach((az, ai) => {
      const pools = Array.isArray(az.servers) ? az.servers : [az.servers];
      pools.forEach((pool, pi) => {
        const path: PathSegment[] = ["regions", ri, "azs", ai, "servers", ...(Array.isArray(az.servers) ? [pi] : [])];
        const most = Math.max(pool.count, pool.max ?? pool.count);
        servers += most;
        const perServer = s.server_types[pool.type]?.gpus ?? SERVER_TYPES[pool.type]?.gpus ?? 0;
        gpus += most * perServer;
        if (!serversReported && servers > LIMITS.servers.max) {
          serversReported = true;
          report(path, over(LIMITS.servers, servers, "the pools up to here hold up to", "use fewer, larger servers or split the study"));
        }
        if (!gpusReported && gpus > LIMITS.gpusTotal.max) {
          gpusReported = true;
          report(path, over(LIMITS.gpusTotal, gpus, "the pools up to here hold up to (servers x GPUs each)", "simulate a share of the fleet and scale the results"));
        }
      });
    });
  });
}

/** Replicas of every model in every region at their most (twice during a rollout), and the GPUs they need. */
function checkReplicas(s: Scenario, report: Report): void {
  const regionCount = s.regions?.length ?? 1;
  let replicas = 0;
  let gpus = 0;
  let replicasReported = false;
  let gpusReported = false;
  s.models.forEach((model, i) => {
    const regions = model.regions?.length ?? regionCount;
    // A disaggregated model's pools are counted apart (each has its own bounds and tensor parallelism).
    for (const unit of scalingUnits(model)) {
      const { initial, min, max } = unit.replicas;
      let most = Math.max(initial, min ?? 0, max ?? 0);
      if (unit.autoscaler?.kind === "scheduled") for (const e of unit.autoscaler.table) most = Math.max(most, e.max ?? 0, e.desired ?? 0);
      if (model.rollout) most *= 2;
      replicas += most * regions;
      if (model.engine.kind === "continuous_batching") gpus += most * regions * unit.tensor_parallel * model.pipeline_parallel;
    }
    if (!replicasReported && replicas > LIMITS.replicasTotal.max) {
      replicasReported = true;
      report(["models", i, "replicas"], over(LIMITS.replicasTotal, replicas, "the models up to here run up to (replicas x regions)", "simulate a share of the fleet and scale the results"));
    }
    if (!gpusReported && gpus > LIMITS.gpusTotal.max) {
      gpusReported = true;
      report(["models", i, "replicas"], over(LIMITS.gpusTotal, gpus, "the models up to here need up to (replicas x regions x tensor_parallel x pipeline_parallel) GPUs:", "simulate a share of the fleet and scale the results"));
    }
  });
}

/** Requests a tenant is expected to send in the run (traces: counted when the file is read). */
export function expectedRequests(tenant: TenantSpec, durationS: number): number {
  const from = tenant.start ?? 0;
  const to = Math.min(durationS, tenant.stop ?? durationS);
  const window = Math.max(0, to - from);
  const a = tenant.arrival;
  switch (a.kind) {
    case "poisson":
    case "constant":
    case "gamma":
      return a.rate_per_s * window;
    case "diurnal":
      return a.mean_rate_per_s * window;
    case "piecewise": {
      let total = 0;
      a.rates.forEach((piece, k) => {
        const end = Math.min(to, k + 1 < a.rates.length ? a.rates[k + 1].at : to);
        total += piece.rate_per_s * Math.max(0, end - Math.max(from, piece.at));
      });
      return total;
    }
    case "burst":
      return a.count;
    case "batch_job":
      return a.jobs.reduce((n, job) => n + job.records, 0);
    case "closed_loop":
    case "trace":
      return 0;
  }
}

/** The message when the requests a run is expected to make pass the limit, or undefined. */
export function tooManyRequests(requests: number): string | undefined {
  if (requests <= LIMITS.requestsPerRun.max) return undefined;
  return over(LIMITS.requestsPerRun, requests, "the tenants would send about (rate x time, all tenants)", "shorten the duration or lower the rates; the percentiles settle long before");
}

/**
 * The requests a trace tenant sends in the run (its rows, or, looping, its replay rate x its time), or
 * why the replay cannot run: a loop whose rows share one timestamp would replay them at one instant
 * forever (a loop lasts the span plus one mean gap, arrivals.ts), and a loop faster than a tenant may send.
 */
export function traceReplay(
  tenant: TenantSpec,
  arrival: { file: string; loop: boolean; speedup: number },
  trace: { rows: number; spanS: number },
  durationS: number,
): { requests: number } | { field: "loop" | "speedup"; problem: string } {
  const { rows, spanS } = trace;
  if (!arrival.loop) return { requests: rows };
  if (rows > 1 && spanS === 0) {
    return { field: "loop", problem: `${arrival.file}: every request has the same timestamp, so a loop would replay them all at one instant, forever: set loop: false` };
  }
  const cycleS = rows > 1 ? (spanS * rows) / (rows - 1) : 1;
  const ratePerS = (rows / cycleS) * arrival.speedup;
  if (ratePerS > LIMITS.ratePerS.max) {
    return { field: "speedup", problem: over(LIMITS.ratePerS, ratePerS, "the looping trace replays (rows / span x speedup) requests per second:", "lower the speedup") };
  }
  const windowS = Math.max(0, Math.min(durationS, tenant.stop ?? durationS) - (tenant.start ?? 0));
  return { requests: ratePerS * windowS };
}

function checkWorkload(s: Scenario, report: Report): void {
  const regionCount = s.regions?.length ?? 1;
  const tenants = s.workload.tenants;
  if (tenants.length * regionCount > LIMITS.scopes.max) {
    report(["workload", "tenants"], over(LIMITS.scopes, tenants.length * regionCount, "tenants x regions is", "group tenants with the same behaviour into one"));
  }
  let concurrent = 0;
  let concurrentReported = false;
  let requests = 0;
  let largest = -1;
  let largestRequests = 0;
  tenants.forEach((tenant, i) => {
    const a = tenant.arrival;
    if (a.kind === "closed_loop") concurrent += a.concurrency;
    if (a.kind === "burst") concurrent += a.count;
    if (!concurrentReported && concurrent > LIMITS.concurrentTotal.max) {
      concurrentReported = true;
      report(["workload", "tenants", i, "arrival"], over(LIMITS.concurrentTotal, concurrent, "closed-loop users and burst requests of the tenants up to here add up to", "simulate a share of the users and scale the results"));
    }
    const expected = expectedRequests(tenant, s.duration);
    requests += expected;
    if (expected > largestRequests) [largest, largestRequests] = [i, expected];
    const model = s.models.find((m) => m.name === tenant.model);
    if (tenant.prefix && model?.engine.kind === "continuous_batching") {
      const blocks = tenant.prefix.variants * Math.floor(tenant.prefix.tokens / model.engine.block_size);
      if (blocks > LIMITS.prefixBlocks.max) {
        report(["workload", "tenants", i, "prefix", "variants"], over(LIMITS.prefixBlocks, blocks, `variants x KV blocks per prefix (block_size ${model.engine.block_size}) is`, "use fewer variants or a shorter prefix"));
      }
    }
  });
  const tooMany = tooManyRequests(requests);
  if (tooMany) report(["workload", "tenants", largest, "arrival"], tooMany);
}

/** Time-series buckets, a predictive autoscaler's history, and the failures and control periods a run schedules. */
function checkTime(s: Scenario, report: Report): void {
  const endS = s.duration + (s.drain ?? 0);
  const buckets = endS / s.report.interval;
  if (buckets > LIMITS.seriesBuckets.max) {
    const least = `${Math.ceil(endS / LIMITS.seriesBuckets.max)}s`;
    report(["report", "interval"], over(LIMITS.seriesBuckets, buckets, "(duration + drain) / interval gives", `set report.interval to at least ${least}`));
  }
  const regionCount = s.regions?.length ?? 1;
  let events = 0;
  s.models.forEach((model, i) => {
    for (const { autoscaler: scaler, autoscalerAt } of scalingUnits(model)) {
      if (!scaler) continue;
      if (scaler.kind === "predictive" && scaler.season / scaler.period > LIMITS.seasonPeriods.max) {
        report(["models", i, ...autoscalerAt, "period"], over(LIMITS.seasonPeriods, scaler.season / scaler.period, "season / period gives", "use a longer period"));
      }
      // Each period is a decision plus, for metrics averaged over it, a dozen samples.
      events += ((model.regions?.length ?? regionCount) * 13 * s.duration) / scaler.period;
    }
  });
  const servers = (s.regions ?? []).flatMap((r) => r.azs.flatMap((az) => (Array.isArray(az.servers) ? az.servers : [az.servers])));
  const serverCount = servers.reduce((n, pool) => n + Math.max(pool.count, pool.max ?? pool.count), 0);
  const gpuCount = servers.reduce((n, pool) => n + Math.max(pool.count, pool.max ?? pool.count) * (s.server_types[pool.type]?.gpus ?? SERVER_TYPES[pool.type]?.gpus ?? 0), 0);
  const azCount = (s.regions ?? []).reduce((n, r) => n + r.azs.length, 0);
  let reported = false;
  s.faults.forEach((fault, i) => {
    // A failure and its repair are two events; the failures of a unit are about duration / MTBF.
    if (fault.kind === "server_failures") events += (2 * serverCount * s.duration) / fault.mtbf;
    if (fault.kind === "gpu_failures") events += (2 * gpuCount * s.duration) / fault.mtbf;
    if (fault.kind === "random_az_outages") events += (2 * azCount * s.duration) / fault.mtbf;
    if (!reported && events > LIMITS.controlEventsPerRun.max) {
      reported = true;
      report(["faults", i, "mtbf"], over(LIMITS.controlEventsPerRun, events, "failures (units x duration / MTBF) and autoscaler periods would be about", "use a longer MTBF or period, or a shorter duration"));
    }
  });
  if (!reported && events > LIMITS.controlEventsPerRun.max) {
    const i = s.models.findIndex((m) => scalingUnits(m).some((u) => u.autoscaler));
    report(["models", i, ...scalingUnits(s.models[i]).find((u) => u.autoscaler)!.autoscalerAt, "period"], over(LIMITS.controlEventsPerRun, events, "autoscaler periods (models x regions x duration / period) would be about", "use a longer period or a shorter duration"));
  }
}

/** What scales apart: the model, or each pool of a disaggregated one (an unset pool field is the model's). */
function scalingUnits(model: ModelSpec): { replicas: ModelSpec["replicas"]; autoscaler?: ModelSpec["autoscaler"]; autoscalerAt: PathSegment[]; tensor_parallel: number }[] {
  const d = model.disaggregation;
  if (!d) return [{ ...model, autoscalerAt: ["autoscaler"] }];
  return (["prefill", "decode"] as const).map((pool) => ({
    replicas: d[pool].replicas,
    autoscaler: d[pool].autoscaler ?? model.autoscaler,
    autoscalerAt: d[pool].autoscaler ? ["disaggregation", pool, "autoscaler"] : ["autoscaler"],
    tensor_parallel: d[pool].tensor_parallel ?? model.tensor_parallel,
  }));
}

export function checkLimits(s: Scenario, report: Report): void {
  checkFleet(s, report);
  checkReplicas(s, report);
  checkWorkload(s, report);
  checkTime(s, report);
}
