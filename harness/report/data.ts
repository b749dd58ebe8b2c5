/**
 * Turns a run folder into the compact data the report page draws: operations as columns (so a
 * 100k-op history embeds in a few megabytes and draws fast), nemesis windows, statistics, the
 * linearizability witness, transactional anomalies as small graphs, and peer messages.
 *
 * The checkers' result objects are read defensively: each checker's own result type may grow, and
 * a report must never fail because a field is missing. What is not understood is still shown, as
 * the checker's raw JSON, in the page.
 */
import type { HistoryEvent } from '../../checkers/history/types.js';
import type { RunFolder } from './run-folder.js';

/** Outcome codes of an operation, in the `t` column. */
export const OUTCOME = { ok: 0, fail: 1, info: 2, pending: 3 } as const;

/** Operations as parallel columns; op `i` is `{ lane: lane[i], startMs: startMs[i], ... }`. */
export interface OpColumns {
  /** Index into `ReportData.processes`. */
  lane: number[];
  /** Invocation time, ms since the run started. */
  startMs: number[];
  /** Completion time, ms; for an op that never completed, the end of the history. */
  endMs: number[];
  /** OUTCOME code. */
  outcome: number[];
  /** Index into `ReportData.keys`, or -1 for an op without a single key (a transaction). */
  key: number[];
  /** For transactions: op index -> the keys its micro-ops touch (indexes into `ReportData.keys`). */
  txnKeys: Record<number, number[]>;
  /** One line that says what the op did ("write 3", "read -> 4", "cas 1->2"). */
  desc: string[];
  /** History index of the invocation. */
  invokeIndex: number[];
  /** History index of the completion, or -1. */
  completeIndex: number[];
  /** The node that answered, or "". */
  node: string[];
  /** The error of a fail/info completion, as text, or "". */
  error: string[];
}

/** A span of time during which a fault was active. */
export interface NemesisWindow {
  /** The fault's kind: partition, kill, pause, latency, clock... */
  kind: string;
  startMs: number;
  endMs: number;
  /** What the fault was applied to, as text. */
  detail: string;
}

/** One step of a linearizability witness: an op in linearization order and the model states. */
export interface LinStep {
  op: number;
  before: string | null;
  after: string | null;
}

/** The linearizability witness of one failing partition. */
export interface LinWitness {
  checker: string;
  /** Key of the partition as shown, or null when the history was checked as a whole. */
  key: string | null;
  /** Index into `ReportData.keys`, or -1. */
  keyIndex: number;
  /** The op that cannot be linearized (index into the op columns), or -1 when not found. */
  failOp: number;
  /** The longest linearizable prefix, in linearization order. */
  prefix: LinStep[];
  /** States the model could be in when the failing op was tried, as text. */
  finalStates: string[];
  /** Ops of the prefix left out before its shown part (the checker keeps only its end). */
  prefixOmitted: number;
  /** The ops that could have come next, and why none leads anywhere. */
  candidates: Array<{ op: number; desc: string; outcome: string; stateAfter: string | null }>;
  text: string;
}

/** A transactional anomaly drawn as a small graph of transactions. */
export interface AnomalyGraph {
  checker: string;
  type: string;
  nodes: Array<{ id: string; label: string; op: number }>;
  edges: Array<{ from: string; to: string; label: string }>;
  sentence: string;
}

/** A checker's verdict, its explanation and its raw result for the page. */
export interface CheckerView {
  name: string;
  valid: boolean | 'unknown' | null;
  explanation: string;
  raw: unknown;
}

/** Everything the page needs, embedded as JSON. */
export interface ReportData {
  title: string;
  run: Record<string, unknown>;
  valid: boolean | 'unknown' | null;
  exitCode: number | null;
  checkers: CheckerView[];
  stats: {
    ok: number;
    fail: number;
    info: number;
    pending: number;
    opsPerSec: number | null;
    latencyMs: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
    okRateInFaults: number | null;
    okRateOutsideFaults: number | null;
    /** From results.json only (null for a history checked without a run). */
    answeredRateInFaults: number | null;
    answeredRateOutsideFaults: number | null;
  };
  firstAnomaly: { index: number; timeMs: number | null; op: number } | null;
  /** The error that ended the run early (results.json `error`), or null. */
  runError: string | null;
  /** Faults the nemesis failed to apply or heal (results.json `nemesisErrors`). */
  nemesisErrors: string[];
  durationMs: number;
  processes: string[];
  keys: string[];
  ops: OpColumns;
  nemesis: NemesisWindow[];
  lin: LinWitness[];
  anomalies: AnomalyGraph[];
  nodes: string[];
  messages: Array<{ sendMs: number | null; recvMs: number | null; from: string; to: string; type: string; id: string }>;
  warnings: string[];
}

