/**
 * Linearizability of unambiguous set and queue histories without a search: the collection
 * counterparts of ./unambiguous.ts, in the spirit of Henzinger, Sezgin and Vafeiadis (CONCUR 2013)
 * and Emmi and Enea (POPL 2018): when every value is added (enqueued) at most once, a history is
 * linearizable iff it shows none of a few bad patterns, each found in O(n log n) (plus the size of
 * the reads, for sets).
 *
 * The models as ./models.ts defines them:
 *
 * - `set`: `add v`, and `read` returns the whole set (not `contains v`). With adds only, the sets
 *   read must form a chain under inclusion; each distinct set read is a level, and a value belongs
 *   to the first level that shows it (values never read come after the last level). Any
 *   linearization is then layered: the adds of level 1, the reads of level 1, the adds of level 2,
 *   ..., the reads of the last level, the ok adds nobody saw. Nothing orders the operations inside
 *   one layer, so each may sit at the earliest point its interval allows after the layer before;
 *   the history is linearizable iff every read value was added, the chain holds, and that greedy
 *   layout fits every operation before its completion.
 * - `unordered-queue`: `enqueue v`, `dequeue -> v` of any value present. With unique values the
 *   values do not interact (the model has no empty dequeue result: a dequeue on an empty queue is
 *   impossible, so an ok dequeue always names a value). Linearizable iff no value is dequeued that
 *   was never enqueued, none twice, and none by a dequeue that completed before its enqueue began.
 * - `fifo-queue`: the same three, plus order: no `enq(x)` that completed before `enq(y)` began when
 *   `y` was dequeued and `x` never was, or when `deq(y)` completed before `deq(x)` began. Found by
 *   one sweep over the enqueues sorted by completion, with a running maximum of the dequeues'
 *   invocations.
 *
 * Crashed operations (completed by `info`, or never) are pending forever: one may take effect at
 * any time after its invocation, or never, so it orders nothing after it. A crashed add or enqueue
 * whose value somebody saw did happen; one whose value nobody saw is dropped (it may equally well
 * take effect after everything else). Crashed reads and crashed dequeues of an unordered queue
 * change nothing and are left out before this runs. A crashed dequeue of a FIFO queue may have
 * removed whichever value was at the head then, which no pattern here accounts for: such a
 * partition, like one with a value added twice or an ok dequeue that names no value, goes to the
 * search, and the result says why.
 *
 * A violation names the operations of a subhistory that is not linearizable on its own, so the
 * caller can explain it with a small search, as for registers.
 */
import type { Operation } from '../history/pair.js';
import { UNKNOWN } from './model.js';
import type { UnambiguousOutcome, UnambiguousViolation } from './unambiguous.js';

/** A prepared set operation: an add of `v` (JSON text), or an ok read of the sorted set `read`. */
export interface SetOp {
  add: boolean;
  v: string | null;
  /** read: the sorted, de-duplicated JSON texts read; null for a crashed read. */
  read: readonly string[] | null;
}

/** A prepared queue operation: an enqueue of `v`, or a dequeue that returned `v` (UNKNOWN: unseen). */
export interface QueueOp {
  enq: boolean;
  v: string | typeof UNKNOWN;
}

/** The outcome, or why the partition is not unambiguous (the search must decide it). */
export type CollectionOutcome = UnambiguousOutcome | { undecided: string };

/** Switches that turn off one rule of the set procedure, so tests can show each is needed. */
export interface SetRules {
  /** The reads form a chain under inclusion. */
  chain?: boolean;
  /** The greedy layered layout fits every operation. */
  layout?: boolean;
  /** Ok adds nobody read come after every read. */
  unread?: boolean;
}

/** Switches that turn off one rule of the queue procedures. */
export interface QueueRules {
  /** A dequeue cannot complete before its value's enqueue begins. */
  fresh?: boolean;
  /** A value enqueued once is dequeued at most once. */
  repeat?: boolean;
  /** FIFO: values leave in the order they entered. */
  order?: boolean;
  /** FIFO: nothing enqueued after a value that stays is dequeued. */
  lost?: boolean;
}

function bad(reason: string, witness: number[], culprit: number): UnambiguousOutcome {
  const unique = [...new Set(witness)].sort((a, b) => a - b);
  const violation: UnambiguousViolation = { reason, witness: unique, culprit };
  return { valid: false, violation };
}

/**
 * Decides an unambiguous set history (one partition, failed operations and crashed reads left
 * out), or says why it cannot.
 */
