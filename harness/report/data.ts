/**
 * Turns a run folder into the compact data the report page draws: operations as columns (so a
 * 100k-op history embeds in a few megabytes and draws fast), nemesis windows, statistics, the
 * linearizability witness, transactional anomalies as small graphs, and peer messages.
 *
 * Each checker's result is drawn through the view its checker exports (view.ts beside each checker), once
 * its shape is checked: results.json is read back from disk and may come from an older run. A
 * result of another shape is still shown, as the checker's raw JSON, in the page.
 */
import { faultSpans } from '../../checkers/history/faults.js';
import { pairOperations } from '../../checkers/history/pair.js';
import type { HistoryEvent } from '../../checkers/history/types.js';
import { faultRecords, type FaultRecord } from '../../checkers/history/effects.js';
import { z } from 'zod';
import { isLinearizableResult, linearizableView, type WitnessOp } from '../../checkers/linearizable/view.js';
import type { TxnRef } from '../../checkers/transactional/types.js';
import { isTxnCheckResult, txnView, type TxnEdge } from '../../checkers/transactional/view.js';
import { faultStyles, UNKNOWN_FAULT_STYLE } from './fault-styles.js';
import { OUTCOME, type AnomalyGraph, type CheckerView, type LinStep, type LeaderSpan, type LinWitness, type NemesisWindow, type NodeCrash, type OpColumns, type ReportData } from './page/types.js';
import type { RunFolder } from './run-folder.js';
import { computeStats as runStats } from '../run/stats.js';
import { REPLAY_CAVEAT } from '../nemesis/replay.js';

/** What the header of a replayed run's report says of it. */
export const REPLAY_REPORT_CAVEAT = `only the fault events were replayed: ${REPLAY_CAVEAT}`;

export { OUTCOME } from './page/types.js';
export type { AnomalyGraph, CheckerView, LeaderSpan, LinStep, LinWitness, NemesisWindow, NodeCrash, OpColumns, ReportData } from './page/types.js';

const NS_PER_MS = 1e6;
/** Longest text kept for a value shown in the page. */
const MAX_TEXT = 400;

/** Builds the page's data from a run folder. */
export function buildReportData(folder: RunFolder): ReportData {
  const warnings = [...folder.warnings];
  const run = folder.run ?? {};
  const results = folder.results ?? {};
  const { ops, processes, keys, durationMs, byIndex } = pairOps(folder.events);
  const nemesis = nemesisWindows(folder.events, durationMs);
  addEffects(nemesis, faultRecords(nemesis.length ? folder.events : []));
  const checkers = checkerViews(results);
  const lin: LinWitness[] = [];
  const anomalies: AnomalyGraph[] = [];
  for (const c of checkers) {
    const shape = c.raw && typeof c.raw === 'object' ? (c.raw as Record<string, unknown>).checker : undefined;
    if ((shape === 'linearizable' && !isLinearizableResult(c.raw)) || ((shape === 'list-append' || shape === 'rw-register') && !isTxnCheckResult(c.raw))) {
      warnings.push(`checker ${c.name}: its result is not in the ${String(shape)} checker's format, so it is shown only as raw JSON`);
      continue;
    }
    try {
      lin.push(...linWitnesses(c, ops, keys, byIndex));
      anomalies.push(...anomalyGraphs(c, ops, byIndex));
    } catch (err) {
      warnings.push(`checker ${c.name}: its result could not be drawn (${(err as Error).message})`);
    }
  }
  const crashes = nodeCrashes(results.nodeCrashes, warnings);
  const stats = computeStats(folder.events, ops, results.stats);
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
    replay: typeof run.replayOf === 'string' ? { of: show(run.replayOf), caveat: REPLAY_REPORT_CAVEAT } : null,
    nemesisErrors: Array.isArray(results.nemesisErrors) ? results.nemesisErrors.slice(0, 50).map((e) => show(e)) : [],
    unknownReason: typeof results.unknownReason === 'string' ? show(results.unknownReason) : null,
    durationMs,
    processes,
    keys,
    ops,
    nemesis,
    leaders: leaderSpans(folder.events, durationMs),
    // The one table of fault colours; the fallback is for kinds from histories of other tools.
    faultStyles: { byKind: faultStyles(), other: UNKNOWN_FAULT_STYLE },
    lin,
    anomalies,
    nodes: folder.nodes,
    messages: pairMessages(folder, run),
    nodeCrashes: crashes,
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
      return microOps(v);
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
  durationMs: number;
  /** History index (of an invocation or a completion) -> op. */
  byIndex: Map<number, number>;
}

