import { describe, expect, it } from 'vitest';
import { fuzzVerdicts } from '../../bench/fuzz/verdicts.js';
import { testCases } from '../../bench/fuzz/types.js';

describe('fuzz: verdicts', () => {
  it('reads faults and judges vacuity on histories whose nemesis events carry anything', async () => {
    const r = await fuzzVerdicts(testCases(300), 1);
    expect(r.tried).toBeGreaterThan(0);
    expect(r.failures).toEqual([]);
  });
});
