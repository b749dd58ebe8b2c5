import { expect, it } from 'vitest';
import { fuzzFlags } from '../../bench/fuzz/flags.js';
import { testCases } from '../../bench/fuzz/types.js';
import { requireBuild } from '../support/cli.js';

it('fuzz surface flags: no crash and no nonsense accepted', async () => {
  requireBuild();
  const r = await fuzzFlags(testCases(200), 1);
  expect(r.tried).toBeGreaterThan(0);
  expect(r.failures).toEqual([]);
});
