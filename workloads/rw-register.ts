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
import type { TxnOp } from './txn-gen.js';
import { txnWorkload, validateTxnReply } from './txn-workload.js';
import type { Workload } from './types.js';

/** An rw-register micro-operation in a reply: reads carry the value (null: never written). */
export type RwRegisterOp = ['w', number, number] | ['r', number, number | null];

/** The reply to a transaction that committed. */
export interface RwRegisterTxnOk {
  type: 'txn_ok';
  txn: RwRegisterOp[];
  in_reply_to: number;
}

/** Checks that a `txn_ok` reply answers the request; returns a message for a malformed reply, else null. */
export function validateRwRegisterReply(request: TxnOp[], reply: unknown): string | null {
  return validateTxnReply(request, reply, 'w', () => true, 'a value');
}

/** The rw-register workload, checked for strict serializability. */
export const rwRegister: Workload = txnWorkload({
  name: 'rw-register',
  description: 'transactions of writes and reads of registers; checked for strict serializability (Elle-style)',
  writeF: 'w',
  validate: validateRwRegisterReply,
  check: (history, opts) => checkRwRegister(history, opts),
});
