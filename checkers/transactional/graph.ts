/**
 * The transaction dependency graph: edges in flat typed arrays, a compressed adjacency (CSR) with
 * one entry per (source, target) pair carrying a bit set of relations, and an iterative Tarjan
 * strongly-connected-components pass that handles a million transactions without recursion.
 *
 * Edges are never objects: `EdgeBuffer` grows two Int32Arrays and one Uint8Array. The witness of
 * an edge (which key, which value) is recomputed only for the few edges that end up in a reported
 * cycle, so the hot path stores nothing per edge but its endpoints and relation bits.
 */
import type { Rel } from './types.js';
import type { TxnTable } from './txns.js';
import { FAIL, OK } from './txns.js';

/** Relation bits. */
export const WW = 1;
export const WR = 2;
export const RW = 4;
export const PROCESS = 8;
export const REALTIME = 16;
export const DATA = WW | WR | RW;

/** Effective labels: an edge with several relations counts as its most severe one. */
export const L_WW = 0;
export const L_WR = 1;
export const L_RW = 2;
export const L_PROCESS = 3;
export const L_REALTIME = 4;
export const LABEL_NAMES: Rel[] = ['ww', 'wr', 'rw', 'process', 'realtime'];

/** The label an edge with relation bits `bits` counts as. */
export function labelOf(bits: number): number {
  if (bits & WW) return L_WW;
  if (bits & WR) return L_WR;
  if (bits & RW) return L_RW;
  if (bits & PROCESS) return L_PROCESS;
  return L_REALTIME;
}

/** A growable list of edges. */
export class EdgeBuffer {
  src: Int32Array;
  dst: Int32Array;
  rel: Uint8Array;
  length = 0;

  /** `capacity`: the expected number of edges, to avoid regrowing large arrays. */
  constructor(capacity = 1024) {
    const cap = Math.max(16, Math.ceil(capacity));
    this.src = new Int32Array(cap);
    this.dst = new Int32Array(cap);
    this.rel = new Uint8Array(cap);
  }

  add(from: number, to: number, rel: number): void {
    if (from === to) return;
    if (this.length === this.src.length) this.grow();
    const i = this.length++;
    this.src[i] = from;
    this.dst[i] = to;
    this.rel[i] = rel;
  }

  private grow(): void {
    const cap = Math.ceil(this.src.length * 1.5);
    const s = new Int32Array(cap);
    s.set(this.src);
    this.src = s;
    const d = new Int32Array(cap);
    d.set(this.dst);
    this.dst = d;
    const r = new Uint8Array(cap);
    r.set(this.rel);
    this.rel = r;
  }
}

/** Compressed adjacency: the targets of node v are `adj[off[v]..off[v+1])`, with relation bits `bits`. */
export interface Graph {
  nodeCount: number;
  off: Int32Array;
  adj: Int32Array;
  bits: Uint8Array;
  /** The effective label of each entry ({@link labelOf}). */
  label: Uint8Array;
}

/** Builds the adjacency, merging parallel edges into one entry whose bits are the union. */
export function buildGraph(nodeCount: number, edges: EdgeBuffer): Graph {
  const m = edges.length;
  const deg = new Int32Array(nodeCount + 1);
  for (let i = 0; i < m; i++) deg[edges.src[i]! + 1]!++;
  for (let v = 0; v < nodeCount; v++) deg[v + 1]! += deg[v]!;
  // deg[v] is now where v's entries start. Placing each entry moves deg[s] on, so that after
  // the loop deg[v] is where v's entries end; shifting by one restores the starts. This spares a
  // second array the size of the node count (see countTxnRows for why that matters).
  const tmpAdj = new Int32Array(m);
  const tmpBits = new Uint8Array(m);
  for (let i = 0; i < m; i++) {
    const s = edges.src[i]!;
    const at = deg[s]!++;
    tmpAdj[at] = edges.dst[i]!;
    tmpBits[at] = edges.rel[i]!;
  }
  deg.copyWithin(1, 0, nodeCount);
  deg[0] = 0;
  // Merge duplicates per source with a "where did I put target t" marker.
  const slotOf = new Int32Array(nodeCount).fill(-1);
  const off = new Int32Array(nodeCount + 1);
  let w = 0;
  for (let v = 0; v < nodeCount; v++) {
    off[v] = w;
    const start = w;
    for (let i = deg[v]!; i < deg[v + 1]!; i++) {
      const t = tmpAdj[i]!;
      const slot = slotOf[t]!;
      if (slot >= start && slot < w && tmpAdj[slot] === t) {
        tmpBits[slot]! |= tmpBits[i]!;
      } else {
        tmpAdj[w] = t;
        tmpBits[w] = tmpBits[i]!;
        slotOf[t] = w;
        w++;
      }
    }
  }
  off[nodeCount] = w;
  // Views, not copies: a copy of a large array costs time and can trigger a full collection.
  const adj = tmpAdj.subarray(0, w);
  const bits = tmpBits.subarray(0, w);
  const label = new Uint8Array(w);
  for (let i = 0; i < w; i++) label[i] = labelOf(bits[i]!);
  return { nodeCount, off, adj, bits, label };
}

/** Strongly connected components with at least two nodes. */
export interface Sccs {
  /**
   * Component number per node (per position in `roots` when roots were given), or -1 for nodes in
   * no component of two or more.
   */
  comp: Int32Array;
  /** The nodes of each component. */
  members: Int32Array[];
}

/**
 * Tarjan's algorithm without recursion, over the entries whose label is in `labelMask` (bit
 * 1 << label). Without `roots`, over the whole graph. With `roots`, only over those nodes:
 * `localOf` must map each root to its position in `roots` and every other node to -1, and the
 * arrays used are sized by the roots, so many small searches stay cheap.
 */
