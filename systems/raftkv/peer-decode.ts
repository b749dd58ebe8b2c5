/**
 * Decoders for the messages raftkv nodes send each other. Every peer message is decoded here
 * before the core sees it, so nothing of an unexpected shape can reach the replicated log or the
 * state machine: a forged or corrupted message is dropped and logged by the shell, never applied.
 */
import { z } from 'zod';
import { MAX_VALUE_BYTES } from '../../workloads/wire/limits.js';
import { microOpResult, txnOps, wireValue } from '../../workloads/wire/rpc.js';
import { decodeAddressed } from '../lib/peer-decode.js';
import type { PeerDecode as Decoded } from '../lib/shell.js';
import type { PeerMessage } from './core/types.js';

const index = z.number().int().nonnegative().safe();
const id = z.string().min(1).max(64);
/** A key inside the core: the JSON text of the client's key. */
const key = z.string().max(MAX_VALUE_BYTES);
// A command carries what a client request decoded to, so it is checked by the same decoders: a
// peer cannot get a value into the log that no client could have sent.
const kvOp = z.discriminatedUnion('f', [
  z.object({ f: z.literal('write'), key, value: wireValue }).strict(),
  z.object({ f: z.literal('cas'), key, from: wireValue, to: wireValue }).strict(),
  z.object({ f: z.literal('txn'), ops: txnOps }).strict(),
]);
const applyResult = z.union([
  z.object({ type: z.enum(['write_ok', 'cas_ok']) }).strict(),
  z.object({ type: z.literal('txn_ok'), txn: z.array(microOpResult) }).strict(),
  z.object({ type: z.literal('error'), code: z.number().int(), text: z.string() }).strict(),
]);
const kvState = z
  .object({
    data: z.array(z.tuple([key, z.unknown()])),
    sessions: sessionsState(applyResult),
  })
  .strict();

/** The Idempotent Receiver's session table as a snapshot holds it, with results of `result`'s shape. */
export function sessionsState(result: z.ZodTypeAny) {
  return z.array(z.tuple([id, index, z.array(z.tuple([index, result]))]));
}

/** Fields every peer message carries; `mid` is the transport's sequence number. */
const head = { from: id, to: id, term: index, mid: index.optional() };

/**
 * The schema of every message of the Raft core whose log carries ops of `op`'s shape and whose
 * snapshots hold state of `state`'s shape: raftkv's key-value ops here, lockd's in its own
 * peer-decode.ts.
 */
export function raftPeerSchema(op: z.ZodTypeAny, state: z.ZodTypeAny) {
  const command = z.object({ client: id, seq: index, attempt: index, minPending: index, op }).strict();
  const entry = z.object({ index, term: index, cmd: command.nullable() }).strict();
  const snapshot = z.object({ lastIncludedIndex: index, lastIncludedTerm: index, state }).strict();
  return z.discriminatedUnion('type', [
    z.object({ ...head, type: z.literal('RequestVote'), lastLogIndex: index, lastLogTerm: index, pre: z.boolean().optional() }).strict(),
    z.object({ ...head, type: z.literal('RequestVoteResp'), granted: z.boolean(), pre: z.boolean().optional() }).strict(),
    z
      .object({
        ...head,
        type: z.literal('AppendEntries'),
        prevLogIndex: index,
        prevLogTerm: index,
        entries: z.array(entry),
        leaderCommit: index,
        round: index,
      })
      .strict(),
    z.object({ ...head, type: z.literal('AppendEntriesResp'), success: z.boolean(), matchIndex: index, round: index }).strict(),
    z.object({ ...head, type: z.literal('Forward'), cmds: z.array(command) }).strict(),
    z.object({ ...head, type: z.literal('InstallSnapshot'), snapshot, round: index }).strict(),
    z.object({ ...head, type: z.literal('InstallSnapshotResp'), matchIndex: index, round: index }).strict(),
    z.object({ ...head, type: z.literal('ReadIndex'), ctx: index }).strict(),
    z.object({ ...head, type: z.literal('ReadIndexResp'), ctx: index, index, ok: z.boolean() }).strict(),
  ]);
}

const peerMessage = raftPeerSchema(kvOp, kvState);

export type PeerDecode = Decoded<PeerMessage>;

/**
 * Decodes a message received from a peer, addressed to `self` from one of `peers`. Anything else
 * (an unknown type, a missing or mistyped field, a sender outside the cluster) is refused.
 */
export function decodePeerMessage(raw: unknown, self: string, peers: ReadonlySet<string>): PeerDecode {
  return decodeAddressed(peerMessage, raw, self, peers);
}