/** Names numbered in the order they are first seen (the page's lanes and keys). */
function numbering(): { names: string[]; of(name: string): number } {
  const names: string[] = [];
  const at = new Map<string, number>();
  return {
    names,
    of(name: string): number {
      let i = at.get(name);
      if (i === undefined) {
        i = names.push(name) - 1;
        at.set(name, i);
      }
      return i;
    },
  };
}

/**
 * An event's time in ms, kept to the microsecond: enough to draw, and it keeps the embedded data
 * small. Imported histories may have no times: then the event's index stands in, 1 ms apart.
 */
function timeMs(ev: HistoryEvent): number {
  return typeof ev.time === 'number' ? Math.round(ev.time / 1000) / 1000 : ev.index;
}

/**
 * The history's operations as columns, paired by the history toolkit's rule (pair.ts, leniently:
 * a completion that completes nothing is left out, and an op whose process invoked again stays
 * pending).
 */
function pairOps(events: readonly HistoryEvent[]): Paired {
  const ops: OpColumns = {
    lane: [], startMs: [], endMs: [], outcome: [], key: [], txnKeys: {}, desc: [], invokeIndex: [], completeIndex: [], node: [], error: [],
  };
  const lanes = numbering();
  const keys = numbering();
  const byIndex = new Map<number, number>();
  let lastMs = 0;
  for (const ev of events) lastMs = Math.max(lastMs, timeMs(ev));
  const durationMs = Math.max(lastMs, 1);
  for (const o of pairOperations(events, undefined, { strict: false }).operations) {
    const inv = o.invoke;
    const lane = lanes.of(String(o.process));
    let key = -1;
    if (isKeyed(o.f, o.input)) {
      key = keys.of(show(o.input[0]));
    } else if (o.f === 'txn' && Array.isArray(o.input)) {
      // A transaction belongs to the view of every key its micro-ops ([f, key, value]) touch.
      const ks = new Set<number>();
      for (const m of o.input) if (Array.isArray(m) && m.length >= 2 && (typeof m[1] === 'string' || typeof m[1] === 'number')) ks.add(keys.of(show(m[1])));
      if (ks.size > 0) ops.txnKeys[o.id] = [...ks];
    }
    const done = o.complete;
    const startMs = timeMs(inv);
    ops.lane.push(lane);
    ops.startMs.push(startMs);
    ops.endMs.push(done ? Math.max(timeMs(done), startMs) : durationMs);
    ops.outcome.push(done === null ? OUTCOME.pending : OUTCOME[done.type as 'ok' | 'fail' | 'info']);
    ops.key.push(key);
    ops.desc.push(describe(o.f, o.input, done ?? undefined));
    ops.invokeIndex.push(inv.index);
    ops.completeIndex.push(done ? done.index : -1);
    ops.node.push(done?.node ?? '');
    ops.error.push(done?.error === undefined ? '' : show(done.error));
    byIndex.set(inv.index, o.id);
    if (done) byIndex.set(done.index, o.id);
  }
  return { ops, processes: lanes.names, keys: keys.names, durationMs, byIndex };
}

/**
 * Fault windows as drawn, one per fault span of the history toolkit (faults.ts): a repeated start
 * of a kind that is on is the same window, and one never ended lasts to the end of the history.
 */
