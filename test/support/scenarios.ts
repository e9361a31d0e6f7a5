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
