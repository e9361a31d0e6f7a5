/** Scenario format: options of the report files. */
import { z } from "zod";
import { duration } from "../fields.js";

export const ReportSchema = z
  .strictObject({
    interval: duration("width of the time-series buckets in timeseries.csv and the HTML report", { positive: true }).default(60),
    requests_csv: z
      .boolean()
      .default(false)
      .describe("also write requests.csv, one row per request (arrival, outcome, latencies), streamed as the run goes"),
  })
  .describe("report options");
