/** Energy from the fleet's integrated power: IT and facility kWh, electricity cost, carbon, peaks. */
import type { Fleet } from "../fleet/fleet.js";
import type { RegionPlan } from "../fleet/topology.js";

/** W x microseconds in a kWh. */
const WUS_PER_KWH = 3.6e12;

export interface AzEnergy {
  itKwh: number;
  facilityKwh: number;
  peakItKw: number;
  peakFacilityKw: number;
}

function pueAt(region: RegionPlan, timeUs: number): number {
  if (typeof region.pue === "number") return region.pue;
  const hour = Math.floor(timeUs / 3.6e9) % 24;
  return region.pue[hour];
}

/** Energy of each AZ over the window [fromUs, toUs]: facility energy applies the PUE of each report interval's hour. */
export function azEnergy(fleet: Fleet, bucketUs: number, fromUs: number, toUs: number, endUs: number): AzEnergy[] {
  const t = fleet.topology;
  return t.azs.map((az, a) => {
    const region = t.regions[az.region];
    const level = fleet.itPower[a];
    const itKwh = level.windowIntegral(endUs) / WUS_PER_KWH;
    let facilityKwh: number;
    let peakFacilityW: number;
    if (typeof region.pue === "number") {
      facilityKwh = itKwh * region.pue;
      peakFacilityW = level.peak * region.pue;
    } else {
      // Per interval, the share of it inside the window, at that interval's hourly PUE.
      const buckets = level.bucketIntegrals(endUs);
      facilityKwh = 0;
      buckets.forEach((area, b) => {
        const start = b * bucketUs;
        const inside = Math.max(0, Math.min(start + bucketUs, toUs, endUs) - Math.max(start, fromUs));
        const width = Math.min(bucketUs, endUs - start);
        if (inside > 0 && width > 0) facilityKwh += ((area * inside) / width / WUS_PER_KWH) * pueAt(region, start);
      });
      peakFacilityW = level.peak * Math.max(...region.pue);
    }
    return { itKwh, facilityKwh, peakItKw: level.peak / 1e3, peakFacilityKw: peakFacilityW / 1e3 };
  });
}

export { pueAt };
