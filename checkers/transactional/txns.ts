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
  const builder = new TxnTableBuilder(allowedFs, countTxnRows(history));
  for (let pos = 0; pos < history.length; pos++) builder.add(history[pos] as HistoryEvent, pos);
  return builder.finish(history.length);
}

/** completePos of a transaction that is not (yet) known to complete: the history's length, at the end. */
const OPEN = 0x7fffffff;

/**
 * Builds a {@link TxnTable} from events given one at a time, in history order, so that a reader
 * can stream a file into the columns without keeping the events (`readTxnTableFile` in
 * ./stream.ts). Sized by `rows` when known (buildTxnTable counts first), else grown by doubling.
 */
export class TxnTableBuilder {
  private readonly allowed: ReadonlySet<string>;
  private status: Uint8Array;
  private invokePos: Int32Array;
  private completePos: Int32Array;
  private proc: Int32Array;
  private eventIndex: Float64Array;
  private srcIndex: Float64Array;
  private readonly ops: MicroOp[][] = [];
  private readonly processIds = new Map<unknown, number>();
  private readonly processNames: (number | string | null)[] = [];
  private readonly open = new Map<unknown, number>(); // process -> txn row with an open invocation
  private count = 0;
  private skippedOps = 0;

  constructor(allowedFs: readonly string[], rows = 1024) {
    this.allowed = new Set(allowedFs);
    this.status = new Uint8Array(rows);
    this.invokePos = new Int32Array(rows);
    this.completePos = new Int32Array(rows);
    this.proc = new Int32Array(rows);
    this.eventIndex = new Float64Array(rows);
    this.srcIndex = new Float64Array(rows).fill(-1);
  }

  private procId(p: unknown): number {
    if (p === undefined || p === null) return -1;
    let id = this.processIds.get(p);
    if (id === undefined) {
      id = this.processIds.size;
      this.processIds.set(p, id);
      this.processNames.push(p as number | string);
    }
    return id;
  }

  private newRow(): number {
    const row = this.count++;
    if (row >= this.status.length) {
      const cap = Math.max(1024, this.status.length * 2);
      const grow = <T extends Uint8Array | Int32Array | Float64Array>(a: T, make: (n: number) => T): T => {
        const b = make(cap);
        b.set(a);
        return b;
      };
      this.status = grow(this.status, (k) => new Uint8Array(k));
      this.invokePos = grow(this.invokePos, (k) => new Int32Array(k));
      this.completePos = grow(this.completePos, (k) => new Int32Array(k));
      this.proc = grow(this.proc, (k) => new Int32Array(k));
      this.eventIndex = grow(this.eventIndex, (k) => new Float64Array(k));
      const src = new Float64Array(cap).fill(-1);
      src.set(this.srcIndex);
      this.srcIndex = src;
    }
    return row;
  }

  /** Adds the event at position `pos` of the history. */
  add(e: HistoryEvent, pos: number): void {
    if (e === null || typeof e !== 'object') throw new TxnHistoryError(`event at position ${pos} is not an object`, pos);
    if (isHarnessEvent(e)) return;
    if (e.f !== undefined && e.f !== 'txn') {
      this.skippedOps++;
      return;
    }
    const { status, open, allowed } = this;
    const type = e.type;
    if (type === 'invoke') {
      const prior = open.get(e.process);
      if (prior !== undefined) {
        // The process invoked again without completing: the earlier one is indeterminate.
        status[prior] = INFO;
        this.completePos[prior] = OPEN;
      }
      const row = this.newRow();
      this.status[row] = INFO;
      this.invokePos[row] = pos;
      this.completePos[row] = OPEN;
      this.proc[row] = this.procId(e.process);
      this.eventIndex[row] = typeof e.index === 'number' ? e.index : pos;
      this.srcIndex[row] = sourceIndex(e);
      this.ops.push(checkTxnValue(e.value, pos, allowed));
      open.set(e.process, row);
    } else if (type === 'ok' || type === 'fail' || type === 'info') {
      let row = open.get(e.process);
      if (row === undefined) {
        row = this.newRow();
        this.invokePos[row] = pos;
        this.proc[row] = this.procId(e.process);
        this.ops.push(checkTxnValue(e.value, pos, allowed));
      } else {
        open.delete(e.process);
        if (type === 'ok' || (e.value !== undefined && e.value !== null)) {
          this.ops[row] = checkTxnValue(e.value, pos, allowed);
        }
      }
      this.status[row] = type === 'ok' ? OK : type === 'fail' ? FAIL : INFO;
      // An info completion says nothing about when the transaction took effect: it may still.
      this.completePos[row] = type === 'info' ? OPEN : pos;
      this.eventIndex[row] = typeof e.index === 'number' ? e.index : pos;
      this.srcIndex[row] = sourceIndex(e);
    } else {
      throw new TxnHistoryError(`event at position ${pos}: unknown type ${short(type)}`, pos);
    }
  }

  /** The table, once the history's `n` events were added. */
  finish(n: number): TxnTable {
    const count = this.count;
    const completePos = this.completePos.subarray(0, count);
    for (let t = 0; t < count; t++) if (completePos[t] === OPEN) completePos[t] = n;
    // Views, not copies: the columns were sized by countTxnRows (or grown), and a copy would
    // double the memory outside the heap for a moment.
    return {
      count,
      status: this.status.subarray(0, count),
      invokePos: this.invokePos.subarray(0, count),
      completePos,
      process: this.proc.subarray(0, count),
      processCount: this.processIds.size,
      processNames: this.processNames,
      ops: this.ops,
      eventIndex: this.eventIndex.subarray(0, count),
      sourceIndex: this.srcIndex.subarray(0, count),
      skippedOps: this.skippedOps,
    };
  }
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
