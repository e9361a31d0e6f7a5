/**
 * GPU power by what the GPU is doing. A100 and H100 come from SplitwiseSim's constant power model
 * (../shared/data/calibration/splitwise_power_model.csv): idle, prompt phase (compute-bound, near TDP)
 * and token phase (memory-bound). Other GPUs scale H100's ratios to their TDP: idle 10.7 % of TDP
 * (75/700), prompt 100 %, token 54.3 % (380/700); that scaling is our assumption, not a measurement.
 */
import type { GpuSpec } from "./gpus.js";

export interface GpuPower {
  idleW: number;
  promptW: number;
  tokenW: number;
  source: string;
}

const MEASURED: Record<string, GpuPower> = {
  "a100-sxm-80gb": { idleW: 63, promptW: 400, tokenW: 250, source: "SplitwiseSim ConstantPowerModel, A100-80GB-SXM" },
  "h100-sxm": { idleW: 75, promptW: 700, tokenW: 380, source: "SplitwiseSim ConstantPowerModel, H100-80GB-SXM" },
};

export function gpuPower(gpu: GpuSpec): GpuPower {
  const measured = MEASURED[gpu.id];
  if (measured) return measured;
  return {
    idleW: (gpu.tdpW * 75) / 700,
    promptW: gpu.tdpW,
    tokenW: (gpu.tdpW * 380) / 700,
    source: `H100's SplitwiseSim phase ratios scaled to ${gpu.id}'s ${gpu.tdpW} W TDP (assumption)`,
  };
}
