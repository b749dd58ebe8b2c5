/**
 * The graph machinery against dumb alternatives on random small inputs:
 * - Tarjan's components against reachability computed by brute force;
 * - the named-cycle search against an enumeration of every simple cycle, classified by hand;
 * - the transitively reduced real-time edges against the full "completed before invoked" relation.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { CycleSearcher, parseCycleType } from '../../../checkers/transactional/cycles.js';
import {
  addRealtimeEdges,
  buildGraph,
  EdgeBuffer,
  L_PROCESS,
  L_REALTIME,
  L_RW,
  L_WR,
  L_WW,
  tarjan,
} from '../../../checkers/transactional/graph.js';
import type { Graph } from '../../../checkers/transactional/graph.js';
import { buildTxnTable } from '../../../checkers/transactional/txns.js';
import type { CycleAnomalyType } from '../../../checkers/transactional/types.js';
import { CYCLE_KINDS } from '../../../checkers/transactional/types.js';
import type { HistoryEvent } from '../../../checkers/history/types.js';

const ALL_TYPES: CycleAnomalyType[] = ['', '-process', '-realtime'].flatMap((f) =>
  CYCLE_KINDS.map((k) => `${k}${f}` as CycleAnomalyType),
);

const arbGraph = fc
  .integer({ min: 2, max: 6 })
  .chain((n) =>
    fc.record({
      n: fc.constant(n),
      edges: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1), fc.integer({ min: 1, max: 31 })), { maxLength: 14 }),
    }),
  );

function build({ n, edges }: { n: number; edges: [number, number, number][] }): Graph {
  const buf = new EdgeBuffer(4);
  for (const [a, b, bits] of edges) buf.add(a, b, bits);
  return buildGraph(n, buf);
}

function reach(g: Graph, mask: number): boolean[][] {
  const n = g.nodeCount;
  const r = Array.from({ length: n }, () => new Array<boolean>(n).fill(false));
  for (let v = 0; v < n; v++) for (let e = g.off[v]!; e < g.off[v + 1]!; e++) if ((1 << g.label[e]!) & mask) r[v]![g.adj[e]!] = true;
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (r[i]![k] && r[k]![j]) r[i]![j] = true;
  return r;
}

/** Every simple cycle, as the list of labels of its edges, with its node set. */
function simpleCycles(g: Graph): { nodes: number[]; labels: number[] }[] {
  const out: { nodes: number[]; labels: number[] }[] = [];
  const n = g.nodeCount;
  const walk = (start: number, v: number, nodes: number[], labels: number[]): void => {
    for (let e = g.off[v]!; e < g.off[v + 1]!; e++) {
      const w = g.adj[e]!;
      if (w === start) out.push({ nodes: [...nodes], labels: [...labels, g.label[e]!] });
      else if (w > start && !nodes.includes(w)) walk(start, w, [...nodes, w], [...labels, g.label[e]!]);
    }
  };
  for (let s = 0; s < n; s++) walk(s, s, [s], []);
  return out;
}

/** The anomaly type of a cycle, by hand, following the definitions. */
function classify(labels: number[]): CycleAnomalyType {
  const flavour = labels.includes(L_REALTIME) ? '-realtime' : labels.includes(L_PROCESS) ? '-process' : '';
  const rw = labels.filter((l) => l === L_RW).length;
  let kind: string;
  if (rw === 0) kind = labels.includes(L_WR) ? 'G1c' : 'G0';
  else if (rw === 1) kind = 'G-single';
  else {
    const adjacent = labels.some((l, i) => l === L_RW && labels[(i + 1) % labels.length] === L_RW);
    kind = adjacent ? 'G2-item' : 'G-nonadjacent';
  }
  return `${kind}${flavour}` as CycleAnomalyType;
}

