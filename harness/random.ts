/**
 * The harness's only source of randomness: one root seed per run, and seeds derived from it by
 * name for each part (generator, nemesis schedule, proxy toxics), as TigerBeetle's VOPR does.
 *
 * Two shapes of the same pure-rand xoroshiro128+ generator:
 * - `Rng` is immutable: `rng.int(1, 6)` returns `[value, nextRng]`, so the pure generators of
 *   `harness/generator` can hold one in their state and stay plain values.
 * - `MutableRng` advances in place, for code that builds a whole plan at once (the nemesis schedule).
 *
 * Nothing else in the harness may call Math.random(): a run is replayed from its seed.
 */
import { uniformIntDistribution, unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import type { RandomGenerator } from 'pure-rand';

/** The largest seed accepted on the command line (seeds are 32-bit unsigned integers). */
export const SEED_MAX = 0xffff_ffff;

/** A seed for a run started without `--seed`: from the clock and pid, printed so it can be reused. */
export function freshSeed(): number {
  // The one place where a seed comes from outside: it is recorded in run.json and the repro command.
  return (Date.now() ^ (process.pid << 16) ^ Math.floor(performance.now() * 1000)) >>> 0;
}

/** FNV-1a over a string, as a 32-bit unsigned integer. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A sub-seed for the part called `label`, derived from the root seed. Different labels give
 * unrelated streams; the same (seed, label) always gives the same sub-seed.
 */
export function deriveSeed(rootSeed: number, label: string): number {
  const g = xoroshiro128plus((rootSeed ^ fnv1a(label)) | 0);
  // Skip a few outputs: neighbouring seeds start close together in xoroshiro's state.
  let v = 0;
  for (let i = 0; i < 4; i++) v = g.unsafeNext();
  return v >>> 0;
}

/** An immutable random stream: every draw returns the value and the stream after it. */
export class Rng {
  private constructor(private readonly g: RandomGenerator) {}

  /** A stream from a 32-bit seed. */
  static fromSeed(seed: number): Rng {
    return new Rng(xoroshiro128plus(seed | 0));
  }

  /** A uniform integer in [min, max], both included. */
  int(min: number, max: number): [number, Rng] {
    const [v, next] = uniformIntDistribution(min, max, this.g);
    return [v, new Rng(next)];
  }

  /** A uniform float in [0, 1). */
  float(): [number, Rng] {
    const [v, next] = uniformIntDistribution(0, 0x3fff_ffff, this.g);
    return [v / 0x4000_0000, new Rng(next)];
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): [T, Rng] {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    const [i, next] = this.int(0, items.length - 1);
    return [items[i] as T, next];
  }
}

/** A random stream that advances in place; for code that draws many values in one go. */
export class MutableRng {
  private readonly g: RandomGenerator;

  constructor(seed: number) {
    this.g = xoroshiro128plus(seed | 0);
  }

  /** A uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return unsafeUniformIntDistribution(min, max, this.g);
  }

  /** A uniform float in [0, 1). */
  float(): number {
    return unsafeUniformIntDistribution(0, 0x3fff_ffff, this.g) / 0x4000_0000;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      const t = out[i] as T;
      out[i] = out[j] as T;
      out[j] = t;
    }
    return out;
  }
}
