/**
 * Sharding: `--shard i/n` parsing, and the split is deterministic, disjoint, complete and balanced
 * for any suite size and shard count.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseShard, selectShard } from '../../../harness/suite/shard.js';
import { UsageError } from '../../../harness/cli/exit.js';

describe('parseShard', () => {
  it('reads i/n', () => {
    expect(parseShard('1/3')).toEqual({ index: 1, count: 3 });
    expect(parseShard(' 3/3 ')).toEqual({ index: 3, count: 3 });
  });

  it.each([['0/3'], ['4/3'], ['1/0'], ['a/b'], ['1-3'], ['1/'], ['-1/3'], ['1/1001']])('rejects %s with a UsageError', (text) => {
    expect(() => parseShard(text)).toThrow(UsageError);
    expect(() => parseShard(text)).toThrow(/^--shard /);
  });
});

describe('selectShard', () => {
  const entries = (n: number) => Array.from({ length: n }, (_, index) => ({ index, id: `e${index}` }));

  it('keeps the whole suite without a shard', () => {
    expect(selectShard(entries(5), null)).toHaveLength(5);
  });

  it('splits any suite into disjoint shards that together hold every entry, the same way every time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 40 }), (size, count) => {
        const all = entries(size);
        const shards = Array.from({ length: count }, (_, i) => selectShard(all, { index: i + 1, count }));
        // Deterministic: computing a shard again gives the same entries.
        shards.forEach((s, i) => expect(selectShard(entries(size), { index: i + 1, count }).map((e) => e.id)).toEqual(s.map((e) => e.id)));
        // Disjoint and complete.
        const ids = shards.flat().map((e) => e.id);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.sort()).toEqual(all.map((e) => e.id).sort());
        // Balanced: sizes differ by at most one; each shard keeps suite order.
        const sizes = shards.map((s) => s.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        for (const s of shards) expect(s.map((e) => e.index)).toEqual([...s.map((e) => e.index)].sort((a, b) => a - b));
      }),
      { numRuns: 200, seed: 8 },
    );
  });
});
