import { describe, expect, it } from 'vitest';
import { fuzzNemesis } from '../../bench/fuzz/nemesis.js';
import { testCases } from '../../bench/fuzz/types.js';

describe('fuzz: nemesis', () => {
  it('parses --nemesis texts and plans valid seeded schedules on random clusters', async () => {
    const r = await fuzzNemesis(testCases(200), 1);
    expect(r.tried).toBeGreaterThan(0);
    expect(r.failures).toEqual([]);
  });
});
