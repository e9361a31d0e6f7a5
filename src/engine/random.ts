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
      rng = seedrandom.xor4096(`${this.seed}/${name}`);
      this.streams.set(name, rng);
    }
    return rng;
  }
}
