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
 * property loads through two closures. The index and the Weyl word live in the same array as the
 * 128 state words: as closure variables, a Weyl word beyond V8's small integers was a new heap
 * number at every draw.
 */
const INDEX = 128;
const WEYL = 129;

function xor4096(seed: string): Rng {
  const start = seedrandom.xor4096(seed, { state: true }).state() as { X: number[]; i: number; w: number };
  const x = new Int32Array(130);
  x.set(start.X);
  x[INDEX] = start.i;
  x[WEYL] = start.w;
  return () => {
    const w = (x[WEYL] = (x[WEYL] + 0x61c88647) | 0);
    const i = x[INDEX];
    let v = x[(i + 34) & 127];
    const next = (x[INDEX] = (i + 1) & 127);
    let t = x[next];
    v ^= v << 13;
    t ^= t << 17;
    v ^= v >>> 15;
    t ^= t >>> 12;
    v = x[next] = v ^ t;
    return ((v + (w ^ (w >>> 16))) >>> 0) / 0x100000000;
  };
}
