/**
 * Fuzz surfaces `client-port` and `peer-port` at test scale, against real raftkv processes (needs
 * the build; `npm test` builds first):
 * - random and mutated client lines get exactly the replies their msg_ids call for, and the node
 *   keeps serving;
 * - forged, malformed and tokenless peer messages to a 3-node cluster apply nothing, and every node
 *   keeps serving.
 */
import { describe, expect, it } from 'vitest';
import { fuzzClientPort } from '../../bench/fuzz/client-port.js';
import { fuzzPeerPort } from '../../bench/fuzz/peer-port.js';
import { testCases, type FuzzSurface } from '../../bench/fuzz/types.js';

describe.each<[string, FuzzSurface, number]>([
  ['client port: answers every usable msg_id once, no other, and stays up', fuzzClientPort, 300],
  ['peer port: applies no forged message and stays up', fuzzPeerPort, 200],
])('fuzz: %s', (_name, surface, cases) => {
  it('has no failures', async () => {
    const r = await surface(testCases(cases), 1);
    expect(r.failures).toEqual([]);
    expect(r.tried).toBeGreaterThan(0);
  }, 60_000);
});