function nemesisWindows(events: readonly HistoryEvent[], durationMs: number): NemesisWindow[] {
  return faultSpans(events).map((span) => {
    const startMs = span.starts[0]!.time !== undefined ? span.starts[0]!.time / NS_PER_MS : span.starts[0]!.index;
    const end = span.end;
    const endMs = end === null ? durationMs : Math.max(end.time !== undefined ? end.time / NS_PER_MS : end.index, startMs);
    const detail = span.starts.map((e) => faultDetail(e.value)).find((d) => d !== '') ?? '';
    return { kind: span.kind, startMs, endMs, detail };
  });
}

/** One node's entry of a `cluster-status` event as text: "n1 leader (term 3)", "n3 dead". */
function nodeStatusText(node: string, v: unknown): string {
  const o = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  if (typeof o.down === 'string') return `${node} ${o.down}`;
  const role = typeof o.role === 'string' ? o.role : 'no role';
  return typeof o.term === 'number' ? `${node} ${role} (term ${o.term})` : `${node} ${role}`;
}

/**
 * The leader band: one span per `cluster-status` event of the harness's status poller, lasting
 * until the next one; the last lasts to the event that ended the polling (`end`), else to the end
 * of the history. Empty when no node ever said it leads (a system without leaders).
 */
export function leaderSpans(events: readonly HistoryEvent[], durationMs: number): LeaderSpan[] {
  const status = events.filter((e) => e.process === 'status' && e.f === 'cluster-status' && e.type === 'info');
  const spans: LeaderSpan[] = [];
  for (const e of status) {
    const at = timeMs(e);
    const last = spans[spans.length - 1];
    if (last !== undefined) last.endMs = Math.max(last.startMs, at);
    const v = e.value !== null && typeof e.value === 'object' && !Array.isArray(e.value) ? (e.value as Record<string, unknown>) : {};
    if (v.end === true) break;
    const nodes = v.nodes !== null && typeof v.nodes === 'object' && !Array.isArray(v.nodes) ? (v.nodes as Record<string, unknown>) : {};
    spans.push({
      startMs: at,
      endMs: Math.max(at, durationMs),
      leader: typeof v.leader === 'string' ? show(v.leader) : null,
      term: typeof v.term === 'number' ? v.term : null,
      detail: show(Object.entries(nodes).map(([node, s]) => nodeStatusText(node, s)).join(', ')),
    });
  }
  return spans.some((s) => s.leader !== null) ? spans : [];
}

/** One line of what a fault did, from the history toolkit's reading of its events. */
export function effectText(r: FaultRecord): string {
  const parts: string[] = [];
  const e = r.effect;
  if (e !== null) {
    const t = e.traffic;
    if (e.links > 0 && t === null) parts.push('traffic not counted (external proxy)');
    else if (t !== null && e.links > 0) {
      const bytes = (n: number, m: number, what: string) => (n > 0 ? `${what} ${n} B (${m} messages)` : '');
      const cut = [bytes(t.bytesCut, t.messagesCut, 'cut'), bytes(t.bytesDelayed, t.messagesDelayed, 'delayed'), t.connectionsCut > 0 ? `${t.connectionsCut} connections reset` : ''].filter(Boolean);
      parts.push(cut.length ? cut.join(', ') : 'no traffic touched');
    }
    if (e.processes.length) parts.push(`stopped ${e.processes.join(',')}`);
    if (e.clocks.length) parts.push(`clocks set on ${e.clocks.join(',')}`);
  }
  const o = r.ops;
  parts.push(o.invoked === 0 ? 'no client op while on' : `${o.failed} failed, ${o.info} timed out of ${o.invoked} ops`);
  return parts.join('; ');
}

/** Each window's effect, from the fault of the same kind that started at the same time, when the history recorded one. */
function addEffects(windows: NemesisWindow[], records: readonly FaultRecord[]): void {
  const left = [...records];
  for (const w of windows) {
    const i = left.findIndex((r) => r.fault === w.kind && Math.abs(r.startNs / NS_PER_MS - w.startMs) < 1e-3);
    const r = i >= 0 ? left.splice(i, 1)[0]! : null;
    if (r !== null && r.effect !== null) w.effect = show(effectText(r));
  }
}

