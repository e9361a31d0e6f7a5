/** Small scenario builders for tests. */
import type { ScenarioInput } from "../../src/index.js";

export function queueScenario(options: {
  name?: string;
  seed?: number;
  c: number;
  lambda: number;
  service: Record<string, unknown>;
  durationS: number;
  warmupS?: number;
  router?: Record<string, unknown>;
  replicas?: number;
  concurrency?: number;
}): ScenarioInput {
  return {
    version: 1,
    name: options.name ?? "queue-test",
    seed: options.seed ?? 1,
    duration: options.durationS,
    warmup: options.warmupS ?? 0,
    models: [
      {
        name: "svc",
        engine: { kind: "queue", concurrency: options.concurrency ?? 1, service_time: options.service as never },
        replicas: { initial: options.replicas ?? options.c },
        router: (options.router ?? { kind: "central_queue" }) as never,
      },
    ],
    workload: { tenants: [{ name: "t", model: "svc", arrival: { kind: "poisson", rate_per_s: options.lambda } }] },
  };
}

/** A queue service at 150 % load with a short client timeout and a bounded queue: every kind of error happens. */
export function overloaded(extra: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    version: 1,
    name: "overloaded",
    seed: 2,
    duration: 600,
    warmup: 60,
    models: [
      {
        name: "svc",
        engine: { kind: "queue", concurrency: 2, service_time: { dist: "exponential", mean: 1 } },
        replicas: { initial: 2 },
        router: { kind: "least_outstanding", max_queue: 5 },
      },
    ],
    workload: { tenants: [{ name: "t", model: "svc", arrival: { kind: "poisson", rate_per_s: 6 }, timeout: "3s" }] },
    ...extra,
  };
}
