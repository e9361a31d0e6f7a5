/** The fleet's columns of timeseries.csv: power, GPU states and replicas by state (desired too) averaged over each report interval. */
import type { TimeSeriesRow } from "../metrics/timeseries.js";
import { pueAt } from "./power.js";
import { GPU_STATES, REPLICA_STATES, type Fleet } from "./fleet.js";
import type { BucketedLevel } from "../metrics/bucketed-level.js";

export function addFleetColumns(rows: TimeSeriesRow[], fleet: Fleet, desired: BucketedLevel, intervalUs: number, endUs: number): TimeSeriesRow[] {
  const t = fleet.topology;
  const power = fleet.itPower.map((level) => level.bucketIntegrals(endUs));
  const states = fleet.gpuStates.map((levels) => levels.map((level) => level.bucketIntegrals(endUs)));
  const replicaStates = fleet.replicaStates.map((level) => level.bucketIntegrals(endUs));
  const desiredAreas = desired.bucketIntegrals(endUs);
  return rows.map((row, b) => {
    const start = b * intervalUs;
    const width = Math.min(intervalUs, endUs - start);
    let itW = 0;
    let facilityW = 0;
    t.azs.forEach((az, a) => {
      const w = (power[a][b] ?? 0) / width;
      itW += w;
      facilityW += w * pueAt(t.regions[az.region], start);
    });
    const gpus = Object.fromEntries(
      GPU_STATES.map((state, k) => [`gpus_${state}`, states.reduce((sum, az) => sum + (az[k][b] ?? 0), 0) / width]),
    );
    const replicas = Object.fromEntries(
      REPLICA_STATES.filter((state) => state !== "stopped").map((state, k) => [`replicas_${state}`, (replicaStates[k][b] ?? 0) / width]),
    );
    return { ...row, it_kw: itW / 1e3, facility_kw: facilityW / 1e3, ...gpus, replicas_desired: (desiredAreas[b] ?? 0) / width, ...replicas };
  });
}
