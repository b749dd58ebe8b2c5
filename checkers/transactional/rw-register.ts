/**
 * The rw-register checker: transactions write unique values to registers and read them
 * (`["w", k, v]`, `["r", k, v]`, a read of null meaning the key was never written).
 *
 * A register read shows one version, not the history of the key, so version orders have to be
 * inferred, and only partly: Elle's "weaker inferences".
 *   initial state         the never-written state (null) precedes every written version;
 *   writes follow reads   a transaction that read v1 and then wrote v2 puts v1 before v2;
 *   linearizable keys     (option) a version installed or observed by a transaction that
 *                         completed before another began precedes the other's version;
 *   sequential keys       (option) the same, along each process's own order.
 * Each key's version graph must be acyclic (else cyclic-versions, and the key's order is not
 * used). From each version edge v1 -> v2: writer(v1) -ww-> writer(v2) and every reader of v1
 * -rw-> writer(v2); each read gives writer -wr-> reader. Reads after a transaction's own write
 * must see it (internal); reads of failed writes are G1a, of overwritten intermediate writes
 * G1b; two transactions that read the same version and both wrote the key are a lost update.
 */
import type { HistoryEvent } from '../history/types.js';
import { analyze } from './analyze.js';
import type { EdgeWitness } from './analyze.js';
import { EdgeBuffer, RW, WR, WW } from './graph.js';
import { prim } from './list-append.js';
import { buildTxnTable, FAIL, OK, show, txnRef } from './txns.js';
import type { TxnTable } from './txns.js';
import type { OpAnomaly, RwRegisterOptions, TxnCheckResult } from './types.js';
import { TxnHistoryError } from './types.js';

/** The never-written state in version graphs. */
const INITIAL = Symbol('initial');

interface RegKey {
  name: unknown;
  /** Written value -> writer * 2 + (1 when it is the writer's last write to this key). */
  writes: Map<unknown, number>;
  /** Version -> external readers (ok transactions). */
  readers: Map<unknown, number[]>;
  /** Version graph: version -> later versions. */
  next: Map<unknown, Set<unknown>>;
}

