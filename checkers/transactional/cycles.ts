/**
 * The search for named dependency cycles inside one strongly connected component.
 *
 * Every cycle of the graph is one of Adya's kinds, by its edges (each edge counted as its most
 * severe relation, ww before wr before rw, data before process before realtime):
 *   G0             ww edges only
 *   G1c            ww and wr edges, at least one wr
 *   G-single       exactly one rw edge
 *   G-nonadjacent  two or more rw edges, no two of them adjacent
 *   G2-item        two rw edges next to each other
 * and `-process` / `-realtime` when it needs process-order or real-time edges.
 *
 * A search for one kind picks a start edge of the kind's special relation (a -> b) and runs a
 * breadth-first search from b back to a over a product of nodes and a few bits of automaton state
 * (was the last edge rw, has an adjacent rw pair been seen, was a process/realtime edge used), so
 * the cycle it returns is the shortest one of that kind through that start edge. A shortest walk
 * may pass a node twice in two automaton states; it is then split into simple cycles, and when
 * none has the kind, a depth-first search over simple paths settles it. Before all that, the
 * component is split again by the kind's allowed relations (Tarjan), because a cycle lies inside
 * one such sub-component; start edges that cross sub-components are skipped. Edge visits are
 * counted against a budget; running out yields 'timeout', never a wrong answer.
 */
import type { Graph } from './graph.js';
import { L_PROCESS, L_REALTIME, L_RW, L_WR, L_WW, tarjan } from './graph.js';
import type { CycleAnomalyType, CycleKind } from './types.js';

/** A cycle as nodes and the label of each edge: `nodes[i] -> nodes[(i+1) % n]` has `labels[i]`. */
export interface FoundCycle {
  nodes: number[];
  labels: number[];
}

type Flavour = 'plain' | 'process' | 'realtime';

/** Splits an anomaly type into its kind and flavour. */
export function parseCycleType(t: CycleAnomalyType): { kind: CycleKind; flavour: Flavour } {
  if (t.endsWith('-process')) return { kind: t.slice(0, -'-process'.length) as CycleKind, flavour: 'process' };
  if (t.endsWith('-realtime')) return { kind: t.slice(0, -'-realtime'.length) as CycleKind, flavour: 'realtime' };
  return { kind: t as CycleKind, flavour: 'plain' };
}

// Automaton state bits.
const LAST_RW = 1;
const MARK = 2; // G1c-flavoured: a wr edge seen; G-nonadjacent: two rw edges; G2-item: adjacent rw pair
const FLV = 4; // the flavour's own edge kind was used
const STATES = 8;

interface Spec {
  /** Labels a cycle of this kind may use (bit 1 << label). */
  allowed: number;
  /** The label of the start edge. */
  startLabel: number;
  /** Initial state after the start edge. */
  s0: number;
  /** The flavour label the cycle must contain (-1: none). */
  needs: number;
  kind: CycleKind;
  type: CycleAnomalyType;
}

function specFor(type: CycleAnomalyType): Spec {
  const { kind, flavour } = parseCycleType(type);
  const flavourLabels = flavour === 'plain' ? 0 : flavour === 'process' ? 1 << L_PROCESS : (1 << L_PROCESS) | (1 << L_REALTIME);
  const needs = flavour === 'plain' ? -1 : flavour === 'process' ? L_PROCESS : L_REALTIME;
  const data =
    kind === 'G0' ? 1 << L_WW : kind === 'G1c' ? (1 << L_WW) | (1 << L_WR) : (1 << L_WW) | (1 << L_WR) | (1 << L_RW);
  let startLabel: number;
  if (kind === 'G0') startLabel = needs >= 0 ? needs : L_WW;
  else if (kind === 'G1c') startLabel = needs >= 0 ? needs : L_WR;
  else startLabel = L_RW;
  let s0 = 0;
  if (startLabel === L_RW) s0 |= LAST_RW;
  if (needs >= 0 && startLabel === needs) s0 |= FLV;
  if (kind === 'G1c' && startLabel === L_WR) s0 |= MARK;
  return { allowed: data | flavourLabels, startLabel, s0, needs, kind, type };
}