/** What a fault was applied to: the nemesis's own `description`, else the value as JSON. */
function faultDetail(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object' && !Array.isArray(v) && typeof (v as Record<string, unknown>).description === 'string') {
    return show((v as Record<string, unknown>).description);
  }
  return show(v);
}

/** Longest explanation kept for a checker. */
const MAX_EXPLANATION = 4000;

/** results.json `checkers`: each workload checker's result by name (workloads/types.ts CheckOutcome). */
function checkerViews(results: Record<string, unknown>): CheckerView[] {
  const cs = results.checkers;
  if (!cs || typeof cs !== 'object' || Array.isArray(cs)) return [];
  return Object.entries(cs as Record<string, unknown>).map(([name, r]) => {
    const o = r && typeof r === 'object' ? (r as Record<string, unknown>) : {};
    const e = typeof o.explanation === 'string' ? o.explanation : '';
    return { name, valid: verdictOf(o.valid), explanation: e.length > MAX_EXPLANATION ? e.slice(0, MAX_EXPLANATION) + '…' : e, raw: r };
  });
}

/** The op of a witness: the one its invocation (or completion) index belongs to, or -1. */
function opOf(w: WitnessOp, byIndex: Map<number, number>): number {
  return byIndex.get(w.index) ?? (w.completeIndex !== null ? byIndex.get(w.completeIndex) : undefined) ?? -1;
}

/** The linearizability checker's witnesses, one per failing partition, on the op columns. */
function linWitnesses(c: CheckerView, ops: OpColumns, keys: string[], byIndex: Map<number, number>): LinWitness[] {
  if (!isLinearizableResult(c.raw)) return [];
  return linearizableView(c.raw).witnesses.map((w): LinWitness => {
    const failOp = opOf(w.op, byIndex);
    const prefix: LinStep[] = [];
    for (const step of w.prefix) {
      const op = opOf(step.op, byIndex);
      if (op >= 0) prefix.push({ op, before: step.before, after: step.after });
    }
    const candidates = w.candidates.map((cand) => ({ op: opOf(cand.op, byIndex), desc: cand.op.description, outcome: cand.outcome, stateAfter: cand.stateAfter }));
    let key = w.key;
    let keyIndex = key === null ? -1 : keys.indexOf(key);
    if (keyIndex < 0 && failOp >= 0) keyIndex = ops.key[failOp]!;
    if (key === null && keyIndex >= 0) key = keys[keyIndex]!;
    return { checker: c.name, key, keyIndex, failOp, prefix, finalStates: [w.state], prefixOmitted: w.prefixOmitted, candidates };
  });
}

/** The transactional checker's anomalies as small graphs of transactions on the op columns. */
function anomalyGraphs(c: CheckerView, ops: OpColumns, byIndex: Map<number, number>): AnomalyGraph[] {
  if (!isTxnCheckResult(c.raw)) return [];
  const out: AnomalyGraph[] = [];
  for (const a of txnView(c.raw).anomalies) {
    if (a.txns.length === 0 && !a.text) continue;
    const nodes = a.txns.map((t, i) => txnNode(t, `T${i + 1}`, ops, byIndex));
    const edges = a.edges.map((e) => ({ from: nodes[e.from]!.id, to: nodes[e.to]!.id, label: edgeLabel(e) }));
    out.push({ checker: c.name, type: a.type, nodes, edges, sentence: a.text });
  }
  return out;
}

/** A transaction as a node: its micro-ops, who ran it, and its op in the columns. */
function txnNode(t: TxnRef, id: string, ops: OpColumns, byIndex: Map<number, number>): AnomalyGraph['nodes'][number] {
  const op = byIndex.get(t.eventIndex) ?? -1;
  const label = t.value.length > 0 ? microOps(t.value) : op >= 0 ? ops.desc[op]! : '';
  const who = t.process !== null ? ` (process ${show(t.process)}${t.type !== 'ok' ? ', ' + t.type : ''})` : '';
  return { id, label: label + who, op };
}

