/**
 * Decoders for the Two-Phase Commit messages txkv's data nodes send each other
 * (core/types.ts, `TxkvMessage`). A forged or corrupted message is dropped and logged by the
 * shell, never stepped into the core.
 */
import { z } from 'zod';
import { MAX_TXN_OPS, MAX_VALUE_BYTES } from '../../workloads/wire/limits.js';
import { microOpFunction, wireValue } from '../../workloads/wire/rpc.js';
import { decodeAddressed } from '../lib/peer-decode.js';
import type { PeerDecode } from '../lib/shell.js';
import type { TxkvMessage } from './core/types.js';

const node = z.string().min(1).max(64);
const txn = z.string().min(3).max(256).regex(/^[^/]+\/[^/]+\/\d+$/, 'a transaction id is <node>/<session>/<n>');
const addr = { from: node, to: node, txn, mid: z.number().optional() };
const position = z.number().int().nonnegative().max(MAX_TXN_OPS);

const peerMessage0 = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('Prepare'), ...addr, mapVersion: z.number().int().positive().safe(),
    ops: z.array(z.tuple([microOpFunction, z.string().max(MAX_VALUE_BYTES), wireValue])).min(1).max(MAX_TXN_OPS),
    idx: z.array(position).max(MAX_TXN_OPS),
  }).strict(),
  z.object({
    type: z.literal('Vote'), ...addr, yes: z.boolean(), why: z.enum(['ok', 'conflict', 'not-owner', 'finished']),
    reads: z.array(z.tuple([position, z.unknown()])).max(MAX_TXN_OPS), mapVersion: z.number().int().positive().safe(),
  }).strict(),
  z.object({ type: z.literal('Decide'), ...addr, commit: z.boolean() }).strict(),
  z.object({ type: z.literal('Ack'), ...addr }).strict(),
  z.object({ type: z.literal('Query'), ...addr }).strict(),
]);
const peerMessage = peerMessage0.refine((m) => m.type !== 'Prepare' || m.idx.length === m.ops.length, 'idx must give one position per op');

/** Decodes a message from a peer, addressed to `self` from one of `peers`; anything else is refused. */
export function decodeTxkvPeerMessage(raw: unknown, self: string, peers: ReadonlySet<string>): PeerDecode<TxkvMessage> {
  return decodeAddressed(peerMessage as unknown as z.ZodType<{ from: string; to: string; mid?: number }>, raw, self, peers);
}
