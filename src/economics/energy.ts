/** Energy from the fleet's integrated power: IT and facility kWh, electricity cost, carbon, peaks. */
import type { Fleet } from "../fleet/fleet.js";
import { pueAt, worstPue } from "../fleet/power.js";
import { sum } from "../metrics/scope.js";
import type { RegionPlan } from "../fleet/topology.js";

/** W x microseconds in a kWh. */
const WUS_PER_KWH = 3.6e12;

export interface AzEnergy {
  itKwh: number;
  facilityKwh: number;
  peakItKw: number;
  peakFacilityKw: number;
}

/**
 * Energy of each AZ from the end of the warm-up (`fromUs`) to the end of the run (`endUs`, the drain
 * included, as the fleet integrates it): facility energy applies the PUE of each report interval's hour.
 */
export function azEnergy(fleet: Fleet, bucketUs: number, fromUs: number, endUs: number): AzEnergy[] {
  const t = fleet.topology;
  return t.azs.map((az, a) => {
    const region = t.regions[az.region];
    const level = fleet.servers.itPower[a];
    const itKwh = level.windowIntegral(endUs) / WUS_PER_KWH;
    let facilityKwh: number;
    let peakFacilityW: number;
    if (typeof region.pue === "number") {
      facilityKwh = itKwh * region.pue;
      peakFacilityW = level.peak * region.pue;
    } else {
      // Each interval inside the window at its hour's PUE. The interval the warm-up ends in is partly
      // outside: its inside part is exactly what the window's integral holds beyond the whole intervals
      // (power is not even over an interval, so prorating its area by time would not be exact).
      const buckets = level.bucketIntegrals(endUs);
      let wholeArea = 0;
      let facilityArea = 0;
      buckets.forEach((area, b) => {
        const start = b * bucketUs;
        if (start < fromUs || start >= endUs) return;
        wholeArea += area;
        facilityArea += area * pueAt(region, start);
      });
      const firstStart = Math.floor(fromUs / bucketUs) * bucketUs;
      if (firstStart < fromUs) facilityArea += Math.max(0, itKwh * WUS_PER_KWH - wholeArea) * pueAt(region, firstStart);
      facilityKwh = facilityArea / WUS_PER_KWH;
      peakFacilityW = level.peak * worstPue(region);
    }
    return { itKwh, facilityKwh, peakItKw: level.peak / 1e3, peakFacilityKw: peakFacilityW / 1e3 };
  });
}

export interface RegionEnergy {
  it_kwh: number;
  facility_kwh: number;
  electricity_usd: number;
  carbon_kg: number;
}

/** A region's energy: its AZs' kWh summed in AZ order, priced and converted to CO2 at the region's rates. */
export function regionEnergy(region: RegionPlan, azs: readonly AzEnergy[]): RegionEnergy {
  const mine = region.azs.map((a) => azs[a]);
  const it = sum(mine.map((e) => e.itKwh));
  const facility = sum(mine.map((e) => e.facilityKwh));
  return { it_kwh: it, facility_kwh: facility, electricity_usd: facility * region.electricityUsdPerKwh, carbon_kg: (facility * region.carbonGPerKwh) / 1e3 };
}

/** The fleet's energy: regions summed in region order. */
export function totalEnergy(regions: readonly RegionEnergy[]): RegionEnergy {
  return {
    it_kwh: sum(regions.map((e) => e.it_kwh)),
    facility_kwh: sum(regions.map((e) => e.facility_kwh)),
    electricity_usd: sum(regions.map((e) => e.electricity_usd)),
    carbon_kg: sum(regions.map((e) => e.carbon_kg)),
  };
}
