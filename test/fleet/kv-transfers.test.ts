/** KV-cache transfers for prefill/decode disaggregation, checked by hand. */
import { describe, expect, it } from "vitest";
import { Simulator } from "../../src/engine/index.js";
import { KvTransfers } from "../../src/fleet/kv-transfers.js";
import { MODELS } from "../../src/catalog/models.js";

/** GB/s as bytes per µs. */
const gbps = (x: number) => x * 1e3;

function network(linkGbPerS: number) {
  const sim = new Simulator();
  const transfers = new KvTransfers(sim, () => gbps(linkGbPerS));
  const ends: number[] = [];
  const send = (bytes: number, from: number, to: number, capGbPerS: number, latencyUs: number) =>
    transfers.start({ bytes, from, to, capBytesPerUs: gbps(capGbPerS), latencyUs, done: () => ends.push(sim.nowUs) });
  return { sim, transfers, ends, send };
}

describe("KV transfers", () => {
  // 2 x layers x KV heads x head size x element bytes per token.
  const a = MODELS["llama-3.1-70b"];
  const perToken16 = 2 * a.layers * a.kvHeads * a.headDim * 2;

  it("moves one 4,096-token Llama-3.1-70B request at the configured bandwidth plus latency, 16-bit and FP8", () => {
    expect(perToken16).toBe(320 * 1024); // 320 KiB a token
    for (const [elementBytes, expectedUs] of [
      [2, (4096 * 327_680) / 50e3 + 50], // 1,342,177,280 bytes at 50 GB/s: 26,843.5 µs, + 50 µs
      [1, (4096 * 163_840) / 50e3 + 50], // FP8: half the bytes
    ]) {
      const { sim, ends, send } = network(400);
      send(4096 * (perToken16 / 2) * elementBytes, 0, 1, 50, 50);
      sim.run();
      expect(Math.abs(ends[0] - expectedUs)).toBeLessThanOrEqual(1);
    }
  });

  it("shares one link fairly: two transfers started together each take 2 x bytes / bandwidth + latency", () => {
    const bytes = 4096 * perToken16;
    const { sim, ends, send } = network(50);
    // Both leave server 0; caps above the link, so the link is the bottleneck.
    send(bytes, 0, 1, 400, 50);
    send(bytes, 0, 2, 400, 50);
    sim.run();
    const expected = (2 * bytes) / 50e3 + 50;
    expect(ends).toHaveLength(2);
    for (const end of ends) expect(Math.abs(end - expected)).toBeLessThanOrEqual(1);
  });

  it("gives a transfer the rest of the link when the other ends, and the bottleneck's share to each (max-min)", () => {
    const { sim, ends, send } = network(100);
    // A: 0 -> 1 of 1 GB; B: 0 -> 2 of 3 GB, capped at 20 GB/s; C: 3 -> 2 of 1 GB.
    // Link 0-out: A and B; B capped at 20, so A gets 80. Link 2-in: B (20) and C: C gets 80.
    send(1e9, 0, 1, 1000, 0); // A: 1e9 / 80e3 = 12,500 µs
    send(3e9, 0, 2, 20, 0); // B: 3e9 / 20e3 = 150,000 µs
    send(1e9, 3, 2, 1000, 0); // C: 12,500 µs
    sim.run();
    expect(ends[0]).toBeCloseTo(12_500, -1);
    expect(ends[1]).toBeCloseTo(12_500, -1);
    expect(ends[2]).toBeCloseTo(150_000, -1);
  });

  it("speeds the second of two transfers up when the first ends", () => {
    const { sim, ends, send } = network(10);
    send(1e9, 0, 1, 1000, 0); // alone after the other ends
    send(3e9, 0, 2, 1000, 0);
    sim.run();
    // Together at 5 GB/s until the first's 1 GB is across (200 ms); the second then has 2 GB left at 10 GB/s (200 ms more).
    expect(ends[0]).toBeCloseTo(200_000, -1);
    expect(ends[1]).toBeCloseTo(400_000, -1);
  });

  it("forgets a cancelled transfer and gives its share back", () => {
    const { sim, transfers, ends, send } = network(10);
    const first = send(1e9, 0, 1, 1000, 0);
    send(1e9, 0, 2, 1000, 0);
    sim.after(100_000, 0, () => transfers.cancel(first));
    sim.run();
    // 0.5 GB across by 100 ms at 5 GB/s, the rest at 10 GB/s: 50 ms more.
    expect(ends).toHaveLength(1);
    expect(ends[0]).toBeCloseTo(150_000, -1);
    expect(transfers.inFlight).toBe(0);
  });
});
