/**
 * Turns a history of events into a table of transactions, one row per invocation.
 *
 * Each invocation is paired with the next completion of the same process; a completion with no
 * open invocation stands alone (histories of completions only are accepted), and an invocation
 * that never completes becomes an `info` transaction. Records without `process`, `f` or `time`
 * (as in hand-written histories) are accepted; nemesis events and client operations other than
 * `txn` are left out and counted. The table is columnar (typed arrays) because the checkers walk
 * it for a million transactions.
 */
import { MAX_VALUE_DEPTH, nestsDeeperThan } from '../history/limits.js';
import { isHarnessEvent, type HistoryEvent } from '../history/types.js';
import type { MicroOp, TxnRef } from './types.js';
import { TxnHistoryError } from './types.js';

/** Transaction status codes in {@link TxnTable.status}. */
export const OK = 0;
export const INFO = 1;
export const FAIL = 2;

/** The transactions of a history, in invocation order. */
export interface TxnTable {
  count: number;
  /** OK, INFO or FAIL. */
  status: Uint8Array;
  /** Position (in the history array) of the invocation. */
  invokePos: Int32Array;
  /** Position of the completion; the history length for invocations that never completed. */
  completePos: Int32Array;
  /** Dense process id (0..processCount-1), or -1 when the event has none. */
  process: Int32Array;
  processCount: number;
  /** The process as recorded. */
  processNames: (number | string | null)[];
  /** The micro-operations: the completion's value for ok (reads filled in), else the invocation's. */
  ops: MicroOp[][];
  /** The `index` field of the completion event (or invocation), else its position. */
  eventIndex: Float64Array;
  /** The index an imported history's source file gave that event (`sourceIndex`), else -1. */
  sourceIndex: Float64Array;
  skippedOps: number;
}

function isMicroOp(x: unknown): x is MicroOp {
  return Array.isArray(x) && x.length === 3 && typeof x[0] === 'string';
}

/**
 * True when `value` is a list of well-formed micro-operations whose keys, values and list
 * elements are all scalars: the usual case, which then needs no walk of its depth.
 */
function isFlatTxnValue(value: unknown, allowed: ReadonlySet<string>): value is MicroOp[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const m: unknown = value[i];
    if (!isMicroOp(m) || !allowed.has(m[0])) return false;
    const k = m[1];
    if (typeof k === 'object' && k !== null) return false;
    const v = m[2];
    if (Array.isArray(v)) {
      for (let j = 0; j < v.length; j++) {
        const x: unknown = v[j];
        if (typeof x === 'object' && x !== null) return false;
      }
    } else if (typeof v === 'object' && v !== null) return false;
  }
  return true;
}

function checkTxnValue(value: unknown, pos: number, allowed: ReadonlySet<string>): MicroOp[] {
  // A flat value nests three levels at most; anything else takes the full checks below.
  if (isFlatTxnValue(value, allowed)) return value;
  // Events that did not come through a reader (a run's own) get the readers' bound here, since
  // the joins and keys below recurse into values.
  if (nestsDeeperThan(value, MAX_VALUE_DEPTH)) {
    throw new TxnHistoryError(`event at position ${pos}: a txn value nests deeper than ${MAX_VALUE_DEPTH} levels`, pos);
  }
  if (!Array.isArray(value)) {
    throw new TxnHistoryError(`event at position ${pos}: a txn value must be a list of micro-operations, got ${short(value)}`, pos);
  }
  for (const m of value) {
    if (!isMicroOp(m) || !allowed.has(m[0])) {
      throw new TxnHistoryError(
        `event at position ${pos}: bad micro-operation ${short(m)}; expected [f, key, value] with f one of ${[...allowed].join(', ')}`,
        pos,
      );
    }
  }
  return value as MicroOp[];
}

