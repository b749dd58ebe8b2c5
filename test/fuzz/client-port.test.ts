/**
 * Fuzz surface `client-port` at test scale: random and mutated client lines against a real raftkv
 * node get exactly the replies their msg_ids call for, and the node keeps serving. Needs the
 * build (`npm test` builds first).
 */
import { describe, expect, it } from 'vitest';
import { fuzzClientPort } from '../../bench/fuzz/client-port.js';
import { testCases } from '../../bench/fuzz/types.js';

describe('fuzz: client port', () => {
  it('answers every usable msg_id once, no other, and stays up', async () => {
    const r = await fuzzClientPort(testCases(300), 1);
    expect(r.failures).toEqual([]);
    expect(r.tried).toBeGreaterThan(0);
  }, 60_000);
});
