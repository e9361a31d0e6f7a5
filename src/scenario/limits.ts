/**
 * The largest value each count, size and duration in a scenario (and each file it reads) may take,
 * and why. They sit far above any fleet worth simulating (a 3-region, 1,000-GPU, 24-hour day uses
 * about 1 % of most of them) and exist so that a typo or a hostile file ends in a clear error
 * (file:line:col, exit 2) instead of an out-of-memory crash or a run that never ends.
 * One limit alone does not always bound memory or time (servers x GPUs, tenants x regions), so the
 * products that matter have limits of their own, checked in `limit-checks.ts`.
 */

export interface Limit {
  /** the largest value allowed */
  readonly max: number;
  /** what is counted, for messages: "replicas per model in a region" */
  readonly what: string;
}

const limit = (max: number, what: string): Limit => ({ max, what });

export const LIMITS = {
  // --- time -----------------------------------------------------------------------------------
  /** Every duration (run length, timeouts, periods, MTBFs, ...): a year of daily and weekly cycles plus a
   * month. The clock counts integer microseconds in a double, exact to 2^53 µs (285 years), so this is
   * about run time and memory, not precision. */
  duration: limit(400 * 86_400, "durations"),
  /** Mean times between failures and to repair: a GPU's MTBF can be years, and a repair that never
   * comes within the run is a fair model; a longer one only means fewer events. 100 years x 10^6 µs stays
   * below 2^53, so failure and repair times are still exact. */
  mtbf: limit(100 * 365 * 86_400, "mean times between failures and to repair"),
  /** Network round trips: a minute is a broken link, not a distance (the far side of the planet is ~0.3 s). */
  rttMs: limit(60_000, "round trips, ms"),

  // --- fleet ----------------------------------------------------------------------------------
  /** Replica counts of one model in one region (initial, min, max, scheduled, steps): each replica is an
   * object with its own queues and statistics (a few kB). */
  replicas: limit(100_000, "replicas per model in a region"),
  /** Replicas of every model in every region at their most: 1 M replicas are a few GB of replica state. */
  replicasTotal: limit(1_000_000, "replicas of all models and regions at their maximum"),
  /** Servers in a pool, and in all pools together (at their `max`): each is an object with its GPUs' states. */
  servers: limit(1_000_000, "servers"),
  /** GPUs in one server type: above any NVLink domain built; per-GPU state is kept per server. */
  gpusPerServer: limit(1024, "GPUs per server"),
  /** GPUs of all servers (servers x GPUs each), and those the replicas need: 1 M servers of 8 GPUs. */
  gpusTotal: limit(8_000_000, "GPUs in the fleet"),
  /** Tensor- or pipeline-parallel degree of a replica: no more than the GPUs of the largest server. */
  parallelism: limit(1024, "parallel degrees"),
  /** GPU memory of an inline GPU, GB: 100 TB, some 300 times today's largest. */
  gpuMemoryGb: limit(100_000, "GPU memory, GB"),
  /** Tokens a draft model proposes per speculative step: past ~8 the chance that all are accepted is
   * negligible at any published acceptance rate; 64 keeps a verify pass's width a small batch. */
  draftTokens: limit(64, "draft tokens per speculative step"),
  /** Host memory or a shared store given to offloaded KV cache, GB: 10 PB, far past any server's memory
   * (2 TB on a p5.48xlarge) or a cluster's store; the tiers hold prefix keys, a few bytes each. */
  offloadGb: limit(10_000_000, "KV offload capacity, GB"),
  /** The smallest speed of a device (TFLOPS, TB/s, GB/s; a lower limit): far below any real one, so times
   * derived from it (an iteration, loading weights) stay finite. */
  speedMin: limit(0.001, "the smallest speed"),
  /** Slots of a queue replica, sequences of a batch: one replica serving a million at once is a model error. */
  slots: limit(1_000_000, "requests one replica serves at once"),

  // --- load -----------------------------------------------------------------------------------
  /** Arrival rate of one tenant (and a looping trace's replay rate): a million requests per second is
   * about 3.6 billion an hour, beyond any single customer. */
  ratePerS: limit(1_000_000, "requests per second of one tenant"),
  /** A gateway's request limit per minute: one tenant's rate limit, a minute's worth. */
  requestsPerMin: limit(60_000_000, "requests per minute"),
  /** Tokens in one request, prompt or output (and a model's context, a batch's tokens): ten times the
   * longest contexts offered today; token counts are stored as 32-bit integers (up to 2.1 billion). */
  tokens: limit(10_000_000, "tokens per request"),
  /** Token budgets per minute or per day: far above what a million requests per second could use, and
   * below 2^53, where counting tokens in doubles stops being exact. */
  tokenBudget: limit(1e15, "token budgets"),
  /** Closed-loop users of one tenant, requests of one burst: each is a request in flight at once, a row
   * of the request table (about 200 bytes). */
  usersPerTenant: limit(1_000_000, "users or burst requests of one tenant"),
  /** Closed-loop users and burst sizes of all tenants added up: 2 M rows in flight are ~400 MB. */
  concurrentTotal: limit(2_000_000, "closed-loop users and burst requests of all tenants"),
  /** Requests a run is expected to make (rate x time, summed over tenants): at the simulator's 10^5 to 10^6
   * requests per second of wall time, about a day of computing. */
  requestsPerRun: limit(1e10, "requests expected in a run"),
  /** Failures and control decisions a run schedules (servers x duration / MTBF, periods of autoscalers):
   * each is an event; a billion is hours of computing for events that are not requests. */
  controlEventsPerRun: limit(1e9, "failures and control events expected in a run"),
  /** Most requests allowed to wait in one queue: each waiting request is a row of the request table. */
  queueLength: limit(10_000_000, "requests waiting in one queue"),

  // --- lists and small counts -------------------------------------------------------------------
  /** Tenants: each has its own arrival process, limits and statistics. */
  tenants: limit(10_000, "tenants"),
  /** Models (services): each has a replica set and a load balancer per region. */
  models: limit(1_000, "models"),
  /** Regions: each tenant keeps statistics per region it may use. */
  regions: limit(100, "regions"),
  /** AZs of one region, and server pools of one AZ. */
  azs: limit(100, "availability zones per region"),
  pools: limit(100, "server pools per AZ"),
  /** Statistics groups, one per (tenant, region): each holds five latency sketches (up to ~100 kB). */
  scopes: limit(10_000, "tenant x region pairs"),
  /** Entries of a list that drives events (faults, rate pieces, scheduled actions, rollout stages, steps). */
  entries: limit(100_000, "list entries"),
  /** Buckets of timeseries.csv ((duration + drain) / report.interval), which report.html charts: 100,000
   * buckets (69 days of minutes, 400 days of 6-minute buckets) are a 7.6 MB CSV, a 20 MB report.html and
   * about a minute and 1.6 GB to draw (measured). */
  seriesBuckets: limit(100_000, "time-series buckets"),
  /** Periods of history a predictive autoscaler keeps (season / period). */
  seasonPeriods: limit(1_000_000, "periods in a season"),
  /** Consecutive periods, failed checks, attempts and the like: counts that should be small. */
  smallCount: limit(10_000, "small counts (periods, checks, choices)"),
  /** Attempts of one request (retries + 1): each is an API call with its own events. */
  attempts: limit(100, "attempts per request"),
  /** Distinct shared prefixes of a tenant x their blocks: the prefix keys are kept in memory (8 bytes each). */
  prefixBlocks: limit(10_000_000, "prefix blocks (variants x blocks per prefix)"),
  /** Sizes of an inline architecture (layers, hidden size, heads, experts, vocabulary): above any model
   * published, small enough that its parameter count stays a finite, exact-enough double. */
  modelDimension: limit(100_000_000, "model dimensions"),
  /** Years over which owned servers are written off. */
  years: limit(100, "years"),
  /** Coefficients of variation: beyond 100 a lognormal's parameters overflow toward NaN long before they mean anything. */
  cv: limit(100, "coefficients of variation"),
  /** The smallest Weibull shape (a lower limit): Γ(1 + 1/k) overflows a double below about 0.006. */
  weibullShapeMin: limit(0.01, "the smallest Weibull shape"),
  /** Multipliers (trace speed-up, peak-to-trough ratio). */
  factor: limit(1_000_000, "factors (speed-ups, ratios)"),
  /** An hourly price of capacity (a replica, a reservation): the largest real ones are hundreds of dollars; a million is a typo. */
  usdPerHour: limit(1_000_000, "hourly prices, USD"),

  // --- files ----------------------------------------------------------------------------------
  /** A scenario file: hand-written YAML is kilobytes; generated ones (long rate schedules) stay far below. */
  scenarioBytes: limit(10 * 1024 * 1024, "the size of a scenario file, bytes"),
  /** Nesting of YAML collections: a scenario nests about 8 deep; deeper input is an attack on the parser. */
  yamlDepth: limit(64, "YAML nesting"),
  /** YAML alias expansions (the `yaml` library's maxAliasCount): bounds "billion laughs" documents. */
  yamlAliases: limit(100, "alias expansions"),
  /** Rows of one data file (trace, empirical column, profile), kept as typed columns (~20 bytes a row:
   * time, two token counts, sort index): 20 M rows is ~400 MB; a 100 MB Azure-style CSV has ~2.6 M. */
  dataRows: limit(20_000_000, "rows in a data file"),
  /** A data file's bytes after gunzip (a .gz is decompressed in memory, the rest read in chunks). */
  decompressedBytes: limit(1024 * 1024 * 1024, "the size of a decompressed data file, bytes"),
  /** Hash ids of one Mooncake trace row (512 tokens each): the longest request's prompt in blocks. */
  hashIdsPerRow: limit(Math.ceil(10_000_000 / 512), "hash ids in one trace row"),
  /** Characters of a file's cell (or a scenario value) quoted in a message. */
  quotedChars: limit(40, "characters quoted"),
} as const;