/** An edge's label: the relation (rt, proc for real time and process order), with its key. */
function edgeLabel(e: TxnEdge): string {
  const rel = e.rel === 'realtime' ? 'rt' : e.rel === 'process' ? 'proc' : e.rel;
  return e.key === undefined ? rel : `${rel} ${show(e.key)}`;
}

/** Micro-ops `[f, key, value]` as one line: "append x 1, r y [2]". */
function microOps(v: unknown[]): string {
  return v.map((m) => (Array.isArray(m) ? m.map((x, i) => (i === 0 ? String(x) : show(x))).join(' ') : show(m))).join(', ');
}

/** results.json `nodeCrashes` (absent in folders written before it existed). */
const NodeCrashes = z.array(
  z.object({
    node: z.string(),
    timeNs: z.number(),
    exitCode: z.number().int().nullable().optional(),
    signal: z.string().nullable().optional(),
    logTail: z.array(z.string()),
  }),
);
/** At most this many crashes, and lines of each log tail, are shown. */
const CRASHES_SHOWN = 50;
const LOG_TAIL_SHOWN = 200;

function nodeCrashes(v: unknown, warnings: string[]): NodeCrash[] {
  if (v === undefined) return [];
  const r = NodeCrashes.safeParse(v);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    warnings.push(`results.json: nodeCrashes${issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('')}: ${issue.message}; the node crashes are not shown`);
    return [];
  }
  if (r.data.length > CRASHES_SHOWN) warnings.push(`results.json: ${r.data.length} node crashes, the first ${CRASHES_SHOWN} are shown`);
  return r.data.slice(0, CRASHES_SHOWN).map((c) => ({
    node: show(c.node),
    timeMs: c.timeNs / NS_PER_MS,
    exitCode: c.exitCode ?? null,
    signal: c.signal ?? null,
    logTail: c.logTail.slice(-LOG_TAIL_SHOWN).map((line) => show(line)),
  }));
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/**
 * The run's statistics: results.json's where present, else computed from the history by the run's
 * own rule (`harness/run/stats.ts`, the history toolkit's in-fault rule), so a report of a history
 * without results shows the figures `run` would have written.
 */
function computeStats(events: HistoryEvent[], ops: OpColumns, given: unknown): ReportData['stats'] {
  const h = runStats(events);
  let pending = 0;
  for (const o of ops.outcome) if (o === OUTCOME.pending) pending++;
  const g = (given && typeof given === 'object' ? given : {}) as Record<string, unknown>;
  const gl = (g.latencyMs && typeof g.latencyMs === 'object' ? g.latencyMs : {}) as Record<string, unknown>;
  return {
    ok: num(g.ok) ?? h.ok,
    fail: num(g.fail) ?? h.fail,
    info: num(g.info) ?? h.info,
    pending,
    opsPerSec: num(g.opsPerSec) ?? h.opsPerSec,
    latencyMs: {
      p50: num(gl.p50) ?? h.latencyMs?.p50 ?? null,
      p95: num(gl.p95) ?? h.latencyMs?.p95 ?? null,
      p99: num(gl.p99) ?? h.latencyMs?.p99 ?? null,
      max: num(gl.max) ?? h.latencyMs?.max ?? null,
    },
    okRateInFaults: num(g.okRateInFaults) ?? h.okRateInFaults,
    okRateOutsideFaults: num(g.okRateOutsideFaults) ?? h.okRateOutsideFaults,
    answeredRateInFaults: num(g.answeredRateInFaults) ?? h.answeredRateInFaults,
    answeredRateOutsideFaults: num(g.answeredRateOutsideFaults) ?? h.answeredRateOutsideFaults,
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
