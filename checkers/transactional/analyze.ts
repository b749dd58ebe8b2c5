/**
 * The part both transactional checkers share: given the transactions, their data-dependency
 * edges and the anomalies found without cycles, add process and real-time edges when the chosen
 * model needs them, find the strongly connected components, name the cycles in each, explain
 * them, and decide the verdict and the models ruled out.
 *
 * Only the anomaly kinds the chosen model prohibits are searched for, and within a component a
 * kind is skipped once a more severe anomaly that implies it has been found there (a G0 cycle is
 * already a G1c one), so that each component is described by its worst cycles.
 */
import type { EdgeBuffer } from './graph.js';
import { addProcessEdges, addRealtimeEdges, buildGraph, L_PROCESS, L_REALTIME, L_RW, L_WR, L_WW, LABEL_NAMES, PROCESS, REALTIME, RW, tarjan, WR, WW } from './graph.js';
import type { FoundCycle } from './cycles.js';
import { CycleSearcher, edgeBits } from './cycles.js';
import { anomaliesProhibitedBy, boundary, impliedAnomalies } from './models.js';
import type { TxnTable } from './txns.js';
import { FAIL, INFO, OK, showOp, txnRef } from './txns.js';
import type {
  Anomaly,
  AnomalyType,
  ConsistencyModel,
  CycleAnomaly,
  CycleAnomalyType,
  CycleExistsType,
  CycleStep,
  OpAnomaly,
  Rel,
  TxnCheckOptions,
  TxnCheckResult,
} from './types.js';
import { CYCLE_KINDS } from './types.js';

/** Explains one data edge: which key and values make `from` precede `to`. */
export interface EdgeWitness {
  key?: unknown;
  value?: unknown;
  prevValue?: unknown;
  /** The reason, with the transactions' names filled in: "T2 observed T1's append of 3 to key x". */
  because: string;
}

/** Supplied by each checker to explain its data edges. */
export type EdgeExplainer = (from: number, to: number, rel: 'ww' | 'wr' | 'rw', fromName: string, toName: string) => EdgeWitness;

export interface AnalyzeInput {
  checker: 'list-append' | 'rw-register';
  txns: TxnTable;
  /** Data-dependency edges (ww, wr, rw) already inferred by the checker. */
  edges: EdgeBuffer;
  opAnomalies: OpAnomaly[];
  explain: EdgeExplainer;
  keyCount: number;
  options: TxnCheckOptions;
  startedMs: number;
}

export const DEFAULT_MODEL: ConsistencyModel = 'strict-serializable';
export const DEFAULT_BUDGET = 2_000_000;
export const DEFAULT_MAX_EXAMPLES = 8;

