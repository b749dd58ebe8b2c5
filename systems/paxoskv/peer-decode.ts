/**
 * Decoders for the messages paxoskv nodes send each other: every peer message is checked here
 * before the core sees it, so a forged or corrupted one is dropped and logged, never accepted.
 */
import { z } from 'zod';
import { MAX_VALUE_BYTES } from '../../workloads/wire/limits.js';
import { wireValue } from '../../workloads/wire/rpc.js';
import { decodeAddressed } from '../lib/peer-decode.js';
import type { PeerDecode as Decoded } from '../lib/shell.js';
import type { PeerMessage } from './core/paxos.js';

const count = z.number().int().nonnegative().safe();
const id = z.string().min(1).max(64);
const key = z.string().max(MAX_VALUE_BYTES);
// Ballots without a node id are what the non-unique-ballot variant sends.
const ballot = z.object({ c: count, n: z.string().max(64) }).strict();
const accepted = z.object({ b: ballot, v: wireValue.nullable() }).strict().nullable();
const head = { from: id, to: id, key, b: ballot, rid: count, mid: count.optional() };

const peerMessage = z.discriminatedUnion('type', [
  z.object({ ...head, type: z.literal('Prepare') }).strict(),
  z.object({ ...head, type: z.literal('Promise'), ok: z.boolean(), promised: ballot.nullable(), accepted }).strict(),
  z.object({ ...head, type: z.literal('Accept'), v: wireValue.nullable() }).strict(),
  z.object({ ...head, type: z.literal('Accepted'), ok: z.boolean(), promised: ballot.nullable() }).strict(),
]);

export type PeerDecode = Decoded<PeerMessage>;

/** Decodes a message addressed to `self` from one of `peers`; anything else is refused with a reason. */
export function decodePeerMessage(raw: unknown, self: string, peers: ReadonlySet<string>): PeerDecode {
  return decodeAddressed(peerMessage, raw, self, peers);
}