/** Checks an rw-register history against a consistency model. */
export function checkRwRegister(history: readonly HistoryEvent[], options: RwRegisterOptions = {}): TxnCheckResult {
  const startedMs = performance.now();
  const txns = buildTxnTable(history, ['w', 'r']);
  const keyIds = new Map<unknown, number>();
  const keys: RegKey[] = [];
  const opAnomalies: OpAnomaly[] = [];
  const report = (a: OpAnomaly): void => {
    if (opAnomalies.length < 1000) opAnomalies.push(a);
  };
  const keyOf = (k: unknown): RegKey => {
    const p = prim(k);
    let id = keyIds.get(p);
    if (id === undefined) {
      id = keys.length;
      keyIds.set(p, id);
      keys.push({ name: k, writes: new Map(), readers: new Map(), next: new Map() });
    }
    return keys[id]!;
  };
  const ver = (v: unknown): unknown => (v === null || v === undefined ? INITIAL : prim(v));
  const addVersionEdge = (ks: RegKey, a: unknown, b: unknown): void => {
    if (a === b) return;
    let s = ks.next.get(a);
    if (!s) ks.next.set(a, (s = new Set()));
    s.add(b);
  };

  // Pass 1: index writes; per transaction, its external reads and final writes per key.
  const perTxn: { key: number; read: unknown; readSeen: boolean; wrote: unknown; wroteAny: boolean }[][] = [];
  for (let t = 0; t < txns.count; t++) {
    const ops = txns.ops[t]!;
    const st = new Map<number, { key: number; read: unknown; readSeen: boolean; wrote: unknown; wroteAny: boolean }>();
    for (const m of ops) {
      const ks = keyOf(m[1]);
      const kid = keyIds.get(prim(m[1]))!;
      let s = st.get(kid);
      if (!s) st.set(kid, (s = { key: kid, read: undefined, readSeen: false, wrote: undefined, wroteAny: false }));
      if (m[0] === 'w') {
        if (m[2] === null || m[2] === undefined) {
          throw new TxnHistoryError(`a write of nil to key ${show(m[1])}: rw-register writes need unique non-nil values`, txns.invokePos[t]);
        }
        const v = prim(m[2]);
        const prior = ks.writes.get(v);
        if (prior !== undefined) {
          throw new TxnHistoryError(
            `the write of ${show(m[2])} to key ${show(m[1])} appears twice (at positions ${txns.invokePos[prior >> 1]} and ${txns.invokePos[t]}); rw-register needs unique values per key`,
            txns.invokePos[t],
          );
        }
        if (s.wroteAny) {
          const pv = s.wrote;
          ks.writes.set(pv, ks.writes.get(pv)! & ~1);
        }
        ks.writes.set(v, t * 2 + 1);
        s.wrote = v;
        s.wroteAny = true;
      } else if (txns.status[t] === OK) {
        const v = ver(m[2]);
        if (s.wroteAny) {
          if (v !== s.wrote) {
            report({
              type: 'internal',
              txn: txnRef(txns, t),
              key: m[1],
              observed: m[2],
              expected: s.wrote,
              text: `A read of key ${show(m[1])} returned ${show(m[2])} after the same transaction wrote ${show(s.wrote)}.`,
            });
          }
        } else if (s.readSeen) {
          if (v !== s.read) {
            report({
              type: 'internal',
              txn: txnRef(txns, t),
              key: m[1],
              observed: m[2],
              expected: s.read === INITIAL ? null : s.read,
              text: `Two reads of key ${show(m[1])} in one transaction returned ${show(s.read === INITIAL ? null : s.read)} and then ${show(m[2])}.`,
            });
          }
        } else {
          s.read = v;
          s.readSeen = true;
        }
      }
    }
    perTxn.push([...st.values()]);
  }

  // Pass 2: reads -> wr edges and read anomalies; writes-follow-reads; lost updates.
  const edges = new EdgeBuffer(4 * txns.count + 1024);
  const wfr = options.wfrKeys ?? true;
  for (let t = 0; t < txns.count; t++) {
    if (txns.status[t] !== OK) continue;
    for (const s of perTxn[t]!) {
      if (!s.readSeen) continue;
      const ks = keys[s.key]!;
      let rs = ks.readers.get(s.read);
      if (!rs) ks.readers.set(s.read, (rs = []));
      rs.push(t);
      if (s.read !== INITIAL) {
        const enc = ks.writes.get(s.read);
        if (enc === undefined) {
          report({ type: 'garbage-read', txn: txnRef(txns, t), key: ks.name, observed: s.read, text: `A read of key ${show(ks.name)} returned ${show(s.read)}, which no transaction wrote.` });
        } else {
          const w = enc >> 1;
          if (txns.status[w] === FAIL) {
            report({ type: 'G1a', txn: txnRef(txns, t), key: ks.name, other: txnRef(txns, w), observed: s.read, text: `A read of key ${show(ks.name)} returned ${show(s.read)}, written by a transaction that failed (aborted read).` });
          } else {
            if (w !== t) edges.add(w, t, WR);
            if ((enc & 1) === 0) {
              report({ type: 'G1b', txn: txnRef(txns, t), key: ks.name, other: txnRef(txns, w), observed: s.read, text: `A read of key ${show(ks.name)} returned ${show(s.read)}, an intermediate write: its transaction wrote the key again afterwards.` });
            }
          }
        }
      }
      if (s.wroteAny && wfr) addVersionEdge(ks, s.read, s.wrote);
    }
  }
  // Lost updates: two committed transactions that read the same version and both wrote the key.
  for (let kid = 0; kid < keys.length; kid++) {
    const ks = keys[kid]!;
    for (const [v, rs] of ks.readers) {
      let first = -1;
      for (const t of rs) {
        const s = perTxn[t]!.find((x) => x.key === kid);
        if (!s?.wroteAny) continue;
        if (first < 0) first = t;
        else {
          report({ type: 'lost-update', txn: txnRef(txns, t), key: ks.name, other: txnRef(txns, first), observed: v === INITIAL ? null : v, text: `Two committed transactions read key ${show(ks.name)} as ${show(v === INITIAL ? null : v)} and both wrote it.` });
          break;
        }
      }
    }
  }
  // Per-key real-time or process order.
  if (options.linearizableKeys || options.sequentialKeys) addOrderInferences(txns, keys, perTxn, options.linearizableKeys === true, addVersionEdge);
  // The initial state precedes every written version; the edge is needed only to versions with
  // no other known predecessor (the rest follow it through those), which keeps the rw edges from
  // readers of the initial state to a key's first versions.
  for (const ks of keys) {
    const hasPredecessor = new Set<unknown>();
    for (const [a, bs] of ks.next) if (a !== INITIAL) for (const b of bs) hasPredecessor.add(b);
    for (const v of ks.writes.keys()) if (!hasPredecessor.has(v)) addVersionEdge(ks, INITIAL, v);
  }

  // Pass 3: each key's version graph -> ww and rw edges (unless it is cyclic).
  for (const ks of keys) {
    const cyc = cyclicVersions(ks.next);
    if (cyc) {
      report({
        type: 'cyclic-versions',
        txn: txnRef(txns, ks.writes.get(cyc[0])! >> 1),
        key: ks.name,
        observed: cyc.map((v) => (v === INITIAL ? null : v)),
        text: `The inferred version order of key ${show(ks.name)} is cyclic among ${show(cyc.map((v) => (v === INITIAL ? null : v)))}.`,
      });
      continue;
    }
    for (const [a, bs] of ks.next) {
      const wa = a === INITIAL ? -1 : (ks.writes.get(a) ?? -2) >> 1;
      const readers = ks.readers.get(a) ?? [];
      for (const b of bs) {
        const encB = ks.writes.get(b);
        if (encB === undefined) continue;
        const wb = encB >> 1;
        if (txns.status[wb] === FAIL) continue;
        if (wa >= 0 && txns.status[wa] !== FAIL && wa !== wb) edges.add(wa, wb, WW);
        for (const r of readers) if (r !== wb) edges.add(r, wb, RW);
      }
    }
  }

  const explain = (from: number, to: number, rel: 'ww' | 'wr' | 'rw', a: string, b: string): EdgeWitness =>
    explainRegisterEdge(txns, keys, perTxn, from, to, rel, a, b);
  return analyze({ checker: 'rw-register', txns, edges, opAnomalies, explain, keyCount: keys.length, options, startedMs });
}

