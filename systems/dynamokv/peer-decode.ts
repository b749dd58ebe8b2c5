/**
 * Decoders for the messages dynamokv nodes send each other: every peer message is checked here
 * before the core sees it, so a forged or corrupted one is dropped and logged, never merged into
 * a replica's copy.
 */
import { z } from 'zod';
import { MAX_VALUE_BYTES } from '../../workloads/wire/limits.js';
import { wireValue } from '../../workloads/wire/rpc.js';
import { decodeAddressed } from '../lib/peer-decode.js';
import type { PeerDecode as Decoded } from '../lib/shell.js';
import type { PeerMessage } from './core/dynamo.js';

const count = z.number().int().nonnegative().safe();
const id = z.string().min(1).max(64);
const key = z.string().max(MAX_VALUE_BYTES + 2);
const version = z.object({ t: count, n: id }).strict();
const vector = z.record(z.string().min(1).max(80), z.array(count).max(100_000)).refine((v) => Object.keys(v).length <= 4096, 'too many actors');
const sibling = z.object({ dot: z.tuple([z.string().min(1).max(80), count]), vv: vector, els: z.array(z.unknown()) }).strict();
const stored = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('reg'), ver: version, v: wireValue }).strict(),
  z.object({ kind: z.literal('vv'), sibs: z.array(sibling).max(4096) }).strict(),
  z.object({ kind: z.literal('lww'), ver: version, els: z.array(z.unknown()) }).strict(),
]);
const head = { from: id, to: id, key, rid: count, mid: count.optional() };

const peerMessage = z.discriminatedUnion('type', [
  z.object({ ...head, type: z.literal('Get') }).strict(),
  z.object({ ...head, type: z.literal('GetReply'), val: stored.nullable() }).strict(),
  z.object({ ...head, type: z.literal('Put'), val: stored }).strict(),
  z.object({ ...head, type: z.literal('PutAck') }).strict(),
]);

export type PeerDecode = Decoded<PeerMessage>;

/** Decodes a message addressed to `self` from one of `peers`; anything else is refused with a reason. */
export function decodePeerMessage(raw: unknown, self: string, peers: ReadonlySet<string>): PeerDecode {
  return decodeAddressed(peerMessage, raw, self, peers);
}
