/**
 * The list-append checker: transactions append unique values to lists and read whole lists
 * (`["append", k, v]`, `["r", k, [v1, v2, ...]]`), so every read of a key is a prefix of the key's
 * one version order, and the longest read recovers it. From that order:
 *   ww  T1 -> T2 when T2's append directly follows T1's in a key's order;
 *   wr  T1 -> T2 when the last element T2 read (before its own appends) is T1's;
 *   rw  T1 -> T2 when T2 appended the element right after the last one T1 read.
 * An ok append that no read shows comes after every element read (the reads are prefixes of the
 * final list, and it is not in the longest). Reads of info transactions constrain nothing (they
 * may never have happened); appends of info transactions count when observed. Failed
 * transactions serve only to detect aborted reads (G1a) and dirty updates.
 *
 * Besides the cycles, it reports reads that disagree with the order (incompatible-order),
 * duplicates, aborted (G1a) and intermediate (G1b) reads, values nobody appended (garbage-read),
 * reads inconsistent with the transaction's own earlier operations (internal), committed appends
 * after an aborted one (dirty-update), and two transactions that read the same version of a key
 * and both appended to it (lost-update).
 */
import type { HistoryEvent } from '../history/types.js';
import { analyze } from './analyze.js';
import type { EdgeWitness } from './analyze.js';
import { EdgeBuffer, RW, WR, WW } from './graph.js';
import { buildTxnTable, FAIL, OK, show, txnRef } from './txns.js';
import type { TxnTable } from './txns.js';
import type { OpAnomaly, TxnCheckOptions, TxnCheckResult } from './types.js';
import { TxnHistoryError } from './types.js';

/** A key or value as a Map key: numbers and strings as themselves, anything else as JSON. */
export function prim(x: unknown): unknown {
  const t = typeof x;
  if (t === 'number' || t === 'string' || t === 'boolean' || x === null) return x;
  return `\u0000${JSON.stringify(x)}`;
}

/** The writers of a key nobody read yet (pass 2 gives each read key a view of its own). */
const NO_WRITERS = new Int32Array(0);

interface KeyState {
  id: number;
  name: unknown;
  /** Appended value -> writer * 2 + (1 when it is the writer's last append to this key). */
  appends: Map<unknown, number>;
  /** The version order: the longest read, as Map keys. */
  order: unknown[];
  /** Writer of each position of `order`, -1 when nobody appended it. */
  writerAt: Int32Array;
  /** Committed appends that no read shows: they follow the whole order. */
  unobserved: number[];
  /** Values of `unobserved`, in the same order. */
  unobservedValues: unknown[];
  /** Value -> position in order, built only to explain edges. */
  posOf?: Map<unknown, number>;
}

/** Checks a list-append history against a consistency model. */
export function checkListAppend(history: readonly HistoryEvent[], options: TxnCheckOptions = {}): TxnCheckResult {
  const startedMs = performance.now();
  return checkListAppendTable(buildTxnTable(history, ['append', 'r']), options, startedMs);
}

/**
 * Checks a list-append history already in its transaction table (`buildTxnTable`, or
 * `readTxnTableFile`, which streams a file into it without keeping the events).
 */
