/**
 * GPU memory as the driver reports it (nvidia-smi's "Memory-Usage" total, in MiB), which is what an
 * inference engine can allocate from: not the datasheet's round "80 GB" (an H100 has 81,559 MiB =
 * 85.52e9 bytes). Each figure is quoted from a public nvidia-smi output.
 */
import type { GpuSpec } from "./gpus.js";

const MIB = 1024 * 1024;
/** modal-labs/modal-client PR #2797: nvidia-smi totals across Modal's GPU types */
const MODAL = "github.com/modal-labs/modal-client/pull/2797 (nvidia-smi totals across Modal's GPU types)";

export const NVIDIA_SMI_MIB: Record<string, { mib: number; source: string }> = {
  "a100-sxm-80gb": { mib: 81920, source: `${MODAL}: A100 80GB 81920MiB` },
  "a100-sxm-40gb": { mib: 40960, source: `${MODAL}: A100 40GB 40960MiB` },
  "a100-pcie-80gb": { mib: 81920, source: `${MODAL}: A100 80GB 81920MiB (the PCIe card has the same 80 GB HBM2e)` },
  "h100-sxm": { mib: 81559, source: `${MODAL}: H100 81559MiB; also nvidia-smi in github.com/NVIDIA/nccl/issues/1264 (H100 80GB HBM3, 81559MiB)` },
  "h100-pcie": { mib: 81559, source: "a TensorRT-LLM test report run on 'NVIDIA H100 PCIe (81559 MiB)' (public TensorRT-LLM fork)" },
  "h200-sxm": { mib: 143771, source: "nvidia-smi outputs of NVIDIA H200 in several public repositories ('0MiB / 143771MiB', 700 W cap)" },
  l40s: { mib: 46068, source: `${MODAL}: L40S 46068MiB` },
  b200: { mib: 183359, source: "nvidia-smi outputs of NVIDIA B200 in several public repositories ('0MiB / 183359MiB', 1000 W cap)" },
  a10g: { mib: 23028, source: `${MODAL}: A10 23028MiB (the A10G has the same 24 GB GDDR6)` },
};

/** Bytes of memory an engine on this GPU can see: nvidia-smi's total for catalog GPUs, the stated size for inline ones. */
export function gpuMemoryBytes(gpu: GpuSpec): number {
  if (gpu.memoryBytes !== undefined) return gpu.memoryBytes;
  const smi = NVIDIA_SMI_MIB[gpu.id];
  return smi ? smi.mib * MIB : gpu.memoryGb * 1e9;
}
