/**
 * Seeded randomness for the embedded Toxiproxy server.
 *
 * Every random decision of the data plane (toxicity rolls, latency jitter, slicer split points,
 * ndjson_filter probabilities) draws from a generator derived from the server seed and a label
 * naming the decision's owner (proxy, connection number, direction). Two runs with the same seed
 * and the same sequence of connections therefore make the same decisions, whatever the order in
 * which unrelated connections interleave.
 */
import { xoroshiro128plus, type RandomGenerator } from 'pure-rand';

/** A small mutable wrapper around a pure-rand generator. */
export class Rng {
  private readonly gen: RandomGenerator;

  constructor(seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
  }

  /** A float in [0, 1) with float32 resolution, as Go's `rand.Float32()`. */
  float(): number {
    return (this.gen.unsafeNext() >>> 8) / 16777216;
  }

  /** An integer in [0, n) for n >= 1 (n up to 2^32). */
  intN(n: number): number {
    if (n <= 1) return 0;
    // Two draws give 53 usable bits, enough for any n we meet (milliseconds, byte counts).
    const hi = this.gen.unsafeNext() >>> 0;
    const lo = this.gen.unsafeNext() >>> 0;
    const x = (hi * 4294967296 + lo) / 18446744073709551616;
    return Math.floor(x * n);
  }
}

/** Derives a 32-bit seed from a root seed and a label (FNV-1a over the label, mixed with the seed). */
export function deriveSeed(seed: number, label: string): number {
  let h = 0x811c9dc5 ^ (seed | 0);
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= Math.floor(seed / 4294967296) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) | 0;
}
