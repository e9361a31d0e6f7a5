/** Report writers: report.json, summary.md, timeseries.csv and report.html (plus requests.csv when asked). */
import type { Result } from "../index.js";
import type { RequestRecord } from "../metrics/recorder.js";
import type { TimeSeriesRow } from "../metrics/timeseries.js";
import type { Scenario } from "../scenario/schema.js";
import { OUTCOMES } from "../requests/outcomes.js";
import type { Report } from "./json.js";
import { timeSeriesCsv } from "./csv.js";
import { summaryMarkdown } from "./markdown.js";
import { StagedFiles, type OwnedFile } from "./write.js";

export { StagedFiles, OutputError, abandonAllStaged, checkWritable, writeWhole } from "./write.js";

/** What a report's files are written from (a Result, or the same figures passed back from a worker thread). */
export interface ReportData {
  report: Report;
  timeseries: TimeSeriesRow[];
  /** seconds per time-series row */
  intervalS: number;
}

export function reportData(result: Result): ReportData {
  return { report: result.report, timeseries: result.timeseries, intervalS: result.run.scenario.report.interval };
}

/**
 * Starts loading what report.html is drawn with (html.ts, Vega, Vega-Lite: about half a second) and
 * returns at once. `fleetsim run` calls it while its worker thread simulates, so the report is not
 * held up by module loading afterwards. A failure is left to stageReport, which needs the same modules.
 */
export function preloadHtmlReport(): void {
  import("./html.js")
    .then(() => import("./svg.js"))
    .then((svg) => svg.chartLibraries())
    .catch(() => {});
}

/** Stages the report's files; the caller commits them (all at once, with `commitReport`) or abandons them. */
export async function stageReport(files: StagedFiles, data: ReportData): Promise<void> {
  const { htmlReport } = await import("./html.js");
  files.write("report.json", JSON.stringify(data.report, null, 2) + "\n");
  files.write("summary.md", summaryMarkdown(data.report));
  files.write("timeseries.csv", timeSeriesCsv(data.timeseries));
  files.write("report.html", await htmlReport(data.report, data.timeseries, data.intervalS));
}

const REQUEST_COLUMNS = "serial,tenant,model,replica,measured,arrival_s,outcome,queue_s,ttft_s,e2e_s,input_tokens,output_tokens\n";

function num(x: number): string {
  return Number.isNaN(x) ? "" : String(Number(x.toFixed(6)));
}

/**
 * Report files a run writes only when asked for. A run that did not write one removes an earlier run's
 * copy from the folder (recognised by its header, so a user's own file of that name stays), so a report
 * folder never holds files of two runs.
 */
const OPTIONAL_REPORT_FILES: readonly OwnedFile[] = [{ name: "requests.csv", startsWith: REQUEST_COLUMNS }];

/** Commits a staged report; returns the files written. `files.superseded` lists stale ones removed. */
export function commitReport(files: StagedFiles): string[] {
  return files.commit(OPTIONAL_REPORT_FILES);
}

/** A writer of requests.csv rows for Recorder.onRequestEnd. */
export function requestCsvWriter(scenario: Scenario, sink: { write(text: string): void }): (r: RequestRecord) => void {
  const tenants = scenario.workload.tenants.map((t) => t.name);
  const models = scenario.models.map((m) => m.name);
  sink.write(REQUEST_COLUMNS);
  return (r) =>
    sink.write(
      `${r.serial},${tenants[r.tenant]},${models[r.model]},${r.replica},${r.measured ? 1 : 0},${num(r.arrival_s)},` +
        `${OUTCOMES[r.outcome].csvName},${num(r.queue_s)},${num(r.ttft_s)},${num(r.e2e_s)},${r.input_tokens},${r.output_tokens}\n`,
    );
}