export function tarjan(g: Graph, labelMask: number, roots?: Int32Array, localOf?: Int32Array): Sccs {
  const size = roots ? roots.length : g.nodeCount;
  const index = new Int32Array(size).fill(-1);
  const low = new Int32Array(size);
  const onStack = new Uint8Array(size);
  const stack = new Int32Array(size); // local ids
  const callNode = new Int32Array(size); // local ids
  const callEdge = new Int32Array(size);
  const comp = new Int32Array(size).fill(-1);
  const members: Int32Array[] = [];
  let sp = 0;
  let csp = 0;
  let counter = 0;
  const { off, adj, label } = g;
  const globalOf = (l: number): number => (roots ? roots[l]! : l);
  for (let r = 0; r < size; r++) {
    if (index[r] !== -1) continue;
    index[r] = low[r] = counter++;
    stack[sp++] = r;
    onStack[r] = 1;
    callNode[csp] = r;
    callEdge[csp] = off[globalOf(r)]!;
    csp++;
    while (csp > 0) {
      const lv = callNode[csp - 1]!;
      const v = globalOf(lv);
      let e = callEdge[csp - 1]!;
      const end = off[v + 1]!;
      let descended = false;
      while (e < end) {
        const w = adj[e]!;
        const lab = label[e]!;
        e++;
        if (((1 << lab) & labelMask) === 0) continue;
        const lw = localOf ? localOf[w]! : w;
        if (lw < 0) continue;
        if (index[lw] === -1) {
          callEdge[csp - 1] = e;
          index[lw] = low[lw] = counter++;
          stack[sp++] = lw;
          onStack[lw] = 1;
          callNode[csp] = lw;
          callEdge[csp] = off[w]!;
          csp++;
          descended = true;
          break;
        } else if (onStack[lw] && index[lw]! < low[lv]!) {
          low[lv] = index[lw]!;
        }
      }
      if (descended) continue;
      // lv is finished.
      csp--;
      if (low[lv] === index[lv]) {
        let i = sp - 1;
        while (stack[i] !== lv) i--;
        const n = sp - i;
        if (n >= 2) {
          const id = members.length;
          const mem = new Int32Array(n);
          for (let k = 0; k < n; k++) {
            const l = stack[i + k]!;
            comp[l] = id;
            mem[k] = globalOf(l);
          }
          members.push(mem);
        }
        for (let k = i; k < sp; k++) onStack[stack[k]!] = 0;
        sp = i;
      }
      if (csp > 0) {
        const parent = callNode[csp - 1]!;
        if (low[lv]! < low[parent]!) low[parent] = low[lv]!;
      }
    }
  }
  return { comp, members };
}

/**
 * Adds process-order edges: each transaction precedes the next one its process invoked.
 * Failed transactions take no part.
 */
export function addProcessEdges(txns: TxnTable, edges: EdgeBuffer): void {
  const last = new Int32Array(txns.processCount).fill(-1);
  for (let t = 0; t < txns.count; t++) {
    if (txns.status[t] === FAIL) continue;
    const p = txns.process[t]!;
    if (p < 0) continue;
    const prev = last[p]!;
    if (prev >= 0) edges.add(prev, t, PROCESS);
    last[p] = t;
  }
}

/**
 * Adds the real-time order: T1 precedes T2 when T1 completed before T2 was invoked. Listing those
 * pairs takes up to (concurrency x transactions) edges, so the order is encoded instead through
 * "moment" nodes numbered from `txns.count` up: each completion links its transaction to the
 * current moment, moments form a chain in time, and each invocation links the latest moment to
 * its transaction. T1 reaches T2 through moments exactly when T1 completed before T2 began, with
 * about three edges per transaction. Completions with no invocation between them share a moment.
 * A path through moments counts as one real-time edge when cycles are explained. Failed and
 * never-completed transactions precede nothing. Returns the number of moment nodes added.
 */
export function addRealtimeEdges(txns: TxnTable, edges: EdgeBuffer): number {
  const n = txns.count;
  // Walk the history positions in order; each position is one transaction's invocation or
  // completion (a completion recorded without its invocation is both, invocation first).
  const txnAtPos = new Int32Array(Math.max(1, maxPos(txns) + 1)).fill(-1);
  for (let t = 0; t < n; t++) {
    if (txns.status[t] === FAIL) continue;
    txnAtPos[txns.invokePos[t]!] = t;
    if (txns.status[t] === OK) txnAtPos[txns.completePos[t]!] = t;
  }
  let moments = 0;
  let current = -1; // the latest moment node
  let published = true; // an invocation has been linked from `current`
  for (let pos = 0; pos < txnAtPos.length; pos++) {
    const t = txnAtPos[pos]!;
    if (t < 0) continue;
    if (txns.invokePos[t] === pos) {
      if (current >= 0) {
        edges.add(current, t, REALTIME);
        published = true;
      }
    }
    if (txns.status[t] === OK && txns.completePos[t] === pos) {
      if (published) {
        const next = n + moments++;
        if (current >= 0) edges.add(current, next, REALTIME);
        current = next;
        published = false;
      }
      edges.add(t, current, REALTIME);
    }
  }
  return moments;
}

function maxPos(txns: TxnTable): number {
  let m = 0;
  for (let t = 0; t < txns.count; t++) {
    if (txns.invokePos[t]! > m) m = txns.invokePos[t]!;
    if (txns.status[t] === OK && txns.completePos[t]! > m) m = txns.completePos[t]!;
  }
  return m;
}
