/** What the fleet keeps of each server at run time (servers.ts changes it; nothing else does). */
import { gpuPower, type GpuPower } from "../catalog/power.js";
import type { GpuSpec } from "../catalog/gpus.js";

/** What a GPU of a server that is not off can be doing; each is in exactly one of these. */
export const GPU_STATES = ["free", "booting", "starting", "loading", "serving", "draining", "failed"] as const;
export type GpuState = (typeof GPU_STATES)[number];

export type ServerStatus = "up" | "booting" | "failed" | "off";

export interface ServerRuntime {
  status: ServerStatus;
  /** causes holding it down (its own failure, outages); it boots when the last one clears */
  downCauses: number;
  /** of those, outages (its power is cut); a server down only for its own failure sits in its powered rack */
  outageCauses: number;
  failedGpus: Uint8Array;
  gpu: GpuSpec;
  power: GpuPower;
  itW: number;
  /** GPUs per state, as last counted */
  states: Int32Array;
  bootEvent: number;
  /** paid since (-1 while off), and paid time since the warm-up before that */
  paidSinceUs: number;
  paidUs: number;
  /** powers off after this long with nothing on it (Infinity: never) */
  idleShutdownUs: number;
  idleEvent: number;
  /** when the pending idle shutdown fires */
  idleAtUs: number;
  /** booting because capacity was requested (its boot is logged) */
  launching: boolean;
}

/** A server's state when it joins the fleet: up (the initial fleet) or off (added, about to be powered on); paid since `paidSinceUs` (-1: not paid). */
export function newServerRuntime(gpu: GpuSpec, gpus: number, paidSinceUs: number, status: ServerStatus): ServerRuntime {
  return {
    status,
    downCauses: 0,
    outageCauses: 0,
    failedGpus: new Uint8Array(gpus),
    gpu,
    power: gpuPower(gpu),
    itW: 0,
    states: new Int32Array(GPU_STATES.length),
    bootEvent: -1,
    paidSinceUs,
    paidUs: 0,
    idleShutdownUs: Infinity,
    idleEvent: -1,
    idleAtUs: Infinity,
    launching: false,
  };
}