export function checkListAppendTable(txns: TxnTable, options: TxnCheckOptions = {}, startedMs = performance.now()): TxnCheckResult {
  const keyIds = new Map<unknown, number>();
  const keys: KeyState[] = [];
  const opAnomalies: OpAnomaly[] = [];
  const anomalyCap = 1000;
  const report = (a: OpAnomaly): void => {
    if (opAnomalies.length < anomalyCap) opAnomalies.push(a);
  };
  const keyOf = (k: unknown): KeyState => {
    const p = typeof k === 'number' || typeof k === 'string' ? k : prim(k);
    let id = keyIds.get(p);
    if (id === undefined) {
      id = keys.length;
      keyIds.set(p, id);
      keys.push({ id, name: k, appends: new Map(), order: [], writerAt: NO_WRITERS, unobserved: [], unobservedValues: [] });
    }
    return keys[id]!;
  };

  // Reads of ok transactions, flat, in columns sized exactly (see countTxnRows for why).
  let readCap = 0;
  let mopCount = 0;
  for (let t = 0; t < txns.count; t++) {
    const ops = txns.ops[t]!;
    mopCount += ops.length;
    if (txns.status[t] !== OK) continue;
    for (let i = 0; i < ops.length; i++) if (ops[i]![0] === 'r') readCap++;
  }
  const readTxn = new Int32Array(readCap);
  const readKey = new Int32Array(readCap);
  /** 1 when the reading transaction also appends to the key (for lost updates). */
  const readAppends = new Uint8Array(readCap);
  const readList: unknown[][] = [];
  let readCount = 0;
  const longest: number[] = []; // per key: read number of the longest read, or -1

  // Pass 1: index appends, check each transaction internally, collect reads.
  for (let t = 0; t < txns.count; t++) {
    const ops = txns.ops[t]!;
    const status = txns.status[t]!;
    const firstRead = readCount;
    for (let i = 0; i < ops.length; i++) {
      const m = ops[i]!;
      const ks = keyOf(m[1]);
      if (m[0] === 'append') {
        const v = prim(m[2]);
        const prior = ks.appends.get(v);
        if (prior !== undefined && prior >> 1 !== t) {
          throw new TxnHistoryError(
            `the append of ${show(m[2])} to key ${show(m[1])} appears in two transactions (at positions ${txns.invokePos[prior >> 1]} and ${txns.invokePos[t]}); list-append needs unique values per key`,
            txns.invokePos[t],
          );
        }
        if (prior !== undefined) {
          throw new TxnHistoryError(`a transaction appends ${show(m[2])} to key ${show(m[1])} twice`, txns.invokePos[t]);
        }
        // Clear the "last append" mark of this transaction's earlier append to the same key.
        for (let j = i - 1; j >= 0; j--) {
          const o = ops[j]!;
          if (o[0] === 'append' && prim(o[1]) === prim(m[1])) {
            const ov = prim(o[2]);
            ks.appends.set(ov, ks.appends.get(ov)! & ~1);
            break;
          }
        }
        ks.appends.set(v, t * 2 + 1);
      } else if (status === OK) {
        const val = m[2];
        if (val !== null && val !== undefined && !Array.isArray(val)) {
          throw new TxnHistoryError(`a read of key ${show(m[1])} returned ${show(val)}, not a list`, txns.invokePos[t]);
        }
        const list = (val ?? []) as unknown[];
        const kid = ks.id;
        readTxn[readCount] = t;
        readKey[readCount] = kid;
        readList.push(list);
        while (longest.length <= kid) longest.push(-1);
        const cur = longest[kid]!;
        if (cur < 0 || readList[cur]!.length < list.length) longest[kid] = readCount;
        readCount++;
      }
    }
    if (status === OK && ops.length > 1 && touchesKeyTwice(ops)) {
      checkInternal(txns, t, report);
      // Which of this transaction's reads are of keys it also appends to.
      for (let r = firstRead; r < readCount; r++) {
        const kp = prim(keys[readKey[r]!]!.name);
        for (const m of ops) if (m[0] === 'append' && prim(m[1]) === kp) readAppends[r] = 1;
      }
    }
  }
  while (longest.length < keys.length) longest.push(-1);

  const edges = new EdgeBuffer(3 * mopCount + 1024);

  // Pass 2: each key's version order, ww edges, unobserved appends, dirty updates. The writers
  // of all keys' orders share one column; each key holds a view of its part.
  let orderTotal = 0;
  for (let kid = 0; kid < keys.length; kid++) if (longest[kid]! >= 0) orderTotal += readList[longest[kid]!]!.length;
  const writerAll = new Int32Array(orderTotal);
  let orderAt = 0;
  for (let kid = 0; kid < keys.length; kid++) {
    const ks = keys[kid]!;
    const lr = longest[kid]!;
    const list = lr >= 0 ? readList[lr]! : [];
    // Lists of numbers and strings are their own Map keys: no copy.
    const order = list.every(isScalar) ? list : list.map(prim);
    const seen = new Set<unknown>();
    const writerAt = writerAll.subarray(orderAt, orderAt + order.length);
    orderAt += order.length;
    let lastValid = -1;
    let failedAt = -1;
    let dirtyReported = false;
    for (let i = 0; i < order.length; i++) {
      const v = order[i];
      if (seen.has(v)) {
        report({
          type: 'duplicate-elements',
          txn: txnRef(txns, readTxn[lr]!),
          key: ks.name,
          observed: list,
          text: `A read of key ${show(ks.name)} returned ${show(list[i])} twice: ${show(list)}.`,
        });
      }
      seen.add(v);
      const enc = ks.appends.get(v);
      const w = enc === undefined ? -1 : enc >> 1;
      writerAt[i] = w;
      if (w < 0) continue;
      if (txns.status[w] === FAIL) {
        if (failedAt < 0) failedAt = i;
        continue;
      }
      if (failedAt >= 0 && !dirtyReported) {
        dirtyReported = true;
        const fw = writerAt[failedAt]!;
        report({
          type: 'dirty-update',
          txn: txnRef(txns, w),
          key: ks.name,
          other: txnRef(txns, fw),
          text: `Key ${show(ks.name)} has ${show(list[i])}, appended by a committed transaction after ${show(list[failedAt])}, which was appended by a failed one.`,
        });
      }
      if (lastValid >= 0 && writerAt[lastValid] !== w) edges.add(writerAt[lastValid]!, w, WW);
      lastValid = i;
    }
    ks.order = order;
    ks.writerAt = writerAt;
    for (const [v, enc] of ks.appends) {
      const w = enc >> 1;
      if (txns.status[w] !== OK || seen.has(v)) continue;
      ks.unobserved.push(w);
      ks.unobservedValues.push(v);
      if (lastValid >= 0) edges.add(writerAt[lastValid]!, w, WW);
    }
  }

  // Pass 3: each read against its key's order: wr and rw edges, read anomalies, lost updates.
  const lostSeen = new Map<number, Map<number, number>>();
  const incompatibleKeys = new Set<number>();
  for (let r = 0; r < readCount; r++) {
    const t = readTxn[r]!;
    const kid = readKey[r]!;
    const ks = keys[kid]!;
    const list = readList[r]!;
    const n = list.length;
    const order = ks.order;
    const writerAt = ks.writerAt;
    if (r !== longest[kid]) {
      let compatible = n <= order.length;
      for (let i = 0; compatible && i < n; i++) {
        const x = list[i];
        if ((typeof x === 'number' ? x : prim(x)) !== order[i]) compatible = false;
      }
      if (!compatible) {
        if (!incompatibleKeys.has(kid)) {
          incompatibleKeys.add(kid);
          report({
            type: 'incompatible-order',
            txn: txnRef(txns, t),
            key: ks.name,
            other: txnRef(txns, readTxn[longest[kid]!]!),
            observed: list,
            expected: readList[longest[kid]!],
            text: `Two reads of key ${show(ks.name)} disagree on its order: ${show(list)} is not a prefix of ${show(readList[longest[kid]!])}.`,
          });
        }
        continue;
      }
    }
    // Aborted and garbage reads.
    for (let i = 0; i < n; i++) {
      const w = writerAt[i]!;
      if (w < 0) {
        report({
          type: 'garbage-read',
          txn: txnRef(txns, t),
          key: ks.name,
          observed: list,
          text: `A read of key ${show(ks.name)} returned ${show(list[i])}, which no transaction appended.`,
        });
        break;
      }
      if (txns.status[w] === FAIL) {
        report({
          type: 'G1a',
          txn: txnRef(txns, t),
          key: ks.name,
          other: txnRef(txns, w),
          observed: list,
          text: `A read of key ${show(ks.name)} observed ${show(list[i])}, appended by a transaction that failed (aborted read).`,
        });
        break;
      }
    }
    // Strip the reader's own appends from the end: p is the last element it read from others.
    let p = n - 1;
    while (p >= 0 && writerAt[p] === t) p--;
    const appendsKey = readAppends[r] === 1;
    if (p >= 0) {
      const w = writerAt[p]!;
      if (w >= 0 && txns.status[w] !== FAIL) {
        edges.add(w, t, WR);
        const enc = ks.appends.get(order[p])!;
        if ((enc & 1) === 0) {
          report({
            type: 'G1b',
            txn: txnRef(txns, t),
            key: ks.name,
            other: txnRef(txns, w),
            observed: list,
            text: `A read of key ${show(ks.name)} ended with ${show(list[p])}, an intermediate append: its transaction appended more to the key afterwards.`,
          });
        }
      }
    }
    // The next version after what it read.
    let q = p + 1;
    while (q < order.length && (writerAt[q]! < 0 || txns.status[writerAt[q]!] === FAIL)) q++;
    if (q < order.length) {
      const x = writerAt[q]!;
      if (x !== t) edges.add(t, x, RW);
    } else {
      for (const u of ks.unobserved) if (u !== t) edges.add(t, u, RW);
    }
    if (appendsKey) {
      let m = lostSeen.get(kid);
      if (!m) lostSeen.set(kid, (m = new Map()));
      const other = m.get(p);
      if (other === undefined) m.set(p, t);
      else if (other !== t) {
        report({
          type: 'lost-update',
          txn: txnRef(txns, t),
          key: ks.name,
          other: txnRef(txns, other),
          observed: list.slice(0, p + 1),
          text: `Two committed transactions read the same version of key ${show(ks.name)} (${show(list.slice(0, p + 1))}) and both appended to it.`,
        });
      }
    }
  }

  const explain = (from: number, to: number, rel: 'ww' | 'wr' | 'rw', a: string, b: string): EdgeWitness =>
    explainEdge(txns, keys, keyIds, from, to, rel, a, b);
  return analyze({ checker: 'list-append', txns, edges, opAnomalies, explain, keyCount: keys.length, options, startedMs });
}

