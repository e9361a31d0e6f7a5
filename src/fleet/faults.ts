/**
 * Fault processes: scheduled AZ and region outages, random server and GPU failures (renewal
 * processes with exponential or Weibull times to failure, exponential repairs), and random AZ
 * outages. Each process draws from its own named random streams, one per AZ.
 */
import { gamma as gammaFunction } from "simple-statistics";
import { Priority, type Rng, secondsToUs } from "../engine/index.js";
import type { FaultSpec } from "../scenario/schema.js";
import type { SimContext } from "../requests/context.js";
import { makeSampler, standardExponential } from "../workload/distributions.js";
import type { Fleet } from "./fleet.js";

/** Encodes (server, GPU) in one event argument. */
const GPU_SLOTS = 256;

/** Schedules the scenario's faults; nothing new breaks or gets repaired after `endUs` (the end of arrivals). */
export function startFaults(ctx: SimContext, fleet: Fleet, faults: readonly FaultSpec[], endUs: number): void {
  const t = fleet.topology;
  const sim = {
    at: (atUs: number, priority: number, fn: (arg: number) => void, arg = 0) => {
      if (atUs < endUs) ctx.sim.at(atUs, priority, fn, arg);
    },
    after: (delayUs: number, priority: number, fn: (arg: number) => void, arg = 0) => {
      if (ctx.sim.nowUs + delayUs < endUs) ctx.sim.after(delayUs, priority, fn, arg);
    },
  };
  const us = secondsToUs;
  const azIndex = (name: string) => t.azs.findIndex((a) => a.name === name);
  /** Per AZ, what starts the random failure processes of a server (for servers added during the run too). */
  const perServer: ((s: number) => void)[][] = t.azs.map(() => []);
  fleet.servers.onAdded = (s) => {
    for (const start of perServer[t.servers[s].az]) start(s);
  };
  const scopeAzs = (names: string[] | undefined) => (names ? names.map(azIndex) : t.azs.map((_, i) => i));

  faults.forEach((fault, i) => {
    const stream = (az: number) => ctx.streams.get(`faults/${i}/${t.azs[az].name}`);
    switch (fault.kind) {
      case "az_outage":
      case "region_outage": {
        const azs = fault.kind === "az_outage" ? [azIndex(fault.az)] : t.regions[t.regions.findIndex((r) => r.name === fault.region)].azs;
        const target = fault.kind === "az_outage" ? fault.az : fault.region;
        sim.at(us(fault.at), Priority.fault, () => {
          fleet.log(`${fault.kind}_start`, target);
          for (const a of azs) fleet.breakdowns.failAz(a, fault.kind);
        });
        // The outage ends even after arrivals stop, so the drain sees the fleet come back.
        ctx.sim.at(us(fault.at + fault.duration), Priority.fault, () => {
          fleet.log(`${fault.kind}_end`, target);
          for (const a of azs) fleet.breakdowns.restoreAz(a, fault.kind);
        });
        break;
      }
      case "server_failures": {
        // Weibull with this shape and mean has scale mean / Gamma(1 + 1/shape).
        const weibullScale = fault.mtbf / gammaFunction(1 + 1 / fault.shape);
        for (const az of scopeAzs(fault.azs)) {
          const rng = stream(az);
          const timeToFailure = () =>
            fault.distribution === "weibull" ? weibullScale * Math.pow(standardExponential(rng), 1 / fault.shape) : fault.mtbf * standardExponential(rng);
          const repair = (s: number) => {
            fleet.breakdowns.restoreServer(s, "server_failure");
            sim.after(us(timeToFailure()), Priority.fault, fail, s);
          };
          const fail = (s: number) => {
            fleet.breakdowns.failServer(s, "server_failure");
            sim.after(us(fault.mttr * standardExponential(rng)), Priority.fault, repair, s);
          };
          const start = (s: number) => sim.after(us(timeToFailure()), Priority.fault, fail, s);
          for (const s of t.azs[az].servers) start(s);
          perServer[az].push(start);
        }
        break;
      }
      case "gpu_failures": {
        for (const az of scopeAzs(fault.azs)) {
          const rng: Rng = stream(az);
          const repair = (arg: number) => fleet.breakdowns.repairGpu(Math.floor(arg / GPU_SLOTS), arg % GPU_SLOTS);
          const fail = (s: number) => {
            const healthy: number[] = [];
            for (let g = 0; g < t.servers[s].type.gpus; g++) if (!fleet.servers.gpuFailed(s, g)) healthy.push(g);
            if (healthy.length > 0) {
              const gpu = healthy[Math.floor(rng() * healthy.length)];
              fleet.breakdowns.failGpu(s, gpu);
              sim.after(us(fault.mttr * standardExponential(rng)), Priority.fault, repair, s * GPU_SLOTS + gpu);
            }
            // Each of the server's GPUs fails at rate 1 / mtbf.
            sim.after(us((fault.mtbf / t.servers[s].type.gpus) * standardExponential(rng)), Priority.fault, fail, s);
          };
          const start = (s: number) => sim.after(us((fault.mtbf / t.servers[s].type.gpus) * standardExponential(rng)), Priority.fault, fail, s);
          for (const s of t.azs[az].servers) start(s);
          perServer[az].push(start);
        }
        break;
      }
      case "random_az_outages": {
        for (const az of scopeAzs(fault.azs)) {
          const rng = stream(az);
          const length = makeSampler(fault.duration, rng, ctx.data);
          const start = () => {
            fleet.log("az_outage_start", t.azs[az].name);
            fleet.breakdowns.failAz(az, "random_az_outage");
            sim.after(us(length()), Priority.fault, end);
          };
          const end = () => {
            fleet.log("az_outage_end", t.azs[az].name);
            fleet.breakdowns.restoreAz(az, "random_az_outage");
            sim.after(us(fault.mtbf * standardExponential(rng)), Priority.fault, start);
          };
          sim.after(us(fault.mtbf * standardExponential(rng)), Priority.fault, start);
        }
        break;
      }
    }
  });
}
