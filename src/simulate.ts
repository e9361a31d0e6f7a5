/**
 * Assembles a world from a validated scenario and runs it: tenants feed the front end, which routes
 * to model services and their replicas; the recorder turns what happens into statistics.
 */
import { RandomStreams, Simulator, secondsToUs } from "./engine/index.js";
import { Frontend } from "./control/frontend.js";
import { ModelService } from "./control/model-service.js";
import { createEngine, deployModel, type Deployed } from "./inference/index.js";
import { Recorder, type RequestRecord } from "./metrics/recorder.js";
import { loadTrace, type LoadedScenario } from "./scenario/load.js";
import type { Scenario } from "./scenario/schema.js";
import type { SimContext } from "./workload/context.js";
import type { Outcome } from "./workload/outcomes.js";
import { RequestTable } from "./workload/requests.js";
import { TenantSource } from "./workload/tenant-source.js";

export interface SimulationResult {
  scenario: Scenario;
  recorder: Recorder;
  services: ModelService[];
  /** deployment plan per model (undefined for non-LLM services) */
  deployments: (Deployed | undefined)[];
  /** simulated time when the run ended (all drained, or the drain limit) */
  endUs: number;
  events: number;
  /** requests generated, including those of the warm-up */
  generated: number;
}

export interface SimulationOptions {
  /** receives every request as it ends (for per-request output) */
  onRequestEnd?: (record: RequestRecord) => void;
  /** check KV-cache accounting after every iteration (slower; for tests) */
  debugChecks?: boolean;
}

export function runSimulation(loaded: LoadedScenario, options: SimulationOptions = {}): SimulationResult {
  const { scenario, data } = loaded;
  const sim = new Simulator();
  const requests = new RequestTable();
  const durationUs = secondsToUs(scenario.duration);
  const warmupUs = secondsToUs(scenario.warmup);
  const tenants = scenario.workload.tenants;
  const recorder = new Recorder(requests, tenants.length, warmupUs, durationUs, secondsToUs(scenario.report.interval));
  recorder.onRequestEnd = options.onRequestEnd;
  const ctx: SimContext = { sim, streams: new RandomStreams(scenario.seed), requests, lifecycle: recorder, data };

  const modelIndex = new Map(scenario.models.map((m, i) => [m.name, i]));
  const deployments = scenario.models.map((m) => deployModel(m, data).deployed);
  let frontend: Frontend | undefined;
  const sink = {
    completed: (req: number, firstTokenUs: number) => frontend!.completed(req, firstTokenUs),
    refused: (req: number, outcome: Outcome) => frontend!.refused(req, outcome),
  };
  const engineOptions = { windowFromUs: warmupUs, windowToUs: durationUs, scopeCount: tenants.length, debugChecks: options.debugChecks ?? false };
  const services = scenario.models.map((spec, i) => new ModelService(ctx, i, spec, createEngine(spec, ctx, deployments[i], engineOptions), sink));
  const sources: TenantSource[] = [];
  frontend = new Frontend(
    ctx,
    services,
    tenants.map((t) => (t.timeout === undefined ? Infinity : secondsToUs(t.timeout))),
    (req) => sources[requests.tenant[req]].ended(),
  );
  const submit = (req: number) => frontend!.submit(req);
  tenants.forEach((spec, i) => {
    const model = scenario.models[modelIndex.get(spec.model)!];
    const engine = model.engine;
    sources.push(
      new TenantSource(ctx, spec, {
        tenantIndex: i,
        modelIndex: modelIndex.get(spec.model)!,
        scopeIndex: i,
        warmupUs,
        endUs: durationUs,
        trace: spec.arrival.kind === "trace" ? loadTrace(data, spec.arrival.file, spec.arrival.format) : undefined,
        prefixUnitTokens: engine.kind === "continuous_batching" && engine.prefix_caching ? engine.prefix_block_tokens : 0,
        submit,
      }),
    );
  });
  for (const source of sources) source.start();

  const drainUntilUs = scenario.drain === undefined ? Infinity : durationUs + secondsToUs(scenario.drain);
  sim.run(drainUntilUs);
  const endUs = Math.max(sim.nowUs, durationUs);
  sim.nowUs = endUs;
  frontend.endRun();
  return {
    scenario,
    recorder,
    services,
    deployments,
    endUs,
    events: sim.eventsHandled,
    generated: sources.reduce((sum, s) => sum + s.generated, 0),
  };
}