const NS_PER_MS = 1e6;
/** Longest text kept for a value shown in the page. */
const MAX_TEXT = 400;

/** Builds the page's data from a run folder. */
export function buildReportData(folder: RunFolder): ReportData {
  const warnings = [...folder.warnings];
  const run = folder.run ?? {};
  const results = folder.results ?? {};
  const { ops, processes, keys, nemesisEvents, durationMs, byIndex } = pairOps(folder.events);
  const nemesis = nemesisWindows(nemesisEvents, durationMs);
  const checkers = checkerViews(results);
  const lin: LinWitness[] = [];
  const anomalies: AnomalyGraph[] = [];
  for (const c of checkers) {
    try {
      lin.push(...linWitnesses(c, ops, keys, byIndex));
      anomalies.push(...anomalyGraphs(c, ops, byIndex));
    } catch (err) {
      warnings.push(`checker ${c.name}: its result could not be drawn (${(err as Error).message})`);
    }
  }
  const stats = computeStats(ops, nemesis, durationMs, results.stats);
  const valid = verdictOf(results.valid);
  const fa = results.firstAnomaly as Record<string, unknown> | null | undefined;
  let firstAnomaly: ReportData['firstAnomaly'] = null;
  if (fa && typeof fa === 'object' && typeof fa.index === 'number') {
    const op = byIndex.get(fa.index) ?? -1;
    firstAnomaly = { index: fa.index, timeMs: typeof fa.timeNs === 'number' ? fa.timeNs / NS_PER_MS : null, op };
  }
  if (firstAnomaly === null && lin.length > 0 && lin[0]!.failOp >= 0) {
    const op = lin[0]!.failOp;
    firstAnomaly = { index: ops.invokeIndex[op]!, timeMs: ops.startMs[op]!, op };
  }
  // The cycle that holds the first anomaly, the one the header names, is drawn first.
  if (firstAnomaly !== null && firstAnomaly.op >= 0) {
    const op = firstAnomaly.op;
    const at = anomalies.findIndex((a) => a.edges.length > 0 && a.nodes.some((nd) => nd.op === op));
    if (at > 0) anomalies.unshift(...anomalies.splice(at, 1));
  }
  const name = [run.system, run.variant, run.workload].filter((x) => typeof x === 'string').join(' / ');
  return {
    title: name || folder.dir,
    run,
    valid,
    exitCode: typeof results.exitCode === 'number' ? results.exitCode : null,
    checkers,
    stats,
    firstAnomaly,
    runError: typeof results.error === 'string' ? show(results.error) : null,
    nemesisErrors: Array.isArray(results.nemesisErrors) ? results.nemesisErrors.slice(0, 50).map((e) => show(e)) : [],
    durationMs,
    processes,
    keys,
    ops,
    nemesis,
    lin,
    anomalies,
    nodes: folder.nodes,
    messages: pairMessages(folder, run),
    warnings,
  };
}

function verdictOf(v: unknown): boolean | 'unknown' | null {
  return v === true || v === false || v === 'unknown' ? v : null;
}

/** Renders any value as one short line of text (JSON, cut to MAX_TEXT). */
export function show(v: unknown): string {
  let s: string;
  if (v === undefined) s = '';
  else if (typeof v === 'string') s = v;
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  return s.length > MAX_TEXT ? s.slice(0, MAX_TEXT) + '…' : s;
}

function isKeyed(f: string, v: unknown): v is [unknown, unknown] {
  return f !== 'txn' && Array.isArray(v) && v.length === 2 && (typeof v[0] === 'string' || typeof v[0] === 'number');
}

