/**
 * The operations of a set or counter history grouped by key: the plain form (Maelstrom's g-set and
 * g-counter, one object: `add v`, `read -> value`) or the keyed one (Jepsen's independent tuples,
 * `add [k, v]`, `read [k, null] -> [k, value]`), with every value checked once, here, so the
 * checkers see only well-formed operations.
 *
 * Failed operations had no effect and are dropped; crashed reads (info, or never completed) saw
 * nothing and are dropped; crashed adds stay, with `ok: false`, since they may have happened.
 */
import { HistoryError } from '../history/errors.js';
import { pairOperations, type Operation } from '../history/pair.js';
import type { HistoryEvent } from '../history/types.js';
import { keyLabel, show, splitKey } from '../linearizable/models.js';
import { ModelInputError } from '../linearizable/model.js';

/** Options shared by the collection checkers. */
export interface KeyedOptions {
  /** Values are `[key, payload]` and each key is its own object (default false: one object). */
  keyed?: boolean;
}

/** One add: its payload (the element, or the delta) and whether it is known to have happened. */
export interface AddOp {
  op: Operation;
  payload: unknown;
  /** True for an ok add; false for a crashed one (info, or never completed). */
  ok: boolean;
}

/** One ok read and what it returned. */
export interface ReadOp {
  op: Operation;
  value: unknown;
}

/** The adds and ok reads of one key, in invocation order. */
export interface KeyOps {
  key: string;
  adds: AddOp[];
  reads: ReadOp[];
}

/** The history's collection operations by key (a single key `""` when not keyed). */
export interface GroupedOps {
  keys: KeyOps[];
  /** Client operations of the history, of any function. */
  operationCount: number;
}

/**
 * Pairs the history and groups its `add` and `read` operations by key. Any other function, or a
 * value of the wrong shape, is bad input: HistoryError naming the event.
 */
export function groupAddsAndReads(history: readonly HistoryEvent[], options: KeyedOptions = {}): GroupedOps {
  const keyed = options.keyed ?? false;
  const { operations } = pairOperations(history);
  const byKey = new Map<string, KeyOps>();
  const at = (key: string): KeyOps => {
    let g = byKey.get(key);
    if (!g) byKey.set(key, (g = { key, adds: [], reads: [] }));
    return g;
  };
  for (const op of operations) {
    if (op.f !== 'add' && op.f !== 'read') {
      throw new HistoryError(`event ${op.invoke.index}: unknown operation "${op.f}" (expected add or read)`);
    }
    if (op.status === 'fail') continue;
    let key = '';
    let payload = op.input;
    let output = op.output;
    if (keyed) {
      try {
        const [k, p] = splitKey(op.input, `the value of ${op.f}`);
        key = keyLabel(k);
        payload = p;
        if (op.status === 'ok' && op.f === 'read') {
          const [ok, out] = splitKey(op.output, `the completed value of ${op.f}`);
          if (keyLabel(ok) !== key) throw new ModelInputError(`read completed with key ${show(ok)} but invoked with key ${show(k)}`);
          output = out;
        }
      } catch (err) {
        if (err instanceof ModelInputError) throw new HistoryError(`event ${op.invoke.index}: ${err.message}`);
        throw err;
      }
    }
    if (op.f === 'add') at(key).adds.push({ op, payload, ok: op.status === 'ok' });
    else if (op.status === 'ok') at(key).reads.push({ op, value: output });
  }
  return { keys: [...byKey.values()], operationCount: operations.length };
}

/** The history index of an operation's completion, or of its invocation when it never completed. */
export function completionIndex(op: Operation): number {
  return op.complete?.index ?? op.invoke.index;
}
