/**
 * The part of a `TxnCheckResult` that a report draws: each anomaly as a small graph of
 * transactions (a cycle with its dependency edges, a pair of transactions, or a sample of a
 * component known to hold a cycle) beside its sentences. Cycles come first: they are what the
 * graphs are for, and a run with many single-transaction anomalies (internal, lost-update...)
 * would otherwise bury them, or push them past the limit.
 */
import type { Anomaly, AnomalyType, Rel, TxnCheckResult, TxnRef } from './types.js';

/** At most this many anomalies are drawn. */
export const ANOMALIES_SHOWN = 50;
/** At most this many transactions of one cycle, and edges, are drawn. */
export const CYCLE_TXNS_SHOWN = 30;
export const CYCLE_EDGES_SHOWN = 60;
/** At most this many transactions of a component that holds a cycle are drawn. */
export const SAMPLE_TXNS_SHOWN = 12;

/** An edge between two transactions of a drawing, by their positions in `txns`. */
export interface TxnEdge {
  from: number;
  to: number;
  /** A dependency relation, or for a pair of transactions the anomaly's type. */
  rel: Rel | AnomalyType;
  /** The key of a data dependency (ww, wr, rw), when there is one. */
  key?: unknown;
}

/** One anomaly as a report draws it. */
export interface TxnAnomalyView {
  type: AnomalyType;
  /** The transactions drawn; T1 is `txns[0]`. */
  txns: TxnRef[];
  edges: TxnEdge[];
  /** The checker's explanation in plain sentences. */
  text: string;
}

/** What a report draws of a transactional result. */
export interface TxnView {
  anomalies: TxnAnomalyView[];
}

function anomalyView(a: Anomaly): TxnAnomalyView {
  if ('steps' in a) {
    const txns = a.txns.slice(0, CYCLE_TXNS_SHOWN);
    const edges: TxnEdge[] = [];
    for (const st of a.steps.slice(0, CYCLE_EDGES_SHOWN)) {
      if (st.from >= txns.length || st.to >= txns.length) continue;
      const dataDep = st.rel === 'ww' || st.rel === 'wr' || st.rel === 'rw';
      edges.push({ from: st.from, to: st.to, rel: st.rel, ...(dataDep && st.key !== undefined && st.key !== null ? { key: st.key } : {}) });
    }
    return { type: a.type, txns, edges, text: a.text };
  }
  if ('txn' in a) {
    // The other transaction (the writer of what was read, the first updater) leads to this one.
    if (a.other) return { type: a.type, txns: [a.txn, a.other], edges: [{ from: 1, to: 0, rel: a.type }], text: a.text };
    return { type: a.type, txns: [a.txn], edges: [], text: a.text };
  }
  if ('sample' in a) return { type: a.type, txns: a.sample.slice(0, SAMPLE_TXNS_SHOWN), edges: [], text: a.text };
  return { type: a.type, txns: [], edges: [], text: a.text };
}

/** The anomalies of a result to draw, cycles first, at most ANOMALIES_SHOWN. */
export function txnView(result: Pick<TxnCheckResult, 'anomalies'>): TxnView {
  const all: Anomaly[] = [];
  for (const list of Object.values(result.anomalies)) if (list) all.push(...list);
  const isCycle = (a: Anomaly) => 'steps' in a;
  // A stable sort: within cycles and within the rest, the checker's order stays.
  all.sort((x, y) => Number(isCycle(y)) - Number(isCycle(x)));
  return { anomalies: all.slice(0, ANOMALIES_SHOWN).map(anomalyView) };
}

/** Whether a value read back from results.json is a transactional checker's result. */
export function isTxnCheckResult(v: unknown): v is TxnCheckResult {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  if (o.checker !== 'list-append' && o.checker !== 'rw-register') return false;
  if (typeof o.anomalies !== 'object' || o.anomalies === null) return false;
  return Object.values(o.anomalies).every((list) => Array.isArray(list) && list.every(isAnomaly));
}

function isTxnRef(v: unknown): v is TxnRef {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  return typeof t.index === 'number' && typeof t.eventIndex === 'number' && Array.isArray(t.value);
}

function isAnomaly(v: unknown): v is Anomaly {
  if (typeof v !== 'object' || v === null) return false;
  const a = v as Record<string, unknown>;
  if (typeof a.type !== 'string' || typeof a.text !== 'string') return false;
  if ('steps' in a) {
    return (
      Array.isArray(a.txns) && a.txns.every(isTxnRef) && Array.isArray(a.steps) &&
      a.steps.every((s) => typeof s === 'object' && s !== null && typeof (s as Record<string, unknown>).from === 'number' && typeof (s as Record<string, unknown>).to === 'number' && typeof (s as Record<string, unknown>).rel === 'string')
    );
  }
  if ('txn' in a) return isTxnRef(a.txn) && (a.other === undefined || isTxnRef(a.other));
  if ('sample' in a) return Array.isArray(a.sample) && a.sample.every(isTxnRef);
  return true;
}
