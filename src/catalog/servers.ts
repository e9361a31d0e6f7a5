/**
 * Server types: how many GPUs of which kind, what the rest of the server draws, what it costs, and
 * how long it takes to come up. Scenarios can add their own under `server_types:`.
 */

export interface ServerType {
  id: string;
  gpu: string;
  gpus: number;
  /** power of everything but the GPUs (CPUs, memory, NICs, fans), idle and at full load */
  hostIdleW: number;
  hostMaxW: number;
  /** on-demand price for the whole server, USD per hour */
  usdPerHour?: number;
  /** purchase price, for owned fleets */
  purchaseUsd?: number;
  /** power-on to operating system ready */
  bootS: number;
  /** host (CPU) memory, GB of 1e9 bytes, where known: what KV offload may use */
  hostMemoryGb?: number;
  /** its network to other servers, each way, GB/s, where known: what KV transfers between servers share */
  networkGbPerS?: number;
  source: string;
}

const PRICES_CSV = "../shared/data/calibration/prices.csv";
const SPLITWISE_POWER = "SplitwiseSim configs (../shared/data/calibration/splitwise_power_model.csv and its README)";

/**
 * Host power from SplitwiseSim's DGX figures: a DGX-H100 idles at 2,800 W with 8 GPUs at 75 W, so its
 * host idles at 2,200 W; its 10,200 W TDP minus 8 x 700 W of GPUs leaves 4,600 W for the host at full
 * load. DGX-A100: 1,500 W idle with 8 x 63 W GPUs (996 W host); 6,500 W TDP minus 8 x 400 W (3,300 W).
 */
const HGX_H100_HOST = { hostIdleW: 2200, hostMaxW: 4600 };
const HGX_A100_HOST = { hostIdleW: 996, hostMaxW: 3300 };

/**
 * Network: AWS gives EFA bandwidth in Gb/s (p5.48xlarge and p5e.48xlarge 3,200, p4d.24xlarge 400,
 * g5.xlarge up to 10); DGX H100 has eight 400 Gb/s ConnectX-7 ports for its compute fabric, DGX A100
 * eight 200 Gb/s ConnectX-6 (NVIDIA's datasheets). GB/s = Gb/s / 8.
 *
 * Host memory: AWS lists instance memory in GiB (aws.amazon.com/ec2/instance-types, accelerated
 * computing: p5.48xlarge and p5e.48xlarge 2,048 GiB, p4d.24xlarge 1,152 GiB, g5.xlarge 16 GiB); NVIDIA's
 * DGX H100 and DGX A100 (80 GB) datasheets give 2 TB of system memory.
 */
const AWS_GIB = 1.073741824;

export const SERVER_TYPES: Record<string, ServerType> = {
  "p5.48xlarge": {
    id: "p5.48xlarge",
    gpu: "h100-sxm",
    gpus: 8,
    ...HGX_H100_HOST,
    usdPerHour: 55.04,
    bootS: 300,
    hostMemoryGb: AWS_GIB * 2048,
    networkGbPerS: 400,
    source: `8 x H100 SXM (AWS). $55.04/h: AWS on-demand after the June-2025 cut, as in SCENARIO-FORMAT.md (${PRICES_CSV} lists 98.32 before the cut and derives 54.08 after it). Host power: ${SPLITWISE_POWER}, DGX-H100`,
  },
  "p5e.48xlarge": {
    id: "p5e.48xlarge",
    gpu: "h200-sxm",
    gpus: 8,
    ...HGX_H100_HOST,
    usdPerHour: 107.0,
    bootS: 300,
    hostMemoryGb: AWS_GIB * 2048,
    networkGbPerS: 400,
    source: `8 x H200 (AWS). $107/h: third-party list-price estimate, low confidence (${PRICES_CSV}). Host power as an HGX H100 (same baseboard class)`,
  },
  "p4d.24xlarge": {
    id: "p4d.24xlarge",
    gpu: "a100-sxm-40gb",
    gpus: 8,
    ...HGX_A100_HOST,
    usdPerHour: 32.77,
    bootS: 300,
    hostMemoryGb: AWS_GIB * 1152,
    networkGbPerS: 50,
    source: `8 x A100 40GB (AWS). $32.77/h on demand (${PRICES_CSV}). Host power: ${SPLITWISE_POWER}, DGX-A100`,
  },
  "g5.xlarge": {
    id: "g5.xlarge",
    gpu: "a10g",
    gpus: 1,
    hostIdleW: 60,
    hostMaxW: 150,
    usdPerHour: 1.006,
    bootS: 120,
    hostMemoryGb: AWS_GIB * 16,
    networkGbPerS: 1.25,
    source: `1 x A10G (AWS). $1.006/h on demand (${PRICES_CSV}). Host power is an estimate for a 4-vCPU share of a server, unverified`,
  },
  "dgx-h100": {
    id: "dgx-h100",
    gpu: "h100-sxm",
    gpus: 8,
    ...HGX_H100_HOST,
    purchaseUsd: 300_000,
    bootS: 420,
    hostMemoryGb: 2048,
    networkGbPerS: 400,
    source: `NVIDIA DGX H100, owned. Host power: ${SPLITWISE_POWER}. $300,000 purchase price: a commonly quoted estimate, not from a stored source`,
  },
  "dgx-a100": {
    id: "dgx-a100",
    gpu: "a100-sxm-80gb",
    gpus: 8,
    ...HGX_A100_HOST,
    purchaseUsd: 200_000,
    bootS: 420,
    hostMemoryGb: 2048,
    networkGbPerS: 200,
    source: `NVIDIA DGX A100 (80 GB), owned. Host power: ${SPLITWISE_POWER}. $200,000 purchase price: a commonly quoted estimate, not from a stored source`,
  },
};

/** The server type used when a scenario has no regions: an 8-GPU server of the model's GPU. */
export function defaultServerFor(gpu: string, gpus = 8): ServerType {
  const known = Object.values(SERVER_TYPES).find((t) => t.gpu === gpu && t.usdPerHour !== undefined);
  return (
    known ?? {
      id: `${gpu}-x${gpus}`,
      gpu,
      gpus,
      ...HGX_H100_HOST,
      bootS: 300,
      // As a p5.48xlarge's EFA (3,200 Gb/s): what a scenario without servers assumes for KV transfers.
      networkGbPerS: 400,
      source: `an assumed 8-GPU server of ${gpu} with HGX-class host power and a p5.48xlarge's network; no price or host memory`,
    }
  );
}