export function checkUnambiguousSet(ops: readonly Operation[], inputs: readonly SetOp[], rules: SetRules = {}): CollectionOutcome {
  const n = ops.length;
  const adderOf = new Map<string, number>();
  const reads: number[] = [];
  for (let i = 0; i < n; i++) {
    const inp = inputs[i]!;
    if (inp.add) {
      if (adderOf.has(inp.v!)) return { undecided: `the value ${inp.v} is added more than once` };
      adderOf.set(inp.v!, i);
    } else if (inp.read !== null) reads.push(i);
  }
  const addersOf = (set: readonly string[]): number[] => set.map((v) => adderOf.get(v)!);

  // Levels: the distinct sets read, smallest first, each holding the reads that saw it.
  reads.sort((a, b) => inputs[a]!.read!.length - inputs[b]!.read!.length);
  const levels: number[][] = [];
  for (const r of reads) {
    const set = inputs[r]!.read!;
    const last = levels[levels.length - 1];
    if (last && sameSet(inputs[last[0]!]!.read!, set)) last.push(r);
    else levels.push([r]);
  }
  // Each value's layer is the first level that shows it. While the chain holds, the values met so
  // far are exactly the previous level's set, so a level holds its predecessor iff it shows all of
  // them again; only on a violation is the value it lacks looked for.
  const layerOf = new Map<string, number>();
  for (let l = 0; l < levels.length; l++) {
    const r = levels[l]![0]!;
    const set = inputs[r]!.read!;
    let known = 0;
    for (const v of set) {
      if (!adderOf.has(v)) return bad(`it read the value ${v}, which no operation added`, [r], r);
      if (layerOf.has(v)) known++;
      else layerOf.set(v, l);
    }
    if (rules.chain !== false && l > 0 && known < inputs[levels[l - 1]![0]!]!.read!.length) {
      const smaller = levels[l - 1]![0]!;
      const members = new Set(set);
      const v = inputs[smaller]!.read!.find((x) => !members.has(x))!;
      const culprit = ops[smaller]!.returnPos > ops[r]!.returnPos ? smaller : r;
      const witness = [smaller, r, ...addersOf(inputs[smaller]!.read!), ...addersOf(set)];
      return bad(`two reads saw sets of which neither contains the other (${v} is in one only)`, witness, culprit);
    }
  }

  // Groups in linearization order: adds of level 0, reads of level 0, adds of level 1, ...
  const K = levels.length;
  const addGroups: number[][] = Array.from({ length: K + 1 }, () => []);
  for (const [v, i] of adderOf) {
    const l = layerOf.get(v);
    if (l !== undefined) addGroups[l]!.push(i);
    else if (ops[i]!.status === 'ok' && rules.unread !== false) addGroups[K]!.push(i);
  }
  const groupOf = new Int32Array(n).fill(-1);
  const groups: number[][] = [];
  for (let l = 0; l <= K; l++) {
    for (const i of addGroups[l]!) groupOf[i] = groups.length;
    groups.push(addGroups[l]!);
    if (l < K) {
      for (const r of levels[l]!) groupOf[r] = groups.length;
      groups.push(levels[l]!);
    }
  }
  if (rules.layout === false) return { valid: true };
  // Greedy: every operation at the earliest point after every operation of the groups before it.
  // That point is the latest invocation among them (`lastCall`, by operation `lastOp`).
  let lastCall = -Infinity;
  let lastOp = -1;
  for (const group of groups) {
    let nextCall = lastCall;
    let nextOp = lastOp;
    for (const m of group) {
      const op = ops[m]!;
      if (!(Math.max(lastCall, op.callPos) < op.returnPos)) return layoutViolation(lastOp, m);
      if (op.callPos > nextCall) {
        nextCall = op.callPos;
        nextOp = m;
      }
    }
    lastCall = nextCall;
    lastOp = nextOp;
  }
  return { valid: true };

  /** `y` must come before `m` (an earlier group) but was invoked only after `m` completed. */
  function layoutViolation(y: number, m: number): UnambiguousOutcome {
    const yi = inputs[y]!;
    const mi = inputs[m]!;
    if (yi.add && !mi.add) {
      return bad(`it read ${yi.v}, whose add began only after the read completed`, [y, m, ...addersOf(mi.read!)], m);
    }
    if (!yi.add && mi.add) {
      return bad(`it missed ${mi.v}, whose add completed before the read began`, [y, m, ...addersOf(yi.read!)], y);
    }
    if (!yi.add && !mi.add) {
      return bad('it saw fewer elements than a read that completed before it began', [y, m, ...addersOf(mi.read!)], y);
    }
    // Two adds: a read of y's level saw y's value and not m's, though m completed before y began.
    const r = levels[layerOf.get(yi.v!)!]![0]!;
    return bad(`it saw ${yi.v} but not ${mi.v}, whose add completed before the add of ${yi.v} began`, [y, m, r, ...addersOf(inputs[r]!.read!)], r);
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * Decides an unambiguous queue history (one partition, failed operations left out; for an
 * unordered queue, crashed dequeues too), FIFO or unordered, or says why it cannot.
 */
export function checkUnambiguousQueue(
  ops: readonly Operation[],
  inputs: readonly QueueOp[],
  fifo: boolean,
  rules: QueueRules = {},
): CollectionOutcome {
  const n = ops.length;
  const enqOf = new Map<string, number>();
  const deqs: number[] = [];
  for (let i = 0; i < n; i++) {
    const inp = inputs[i]!;
    if (inp.enq) {
      if (enqOf.has(inp.v as string)) return { undecided: `the value ${String(inp.v)} is enqueued more than once` };
      enqOf.set(inp.v as string, i);
      continue;
    }
    if (ops[i]!.status !== 'ok') return { undecided: 'a crashed dequeue may have removed whichever value was at the head' };
    if (inp.v === UNKNOWN) return { undecided: 'an ok dequeue does not name the value it took' };
    deqs.push(i);
  }
  const deqOf = new Map<string, number>();
  for (const d of deqs) {
    const v = inputs[d]!.v as string;
    const e = enqOf.get(v);
    if (e === undefined) return bad(`it dequeued ${v}, which no operation enqueued`, [d], d);
    const prev = deqOf.get(v);
    if (prev !== undefined && rules.repeat !== false) {
      const culprit = ops[prev]!.returnPos > ops[d]!.returnPos ? prev : d;
      return bad(`${v} was dequeued twice but enqueued once`, [e, prev, d], culprit);
    }
    deqOf.set(v, d);
    if (rules.fresh !== false && !(ops[e]!.callPos < ops[d]!.returnPos)) {
      return bad(`it dequeued ${v} before the enqueue of ${v} began`, [e, d], d);
    }
  }
  if (!fifo) return { valid: true };

  // Lost: an ok enqueue of a value never dequeued stays in the queue for good, so nothing
  // enqueued after it completed can be dequeued. The earliest such completion decides.
  if (rules.lost !== false) {
    let stay = -1;
    for (const [v, e] of enqOf) {
      if (deqOf.has(v) || ops[e]!.status !== 'ok') continue;
      if (stay < 0 || ops[e]!.returnPos < ops[stay]!.returnPos) stay = e;
    }
    if (stay >= 0) {
      for (const [v, d] of deqOf) {
        const e = enqOf.get(v)!;
        if (ops[e]!.callPos > ops[stay]!.returnPos) {
          return bad(`it dequeued ${v}, enqueued after ${String(inputs[stay]!.v)}, which was never dequeued`, [stay, e, d], d);
        }
      }
    }
  }
  // Order: x entered before y (enq(x) completed before enq(y) began) but y left before x (deq(y)
  // completed before deq(x) began). Sweep the values by enq(y)'s invocation, keeping the latest
  // deq(x) invocation among the values whose enqueue completed before it.
  if (rules.order !== false) {
    const values = [...deqOf.keys()];
    const byEnqReturn = values.filter((v) => ops[enqOf.get(v)!]!.status === 'ok').sort((a, b) => ops[enqOf.get(a)!]!.returnPos - ops[enqOf.get(b)!]!.returnPos);
    const byEnqCall = [...values].sort((a, b) => ops[enqOf.get(a)!]!.callPos - ops[enqOf.get(b)!]!.callPos);
    let k = 0;
    let latest = -Infinity;
    let latestValue = '';
    for (const y of byEnqCall) {
      const enqY = ops[enqOf.get(y)!]!;
      while (k < byEnqReturn.length && ops[enqOf.get(byEnqReturn[k]!)!]!.returnPos < enqY.callPos) {
        const x = byEnqReturn[k++]!;
        const call = ops[deqOf.get(x)!]!.callPos;
        if (call > latest) {
          latest = call;
          latestValue = x;
        }
      }
      const deqY = deqOf.get(y)!;
      if (latest > ops[deqY]!.returnPos) {
        const deqX = deqOf.get(latestValue)!;
        return bad(
          `${latestValue} and ${y} left the queue in the opposite order to the one they entered it`,
          [enqOf.get(latestValue)!, enqOf.get(y)!, deqY, deqX],
          deqX,
        );
      }
    }
  }
  return { valid: true };
}
