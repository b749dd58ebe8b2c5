/**
 * Decoders for the messages mvcctx nodes send each other (core/mvcc.ts, `PeerMessage`): every
 * peer message is checked here before the core sees it, so a forged or corrupted one is dropped
 * and logged by the shell, never stepped into the core.
 */
import { z } from 'zod';
import { MAX_TXN_OPS, MAX_VALUE_BYTES } from '../../workloads/wire/limits.js';
import { decodeAddressed } from '../lib/peer-decode.js';
import type { PeerDecode } from '../lib/shell.js';
import type { PeerMessage } from './core/mvcc.js';

const count = z.number().int().nonnegative().safe();
const node = z.string().min(1).max(64);
/** A Hybrid Clock timestamp: [wall ms, logical]. */
const ts = z.tuple([count, count]);
const txn = z.string().min(5).max(200).regex(/^[^.]+\.\d+\.\d+$/, 'a transaction id is <node>.<boot>.<n>');
const key = z.string().min(1).max(MAX_VALUE_BYTES + 2);
const keys = z.array(key).max(MAX_TXN_OPS);
const write = z.object({ key, kind: z.enum(['a', 'w']), v: z.unknown() }).strict();
const why = z.string().max(2000);
const head = { from: node, to: node, txn, clk: ts, mid: z.number().optional() };
const attempt = count;

const peerMessage = z.discriminatedUnion('type', [
  z.object({ ...head, type: z.literal('Read'), attempt, s: ts, limit: ts, keys }).strict(),
  z.object({ ...head, type: z.literal('ReadOk'), attempt, vals: z.array(z.tuple([key, z.unknown()])).max(MAX_TXN_OPS) }).strict(),
  z.object({ ...head, type: z.literal('ReadUncertain'), attempt, at: ts }).strict(),
  z.object({ ...head, type: z.literal('ReadRefused'), attempt, why }).strict(),
  z.object({ ...head, type: z.literal('Prepare'), s: ts, proposed: ts.nullable(), reads: keys, writes: z.array(write).max(MAX_TXN_OPS) }).strict(),
  z.object({ ...head, type: z.literal('PrepareOk'), p: ts }).strict(),
  z.object({ ...head, type: z.literal('PrepareNo'), why }).strict(),
  z.object({ ...head, type: z.literal('Commit'), c: ts }).strict(),
  z.object({ ...head, type: z.literal('CommitAck') }).strict(),
  z.object({ ...head, type: z.literal('Abort') }).strict(),
  z.object({ ...head, type: z.literal('Query') }).strict(),
]);

/** Decodes a message addressed to `self` from one of `peers`; anything else is refused with a reason. */
export function decodePeerMessage(raw: unknown, self: string, peers: ReadonlySet<string>): PeerDecode<PeerMessage> {
  return decodeAddressed(peerMessage as unknown as z.ZodType<{ from: string; to: string; mid?: number }>, raw, self, peers);
}
