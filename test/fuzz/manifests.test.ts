import { expect, it } from 'vitest';
import { fuzzManifests } from '../../bench/fuzz/manifests.js';
import { testCases } from '../../bench/fuzz/types.js';
import { requireBuild } from '../support/cli.js';

it('fuzz surface manifests: no crash and no nonsense accepted', async () => {
  requireBuild();
  const r = await fuzzManifests(testCases(200), 1);
  expect(r.tried).toBeGreaterThan(0);
  expect(r.failures).toEqual([]);
});