/** One line describing an op from its invocation and completion values. */
function describe(f: string, invokeValue: unknown, done: HistoryEvent | undefined): string {
  const outValue = done && done.type === 'ok' ? done.value : undefined;
  if (f === 'txn') {
    const v = Array.isArray(outValue) ? outValue : invokeValue;
    if (Array.isArray(v)) {
      return v.map((m) => (Array.isArray(m) ? m.map((x, i) => (i === 0 ? String(x) : show(x))).join(' ') : show(m))).join(', ');
    }
    return 'txn ' + show(v);
  }
  const inPayload = isKeyed(f, invokeValue) ? invokeValue[1] : invokeValue;
  const outPayload = isKeyed(f, outValue) ? outValue[1] : outValue;
  if (f === 'read' || f === 'r' || f === 'get') {
    return done && done.type === 'ok' ? `${f} → ${show(outPayload)}` : f;
  }
  if (f === 'cas' && Array.isArray(inPayload) && inPayload.length === 2) {
    return `cas ${show(inPayload[0])}→${show(inPayload[1])}`;
  }
  const payload = inPayload === undefined || inPayload === null ? '' : ' ' + show(inPayload);
  return f + payload;
}

interface Paired {
  ops: OpColumns;
  processes: string[];
  keys: string[];
  nemesisEvents: HistoryEvent[];
  durationMs: number;
  /** History index (of an invocation or a completion) -> op. */
  byIndex: Map<number, number>;
}

/** Pairs each invocation with the next completion of the same process, as Jepsen does. */
function pairOps(events: HistoryEvent[]): Paired {
  const ops: OpColumns = {
    lane: [], startMs: [], endMs: [], outcome: [], key: [], txnKeys: {}, desc: [], invokeIndex: [], completeIndex: [], node: [], error: [],
  };
  const keyIndex = (k: string): number => {
    let ki = keyOf.get(k);
    if (ki === undefined) {
      ki = keys.length;
      keys.push(k);
      keyOf.set(k, ki);
    }
    return ki;
  };
  const laneOf = new Map<string, number>();
  const keyOf = new Map<string, number>();
  const processes: string[] = [];
  const keys: string[] = [];
  const nemesisEvents: HistoryEvent[] = [];
  const open = new Map<string, { op: number; ev: HistoryEvent }>();
  const byIndex = new Map<number, number>();
  let lastMs = 0;
  // Imported histories may have no times: fall back to the event's position, 1 ms apart.
  // Times are kept to the microsecond: enough to draw, and it keeps the embedded data small.
  const timeMs = (ev: HistoryEvent, pos: number) => (typeof ev.time === 'number' ? Math.round(ev.time / 1000) / 1000 : pos);
  for (let pos = 0; pos < events.length; pos++) {
    const ev = events[pos]!;
    const t = timeMs(ev, pos);
    if (t > lastMs) lastMs = t;
    if (ev.process === 'nemesis') {
      nemesisEvents.push(ev);
      continue;
    }
    const p = String(ev.process);
    if (ev.type === 'invoke') {
      let lane = laneOf.get(p);
      if (lane === undefined) {
        lane = processes.length;
        processes.push(p);
        laneOf.set(p, lane);
      }
      let key = -1;
      const op = ops.lane.length;
      if (isKeyed(ev.f, ev.value)) {
        key = keyIndex(show(ev.value[0]));
      } else if (ev.f === 'txn' && Array.isArray(ev.value)) {
        // A transaction belongs to the view of every key its micro-ops ([f, key, value]) touch.
        const ks = new Set<number>();
        for (const m of ev.value) if (Array.isArray(m) && m.length >= 2 && (typeof m[1] === 'string' || typeof m[1] === 'number')) ks.add(keyIndex(show(m[1])));
        if (ks.size > 0) ops.txnKeys[op] = [...ks];
      }
      ops.lane.push(lane);
      ops.startMs.push(t);
      ops.endMs.push(-1);
      ops.outcome.push(OUTCOME.pending);
      ops.key.push(key);
      ops.desc.push(describe(ev.f, ev.value, undefined));
      ops.invokeIndex.push(ev.index);
      ops.completeIndex.push(-1);
      ops.node.push('');
      ops.error.push('');
      byIndex.set(ev.index, op);
      open.set(p, { op, ev });
    } else {
      const o = open.get(p);
      if (!o) continue; // A completion with no open invocation is not an operation.
      open.delete(p);
      const op = o.op;
      ops.endMs[op] = Math.max(t, ops.startMs[op]!);
      ops.outcome[op] = ev.type === 'ok' ? OUTCOME.ok : ev.type === 'fail' ? OUTCOME.fail : OUTCOME.info;
      ops.desc[op] = describe(o.ev.f, o.ev.value, ev);
      ops.completeIndex[op] = ev.index;
      ops.node[op] = ev.node ?? '';
      ops.error[op] = ev.error === undefined ? '' : show(ev.error);
      byIndex.set(ev.index, op);
    }
  }
  const durationMs = Math.max(lastMs, 1);
  for (let i = 0; i < ops.endMs.length; i++) if (ops.endMs[i]! < 0) ops.endMs[i] = durationMs;
  return { ops, processes, keys, nemesisEvents, durationMs, byIndex };
}

