/** Report writers: report.json, summary.md, timeseries.csv and report.html (plus requests.csv when asked). */
import type { Result } from "../index.js";
import type { RequestRecord } from "../metrics/recorder.js";
import type { Scenario } from "../scenario/schema.js";
import { OUTCOMES } from "../requests/outcomes.js";
import { timeSeriesCsv } from "./csv.js";
import { summaryMarkdown } from "./markdown.js";
import { StagedFiles } from "./write.js";

export { StagedFiles } from "./write.js";

/** Stages the report's files; the caller commits them (all at once) or abandons them. */
export async function stageReport(files: StagedFiles, result: Result): Promise<void> {
  const { htmlReport } = await import("./html.js");
  files.write("report.json", JSON.stringify(result.report, null, 2) + "\n");
  files.write("summary.md", summaryMarkdown(result.report));
  files.write("timeseries.csv", timeSeriesCsv(result.timeseries));
  files.write("report.html", await htmlReport(result.report, result.timeseries, result.run.scenario.report.interval));
}

const REQUEST_COLUMNS = "serial,tenant,model,replica,measured,arrival_s,outcome,queue_s,ttft_s,e2e_s,input_tokens,output_tokens\n";

function num(x: number): string {
  return Number.isNaN(x) ? "" : String(Number(x.toFixed(6)));
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