/** The state after taking an edge with `label`; -1 when the kind forbids it. `closing`: the edge leads back to the start. */
function step(spec: Spec, s: number, label: number, closing: boolean): number {
  let t = s;
  if (label === spec.needs) t |= FLV;
  // A realtime-flavoured cycle may use process edges, but must use at least one realtime edge.
  switch (spec.kind) {
    case 'G0':
      return t & ~LAST_RW;
    case 'G1c':
      if (label === L_WR) t |= MARK;
      return t;
    case 'G-single':
      if (label === L_RW) return -1;
      return t;
    case 'G-nonadjacent':
      if (label === L_RW) {
        if (s & LAST_RW || closing) return -1;
        return t | LAST_RW | MARK;
      }
      return t & ~LAST_RW;
    case 'G2-item':
      if (label === L_RW) {
        if (s & LAST_RW || closing) t |= MARK;
        return t | LAST_RW;
      }
      return t & ~LAST_RW;
  }
}

function accepting(spec: Spec, s: number): boolean {
  if (spec.needs >= 0 && !(s & FLV)) return false;
  if (spec.kind === 'G1c' || spec.kind === 'G-nonadjacent' || spec.kind === 'G2-item') return (s & MARK) !== 0;
  return true;
}

/** Scratch space for searches; one per graph, reused for every component. */
export class CycleSearcher {
  /** Node -> its position in the component being searched, or -1. */
  private readonly local: Int32Array;
  private members: Int32Array = new Int32Array(0);
  private stamp: Uint32Array = new Uint32Array(0);
  private parent: Int32Array = new Int32Array(0);
  private queue: Int32Array = new Int32Array(0);
  private epoch = 0;

  constructor(private readonly g: Graph) {
    this.local = new Int32Array(g.nodeCount).fill(-1);
  }

  /**
   * Looks for a cycle of `type` among `members` (one strongly connected component of the graph).
   * Returns the cycle, null when there is none, or 'timeout' when `budget` edge visits ran out.
   */
  find(type: CycleAnomalyType, members: Int32Array, budget: number): FoundCycle | null | 'timeout' {
    const g = this.g;
    const spec = specFor(type);
    const m = members.length;
    const local = this.local;
    this.members = members;
    for (let i = 0; i < m; i++) local[members[i]!] = i;
    try {
      // Split by the allowed labels: a cycle lies inside one sub-component.
      const sub = tarjan(g, spec.allowed, members, local);
      if (sub.members.length === 0) return null;
      let spent = m;
      if (this.stamp.length < m * STATES) {
        this.stamp = new Uint32Array(m * STATES);
        this.parent = new Int32Array(m * STATES);
        this.queue = new Int32Array(m * STATES);
        this.epoch = 0;
      }
      // G-single: first try rw edges whose ends share a ww/wr sub-component (a cycle surely exists).
      let inner: Int32Array | null = null;
      if (spec.kind === 'G-single') {
        inner = tarjan(g, spec.allowed & ~(1 << L_RW), members, local).comp;
        spent += m;
      }
      for (let pass = inner ? 0 : 1; pass < 2; pass++) {
        for (let c = 0; c < sub.members.length; c++) {
          const subMembers = sub.members[c]!;
          for (let i = 0; i < subMembers.length; i++) {
            const a = subMembers[i]!;
            const la = local[a]!;
            for (let e = g.off[a]!; e < g.off[a + 1]!; e++) {
              if (g.label[e] !== spec.startLabel) continue;
              const b = g.adj[e]!;
              const lb = local[b]!;
              if (lb < 0 || sub.comp[lb] !== c) continue;
              if (inner) {
                const same = inner[la]! >= 0 && inner[la] === inner[lb];
                if ((pass === 0) !== same) continue;
              }
              if (spent >= budget) return 'timeout';
              const r = this.bfs(spec, a, b, sub.comp, c, budget - spent);
              spent += r.cost;
              if (r.cycle) return r.cycle;
              if (spent >= budget) return 'timeout';
            }
          }
        }
      }
      return null;
    } finally {
      for (let i = 0; i < m; i++) local[members[i]!] = -1;
    }
  }

