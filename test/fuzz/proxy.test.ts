/**
 * The `proxy` fuzz surface at test scale: seeded hostile requests against a real embedded server
 * (the built `faultline toxiproxy`), every answer documented, nothing left listening unreported.
 */
import { describe, expect, it } from 'vitest';
import { fuzzProxy } from '../../bench/fuzz/proxy.js';
import { testCases } from '../../bench/fuzz/types.js';

describe('fuzz: proxy', () => {
  it('answers every hostile request with a documented status and keeps serving', async () => {
    const r = await fuzzProxy(testCases(300), 1);
    expect(r.tried).toBe(testCases(300));
    expect(r.failures).toEqual([]);
  });
});
