/**
 * Decoders for the messages paxoskv nodes send each other: every peer message is checked here
 * before the core sees it, so a forged or corrupted one is dropped and logged, never accepted.
 */
import { z } from 'zod';
import { MAX_VALUE_BYTES } from '../../workloads/wire/limits.js';
import { txnOps, wireValue } from '../../workloads/wire/rpc.js';
import { decodeAddressed } from '../lib/peer-decode.js';
import type { PeerDecode as Decoded } from '../lib/shell.js';
import type { MultiMessage } from './core/multipaxos.js';
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

// ---------------------------------------------------------------------------- Multi-Paxos mode

const slot = count;
// A command carries what a client request decoded to, checked by the same field decoders.
const logOp = z.discriminatedUnion('f', [
  z.object({ f: z.literal('read'), key }).strict(),
  z.object({ f: z.literal('write'), key, value: wireValue }).strict(),
  z.object({ f: z.literal('cas'), key, from: wireValue, to: wireValue }).strict(),
  z.object({ f: z.literal('txn'), ops: txnOps }).strict(),
]);
const slotValue = logOp.nullable();
const appliedState = z
  .object({
    upTo: slot,
    state: z.object({ data: z.array(z.tuple([key, z.unknown()])), sessions: z.array(z.tuple([id, count, z.array(z.tuple([count, z.unknown()]))])) }).strict(),
  })
  .strict()
  .nullable();
const mhead = { from: id, to: id, mid: count.optional() };
const replyBody = z.object({ type: z.string().max(64) }).passthrough();

const multiMessage = z.discriminatedUnion('type', [
  z.object({ ...mhead, type: z.literal('MPrepare'), b: ballot, fromSlot: slot }).strict(),
  z.object({ ...mhead, type: z.literal('MPromise'), b: ballot, ok: z.boolean(), promised: ballot.nullable(), entries: z.array(z.tuple([slot, ballot, slotValue])), snap: appliedState }).strict(),
  z.object({ ...mhead, type: z.literal('MAccept'), b: ballot, slot, v: slotValue, commit: slot }).strict(),
  z.object({ ...mhead, type: z.literal('MAccepted'), b: ballot, slot, ok: z.boolean(), promised: ballot.nullable() }).strict(),
  z.object({ ...mhead, type: z.literal('Heartbeat'), b: ballot, commit: slot }).strict(),
  z.object({ ...mhead, type: z.literal('HeartbeatAck'), b: ballot, ok: z.boolean(), promised: ballot.nullable(), applied: slot }).strict(),
  z.object({ ...mhead, type: z.literal('Learn'), b: ballot, entries: z.array(z.tuple([slot, slotValue])), snap: appliedState }).strict(),
  z.object({ ...mhead, type: z.literal('Forward'), fid: count, op: logOp }).strict(),
  z.object({ ...mhead, type: z.literal('ForwardReply'), fid: count, body: replyBody }).strict(),
]);

/** Decodes a Multi-Paxos message addressed to `self` from one of `peers`. */
export function decodeMultiMessage(raw: unknown, self: string, peers: ReadonlySet<string>): Decoded<MultiMessage> {
  return decodeAddressed(multiMessage, raw, self, peers);
}
