/** Power models against hand calculations. */
import { describe, expect, it } from "vitest";
import { SERVER_TYPES } from "../../src/catalog/servers.js";
import { gpuPower } from "../../src/catalog/power.js";
import { GPUS } from "../../src/catalog/gpus.js";
import { idleServerWatts, gpuWatts, hostWatts, hostWattsPerBusyGpu, plannedMaxFacilityKw, pueAt, serverNameplateKw, worstPue } from "../../src/fleet/power.js";
import type { RegionPlan } from "../../src/fleet/topology.js";

const p5 = SERVER_TYPES["p5.48xlarge"]; // 8 x H100 (700 W TDP), host 2200 W idle, 4600 W max
const h100 = gpuPower(GPUS["h100-sxm"]); // idle 75 W, prompt 700 W, token 380 W
const region = (pue: number | number[]): RegionPlan => ({ name: "r", geo: "g", pue, electricityUsdPerKwh: 0.1, carbonGPerKwh: 400, azs: [] });

describe("power models", () => {
  it("draws from token-phase to prompt-phase power, linear in the iteration's compute share: 25 % on an H100 is 460 W", () => {
    expect(gpuWatts(h100, 0, true)).toBe(380);
    expect(gpuWatts(h100, 0.25, true)).toBe(460);
    expect(gpuWatts(h100, 1, true)).toBe(700);
    expect(gpuWatts(h100, 3, true)).toBe(700); // capped at the compute-bound phase
    expect(gpuWatts(h100, 0.25, false)).toBe(75);
  });

  it("draws host power linearly in busy GPUs: 3 of 8 busy on a p5 is 2200 + 2400 x 3 / 8 = 3100 W", () => {
    expect(hostWatts(p5, 0)).toBe(2200);
    expect(hostWatts(p5, 3)).toBe(3100);
    expect(hostWatts(p5, 8)).toBe(4600);
    expect(hostWattsPerBusyGpu(p5)).toBe(300);
  });

  it("boots, and waits for repair, at idle host and idle GPUs: 2200 + 8 x 75 = 2800 W", () => {
    expect(idleServerWatts(p5, h100.idleW)).toBe(2800);
  });

  it("puts a p5's nameplate at host maximum plus 8 TDPs, 10.2 kW, and plans two at the worst hourly PUE", () => {
    expect(serverNameplateKw(p5)).toBeCloseTo(10.2, 12);
    const hourly = Array.from({ length: 24 }, (_, h) => (h === 14 ? 1.5 : 1.2));
    expect(worstPue(region(hourly))).toBe(1.5);
    expect(plannedMaxFacilityKw([p5, p5], region(hourly))).toBeCloseTo(30.6, 12);
    expect(plannedMaxFacilityKw([p5], region(1.1))).toBeCloseTo(11.22, 12);
  });

  it("reads an hourly PUE by hour of day, wrapping after 24 h", () => {
    const hourly = Array.from({ length: 24 }, (_, h) => 100 + h); // hour h reads 100 + h
    expect(pueAt(region(hourly), 3.6e9 * 14.5)).toBe(114);
    expect(pueAt(region(hourly), 3.6e9 * (24 + 2))).toBe(102);
    expect(pueAt(region(1.3), 12345)).toBe(1.3);
  });
});
