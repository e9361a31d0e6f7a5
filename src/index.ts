/**
 * fleetsim's library API: load or validate a scenario, simulate it, get the report.
 * The CLI is a thin layer over these functions, and tests use them directly.
 */
import { secondsToUs } from "./engine/index.js";
import { loadScenarioFile, validateScenarioObject, type LoadedScenario } from "./scenario/load.js";
import { runSimulation, type SimulationOptions, type SimulationResult } from "./simulate.js";
import { buildReport, type Report } from "./report/json.js";
import type { TimeSeriesRow } from "./metrics/timeseries.js";
import { addFleetColumns } from "./fleet/series.js";

export { loadScenarioFile, loadScenarioText, validateScenarioObject, type LoadedScenario } from "./scenario/load.js";
export { ScenarioError, formatIssue, type ScenarioIssue } from "./scenario/issues.js";
export { ScenarioSchema, type Scenario, type ScenarioInput } from "./scenario/schema.js";
export type { Report } from "./report/json.js";
export type { SimulationOptions, SimulationResult } from "./simulate.js";
export type { RequestRecord } from "./metrics/recorder.js";

export interface Result {
  report: Report;
  timeseries: TimeSeriesRow[];
  run: SimulationResult;
}

/**
 * Simulates a scenario: a LoadedScenario (from loadScenarioFile) or a plain scenario object, whose
 * relative file names resolve against `baseDir` (default: the working folder). Its data files must lie
 * inside `baseDir` or one of `dataDirs` (symbolic links resolved). Throws ScenarioError if the scenario is invalid.
 */
export function simulate(scenario: LoadedScenario | object, options: SimulationOptions & { baseDir?: string; dataDirs?: readonly string[] } = {}): Result {
  const loaded = isLoaded(scenario) ? scenario : validateScenarioObject(scenario, options.baseDir, options.dataDirs);
  const run = runSimulation(loaded, options);
  const intervalUs = secondsToUs(run.scenario.report.interval);
  return { report: buildReport(run), timeseries: addFleetColumns(run.recorder.series.rows(run.endUs), run.fleet, run.desiredTotal, intervalUs, run.endUs), run };
}

export function simulateFile(file: string, sets: readonly string[] = []): Result {
  return simulate(loadScenarioFile(file, { sets }));
}

function isLoaded(value: object): value is LoadedScenario {
  return "scenario" in value && "data" in value && "file" in value;
}
