/**
 * The `histories` fuzz surface at test scale: random and mutated histories in every format
 * `faultline check` reads never crash it and never pass vacuously (bench/fuzz/histories.ts).
 */
import { expect, it } from 'vitest';
import { fuzzHistories } from '../../bench/fuzz/histories.js';
import { testCases } from '../../bench/fuzz/types.js';

it('faultline check answers every fuzzed history with a verdict or one line of bad input', async () => {
  const r = await fuzzHistories(testCases(300), 1);
  expect(r.failures).toEqual([]);
  expect(r.tried).toBeGreaterThan(0);
}, 60_000);