/** Fault names that open a window, and the kind they belong to. */
const OPENERS: Record<string, string> = { kill: 'kill', pause: 'pause', partition: 'partition', skew: 'clock', 'clock-skew': 'clock' };
/** Fault names that close a window of the given kind. */
const CLOSERS: Record<string, string> = { restart: 'kill', resume: 'pause', 'reset-clock': 'clock', 'clock-reset': 'clock' };

/**
 * Nemesis start/stop events into windows. `start-X` opens a window of kind X and `stop-X` closes
 * it; an invocation and its completion both carry the same f, so a second start while the window
 * is open (or a second stop while it is closed) is not a new window. A window never closed lasts to
 * the end of the history.
 */
function nemesisWindows(events: HistoryEvent[], durationMs: number): NemesisWindow[] {
  const windows: NemesisWindow[] = [];
  const open = new Map<string, NemesisWindow>();
  for (let i = 0; i < events.length; i++) {
    const ev = events[i]!;
    const t = typeof ev.time === 'number' ? ev.time / NS_PER_MS : ev.index;
    const f = ev.f.toLowerCase();
    let kind: string | undefined;
    let opens = false;
    let m: RegExpMatchArray | null;
    if ((m = /^(?:start|begin)[-_:]?(.+)$/.exec(f))) {
      kind = m[1]!;
      opens = true;
    } else if ((m = /^(?:stop|end)[-_:]?(.+)$/.exec(f))) {
      kind = m[1]!;
    } else if (OPENERS[f]) {
      kind = OPENERS[f];
      opens = true;
    } else if (CLOSERS[f]) {
      kind = CLOSERS[f];
    }
    if (f === 'heal') {
      // The harness's final heal ends every fault at once.
      for (const w of open.values()) w.endMs = Math.max(t, w.startMs);
      open.clear();
      continue;
    }
    if (!kind) continue;
    if (opens) {
      const w = open.get(kind);
      if (w) {
        if (!w.detail) w.detail = faultDetail(ev.value);
        continue;
      }
      const nw: NemesisWindow = { kind, startMs: t, endMs: durationMs, detail: faultDetail(ev.value) };
      open.set(kind, nw);
      windows.push(nw);
    } else {
      const w = open.get(kind);
      if (!w) continue;
      w.endMs = Math.max(t, w.startMs);
      open.delete(kind);
    }
  }
  return windows;
}

/** What a fault was applied to: the harness's own `description`, else the value as JSON. */
function faultDetail(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object' && !Array.isArray(v) && typeof (v as Record<string, unknown>).description === 'string') {
    return show((v as Record<string, unknown>).description);
  }
  return show(v);
}

function checkerViews(results: Record<string, unknown>): CheckerView[] {
  const out: CheckerView[] = [];
  const cs = results.checkers;
  if (!cs || typeof cs !== 'object') return out;
  const entries: Array<[string, unknown]> = Array.isArray(cs)
    ? cs.map((c, i) => [typeof (c as { name?: unknown })?.name === 'string' ? (c as { name: string }).name : `checker ${i + 1}`, c])
    : Object.entries(cs as Record<string, unknown>);
  for (const [name, r] of entries) {
    const o = r && typeof r === 'object' ? (r as Record<string, unknown>) : {};
    out.push({ name, valid: verdictOf(o.valid), explanation: explanationOf(o), raw: r });
  }
  return out;
}

function explanationOf(o: Record<string, unknown>): string {
  for (const k of ['explanation', 'message', 'summary', 'cause', 'error']) {
    const v = o[k];
    if (typeof v === 'string' && v) return v.length > 4000 ? v.slice(0, 4000) + '…' : v;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('\n');
  }
  return '';
}

/** The first field among `names` that is present on `o`. */
function pick(o: Record<string, unknown>, names: string[]): unknown {
  for (const n of names) if (o[n] !== undefined && o[n] !== null) return o[n];
  return undefined;
}

/**
 * Finds the op an entry of a witness refers to: an op object with a history `index` (of its
 * invocation or completion), or an `{invoke, complete}` pair of events, or a bare index.
 */
