/**
 * Fuzz surface `peer-port` at test scale: forged, malformed and tokenless peer messages against a
 * real 3-node raftkv cluster apply nothing, and every node keeps serving. Needs the build
 * (`npm test` builds first).
 */
import { describe, expect, it } from 'vitest';
import { fuzzPeerPort } from '../../bench/fuzz/peer-port.js';
import { testCases } from '../../bench/fuzz/types.js';

describe('fuzz: peer port', () => {
  it('applies no forged message and stays up', async () => {
    const r = await fuzzPeerPort(testCases(200), 1);
    expect(r.failures).toEqual([]);
    expect(r.tried).toBeGreaterThan(0);
  }, 60_000);
});
