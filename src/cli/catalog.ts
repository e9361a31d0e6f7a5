/** `fleetsim catalog`: what a scenario can name without defining it: GPUs, models, server types and precisions, with their sources. */
import { gpuMemoryBytes } from "../catalog/gpu-memory.js";
import { GPUS } from "../catalog/gpus.js";
import { MODELS, totalParams } from "../catalog/models.js";
import { PRECISIONS } from "../catalog/precisions.js";
import { SERVER_TYPES } from "../catalog/servers.js";

type Section = "gpus" | "models" | "servers" | "precisions";

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  return cells.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join("  ").trimEnd()).join("\n") + "\n";
}

export function catalogCommand(what?: Section): void {
  const sections: Record<Section, () => string> = {
    gpus: () =>
      table(
        ["gpu", "family", "bf16 TFLOPS", "fp8 TFLOPS", "memory GB", "usable GB", "TB/s", "TDP W", "interconnect"],
        Object.values(GPUS).map((g) => [g.id, g.family, g.tflops.bf16, g.tflops.fp8 ?? "-", g.memoryGb, (gpuMemoryBytes(g) / 1e9).toFixed(2), g.memoryTbPerS, g.tdpW, `${g.interconnect} ${g.interconnectGbPerS} GB/s`]),
      ),
    models: () =>
      table(
        ["model", "parameters (B)", "layers", "hidden", "kv heads", "experts", "context"],
        Object.values(MODELS).map((m) => [m.id, (totalParams(m) / 1e9).toFixed(1), m.layers, m.hidden, m.kvHeads, m.experts, m.maxContext]),
      ),
    servers: () =>
      table(
        ["server type", "gpu", "gpus", "USD/hour", "purchase USD", "boot s"],
        Object.values(SERVER_TYPES).map((t) => [t.id, t.gpu, t.gpus, t.usdPerHour ?? "-", t.purchaseUsd ?? "-", t.bootS]),
      ),
    precisions: () => table(["precision", "bytes per weight", "compute"], Object.entries(PRECISIONS).map(([id, p]) => [id, p.weightBytes, p.compute])),
  };
  const chosen = what ? [what] : (Object.keys(sections) as Section[]);
  process.stdout.write(chosen.map((s) => `${s}\n${sections[s]()}`).join("\n"));
}
