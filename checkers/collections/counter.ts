/**
 * The counter checker, Maelstrom's g-counter and pn-counter rule: `add d` (any integer, negative
 * too) and `read -> value`. Every ok read must lie between
 *
 *   lower = initial + (the adds certainly in it) + (the negative adds that may be in it)
 *   upper = initial + (the adds certainly in it) + (the positive adds that may be in it)
 *
 * where an add is certainly in a read when it was acknowledged before the read was invoked, and
 * may be in it when it was invoked before the read completed and did not fail (acknowledged
 * concurrently, or crashed: info, or never completed). Failed adds had no effect.
 *
 *   const r = checkCounter(events, { keyed: true });
 *   r.valid; r.errors[0]; // { readIndex, value, lower, upper }
 *
 * Both sums come from prefix sums over the adds sorted by invocation and by completion, so a
 * history is checked in O(n log n).
 */
import { HistoryError } from '../history/errors.js';
import type { HistoryEvent } from '../history/types.js';
import { show } from '../linearizable/models.js';
import { completionIndex, groupAddsAndReads, type AddOp, type KeyedOptions } from './keyed.js';
import type { CollectionAnomaly } from './set-full.js';

/** How many bad reads a result lists (the count is exact). */
export const COUNTER_ERRORS_SHOWN = 20;

/** Options of checkCounter. */
export interface CounterOptions extends KeyedOptions {
  /** The counter's value before any add (default 0). */
  initial?: number;
}

/** A read outside its bounds. */
export interface CounterError {
  key: string;
  /** History index of the read's completion. */
  readIndex: number;
  value: number;
  lower: number;
  upper: number;
}

/** The counter verdict. */
export interface CounterResult {
  valid: boolean | 'unknown';
  explanation: string;
  reads: number;
  /** Adds that did not fail (ok or crashed). */
  adds: number;
  /** Up to COUNTER_ERRORS_SHOWN reads outside their bounds, in history order. */
  errors: CounterError[];
  errorCount: number;
  firstAnomaly: CollectionAnomaly | null;
  /** Client operations the history held. */
  operationCount: number;
}

/** Sorted keys and prefix sums of the positive and negative parts of their deltas. */
interface Prefix {
  at: number[];
  pos: number[];
  neg: number[];
}

function prefix(adds: Array<{ pos: number; delta: number }>): Prefix {
  const sorted = [...adds].sort((a, b) => a.pos - b.pos);
  const out: Prefix = { at: [], pos: [0], neg: [0] };
  for (const a of sorted) {
    out.at.push(a.pos);
    out.pos.push(out.pos[out.pos.length - 1]! + Math.max(0, a.delta));
    out.neg.push(out.neg[out.neg.length - 1]! + Math.min(0, a.delta));
  }
  return out;
}

/** How many entries of `p` are at positions strictly below `pos`. */
function countBelow(p: Prefix, pos: number): number {
  let lo = 0;
  let hi = p.at.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (p.at[mid]! < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function integerOf(value: unknown, index: number, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new HistoryError(`event ${index}: ${what} must be an integer, found ${show(value)}`);
  }
  return value;
}

/** Checks a counter history (see the module comment). Throws HistoryError on bad input. */
export function checkCounter(history: readonly HistoryEvent[], options: CounterOptions = {}): CounterResult {
  const initial = options.initial ?? 0;
  const grouped = groupAddsAndReads(history, options);
  const errors: CounterError[] = [];
  const anomalies: CollectionAnomaly[] = [];
  let reads = 0;
  let adds = 0;
  for (const { key, adds: keyAdds, reads: keyReads } of grouped.keys) {
    const deltas = keyAdds.map((a: AddOp) => ({ add: a, delta: integerOf(a.payload, a.op.invoke.index, 'an add\'s delta') }));
    adds += deltas.length;
    // May be in a read: invoked before it completed (every add that did not fail).
    const possible = prefix(deltas.map((d) => ({ pos: d.add.op.callPos, delta: d.delta })));
    // Certainly in a read: acknowledged before it was invoked.
    const certain = prefix(deltas.filter((d) => d.add.ok).map((d) => ({ pos: d.add.op.returnPos, delta: d.delta })));
    for (const r of keyReads) {
      reads++;
      const readIndex = completionIndex(r.op);
      const value = integerOf(r.value, readIndex, 'a counter read');
      const p = countBelow(possible, r.op.returnPos);
      const c = countBelow(certain, r.op.callPos);
      // certain ⊆ possible, so: lower = certain + negatives of (possible - certain).
      const lower = initial + possible.neg[p]! + certain.pos[c]!;
      const upper = initial + possible.pos[p]! + certain.neg[c]!;
      if (value < lower || value > upper) {
        errors.push({ key, readIndex, value, lower, upper });
        const where = key === '' ? '' : ` of key ${key}`;
        anomalies.push({
          index: readIndex,
          timeNs: r.op.complete?.time ?? null,
          summary: `process ${r.op.process} read ${value}${where}, outside [${lower}, ${upper}]: ${value < lower ? 'acknowledged increments are missing' : 'more than every increment that may have happened'}`,
        });
      }
    }
  }
  errors.sort((a, b) => a.readIndex - b.readIndex);
  anomalies.sort((a, b) => a.index - b.index);
  const valid: boolean | 'unknown' = errors.length > 0 ? false : reads === 0 ? 'unknown' : true;
  const counts = `${reads} reads, ${adds} adds, ${errors.length} reads out of bounds`;
  const explanation =
    valid === true ? `Every read lies within its bounds. ${counts}.` : valid === 'unknown' ? `No read completed: nothing was tested. ${counts}.` : `${anomalies[0]!.summary}. ${counts}.`;
  return {
    valid,
    explanation,
    reads,
    adds,
    errors: errors.slice(0, COUNTER_ERRORS_SHOWN),
    errorCount: errors.length,
    firstAnomaly: anomalies[0] ?? null,
    operationCount: grouped.operationCount,
  };
}
