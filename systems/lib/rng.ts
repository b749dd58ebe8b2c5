/**
 * Seeded randomness for systems (election jitter, backoff jitter, simulated disk tears). Systems
 * cannot import harness/, so this wraps pure-rand here. The seed comes from the node's params
 * (`params.seed`, set by the harness from the run seed) so that a run's choices can be repeated.
 */
import { unsafeUniformIntDistribution, xoroshiro128plus, type RandomGenerator } from 'pure-rand';

/** A small mutable seeded random source. */
export class Rng {
  private readonly gen: RandomGenerator;

  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
  }

  /** A uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`bad range [${min}, ${max}]`);
    }
    return unsafeUniformIntDistribution(min, max, this.gen);
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return this.int(0, 2 ** 30 - 1) / 2 ** 30;
  }

  /** True with probability `p`; draws nothing when `p` is 0, so a chance that is off leaves the sequence alone. */
  chance(p: number): boolean {
    return p > 0 && this.int(0, 999_999) < p * 1_000_000;
  }

  /** A derived independent generator (for a sub-component), deterministic given this one. */
  fork(): Rng {
    return new Rng(this.int(-(2 ** 31), 2 ** 31 - 1));
  }
}

/** Builds the node's Rng from `params.seed` (a number), or from the node id when absent. */
export function rngFromParams(params: Record<string, unknown>, nodeId: string): Rng {
  let seed = typeof params.seed === 'number' && Number.isFinite(params.seed) ? Math.trunc(params.seed) : 0;
  // Mix the node id in, so that nodes of one run do not draw identical jitter.
  for (let i = 0; i < nodeId.length; i++) seed = (Math.imul(seed ^ nodeId.charCodeAt(i), 0x01000193) + i) | 0;
  return new Rng(seed);
}
