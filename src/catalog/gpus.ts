/**
 * GPU specifications. Peak tensor throughput is dense (no 2:4 sparsity), in TFLOPS per GPU.
 * Unless a row says otherwise, figures come from ../shared/data/calibration/gpus.csv, which cites
 * NVIDIA's datasheets and the stored copies it checked them against.
 */

export type GpuFamily = "ampere" | "hopper" | "ada" | "blackwell";

export interface GpuSpec {
  id: string;
  name: string;
  family: GpuFamily;
  /** dense tensor TFLOPS by compute type; a missing type falls back to bf16 (weight-only quantization) */
  tflops: { bf16: number; fp8?: number; int8?: number; fp4?: number };
  /** datasheet capacity, GB (what an engine can use is `gpuMemoryBytes` in gpu-memory.ts) */
  memoryGb: number;
  /** capacity an engine sees, bytes, when known exactly (inline GPUs); catalog GPUs take nvidia-smi's figure */
  memoryBytes?: number;
  memoryTbPerS: number;
  tdpW: number;
  /** GPU-to-GPU bandwidth, GB/s per direction (NVLink, or PCIe when there is none) */
  interconnectGbPerS: number;
  /** "nvlink" within a server, or "pcie" (all-reduce crosses the host's PCIe switches) */
  interconnect: "nvlink" | "pcie";
  /**
   * share of the datasheet tensor peak a power-capped card sustains against its uncapped sibling of the
   * same chip (default 1): both list the same peak, but the lower power limit holds the clock down
   * under load
   */
  sustainedPeakFraction?: number;
  source: string;
}

const GPUS_CSV = "../shared/data/calibration/gpus.csv";

