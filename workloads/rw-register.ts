/**
 * The rw-register workload: transactions of writes of unique values to registers and reads of
 * them, checked by the rw-register checker (checkers/transactional/rw-register.ts).
 *
 * Wire messages (see the wire protocol):
 *   request  {"type":"txn","txn":[["r",k,null],["w",k,v]],"msg_id":5}
 *   reply    {"type":"txn_ok","txn":[["r",k,3],["w",k,v]],"in_reply_to":5}
 * A definite error (for example txn-conflict, code 30) is recorded `fail`, anything else `info`.
 */
import { checkRwRegister } from '../checkers/transactional/rw-register.js';
import type { RwRegisterOptions, TxnCheckResult } from '../checkers/transactional/types.js';
import type { HistoryEvent } from '../checkers/history/types.js';
import { TxnGenerator } from './txn-gen.js';
import type { TxnGenOptions, TxnOp } from './txn-gen.js';
import { finalReads, txnClient, txnOpGenerator, txnOutcome } from './txn-workload.js';
import type { CheckOptions, CheckOutcome, Workload, WorkloadGeneratorOptions } from './types.js';

/** An rw-register micro-operation in a reply: reads carry the value (null: never written). */
export type RwRegisterOp = ['w', number, number] | ['r', number, number | null];

/** The reply to a transaction that committed. */
export interface RwRegisterTxnOk {
  type: 'txn_ok';
  txn: RwRegisterOp[];
  in_reply_to: number;
}

/** A seeded generator of rw-register transactions (the invocation values, reads with null). */
export function rwRegisterGenerator(seed: number, options: TxnGenOptions = {}): TxnGenerator {
  return new TxnGenerator(seed, 'w', options);
}

/** Checks that a `txn_ok` reply answers the request; returns a message for a malformed reply, else null. */
export function validateRwRegisterReply(request: TxnOp[], reply: unknown): string | null {
  const r = reply as Partial<RwRegisterTxnOk> | null;
  if (!r || r.type !== 'txn_ok' || !Array.isArray(r.txn)) return 'expected {"type":"txn_ok","txn":[...]}';
  if (r.txn.length !== request.length) return `expected ${request.length} micro-operations, got ${r.txn.length}`;
  for (let i = 0; i < request.length; i++) {
    const q = request[i]!;
    const a = r.txn[i] as unknown[];
    if (!Array.isArray(a) || a[0] !== q[0] || a[1] !== q[1]) return `micro-operation ${i} does not match the request`;
    if (q[0] === 'w' && a[2] !== q[2]) return `write ${i} must echo its value`;
  }
  return null;
}

/** Checks an rw-register history. */
export function checkRwRegisterHistory(history: readonly HistoryEvent[], options?: RwRegisterOptions): TxnCheckResult {
  return checkRwRegister(history, options);
}

/** The rw-register workload, checked for strict serializability. */
export const rwRegister: Workload = {
  name: 'rw-register',
  description: 'transactions of writes and reads of registers; checked for strict serializability (Elle-style)',
  generator(opts: WorkloadGeneratorOptions) {
    return txnOpGenerator(opts.rng, 'w', { activeKeys: Math.max(10, 2 * opts.concurrency) });
  },
  client: txnClient(validateRwRegisterReply),
  finalGenerator(history: readonly HistoryEvent[]) {
    return finalReads(history);
  },
  async checker(history: readonly HistoryEvent[], opts: CheckOptions): Promise<CheckOutcome> {
    return txnOutcome('rw-register', history, checkRwRegister(history, { timeLimitMs: opts.timeLimitMs }));
  },
};