/** True for the values {@link prim} returns unchanged. */
function isScalar(x: unknown): boolean {
  const t = typeof x;
  return t === 'number' || t === 'string' || t === 'boolean' || x === null;
}

/** True when two micro-operations share a key (only then can a transaction contradict itself). */
function touchesKeyTwice(ops: readonly (readonly unknown[])[]): boolean {
  for (let i = 1; i < ops.length; i++) {
    const k = prim(ops[i]![1]);
    for (let j = 0; j < i; j++) if (prim(ops[j]![1]) === k) return true;
  }
  return false;
}

/**
 * Checks that each read of an ok transaction agrees with the transaction's own earlier
 * operations on that key: after a read R and appends A, a later read must be R followed by A;
 * with appends A and no earlier read, it must end with A.
 */
function checkInternal(txns: TxnTable, t: number, report: (a: OpAnomaly) => void): void {
  const ops = txns.ops[t]!;
  const known = new Map<unknown, { read: unknown[] | null; appended: unknown[] }>();
  for (const m of ops) {
    const k = prim(m[1]);
    let st = known.get(k);
    if (!st) known.set(k, (st = { read: null, appended: [] }));
    if (m[0] === 'append') {
      st.appended.push(prim(m[2]));
      continue;
    }
    const list = (m[2] ?? []) as unknown[];
    const a = st.appended;
    let ok = true;
    if (st.read) {
      const r = st.read;
      ok = r.length + a.length === list.length;
      for (let i = 0; ok && i < r.length; i++) ok = prim(list[i]) === r[i];
      for (let i = 0; ok && i < a.length; i++) ok = prim(list[r.length + i]) === a[i];
    } else {
      ok = list.length >= a.length;
      const base = list.length - a.length;
      for (let i = 0; ok && i < a.length; i++) ok = prim(list[base + i]) === a[i];
    }
    if (!ok) {
      const expected = st.read ? [...st.read, ...a] : a.length ? ['...', ...a] : undefined;
      report({
        type: 'internal',
        txn: txnRef(txns, t),
        key: m[1],
        observed: m[2],
        expected,
        text: `A read of key ${show(m[1])} returned ${show(m[2])}, which disagrees with the transaction's own earlier operations (expected ${show(expected)}).`,
      });
    }
    st.read = list.map(prim);
    st.appended = [];
  }
}

