/**
 * The simulator's one random source: every choice of a simulation (delays, drops, faults, the
 * seeds of the cores' own generators) is drawn from it, so a seed replays exactly.
 */
import { Rng } from '../rng.js';

/** A seeded source with the two draws a simulation makes: integers and coin flips. */
export class SimRandom {
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  /** A uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return this.rng.int(lo, hi);
  }

  /** True with probability `p`; draws nothing when `p` is 0, so a fault that is off leaves the sequence alone. */
  chance(p: number): boolean {
    return p > 0 && this.rng.int(0, 999_999) < p * 1_000_000;
  }
}
