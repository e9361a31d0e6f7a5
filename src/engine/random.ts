import seedrandom from "seedrandom";

/** A source of uniform random numbers in [0, 1). */
export interface Rng {
  (): number;
}

/**
 * Named, independent random streams derived from one seed.
 *
 * A stream's sequence depends only on (seed, name), so adding a component (and its streams)
 * never changes the numbers another component draws; two scenarios that differ in one policy
 * see the same arrivals ("common random numbers"). xor4096 is used for speed: about 10 ns a draw,
 * five times faster than seedrandom's default ARC4.
 */
export class RandomStreams {
  private readonly streams = new Map<string, Rng>();

  constructor(readonly seed: number) {}

  get(name: string): Rng {
    let rng = this.streams.get(name);
    if (!rng) {
      rng = xor4096(`${this.seed}/${name}`);
      this.streams.set(name, rng);
    }
    return rng;
  }
}

/**
 * seedrandom's xor4096 (Brent's xorgens, combined with a Weyl sequence), seeded by seedrandom itself
 * and then stepped here over a typed array: the same numbers, without the library's per-draw
 * property loads through two closures.
 */
function xor4096(seed: string): Rng {
  const start = seedrandom.xor4096(seed, { state: true }).state() as { X: number[]; i: number; w: number };
  const x = Int32Array.from(start.X);
  let i = start.i;
  let w = start.w;
  return () => {
    w = (w + 0x61c88647) | 0;
    let v = x[(i + 34) & 127];
    i = (i + 1) & 127;
    let t = x[i];
    v ^= v << 13;
    t ^= t << 17;
    v ^= v >>> 15;
    t ^= t >>> 12;
    v = x[i] = v ^ t;
    return ((v + (w ^ (w >>> 16))) >>> 0) / 0x100000000;
  };
}
