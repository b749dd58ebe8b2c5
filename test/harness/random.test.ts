import { describe, expect, it } from 'vitest';
import { deriveSeed, MutableRng, Rng } from '../../harness/random.js';

describe('random', () => {
  it('derives the same sub-seed from the same root seed and label, and different ones otherwise', () => {
    expect(deriveSeed(42, 'nemesis')).toBe(deriveSeed(42, 'nemesis'));
    expect(deriveSeed(42, 'nemesis')).not.toBe(deriveSeed(42, 'generator'));
    expect(deriveSeed(42, 'nemesis')).not.toBe(deriveSeed(43, 'nemesis'));
  });

  it('keeps Rng immutable: drawing twice from one state gives the same value', () => {
    const r = Rng.fromSeed(7);
    const [a] = r.int(0, 1_000_000);
    const [b] = r.int(0, 1_000_000);
    expect(a).toBe(b);
    const [, next] = r.int(0, 1_000_000);
    const seq = (g: Rng) => {
      const out: number[] = [];
      for (let i = 0; i < 20; i++) {
        const [v, n] = g.int(0, 9);
        out.push(v);
        g = n;
      }
      return out;
    };
    expect(seq(next)).toEqual(seq(next));
  });

  it('draws within bounds and shuffles to a permutation', () => {
    const m = new MutableRng(3);
    for (let i = 0; i < 1000; i++) {
      const v = m.int(-2, 2);
      expect(v).toBeGreaterThanOrEqual(-2);
      expect(v).toBeLessThanOrEqual(2);
    }
    const s = m.shuffle(['a', 'b', 'c', 'd', 'e']);
    expect([...s].sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });
});
