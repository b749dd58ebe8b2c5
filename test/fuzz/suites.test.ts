import { expect, it } from 'vitest';
import { fuzzSuites } from '../../bench/fuzz/suites.js';
import { testCases } from '../../bench/fuzz/types.js';
import { requireBuild } from '../support/cli.js';

it('fuzz surface suites: no crash and no nonsense accepted', async () => {
  requireBuild();
  const r = await fuzzSuites(testCases(200), 1);
  expect(r.tried).toBeGreaterThan(0);
  expect(r.failures).toEqual([]);
});