  private bfs(
    spec: Spec,
    a: number,
    b: number,
    comp: Int32Array,
    c: number,
    budget: number,
  ): { cycle: FoundCycle | null; cost: number } {
    const g = this.g;
    const local = this.local;
    const members = this.members;
    const stamp = this.stamp;
    const parent = this.parent;
    const queue = this.queue;
    if (++this.epoch === 0xffffffff) {
      stamp.fill(0);
      this.epoch = 1;
    }
    const epoch = this.epoch;
    let head = 0;
    let tail = 0;
    let cost = 0;
    const startCode = local[b]! * STATES + spec.s0;
    stamp[startCode] = epoch;
    parent[startCode] = -1;
    queue[tail++] = startCode;
    const allowed = spec.allowed;
    let nonSimple = false;
    while (head < tail) {
      const code = queue[head++]!;
      const li = (code / STATES) | 0;
      const s = code - li * STATES;
      const v = members[li]!;
      for (let e = g.off[v]!; e < g.off[v + 1]!; e++) {
        cost++;
        const lab = g.label[e]!;
        if (((1 << lab) & allowed) === 0) continue;
        const w = g.adj[e]!;
        const lw = local[w]!;
        if (lw < 0 || comp[lw] !== c) continue;
        const closing = w === a;
        const t = step(spec, s, lab, closing);
        if (t < 0) continue;
        const wc = lw * STATES + t;
        if (stamp[wc] === epoch) continue;
        stamp[wc] = epoch;
        parent[wc] = code;
        if (closing) {
          if (accepting(spec, t)) {
            // The shortest accepted walk may pass a node twice (in two automaton states). Then
            // it is several simple cycles; use one of the right kind, else search simple paths.
            const walk = this.rebuild(spec, a, wc);
            const simple = simpleCycleOfType(walk, spec.type);
            if (simple) return { cycle: simple, cost };
            nonSimple = true;
          }
          continue; // never walk through the start node
        }
        queue[tail++] = wc;
      }
      if (cost > budget) return { cycle: null, cost };
    }
    if (nonSimple) {
      const r = this.dfsSimple(spec, a, b, comp, c, budget - cost);
      return { cycle: r.cycle, cost: cost + r.cost };
    }
    return { cycle: null, cost };
  }

  /**
   * Depth-first search over simple paths from b back to a, for when breadth-first search only
   * found walks that repeat a node. Exponential in the worst case, so bounded by the budget.
   */
  private dfsSimple(
    spec: Spec,
    a: number,
    b: number,
    comp: Int32Array,
    c: number,
    budget: number,
  ): { cycle: FoundCycle | null; cost: number } {
    const g = this.g;
    const local = this.local;
    const pathNodes: number[] = [a, b];
    const pathLabels: number[] = [spec.startLabel];
    const states: number[] = [spec.s0];
    const edgeAt: number[] = [g.off[b]!];
    const onPath = new Set<number>([a, b]);
    let cost = 0;
    while (edgeAt.length > 0) {
      const depth = edgeAt.length - 1;
      const v = pathNodes[depth + 1]!;
      const e = edgeAt[depth]!;
      if (e >= g.off[v + 1]!) {
        edgeAt.pop();
        states.pop();
        pathLabels.pop();
        onPath.delete(pathNodes.pop()!);
        continue;
      }
      edgeAt[depth] = e + 1;
      if (++cost > budget) return { cycle: null, cost };
      const lab = g.label[e]!;
      if (((1 << lab) & spec.allowed) === 0) continue;
      const w = g.adj[e]!;
      const lw = local[w]!;
      if (lw < 0 || comp[lw] !== c) continue;
      const closing = w === a;
      if (!closing && onPath.has(w)) continue;
      const t = step(spec, states[depth]!, lab, closing);
      if (t < 0) continue;
      if (closing) {
        if (accepting(spec, t)) return { cycle: { nodes: pathNodes.slice(), labels: [...pathLabels, lab] }, cost };
        continue;
      }
      pathNodes.push(w);
      pathLabels.push(lab);
      states.push(t);
      edgeAt.push(g.off[w]!);
      onPath.add(w);
    }
    return { cycle: null, cost };
  }