function opRef(v: unknown, byIndex: Map<number, number>): number {
  if (typeof v === 'number') return byIndex.get(v) ?? -1;
  if (!v || typeof v !== 'object') return -1;
  const o = v as Record<string, unknown>;
  for (const k of ['index', 'invokeIndex', 'callIndex', 'completeIndex', 'returnIndex']) {
    if (typeof o[k] === 'number') {
      const op = byIndex.get(o[k] as number);
      if (op !== undefined) return op;
    }
  }
  for (const k of ['op', 'operation', 'invoke', 'call', 'invocation', 'completion', 'complete']) {
    if (o[k] && typeof o[k] === 'object') {
      const op = opRef(o[k], byIndex);
      if (op >= 0) return op;
    }
  }
  return -1;
}

function stateText(v: unknown): string | null {
  return v === undefined ? null : show(v);
}

/**
 * Reads the linearizability witness out of a checker result: per failing partition, the op that
 * cannot be linearized and the longest linearizable prefix with model states.
 */
function linWitnesses(c: CheckerView, ops: OpColumns, keys: string[], byIndex: Map<number, number>): LinWitness[] {
  const raw = c.raw as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object' || c.valid !== false) return [];
  let parts: unknown[] = [];
  const p = pick(raw, ['partitions', 'failures', 'counterexamples']);
  if (Array.isArray(p)) parts = p;
  else if (p && typeof p === 'object') parts = Object.entries(p).map(([k, v]) => ({ key: k, ...(v as object) }));
  else parts = [raw];
  const out: LinWitness[] = [];
  for (const part of parts) {
    if (!part || typeof part !== 'object') continue;
    const o = part as Record<string, unknown>;
    if (o.valid === true || o.valid === 'unknown') continue;
    // The checker's shape is { key, valid, counterexample: { op, state, prefix: [{ op, stateAfter }],
    // prefixOmitted, candidates } }; flatter shapes are read the same way.
    const cx = (o.counterexample && typeof o.counterexample === 'object' ? o.counterexample : o) as Record<string, unknown>;
    const failRef = pick(cx, ['op', 'failingOp', 'failedOp', 'unlinearizableOp', 'cannotLinearize', 'culprit', 'failure']);
    const prefixRaw = pick(cx, ['longestPrefix', 'prefix', 'linearization', 'linearized', 'partialLinearization', 'longestLinearizablePrefix']);
    if (failRef === undefined && prefixRaw === undefined) continue;
    const failOp = opRef(failRef, byIndex);
    const prefix: LinStep[] = [];
    const prefixList = Array.isArray(prefixRaw)
      ? prefixRaw
      : prefixRaw && typeof prefixRaw === 'object' && Array.isArray((prefixRaw as Record<string, unknown>).ops)
        ? ((prefixRaw as Record<string, unknown>).ops as unknown[])
        : [];
    let prevAfter: string | null = null;
    for (const step of prefixList) {
      const op = opRef(step, byIndex);
      if (op < 0) continue;
      const s = step && typeof step === 'object' ? (step as Record<string, unknown>) : {};
      const after = stateText(pick(s, ['stateAfter', 'after', 'state', 'to']));
      // A step's state before is the state after the step before it, when the result leaves it out.
      const before = stateText(pick(s, ['stateBefore', 'before', 'from'])) ?? prevAfter;
      prefix.push({ op, before, after });
      prevAfter = after;
    }
    const candidates: LinWitness['candidates'] = [];
    const candRaw = pick(cx, ['candidates']);
    if (Array.isArray(candRaw)) {
      for (const c of candRaw.slice(0, 50)) {
        if (!c || typeof c !== 'object') continue;
        const co = c as Record<string, unknown>;
        const op = opRef(co, byIndex);
        const d = co.op && typeof co.op === 'object' ? (co.op as Record<string, unknown>).description : undefined;
        candidates.push({
          op,
          desc: typeof d === 'string' ? d : op >= 0 ? ops.desc[op]! : '',
          outcome: show(co.outcome ?? ''),
          stateAfter: stateText(co.stateAfter),
        });
      }
    }
    const prefixOmitted = typeof cx.prefixOmitted === 'number' ? cx.prefixOmitted : 0;
    const finalRaw = pick(cx, ['states', 'finalStates', 'modelStates', 'statesAtFailure', 'state']);
    const finalStates = Array.isArray(finalRaw) ? finalRaw.slice(0, 20).map((s) => show(s)) : finalRaw !== undefined ? [show(finalRaw)] : [];
    let key: string | null = null;
    const k = pick(o, ['key', 'partition', 'partitionKey']);
    if (k !== undefined && typeof k !== 'object' && k !== '') key = show(k);
    let keyIndex = key === null ? -1 : keys.indexOf(key);
    if (keyIndex < 0 && failOp >= 0) keyIndex = ops.key[failOp]!;
    if (key === null && keyIndex >= 0) key = keys[keyIndex]!;
    const text = typeof o.explanation === 'string' ? o.explanation : typeof cx.explanation === 'string' ? cx.explanation : '';
    out.push({ checker: c.name, key, keyIndex, failOp, prefix, finalStates, prefixOmitted, candidates, text });
  }
  return out;
}

