/**
 * Workload `set`: adds of unique elements to grow-only sets on independent keys and reads of
 * whole sets, judged by the set-full checker (checkers/collections/set-full.ts, after Jepsen's
 * set-full): every acknowledged element must stay in every read that begins after its add.
 *
 * The n-th op drawn on a key adds n (so elements are unique per key); half the ops are reads.
 *
 *   faultline run --system dynamokv --workload set --time-limit 30
 *   faultline check history.jsonl --checker set-full --keyed
 */
import { checkSetFull } from '../checkers/collections/index.js';
import { collectionWorkload } from './collection-workload.js';

/** Ops on a key before its workers move on: keeps each set, and each read, small. */
const OPS_PER_KEY = 80;

/** The set workload. */
export const set = collectionWorkload({
  name: 'set',
  description: 'adds of unique elements to sets and reads of whole sets on independent keys; checked by set-full (lost, stale, never read)',
  addField: 'element',
  opsPerKey: OPS_PER_KEY,
  draw: (key, rng0, n) => {
    const [kind, rng1] = rng0.int(0, 1);
    return [kind === 0 ? { f: 'read', value: [key, null] } : { f: 'add', value: [key, n] }, rng1];
  },
  validRead: (v) => Array.isArray(v),
  collect: (key, element, written) => written.add(key, element),
  observes: (key, value, written) => Array.isArray(value) && value.some((el) => written.has(key, el)),
  check: (history) => checkSetFull(history, { keyed: true }),
});