/** Runs the graph part of a check and assembles the result. */
export function analyze(input: AnalyzeInput): TxnCheckResult {
  const { txns, edges, options } = input;
  const model = options.consistencyModel ?? DEFAULT_MODEL;
  const budget = options.cycleSearchBudget ?? DEFAULT_BUDGET;
  const maxExamples = options.maxExamplesPerType ?? DEFAULT_MAX_EXAMPLES;
  const prohibited = anomaliesProhibitedBy(model);
  const searchTypes: CycleAnomalyType[] = [];
  for (const flavour of ['', '-process', '-realtime']) {
    for (const k of CYCLE_KINDS) {
      const t = `${k}${flavour}` as CycleAnomalyType;
      if (prohibited.has(t)) searchTypes.push(t);
    }
  }
  const needProcess = searchTypes.some((t) => t.endsWith('-process') || t.endsWith('-realtime'));
  const needRealtime = searchTypes.some((t) => t.endsWith('-realtime'));
  if (needProcess) addProcessEdges(txns, edges);
  // Real-time order goes through "moment" nodes numbered from txns.count (see addRealtimeEdges).
  const moments = needRealtime ? addRealtimeEdges(txns, edges) : 0;
  const g = buildGraph(txns.count + moments, edges);
  let mask = (1 << L_WW) | (1 << L_WR) | (1 << L_RW);
  if (needProcess) mask |= 1 << L_PROCESS;
  if (needRealtime) mask |= 1 << L_REALTIME;
  const sccs = tarjan(g, mask);

  const anomalies: Partial<Record<AnomalyType, Anomaly[]>> = {};
  const add = (a: Anomaly): void => {
    const list = (anomalies[a.type] ??= []);
    if (list.length < maxExamples) list.push(a);
  };
  const typeCount = new Map<AnomalyType, number>();
  const note = (t: AnomalyType): void => {
    typeCount.set(t, (typeCount.get(t) ?? 0) + 1);
  };
  for (const a of input.opAnomalies) {
    add(a);
    note(a.type);
  }

  const searcher = new CycleSearcher(g);
  let largest = 0;
  for (const members of sccs.members) {
    let real = 0;
    for (let i = 0; i < members.length; i++) if (members[i]! < txns.count) real++;
    if (real > largest) largest = real;
    const foundHere: AnomalyType[] = [];
    let timedOut = false;
    for (const type of searchTypes) {
      if (impliedAnomalies(foundHere).has(type)) continue;
      // Enough examples of this type already, and its presence is known.
      if ((typeCount.get(type) ?? 0) >= maxExamples) {
        foundHere.push(type);
        continue;
      }
      const late = options.timeLimitMs !== undefined && performance.now() - input.startedMs >= options.timeLimitMs;
      const r = late ? 'timeout' : searcher.find(type, members, budget);
      if (r === 'timeout') {
        timedOut = true;
        add({
          type: 'cycle-search-timeout',
          anomalySpecType: type,
          sccSize: real,
          reason: late ? 'time-limit' : 'budget',
          text: late
            ? `The search for a ${type} cycle among ${real} transactions was not run: the check reached its time limit of ${options.timeLimitMs} ms.`
            : `The search for a ${type} cycle among ${real} transactions ran out of its budget of ${budget} edge visits.`,
        });
        note('cycle-search-timeout');
      } else if (r !== null) {
        foundHere.push(type);
        note(type);
        add(explainCycle(input, g, type, r));
      }
    }
    if (foundHere.length === 0 && timedOut) {
      // A cycle exists (this is a component) but could not be named: say which graph it is in.
      const local = new Int32Array(g.nodeCount).fill(-1);
      for (let i = 0; i < members.length; i++) local[members[i]!] = i;
      const dataMask = (1 << L_WW) | (1 << L_WR) | (1 << L_RW);
      let kind: CycleExistsType = 'strict-serializable-cycle-exists';
      if (tarjan(g, dataMask, members, local).members.length > 0) kind = 'serializable-cycle-exists';
      else if (tarjan(g, dataMask | (1 << L_PROCESS), members, local).members.length > 0) kind = 'strong-session-serializable-cycle-exists';
      note(kind);
      add({
        type: kind,
        sccSize: real,
        sample: Array.from(members.filter((t) => t < txns.count).slice(0, 5), (t) => txnRef(txns, t)),
        text: `${real} transactions depend on each other in a cycle, but no cycle could be named within the search budget.`,
      });
    }
  }

  const found = [...typeCount.keys()].filter((t) => t !== 'cycle-search-timeout');
  const timeouts = (anomalies['cycle-search-timeout'] ?? []) as { anomalySpecType: CycleAnomalyType }[];
  let valid: boolean | 'unknown' = true;
  if (found.some((t) => prohibited.has(t))) valid = false;
  else if (timeouts.some((t) => prohibited.has(t.anomalySpecType))) valid = 'unknown';
  const { not, alsoNot } = boundary(found);
  const anomalyTypes = [...typeCount.keys()].sort();

  let ok = 0;
  let info = 0;
  let fail = 0;
  for (let t = 0; t < txns.count; t++) {
    const s = txns.status[t];
    if (s === OK) ok++;
    else if (s === INFO) info++;
    else if (s === FAIL) fail++;
  }
  const explanation =
    valid === true
      ? anomalyTypes.length === 0
        ? `No anomalies in ${txns.count} transactions: the history is consistent with ${model}.`
        : `Found ${anomalyTypes.join(', ')}, none of which ${model} prohibits.`
      : valid === false
        ? `Not ${model}: found ${found.filter((t) => prohibited.has(t)).join(', ')}${not.length === 1 ? ` (the history is not ${not[0]})` : not.length > 1 ? ` (the history is neither ${not.join(' nor ')})` : ''}.`
        : `Unknown: the cycle search ran out of budget before it could rule ${model} in or out.`;

  return {
    valid,
    checker: input.checker,
    consistencyModel: model,
    anomalyTypes,
    anomalies,
    not,
    alsoNot,
    explanation,
    stats: {
      txns: txns.count,
      ok,
      info,
      fail,
      keys: input.keyCount,
      edges: g.adj.length,
      sccs: sccs.members.length,
      largestScc: largest,
      skippedOps: txns.skippedOps,
      timeMs: Math.round(performance.now() - input.startedMs),
    },
  };
}