/** Reads transactional anomalies (cycles of txns with labelled edges) out of a checker result. */
function anomalyGraphs(c: CheckerView, ops: OpColumns, byIndex: Map<number, number>): AnomalyGraph[] {
  const raw = c.raw as Record<string, unknown> | null;
  if (!raw || typeof raw !== 'object') return [];
  const list: Array<{ type: string; a: Record<string, unknown> }> = [];
  const an = pick(raw, ['anomalies', 'cycles']);
  if (Array.isArray(an)) {
    for (const a of an) if (a && typeof a === 'object') list.push({ type: String((a as Record<string, unknown>).type ?? (a as Record<string, unknown>).kind ?? 'anomaly'), a: a as Record<string, unknown> });
  } else if (an && typeof an === 'object') {
    for (const [type, v] of Object.entries(an)) {
      const arr = Array.isArray(v) ? v : [v];
      for (const a of arr) if (a && typeof a === 'object') list.push({ type, a: a as Record<string, unknown> });
    }
  }
  // Cycles first: they are what the graphs are for, and a run with many single-transaction
  // anomalies (internal, lost-update...) would otherwise bury them, or push them past the limit.
  const isCycle = (a: Record<string, unknown>): boolean => Array.isArray(a.steps) || Array.isArray(a.cycle) || Array.isArray(a.edges);
  list.sort((x, y) => Number(isCycle(y.a)) - Number(isCycle(x.a)));
  const out: AnomalyGraph[] = [];
  for (const { type, a } of list.slice(0, 50)) {
    const g = elleGraph(a, ops, byIndex) ?? cycleGraph(a, ops, byIndex);
    const sentence = sentenceOf(a);
    if (g.nodes.length === 0 && !sentence) continue;
    out.push({ checker: c.name, type, nodes: g.nodes, edges: g.edges, sentence });
  }
  return out;
}

/** A txn reference of the transactional checker: `{ index, eventIndex, process, type, value }`. */
function elleTxn(t: unknown, name: string, ops: OpColumns, byIndex: Map<number, number>): { id: string; label: string; op: number } {
  const o = (t && typeof t === 'object' ? t : {}) as Record<string, unknown>;
  const ev = typeof o.eventIndex === 'number' ? o.eventIndex : typeof o.index === 'number' ? o.index : -1;
  const op = byIndex.get(ev) ?? -1;
  let label = '';
  if (Array.isArray(o.value)) {
    label = o.value.map((m) => (Array.isArray(m) ? m.map((x, i) => (i === 0 ? String(x) : show(x))).join(' ') : show(m))).join(', ');
  } else if (op >= 0) {
    label = ops.desc[op]!;
  }
  const who = o.process !== undefined && o.process !== null ? ` (process ${show(o.process)}${typeof o.type === 'string' && o.type !== 'ok' ? ', ' + o.type : ''})` : '';
  return { id: name, label: label + who, op };
}

/**
 * The transactional checker's anomalies: a cycle `{ txns, steps: [{ from, to, rel, key, text }] }`
 * (from/to are positions in txns, T1 = txns[0]); an anomaly of one or two txns `{ txn, other? }`;
 * or a cycle known to exist among `sample` txns. Returns null for any other shape.
 */
