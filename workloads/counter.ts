/**
 * Workload `counter`: adds of small deltas (negative too) to counters on independent keys and
 * reads of their values, judged by the counter checker (checkers/collections/counter.ts,
 * Maelstrom's pn-counter rule): a read lies between the acknowledged adds before it and every add
 * that may have happened.
 *
 *   faultline run --system dynamokv --workload counter --time-limit 30
 *   faultline check history.jsonl --checker counter --keyed
 */
import { checkCounter } from '../checkers/collections/index.js';
import { collectionWorkload } from './collection-workload.js';

/** Ops on a key before its workers move on. */
const OPS_PER_KEY = 80;
/** Deltas are drawn from -DELTA_MAX..DELTA_MAX, never 0; three in four are positive. */
const DELTA_MAX = 5;

/** The counter workload. */
export const counter = collectionWorkload({
  name: 'counter',
  description: 'adds of deltas (negative too) to counters and reads on independent keys; checked by the counter bounds rule',
  addField: 'delta',
  opsPerKey: OPS_PER_KEY,
  draw: (key, rng0) => {
    const [kind, rng1] = rng0.int(0, 1);
    if (kind === 0) return [{ f: 'read', value: [key, null] }, rng1];
    const [size, rng2] = rng1.int(1, DELTA_MAX);
    const [sign, rng3] = rng2.int(0, 3);
    return [{ f: 'add', value: [key, sign === 0 ? -size : size] }, rng3];
  },
  validRead: (v) => typeof v === 'number' && Number.isSafeInteger(v),
  // A read of anything but 0 saw some add (the counter starts at 0).
  collect: (key, _delta, written) => written.add(key, 'touched'),
  observes: (key, value, written) => value !== 0 && written.has(key, 'touched'),
  check: (history) => checkCounter(history, { keyed: true }),
});