export const GPUS: Record<string, GpuSpec> = {
  "a100-sxm-80gb": {
    id: "a100-sxm-80gb",
    name: "NVIDIA A100 SXM4 80GB",
    family: "ampere",
    tflops: { bf16: 312, int8: 624 },
    memoryGb: 80,
    memoryTbPerS: 2.039,
    tdpW: 400,
    interconnectGbPerS: 300,
    interconnect: "nvlink",
    source: `${GPUS_CSV} (NVIDIA A100 datasheet): 312 BF16 / 624 INT8 dense, 80 GB HBM2e at 2.039 TB/s, 400 W, NVLink 600 GB/s bidirectional`,
  },
  "a100-sxm-40gb": {
    id: "a100-sxm-40gb",
    name: "NVIDIA A100 SXM4 40GB",
    family: "ampere",
    tflops: { bf16: 312, int8: 624 },
    memoryGb: 40,
    memoryTbPerS: 1.555,
    tdpW: 400,
    interconnectGbPerS: 300,
    interconnect: "nvlink",
    source: "NVIDIA A100 datasheet, SXM4 40GB column: A100 compute, 40 GB HBM2 at 1,555 GB/s, 400 W (not re-verified in a stored copy); the GPU of AWS p4d.24xlarge",
  },
  "a100-pcie-80gb": {
    id: "a100-pcie-80gb",
    name: "NVIDIA A100 PCIe 80GB",
    family: "ampere",
    tflops: { bf16: 312, int8: 624 },
    memoryGb: 80,
    memoryTbPerS: 1.935,
    tdpW: 300,
    interconnectGbPerS: 32,
    interconnect: "pcie",
    // NVIDIA, launching the PCIe A100 (June 2020): the same peak as the SXM4 card but about 90 % of its
    // real-world performance, the price of its lower power limit (AnandTech, "NVIDIA Announces PCIe A100
    // Accelerator: 250 Watt Ampere In A Standard Form Factor"; Hardware Times, "NVIDIA Launches PCIe
    // Variant of the A100"). That was the 250 W 40 GB card; this 300 W one is kept at the same 90 %:
    // TensorRT-LLM 0.14 measured it at 0.86 of the SXM's throughput at TP1, of which its slower memory
    // (1,935 against 2,039 GB/s) explains 0.95.
    sustainedPeakFraction: 0.9,
    source:
      "NVIDIA A100 datasheet, PCIe 80GB column: 312 BF16 / 624 INT8 dense, 1,935 GB/s, 300 W, PCIe Gen4 64 GB/s bidirectional (not re-verified in a stored copy; the optional 2-GPU NVLink bridge is not modelled)",
  },
  "h100-sxm": {
    id: "h100-sxm",
    name: "NVIDIA H100 SXM5 80GB",
    family: "hopper",
    tflops: { bf16: 989.4, fp8: 1978.9, int8: 1978.9 },
    memoryGb: 80,
    memoryTbPerS: 3.35,
    tdpW: 700,
    interconnectGbPerS: 450,
    interconnect: "nvlink",
    source: `${GPUS_CSV} (NVIDIA H100 datasheet, Hopper whitepaper): 989.4 BF16 / 1,978.9 FP8 dense, 80 GB HBM3 at 3.35 TB/s, 700 W, NVLink 900 GB/s bidirectional`,
  },
  "h100-pcie": {
    id: "h100-pcie",
    name: "NVIDIA H100 PCIe 80GB",
    family: "hopper",
    tflops: { bf16: 756, fp8: 1513, int8: 1513 },
    memoryGb: 80,
    memoryTbPerS: 2.0,
    tdpW: 350,
    interconnectGbPerS: 64,
    interconnect: "pcie",
    source: `${GPUS_CSV} (NVIDIA H100 PCIe product brief PB-11133-001_v02 and datasheet): 756 BF16 / 1,513 FP8 dense, 80 GB HBM2e at 2.0 TB/s, 350 W, PCIe Gen5 128 GB/s bidirectional`,
  },
  "h200-sxm": {
    id: "h200-sxm",
    name: "NVIDIA H200 SXM 141GB",
    family: "hopper",
    tflops: { bf16: 989.4, fp8: 1978.9, int8: 1978.9 },
    memoryGb: 141,
    memoryTbPerS: 4.8,
    tdpW: 700,
    interconnectGbPerS: 450,
    interconnect: "nvlink",
    source: `${GPUS_CSV} (NVIDIA H200 product page): H100 compute, 141 GB HBM3e at 4.8 TB/s, 700 W, NVLink 900 GB/s bidirectional`,
  },
  l40s: {
    id: "l40s",
    name: "NVIDIA L40S",
    family: "ada",
    tflops: { bf16: 362.05, fp8: 733, int8: 733 },
    memoryGb: 48,
    memoryTbPerS: 0.864,
    tdpW: 350,
    interconnectGbPerS: 32,
    interconnect: "pcie",
    source: `${GPUS_CSV} (NVIDIA L40S datasheet): 362.05 BF16 / 733 FP8 dense, 48 GB GDDR6 at 864 GB/s, 350 W, no NVLink (PCIe Gen4 64 GB/s bidirectional)`,
  },
  b200: {
    id: "b200",
    name: "NVIDIA B200 (HGX)",
    family: "blackwell",
    tflops: { bf16: 2250, fp8: 4500, int8: 4500, fp4: 9000 },
    memoryGb: 180,
    memoryTbPerS: 8.0,
    tdpW: 1000,
    interconnectGbPerS: 900,
    interconnect: "nvlink",
    source: `${GPUS_CSV} (glennklockwood.com/garden/processors/B200, docs.vultr.com hardware overview): 2,250 BF16 / 4,500 FP8 / 9,000 FP4 dense, 180 GB HBM3e at 8.0 TB/s, 1,000 W, NVLink 5 1.8 TB/s bidirectional`,
  },
  a10g: {
    id: "a10g",
    name: "NVIDIA A10G (AWS G5)",
    family: "ampere",
    tflops: { bf16: 70 },
    memoryGb: 24,
    memoryTbPerS: 0.6,
    tdpW: 300,
    interconnectGbPerS: 32,
    interconnect: "pcie",
    source: `${GPUS_CSV}: 24 GB GDDR6 at 600 GB/s (verified, baseten.co). NVIDIA publishes no A10G datasheet: the 70 BF16 TFLOPS and 300 W are commonly quoted estimates (A10G has less tensor compute than the A10's 125), unverified`,
  },
};