describe('graph and cycle search against brute force', () => {
  test('Tarjan components are exactly the sets of mutually reachable nodes', () => {
    fc.assert(
      fc.property(arbGraph, (spec) => {
        const g = build(spec);
        const mask = 31;
        const { comp } = tarjan(g, mask);
        const r = reach(g, mask);
        for (let a = 0; a < spec.n; a++) {
          for (let b = 0; b < spec.n; b++) {
            if (a === b) continue;
            const mutual = r[a]![b]! && r[b]![a]!;
            expect(comp[a]! >= 0 && comp[a] === comp[b]).toBe(mutual);
          }
        }
      }),
      { numRuns: 300, seed: 42 },
    );
  });

  test('the search finds a cycle of a kind exactly when one exists, and what it finds is one', () => {
    fc.assert(
      fc.property(arbGraph, (spec) => {
        const g = build(spec);
        const { members } = tarjan(g, 31);
        const all = simpleCycles(g);
        const searcher = new CycleSearcher(g);
        for (const m of members) {
          const inComp = all.filter((c) => c.nodes.every((v) => m.includes(v)));
          for (const type of ALL_TYPES) {
            const expected = inComp.some((c) => classify(c.labels) === type);
            const found = searcher.find(type, m, 1e9);
            expect(found === 'timeout').toBe(false);
            expect(found !== null, `${type} in ${JSON.stringify(spec)}`).toBe(expected);
            if (found && found !== 'timeout') {
              expect(classify(found.labels)).toBe(type);
              expect(new Set(found.nodes).size).toBe(found.nodes.length);
              // Each step is an edge of the graph with that label.
              found.nodes.forEach((v, i) => {
                const w = found.nodes[(i + 1) % found.nodes.length]!;
                let ok = false;
                for (let e = g.off[v]!; e < g.off[v + 1]!; e++) if (g.adj[e] === w && g.label[e] === found.labels[i]) ok = true;
                expect(ok).toBe(true);
              });
              // Shortest through its first edge: no cycle of the type through that edge is shorter.
              const shorter = inComp.filter(
                (c) => classify(c.labels) === type && c.labels.length < found.labels.length,
              );
              for (const c of shorter) {
                const i = c.nodes.indexOf(found.nodes[0]!);
                const through = i >= 0 && c.nodes[(i + 1) % c.nodes.length] === found.nodes[1] && c.labels[i] === found.labels[0];
                expect(through).toBe(false);
              }
            }
          }
        }
      }),
      { numRuns: 400, seed: 7 },
    );
  });

  test('parseCycleType splits kind and flavour', () => {
    expect(parseCycleType('G-single-realtime')).toEqual({ kind: 'G-single', flavour: 'realtime' });
    expect(parseCycleType('G2-item-process')).toEqual({ kind: 'G2-item', flavour: 'process' });
    expect(parseCycleType('G0')).toEqual({ kind: 'G0', flavour: 'plain' });
  });

  test('real-time edges (through moment nodes) reach exactly the pairs where one completed before the other began', () => {
    const arbHistory = fc.array(fc.tuple(fc.nat(40), fc.integer({ min: 1, max: 12 }), fc.boolean()), { minLength: 2, maxLength: 10 });
    fc.assert(
      fc.property(arbHistory, (ops) => {
        // Lay out invocations and completions on a timeline of slots.
        const events: { at: number; e: Omit<HistoryEvent, 'index'> }[] = [];
        ops.forEach(([start, len, ok], p) => {
          events.push({ at: start * 2, e: { type: 'invoke', process: p, f: 'txn', value: [] } });
          events.push({ at: (start + len) * 2 + 1, e: { type: ok ? 'ok' : 'info', process: p, f: 'txn', value: [] } });
        });
        events.sort((a, b) => a.at - b.at);
        const h = events.map((x, i) => ({ ...x.e, index: i })) as HistoryEvent[];
        const txns = buildTxnTable(h, ['r']);
        const buf = new EdgeBuffer(4);
        const moments = addRealtimeEdges(txns, buf);
        const g = buildGraph(txns.count + moments, buf);
        // About three edges per transaction, however concurrent.
        expect(buf.length).toBeLessThanOrEqual(3 * txns.count);
        const r = reach(g, 1 << L_REALTIME);
        for (let a = 0; a < txns.count; a++) {
          for (let b = 0; b < txns.count; b++) {
            if (a === b) continue;
            const precedes = txns.status[a] === 0 && txns.completePos[a]! < txns.invokePos[b]!;
            expect(r[a]![b]).toBe(precedes);
          }
        }
      }),
      { numRuns: 300, seed: 3 },
    );
  });

  test('labels: ww beats wr beats rw, data beats process beats realtime', () => {
    const buf = new EdgeBuffer(4);
    buf.add(0, 1, 4);
    buf.add(0, 1, 1); // parallel edge: merged
    buf.add(1, 0, 16 | 8);
    buf.add(1, 2, 2 | 4);
    const g = buildGraph(3, buf);
    const label = (a: number, b: number): number => {
      for (let e = g.off[a]!; e < g.off[a + 1]!; e++) if (g.adj[e] === b) return g.label[e]!;
      return -1;
    };
    expect(label(0, 1)).toBe(L_WW);
    expect(label(1, 0)).toBe(L_PROCESS);
    expect(label(1, 2)).toBe(L_WR);
    expect(g.adj.length).toBe(3);
  });
});
