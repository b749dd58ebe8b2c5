/**
 * Decoders for the messages lockd nodes send each other: the Raft core's messages
 * (systems/raftkv/peer-decode.ts builds them) with lockd's ops in the log and lockd's state in
 * snapshots. A forged or corrupted message is dropped and logged by the shell, never applied.
 */
import { z } from 'zod';
import { MAX_VALUE_BYTES } from '../../workloads/wire/limits.js';
import { wireValue } from '../../workloads/wire/rpc.js';
import { decodeAddressed } from '../lib/peer-decode.js';
import type { PeerDecode } from '../lib/shell.js';
import type { PeerMessage } from '../raftkv/core/types.js';
import { raftPeerSchema, sessionsState } from '../raftkv/peer-decode.js';

const index = z.number().int().nonnegative().safe();
const name = z.string().min(1).max(256);
const key = z.string().max(MAX_VALUE_BYTES);
const ms = z.number().finite();

/** Every op of lockd's log, each as a client request could have made it. */
const lockOp = z.discriminatedUnion('f', [
  z.object({ f: z.literal('grant'), ttlMs: z.number().int().positive().max(3_600_000), wallMs: ms }).strict(),
  z.object({ f: z.literal('keepalive'), lease: name, wallMs: ms }).strict(),
  z.object({ f: z.literal('revoke'), lease: name, expired: z.boolean() }).strict(),
  z.object({ f: z.literal('acquire'), lock: name, lease: name }).strict(),
  z.object({ f: z.literal('release'), lock: name, lease: name, token: index }).strict(),
  z.object({ f: z.literal('put'), key, value: wireValue, lease: name.nullable() }).strict(),
  z.object({ f: z.literal('delete'), key }).strict(),
]);

const event = z.object({ index, key, value: z.unknown(), prevIndex: index }).strict();
const result = z.object({ type: z.string().max(64) }).passthrough();

const lockdState = z
  .object({
    leases: z.array(z.tuple([name, z.object({ ttlMs: z.number().int().positive(), wallExpiryMs: ms }).strict()])),
    locks: z.array(z.tuple([name, z.object({ lease: name, token: index }).strict()])),
    keys: z.array(z.tuple([key, z.object({ value: z.unknown(), index, lease: name.nullable() }).strict()])),
    tombstones: z.array(z.tuple([key, index])),
    events: z.array(event),
    compactedTo: index,
    sessions: sessionsState(result),
  })
  .strict();

const peerMessage = raftPeerSchema(lockOp, lockdState);

/** Decodes a message from a peer, addressed to `self` from one of `peers`; anything else is refused. */
export function decodeLockdPeerMessage(raw: unknown, self: string, peers: ReadonlySet<string>): PeerDecode<PeerMessage> {
  return decodeAddressed(peerMessage, raw, self, peers);
}