function elleGraph(a: Record<string, unknown>, ops: OpColumns, byIndex: Map<number, number>): Pick<AnomalyGraph, 'nodes' | 'edges'> | null {
  if (Array.isArray(a.txns) && Array.isArray(a.steps)) {
    const nodes = a.txns.slice(0, 30).map((t, i) => elleTxn(t, `T${i + 1}`, ops, byIndex));
    const edges: AnomalyGraph['edges'] = [];
    for (const st of a.steps.slice(0, 60)) {
      if (!st || typeof st !== 'object') continue;
      const so = st as Record<string, unknown>;
      if (typeof so.from !== 'number' || typeof so.to !== 'number' || !nodes[so.from] || !nodes[so.to]) continue;
      const rel = so.rel === 'realtime' ? 'rt' : so.rel === 'process' ? 'proc' : show(so.rel ?? '');
      const key = so.key !== undefined && so.key !== null && (rel === 'ww' || rel === 'wr' || rel === 'rw') ? ` ${show(so.key)}` : '';
      edges.push({ from: nodes[so.from]!.id, to: nodes[so.to]!.id, label: rel + key });
    }
    return { nodes, edges };
  }
  if (a.txn && typeof a.txn === 'object') {
    const nodes = [elleTxn(a.txn, 'T1', ops, byIndex)];
    const edges: AnomalyGraph['edges'] = [];
    if (a.other && typeof a.other === 'object') {
      nodes.push(elleTxn(a.other, 'T2', ops, byIndex));
      edges.push({ from: 'T2', to: 'T1', label: show(a.type ?? '') });
    }
    return { nodes, edges };
  }
  if (Array.isArray(a.sample)) {
    return { nodes: a.sample.slice(0, 12).map((t, i) => elleTxn(t, `T${i + 1}`, ops, byIndex)), edges: [] };
  }
  return null;
}

function sentenceOf(a: Record<string, unknown>): string {
  for (const k of ['explanation', 'sentence', 'text', 'message', 'description']) {
    const v = a[k];
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join('\n');
  }
  return '';
}

/** A txn's label: "T<n>" from an id, or its index, plus its micro-ops when they are there. */
function txnNode(t: unknown, i: number, ops: OpColumns, byIndex: Map<number, number>): { id: string; label: string; op: number } {
  if (typeof t === 'number' || typeof t === 'string') {
    const op = typeof t === 'number' ? byIndex.get(t) ?? -1 : -1;
    return { id: String(t), label: op >= 0 ? ops.desc[op]! : '', op };
  }
  const o = (t && typeof t === 'object' ? t : {}) as Record<string, unknown>;
  const id = show(pick(o, ['id', 'name', 'index', 'txn']) ?? `T${i + 1}`);
  const op = opRef(o, byIndex);
  const v = pick(o, ['value', 'ops', 'mops']);
  const label = v !== undefined ? show(v) : op >= 0 ? ops.desc[op]! : '';
  return { id, label, op };
}

function cycleGraph(a: Record<string, unknown>, ops: OpColumns, byIndex: Map<number, number>): Pick<AnomalyGraph, 'nodes' | 'edges'> {
  const nodes: AnomalyGraph['nodes'] = [];
  const seen = new Map<string, number>();
  const addNode = (t: unknown): string => {
    const n = txnNode(t, nodes.length, ops, byIndex);
    const at = seen.get(n.id);
    if (at === undefined) {
      seen.set(n.id, nodes.length);
      nodes.push(n);
    } else if (!nodes[at]!.label && n.label) {
      nodes[at] = n;
    }
    return n.id;
  };
  const edges: AnomalyGraph['edges'] = [];
  const edgeLabel = (e: Record<string, unknown>) => {
    const v = pick(e, ['type', 'types', 'kind', 'rel', 'relation', 'label', 'edge']);
    return Array.isArray(v) ? v.map(String).join(',') : v === undefined ? '' : String(v);
  };
  const txns = pick(a, ['txns', 'transactions', 'nodes', 'ops']);
  if (Array.isArray(txns)) for (const t of txns) addNode(t);
  const steps = pick(a, ['edges', 'steps', 'cycle']);
  if (Array.isArray(steps)) {
    for (let i = 0; i < steps.length; i++) {
      const e = steps[i];
      if (!e || typeof e !== 'object' || Array.isArray(e)) {
        // A cycle given as a list of txns: consecutive txns are linked, the last back to the first.
        addNode(e);
        continue;
      }
      const eo = e as Record<string, unknown>;
      const from = pick(eo, ['from', 'source', 'src', 'a']);
      const to = pick(eo, ['to', 'target', 'dst', 'b']);
      if (from === undefined || to === undefined) {
        addNode(eo);
        continue;
      }
      edges.push({ from: addNode(from), to: addNode(to), label: edgeLabel(eo) });
    }
    if (edges.length === 0 && nodes.length > 1) {
      for (let i = 0; i < nodes.length; i++) edges.push({ from: nodes[i]!.id, to: nodes[(i + 1) % nodes.length]!.id, label: '' });
    }
  }
  return { nodes: nodes.slice(0, 30), edges: edges.slice(0, 60) };
}