/** Version-order inferences from per-key real-time order (linearizable) or process order (sequential). */
function addOrderInferences(
  txns: TxnTable,
  keys: RegKey[],
  perTxn: { key: number; read: unknown; readSeen: boolean; wrote: unknown; wroteAny: boolean }[][],
  linearizable: boolean,
  addEdge: (ks: RegKey, a: unknown, b: unknown) => void,
): void {
  const versionOf = (s: { read: unknown; readSeen: boolean; wrote: unknown; wroteAny: boolean }): unknown =>
    s.wroteAny ? s.wrote : s.readSeen ? s.read : undefined;
  if (!linearizable) {
    // Sequential: along each process, the version a transaction left on a key precedes (or is)
    // the version the process's next transaction on that key first sees.
    const last = new Map<string, unknown>();
    for (let t = 0; t < txns.count; t++) {
      if (txns.status[t] !== OK || txns.process[t]! < 0) continue;
      for (const s of perTxn[t]!) {
        const left = versionOf(s);
        if (left === undefined) continue;
        const k = `${txns.process[t]}:${s.key}`;
        const prev = last.get(k);
        if (prev !== undefined) addEdge(keys[s.key]!, prev, s.readSeen ? s.read : left);
        last.set(k, left);
      }
    }
    return;
  }
  // Linearizable: per key, a real-time frontier of completed transactions, as for realtime edges.
  type Ev = { pos: number; t: number; complete: boolean };
  const evs: Ev[] = [];
  for (let t = 0; t < txns.count; t++) {
    if (txns.status[t] !== OK) continue;
    evs.push({ pos: txns.invokePos[t]! * 2, t, complete: false });
    evs.push({ pos: txns.completePos[t]! * 2 + 1, t, complete: true });
  }
  evs.sort((a, b) => a.pos - b.pos);
  const frontier = new Map<number, Set<number>>(); // key -> txns
  const seenAtInvoke = new Map<number, Map<number, number[]>>(); // txn -> key -> frontier snapshot
  for (const e of evs) {
    const sts = perTxn[e.t]!;
    if (!e.complete) {
      const snap = new Map<number, number[]>();
      for (const s of sts) {
        const f = frontier.get(s.key);
        if (!f || f.size === 0) continue;
        const before = [...f];
        snap.set(s.key, before);
        const mine = s.readSeen ? s.read : versionOf(s);
        for (const u of before) {
          const us = perTxn[u]!.find((x) => x.key === s.key)!;
          const theirs = versionOf(us);
          if (theirs !== undefined && mine !== undefined) addEdge(keys[s.key]!, theirs, mine);
        }
      }
      seenAtInvoke.set(e.t, snap);
    } else {
      const snap = seenAtInvoke.get(e.t)!;
      seenAtInvoke.delete(e.t);
      for (const s of sts) {
        let f = frontier.get(s.key);
        if (!f) frontier.set(s.key, (f = new Set()));
        for (const u of snap.get(s.key) ?? []) f.delete(u);
        f.add(e.t);
      }
    }
  }
}

