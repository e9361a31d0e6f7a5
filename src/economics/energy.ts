/** Energy from the fleet's integrated power: IT and facility kWh, electricity cost, carbon, peaks. */
import type { Fleet } from "../fleet/fleet.js";
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
 * Energy of each AZ from the end of the warm-up to `endUs`, as the fleet integrates it: facility
 * energy is IT energy x PUE, or, where the PUE changes by the hour, the integral of IT power x the
 * PUE of each instant's hour (so no report setting changes it), and the facility peak is the highest
 * IT x PUE at one instant.
 */
export function azEnergy(fleet: Fleet, endUs: number): AzEnergy[] {
  const t = fleet.topology;
  return t.azs.map((az, a) => {
    const region = t.regions[az.region];
    const level = fleet.servers.itPower[a];
    const itKwh = level.windowIntegral(endUs) / WUS_PER_KWH;
    const facility = fleet.servers.facilityPower[a];
    let facilityKwh: number;
    let peakFacilityW: number;
    if (facility === undefined) {
      const pue = region.pue as number;
      facilityKwh = itKwh * pue;
      peakFacilityW = level.peak * pue;
    } else {
      facility.advance(endUs);
      facilityKwh = facility.level.windowIntegral(endUs) / WUS_PER_KWH;
      peakFacilityW = facility.level.peak;
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