function posOf(ks: KeyState, v: unknown): number {
  if (!ks.posOf) {
    ks.posOf = new Map();
    ks.order.forEach((x, i) => ks.posOf!.set(x, i));
  }
  const p = ks.posOf.get(v);
  if (p !== undefined) return p;
  return ks.unobservedValues.includes(v) ? ks.order.length : -1;
}

/** Finds the key and values behind a ww, wr or rw edge from `from` to `to`. */
function explainEdge(
  txns: TxnTable,
  keys: KeyState[],
  keyIds: Map<unknown, number>,
  from: number,
  to: number,
  rel: 'ww' | 'wr' | 'rw',
  a: string,
  b: string,
): EdgeWitness {
  const appendsOf = (t: number, k: unknown): unknown[] =>
    txns.ops[t]!.filter((m) => m[0] === 'append' && prim(m[1]) === prim(k)).map((m) => m[2]);
  if (rel === 'ww') {
    for (const m of txns.ops[to]!) {
      if (m[0] !== 'append') continue;
      const ks = keys[keyIds.get(prim(m[1]))!]!;
      const pv = posOf(ks, prim(m[2]));
      // The latest append of `from` to this key that precedes it.
      let best: unknown;
      let bestPos = -1;
      for (const u of appendsOf(from, m[1])) {
        const pu = posOf(ks, prim(u));
        if (pu >= 0 && pu < ks.order.length && pu < pv && pu > bestPos) {
          best = u;
          bestPos = pu;
        }
      }
      if (bestPos >= 0) {
        return {
          key: m[1],
          value: m[2],
          prevValue: best,
          because: `${b} appended ${show(m[2])} after ${a} appended ${show(best)} to key ${show(m[1])}`,
        };
      }
    }
  } else if (rel === 'wr') {
    for (const m of txns.ops[to]!) {
      if (m[0] !== 'r' || !Array.isArray(m[2])) continue;
      const ks = keys[keyIds.get(prim(m[1]))!]!;
      const list = m[2] as unknown[];
      let p = list.length - 1;
      while (p >= 0 && ks.writerAt[p] === to) p--;
      if (p >= 0 && ks.writerAt[p] === from) {
        return { key: m[1], value: list[p], because: `${b} observed ${a}'s append of ${show(list[p])} to key ${show(m[1])}` };
      }
    }
  } else {
    for (const m of txns.ops[from]!) {
      if (m[0] !== 'r') continue;
      const ks = keys[keyIds.get(prim(m[1]))!]!;
      const list = (Array.isArray(m[2]) ? m[2] : []) as unknown[];
      let p = list.length - 1;
      while (p >= 0 && ks.writerAt[p] === from) p--;
      const mine = appendsOf(to, m[1]);
      const later = mine.find((v) => posOf(ks, prim(v)) > p);
      if (later !== undefined) {
        const seen = p >= 0 ? `its read ended at ${show(list[p])}` : 'it read the key empty';
        return {
          key: m[1],
          value: later,
          ...(p >= 0 ? { prevValue: list[p] } : {}),
          because: `${a} did not observe ${b}'s append of ${show(later)} to key ${show(m[1])} (${seen})`,
        };
      }
    }
  }
  return { because: `${rel === 'ww' ? `${b} overwrote ${a}` : rel === 'wr' ? `${b} observed ${a}` : `${a} did not observe ${b}`}` };
}