function percentile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The run's statistics: results.json's where present, else computed from the history. */
function computeStats(ops: OpColumns, nemesis: NemesisWindow[], durationMs: number, given: unknown): ReportData['stats'] {
  let ok = 0, fail = 0, info = 0, pending = 0;
  const lat: number[] = [];
  let inFault = 0, inFaultOk = 0, outFault = 0, outFaultOk = 0;
  for (let i = 0; i < ops.outcome.length; i++) {
    const o = ops.outcome[i]!;
    if (o === OUTCOME.ok) {
      ok++;
      lat.push(ops.endMs[i]! - ops.startMs[i]!);
    } else if (o === OUTCOME.fail) fail++;
    else if (o === OUTCOME.info) info++;
    else pending++;
    if (o === OUTCOME.pending) continue;
    const t = ops.endMs[i]!;
    const faulty = nemesis.some((w) => t >= w.startMs && t <= w.endMs);
    if (faulty) {
      inFault++;
      if (o === OUTCOME.ok) inFaultOk++;
    } else {
      outFault++;
      if (o === OUTCOME.ok) outFaultOk++;
    }
  }
  lat.sort((a, b) => a - b);
  const g = (given && typeof given === 'object' ? given : {}) as Record<string, unknown>;
  const gl = (g.latencyMs && typeof g.latencyMs === 'object' ? g.latencyMs : {}) as Record<string, unknown>;
  const fromHistory = {
    p50: percentile(lat, 0.5), p95: percentile(lat, 0.95), p99: percentile(lat, 0.99), max: lat.length ? lat[lat.length - 1]! : null,
  };
  return {
    ok: num(g.ok) ?? ok,
    fail: num(g.fail) ?? fail,
    info: num(g.info) ?? info,
    pending,
    opsPerSec: num(g.opsPerSec) ?? (durationMs > 0 ? ok / (durationMs / 1000) : null),
    latencyMs: {
      p50: num(gl.p50) ?? fromHistory.p50,
      p95: num(gl.p95) ?? fromHistory.p95,
      p99: num(gl.p99) ?? fromHistory.p99,
      max: num(gl.max) ?? fromHistory.max,
    },
    okRateInFaults: num(g.okRateInFaults) ?? (inFault ? inFaultOk / inFault : null),
    okRateOutsideFaults: num(g.okRateOutsideFaults) ?? (outFault ? outFaultOk / outFault : null),
    answeredRateInFaults: num(g.answeredRateInFaults),
    answeredRateOutsideFaults: num(g.answeredRateOutsideFaults),
  };
}

/**
 * Pairs each send with its receive (same from, to and id) and puts both on the history's clock:
 * the `t` of an @msg line is wall-clock microseconds, the history's is time since the run
 * started, so run.json's startedAt is the bridge (or the first message, when it is missing).
 */
function pairMessages(folder: RunFolder, run: Record<string, unknown>): ReportData['messages'] {
  if (folder.messages.length === 0) return [];
  const started = typeof run.startedAt === 'string' ? Date.parse(run.startedAt) : NaN;
  let originMs = Number.isFinite(started) ? started : Infinity;
  if (!Number.isFinite(originMs)) for (const m of folder.messages) originMs = Math.min(originMs, m.t / 1000);
  const rel = (tUs: number) => tUs / 1000 - originMs;
  const out: ReportData['messages'] = [];
  // Unmatched sends per (from, to, id), oldest first: a link is one TCP stream, so when ids are
  // missing or reused, the first send not yet received is the one a receive belongs to.
  const pending = new Map<string, number[]>();
  const sorted = [...folder.messages].sort((a, b) => a.t - b.t);
  for (const m of sorted) {
    const key = `${m.from}\u0000${m.to}\u0000${m.id}`;
    const queue = pending.get(key);
    if (m.dir === 'send') {
      if (queue) queue.push(out.length);
      else pending.set(key, [out.length]);
      out.push({ sendMs: rel(m.t), recvMs: null, from: m.from, to: m.to, type: m.type, id: String(m.id) });
    } else if (queue && queue.length > 0) {
      out[queue.shift()!]!.recvMs = rel(m.t);
      if (queue.length === 0) pending.delete(key);
    } else {
      out.push({ sendMs: null, recvMs: rel(m.t), from: m.from, to: m.to, type: m.type, id: String(m.id) });
    }
  }
  return out;
}
