/**
 * The list-append workload: transactions of appends of unique values to lists and reads of whole
 * lists, checked by the list-append checker (checkers/transactional/list-append.ts).
 *
 * Wire messages (see the wire protocol):
 *   request  {"type":"txn","txn":[["r",k,null],["append",k,v]],"msg_id":4}
 *   reply    {"type":"txn_ok","txn":[["r",k,[1,2]],["append",k,v]],"in_reply_to":4}
 * A definite error (for example txn-conflict, code 30) is recorded `fail`, anything else `info`.
 *
 *   faultline run --system <txn system> --workload list-append --nemesis partition --time-limit 30
 *   faultline check history.jsonl --checker list-append --consistency-model serializable
 */
import { checkListAppend } from '../checkers/transactional/list-append.js';
import type { TxnOp } from './txn-gen.js';
import { txnWorkload, validateTxnReply } from './txn-workload.js';
import type { Workload } from './types.js';

/** A list-append micro-operation in a reply: reads carry the list. */
export type ListAppendOp = ['append', number, number] | ['r', number, number[] | null];

/** The request a client sends for one transaction. */
export interface TxnRequest {
  type: 'txn';
  txn: TxnOp[];
  msg_id: number;
}

/** The reply to a transaction that committed. */
export interface ListAppendTxnOk {
  type: 'txn_ok';
  txn: ListAppendOp[];
  in_reply_to: number;
}

/**
 * Checks that a `txn_ok` reply answers the request: same micro-operations in the same order,
 * every read answered with a list (or null). Returns a message for a malformed reply, else null.
 */
export function validateListAppendReply(request: TxnOp[], reply: unknown): string | null {
  return validateTxnReply(request, reply, 'append', (v) => v === null || Array.isArray(v), 'a list or null');
}

/** The list-append workload, checked for strict serializability. */
export const listAppend: Workload = txnWorkload({
  name: 'list-append',
  description: 'transactions of appends to and reads of lists; checked for strict serializability (Elle-style)',
  writeF: 'append',
  validate: validateListAppendReply,
  check: (history, opts) => checkListAppend(history, opts),
});
