/** The fleet's columns of timeseries.csv: power, GPU states and replicas by state (desired too) averaged over each report interval. */
import type { TimeSeriesRow } from "../metrics/timeseries.js";
import { GPU_STATES, REPLICA_STATES, type Fleet } from "./fleet.js";
import type { BucketedLevel } from "../metrics/bucketed-level.js";

/** Column names, in the order timeseries.csv shows them. */
const GPU_COLUMNS = GPU_STATES.map((state) => `gpus_${state}`);
const REPLICA_COLUMNS = REPLICA_STATES.filter((state) => state !== "stopped").map((state) => `replicas_${state}`);

/** Adds the fleet's columns to each row, in place (rows are built per call; a long run has thousands). */
export function addFleetColumns(rows: TimeSeriesRow[], fleet: Fleet, desired: BucketedLevel, intervalUs: number, endUs: number): TimeSeriesRow[] {
  const t = fleet.topology;
  const power = fleet.servers.itPower.map((level) => level.bucketIntegrals(endUs));
  // Facility power by interval: exact where the PUE changes by the hour, IT x PUE where it is constant.
  const facility = fleet.servers.facilityPower.map((f) => {
    f?.advance(endUs);
    return f?.level.bucketIntegrals(endUs);
  });
  const states = fleet.servers.gpuStates.map((levels) => levels.map((level) => level.bucketIntegrals(endUs)));
  const replicaStates = fleet.replicas.replicaStates.map((level) => level.bucketIntegrals(endUs));
  const desiredAreas = desired.bucketIntegrals(endUs);
  rows.forEach((row, b) => {
    const start = b * intervalUs;
    const width = Math.min(intervalUs, endUs - start);
    let itW = 0;
    let facilityW = 0;
    t.azs.forEach((az, a) => {
      const w = (power[a][b] ?? 0) / width;
      itW += w;
      const hourly = facility[a];
      facilityW += hourly ? (hourly[b] ?? 0) / width : w * (t.regions[az.region].pue as number);
    });
    const columns = row as unknown as Record<string, number>;
    columns.it_kw = itW / 1e3;
    columns.facility_kw = facilityW / 1e3;
    GPU_COLUMNS.forEach((name, k) => {
      let gpus = 0;
      for (const az of states) gpus += az[k][b] ?? 0;
      columns[name] = gpus / width;
    });
    columns.replicas_desired = (desiredAreas[b] ?? 0) / width;
    REPLICA_COLUMNS.forEach((name, k) => (columns[name] = (replicaStates[k][b] ?? 0) / width));
  });
  return rows;
}