/** Turns a found cycle into sentences, with T1 the transaction that completed first. */
function explainCycle(input: AnalyzeInput, g: ReturnType<typeof buildGraph>, type: CycleAnomalyType, c: FoundCycle): CycleAnomaly {
  const { txns } = input;
  // A run of moment nodes between two transactions is one real-time step.
  const realNodes: number[] = [];
  const realLabels: number[] = [];
  const first = c.nodes.findIndex((v) => v < txns.count);
  for (let k = 0; k < c.nodes.length; k++) {
    const i = (first + k) % c.nodes.length;
    if (c.nodes[i]! >= txns.count) continue;
    realNodes.push(c.nodes[i]!);
    const next = c.nodes[(i + 1) % c.nodes.length]!;
    realLabels.push(next >= txns.count ? L_REALTIME : c.labels[i]!);
  }
  const n = realNodes.length;
  // Rotate so the earliest transaction comes first.
  let r = 0;
  for (let i = 1; i < n; i++) if (txns.invokePos[realNodes[i]!]! < txns.invokePos[realNodes[r]!]!) r = i;
  const nodes = [...realNodes.slice(r), ...realNodes.slice(0, r)];
  const labels = [...realLabels.slice(r), ...realLabels.slice(0, r)];
  const name = (i: number): string => `T${i + 1}`;
  const steps: CycleStep[] = [];
  for (let i = 0; i < n; i++) {
    const from = nodes[i]!;
    const to = nodes[(i + 1) % n]!;
    const j = (i + 1) % n;
    const rel = LABEL_NAMES[labels[i]!]!;
    let w: EdgeWitness;
    if (rel === 'ww' || rel === 'wr' || rel === 'rw') {
      w = input.explain(from, to, rel, name(i), name(j));
    } else if (rel === 'process') {
      const p = txns.processNames[txns.process[from]!];
      w = { because: `process ${String(p)} executed ${name(i)} before ${name(j)}` };
    } else {
      w = { because: `${name(i)} completed before ${name(j)} began` };
    }
    const step: CycleStep = { from: i, to: j, rel, text: `${name(i)} < ${name(j)}, because ${w.because}` };
    if (w.key !== undefined) step.key = w.key;
    if (w.value !== undefined) step.value = w.value;
    if (w.prevValue !== undefined) step.prevValue = w.prevValue;
    steps.push(step);
    // Sanity: the witness must be an edge the graph has (real-time steps go through moments).
    if (rel !== 'realtime' && (relBit(rel) & edgeBits(g, from, to)) === 0) {
      throw new Error(`internal error: cycle step ${name(i)} -> ${name(j)} has no ${rel} edge`);
    }
  }
  const refs = nodes.map((t) => txnRef(txns, t));
  const lets = refs.map((t, i) => `  ${name(i)} = {${t.value.map(showOp).join(', ')}} (${t.type} at index ${t.sourceIndex ?? t.eventIndex}${t.process === null ? '' : `, process ${String(t.process)}`})`);
  const thens = steps.map((s, i) => (i < n - 1 ? `  - ${s.text};` : `  - However, ${s.text}: a contradiction!`));
  const text = `${type} cycle of ${n} transactions.\nLet:\n${lets.join('\n')}\nThen:\n${thens.join('\n')}`;
  return { type, txns: refs, steps, text };
}

/** The relation bit of a relation name. */
function relBit(rel: Rel): number {
  return rel === 'ww' ? WW : rel === 'wr' ? WR : rel === 'rw' ? RW : rel === 'process' ? PROCESS : REALTIME;
}
