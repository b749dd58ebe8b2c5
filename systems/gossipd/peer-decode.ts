/**
 * Decoders for the messages gossipd nodes send each other: every peer message is checked here
 * before the core sees it, so a forged or corrupted one is dropped and logged, never applied.
 */
import { z } from 'zod';
import { MAX_VALUE_BYTES } from '../../workloads/wire/limits.js';
import { wireValue } from '../../workloads/wire/rpc.js';
import { decodeAddressed } from '../lib/peer-decode.js';
import type { PeerDecode } from '../lib/shell.js';
import type { PeerMessage } from './core/gossip.js';

const count = z.number().int().nonnegative().safe();
const id = z.string().min(1).max(64);
const key = z.string().max(MAX_VALUE_BYTES);
/** Most members a digest or a message names: the harness's node limit. */
const MEMBERS_MAX = 64;
/** Most entries one delta carries: a section's client keys and the protocol's own. */
const ENTRIES_MAX = 10_100;
const digestLine = z.tuple([id, count, count]);
const delta = z.object({ node: id, gen: count, full: z.boolean(), entries: z.array(z.tuple([key, wireValue, count.min(1)])).max(ENTRIES_MAX) }).strict();
const deltas = z.array(delta).max(MEMBERS_MAX);
const head = { from: id, to: id, mid: count.optional() };

const peerMessage = z.discriminatedUnion('type', [
  z.object({ ...head, type: z.literal('Syn'), digest: z.array(digestLine).max(MEMBERS_MAX) }).strict(),
  z.object({ ...head, type: z.literal('Ack'), deltas, want: z.array(digestLine).max(MEMBERS_MAX) }).strict(),
  z.object({ ...head, type: z.literal('Ack2'), deltas }).strict(),
  z.object({ ...head, type: z.literal('Push'), deltas }).strict(),
]);

/** Decodes a message addressed to `self` from one of `peers`; anything else is refused with a reason. */
export function decodePeerMessage(raw: unknown, self: string, peers: ReadonlySet<string>): PeerDecode<PeerMessage> {
  return decodeAddressed(peerMessage, raw, self, peers);
}