/**
 * "1,000,000": thousands grouped and at most three decimals, as `toLocaleString("en-US")` writes it,
 * but without Intl, whose first use costs every process and worker thread about 40 ms of start-up
 * (the schema's descriptions call this as it is built).
 */
export function formatLimit(value: number): string {
  if (value >= 1e12) return value.toExponential().replace("e+", "e");
  const [whole, fraction] = String(Math.round(value * 1000) / 1000).split(".");
  return whole.replace(/\B(?=(\d{3})+$)/g, ",") + (fraction === undefined ? "" : `.${fraction}`);
}

/** The text that `describe()` adds to a limited field: " (at most 100,000)". */
export function atMost(l: Limit, unit = ""): string {
  return ` (at most ${formatLimit(l.max)}${unit})`;
}

/** The message of a value past its limit: "expected at most 100,000 (replicas per model in a region)". */
export function limitMessage(l: Limit): string {
  return `expected at most ${formatLimit(l.max)} (the limit on ${l.what})`;
}

/** A value quoted in a message: JSON-escaped (control characters shown, not sent to the terminal) and cut short. */
export function quote(value: string, maxChars = LIMITS.quotedChars.max): string {
  if (value.length <= maxChars) return JSON.stringify(value);
  const head = Array.from(value.slice(0, 2 * maxChars)).slice(0, maxChars).join("");
  return `${JSON.stringify(head)}... (${value.length} characters)`;
}