function short(x: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(x) ?? String(x);
  } catch {
    s = String(x);
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * The number of rows {@link buildTxnTable} makes: one per invocation, and one per completion
 * with no open invocation. Counting first sizes the columns exactly: sized by the history (two
 * events per transaction) they would take twice the memory outside the heap, and growth there
 * makes V8 run full collections, each of which walks the whole history.
 */
function countTxnRows(history: readonly HistoryEvent[]): number {
  const open = new Set<unknown>();
  let rows = 0;
  for (let pos = 0; pos < history.length; pos++) {
    const e = history[pos] as HistoryEvent | undefined;
    if (e === null || typeof e !== 'object' || isHarnessEvent(e)) continue;
    if (e.f !== undefined && e.f !== 'txn') continue;
    if (e.type === 'invoke') {
      open.add(e.process);
      rows++;
    } else if (!open.delete(e.process)) {
      rows++;
    }
  }
  return rows;
}

/**
 * Builds the transaction table. `allowedFs` are the micro-operation names of the workload
 * (`append`/`r` for list-append, `w`/`r` for rw-register).
 */
export function buildTxnTable(history: readonly HistoryEvent[], allowedFs: readonly string[]): TxnTable {
  const allowed = new Set(allowedFs);
  const n = history.length;
  const rows = countTxnRows(history);
  const status = new Uint8Array(rows);
  const invokePos = new Int32Array(rows);
  const completePos = new Int32Array(rows);
  const proc = new Int32Array(rows);
  const eventIndex = new Float64Array(rows);
  const srcIndex = new Float64Array(rows).fill(-1);
  const ops: MicroOp[][] = [];
  const processIds = new Map<unknown, number>();
  const processNames: (number | string | null)[] = [];
  const open = new Map<unknown, number>(); // process -> txn row with an open invocation
  let count = 0;
  let skippedOps = 0;

  const procId = (p: unknown): number => {
    if (p === undefined || p === null) return -1;
    let id = processIds.get(p);
    if (id === undefined) {
      id = processIds.size;
      processIds.set(p, id);
      processNames.push(p as number | string);
    }
    return id;
  };

  for (let pos = 0; pos < n; pos++) {
    const e = history[pos] as HistoryEvent | undefined;
    if (e === null || typeof e !== 'object') throw new TxnHistoryError(`event at position ${pos} is not an object`, pos);
    if (isHarnessEvent(e)) continue;
    if (e.f !== undefined && e.f !== 'txn') {
      skippedOps++;
      continue;
    }
    const type = e.type;
    if (type === 'invoke') {
      const prior = open.get(e.process);
      if (prior !== undefined) {
        // The process invoked again without completing: the earlier one is indeterminate.
        status[prior] = INFO;
        completePos[prior] = n;
      }
      const row = count++;
      status[row] = INFO;
      invokePos[row] = pos;
      completePos[row] = n;
      proc[row] = procId(e.process);
      eventIndex[row] = typeof e.index === 'number' ? e.index : pos;
      srcIndex[row] = sourceIndex(e);
      ops.push(checkTxnValue(e.value, pos, allowed));
      open.set(e.process, row);
    } else if (type === 'ok' || type === 'fail' || type === 'info') {
      let row = open.get(e.process);
      if (row === undefined) {
        row = count++;
        invokePos[row] = pos;
        proc[row] = procId(e.process);
        ops.push(checkTxnValue(e.value, pos, allowed));
      } else {
        open.delete(e.process);
        if (type === 'ok' || (e.value !== undefined && e.value !== null)) {
          ops[row] = checkTxnValue(e.value, pos, allowed);
        }
      }
      status[row] = type === 'ok' ? OK : type === 'fail' ? FAIL : INFO;
      // An info completion says nothing about when the transaction took effect: it may still.
      completePos[row] = type === 'info' ? n : pos;
      eventIndex[row] = typeof e.index === 'number' ? e.index : pos;
      srcIndex[row] = sourceIndex(e);
    } else {
      throw new TxnHistoryError(`event at position ${pos}: unknown type ${short(type)}`, pos);
    }
  }
  // The columns were sized by countTxnRows; views, not copies, in case a bad event ended early.
  return {
    count,
    status: status.subarray(0, count),
    invokePos: invokePos.subarray(0, count),
    completePos: completePos.subarray(0, count),
    process: proc.subarray(0, count),
    processCount: processIds.size,
    processNames,
    ops,
    eventIndex: eventIndex.subarray(0, count),
    sourceIndex: srcIndex.subarray(0, count),
    skippedOps,
  };
}

/** The index an imported history's source file gave the event, or -1. */
function sourceIndex(e: HistoryEvent): number {
  const src = (e as { sourceIndex?: unknown }).sourceIndex;
  return typeof src === 'number' ? src : -1;
}

/** The explanation-facing view of transaction `t`. */
export function txnRef(table: TxnTable, t: number): TxnRef {
  const s = table.status[t]!;
  const p = table.process[t]!;
  const cp = table.completePos[t]!;
  return {
    index: cp < 0 || s === INFO ? table.invokePos[t]! : cp,
    eventIndex: table.eventIndex[t]!,
    ...(table.sourceIndex[t]! >= 0 ? { sourceIndex: table.sourceIndex[t]! } : {}),
    process: p < 0 ? null : table.processNames[p]!,
    type: s === OK ? 'ok' : s === INFO ? 'info' : 'fail',
    value: table.ops[t]!,
  };
}

/** Formats a key or value for a sentence: strings as is, everything else as JSON. */
export function show(x: unknown): string {
  if (typeof x === 'string') return x;
  if (x === null || x === undefined) return 'nil';
  return short(x);
}

/** A micro-operation in Elle's compact notation, e.g. `append x 3` or `r y [1 2]`. */
export function showOp(m: MicroOp): string {
  const v = m[2];
  const vs = Array.isArray(v) ? `[${v.map(show).join(' ')}]` : show(v);
  return `${m[0]} ${show(m[1])} ${vs}`;
}