/** The versions on a cycle of a version graph, or null when it is acyclic (Kahn's algorithm). */
function cyclicVersions(next: Map<unknown, Set<unknown>>): unknown[] | null {
  const indeg = new Map<unknown, number>();
  for (const [a, bs] of next) {
    if (!indeg.has(a)) indeg.set(a, 0);
    for (const b of bs) indeg.set(b, (indeg.get(b) ?? 0) + 1);
  }
  const queue: unknown[] = [];
  for (const [v, d] of indeg) if (d === 0) queue.push(v);
  let removed = 0;
  while (queue.length) {
    const v = queue.pop();
    removed++;
    for (const b of next.get(v) ?? []) {
      const d = indeg.get(b)! - 1;
      indeg.set(b, d);
      if (d === 0) queue.push(b);
    }
  }
  if (removed === indeg.size) return null;
  return [...indeg].filter(([, d]) => d > 0).map(([v]) => v);
}

function explainRegisterEdge(
  txns: TxnTable,
  keys: RegKey[],
  perTxn: { key: number; read: unknown; readSeen: boolean; wrote: unknown; wroteAny: boolean }[][],
  from: number,
  to: number,
  rel: 'ww' | 'wr' | 'rw',
  a: string,
  b: string,
): EdgeWitness {
  const shown = (v: unknown): unknown => (v === INITIAL ? null : v);
  for (const sf of perTxn[from]!) {
    const st = perTxn[to]!.find((x) => x.key === sf.key);
    if (!st) continue;
    const ks = keys[sf.key]!;
    if (rel === 'wr' && st.readSeen && sf.wroteAny && st.read === sf.wrote) {
      return { key: ks.name, value: shown(sf.wrote), because: `${b} read ${a}'s write of ${show(shown(sf.wrote))} to key ${show(ks.name)}` };
    }
    if (rel === 'ww' && sf.wroteAny && st.wroteAny && ks.next.get(sf.wrote)?.has(st.wrote)) {
      return {
        key: ks.name,
        value: shown(st.wrote),
        prevValue: shown(sf.wrote),
        because: `${b}'s write of ${show(shown(st.wrote))} to key ${show(ks.name)} follows ${a}'s write of ${show(shown(sf.wrote))} in the key's version order`,
      };
    }
    if (rel === 'rw' && sf.readSeen && st.wroteAny && ks.next.get(sf.read)?.has(st.wrote)) {
      return {
        key: ks.name,
        value: shown(st.wrote),
        prevValue: shown(sf.read),
        because: `${a} read key ${show(ks.name)} as ${show(shown(sf.read))}, which precedes ${b}'s write of ${show(shown(st.wrote))}`,
      };
    }
  }
  return { because: rel === 'ww' ? `${b} overwrote ${a}` : rel === 'wr' ? `${b} observed ${a}` : `${a} did not observe ${b}` };
}