  private rebuild(spec: Spec, a: number, endCode: number): FoundCycle {
    // Walk parents back to the start node b, collecting the nodes between b and a.
    const rev: number[] = [];
    let code = this.parent[endCode]!;
    while (code >= 0) {
      rev.push(this.members[(code / STATES) | 0]!);
      code = this.parent[code]!;
    }
    const nodes = [a, ...rev.reverse()];
    // The adjacency has one entry per pair of nodes, so each step's label is that entry's label.
    const labels: number[] = [];
    for (let i = 0; i < nodes.length; i++) {
      labels.push(i === 0 ? spec.startLabel : edgeLabel(this.g, nodes[i]!, nodes[(i + 1) % nodes.length]!));
    }
    return { nodes, labels };
  }
}

/** The anomaly type of a simple cycle with these edge labels, by definition. */
export function classifyCycle(labels: readonly number[]): CycleAnomalyType {
  const flavour = labels.includes(L_REALTIME) ? '-realtime' : labels.includes(L_PROCESS) ? '-process' : '';
  let rw = 0;
  let adjacent = false;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== L_RW) continue;
    rw++;
    if (labels[(i + 1) % labels.length] === L_RW) adjacent = true;
  }
  let kind: CycleKind;
  if (rw === 0) kind = labels.includes(L_WR) ? 'G1c' : 'G0';
  else if (rw === 1) kind = 'G-single';
  else kind = adjacent ? 'G2-item' : 'G-nonadjacent';
  return `${kind}${flavour}` as CycleAnomalyType;
}

/** Splits a closed walk into simple cycles and returns one of the given type, if any. */
export function simpleCycleOfType(walk: FoundCycle, type: CycleAnomalyType): FoundCycle | null {
  const k = walk.nodes.length;
  if (new Set(walk.nodes).size === k) return classifyCycle(walk.labels) === type ? walk : null;
  const stackNodes: number[] = [walk.nodes[0]!];
  const stackLabels: number[] = [];
  for (let i = 0; i < k; i++) {
    stackLabels.push(walk.labels[i]!);
    const w = walk.nodes[(i + 1) % k]!;
    const j = stackNodes.indexOf(w);
    if (j >= 0) {
      const cyc = { nodes: stackNodes.slice(j), labels: stackLabels.slice(j) };
      if (classifyCycle(cyc.labels) === type) return cyc;
      stackNodes.length = j + 1;
      stackLabels.length = j;
    } else {
      stackNodes.push(w);
    }
  }
  return null;
}

/** The label of the adjacency entry from -> to (there is exactly one). */
export function edgeLabel(g: Graph, from: number, to: number): number {
  for (let e = g.off[from]!; e < g.off[from + 1]!; e++) if (g.adj[e] === to) return g.label[e]!;
  throw new Error(`no edge ${from} -> ${to}`);
}

/** The relation bits of the adjacency entry from -> to. */
export function edgeBits(g: Graph, from: number, to: number): number {
  for (let e = g.off[from]!; e < g.off[from + 1]!; e++) if (g.adj[e] === to) return g.bits[e]!;
  return 0;
}
