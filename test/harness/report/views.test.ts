/**
 * The checkers' views as the report reads them (checkers/linearizable/view.ts,
 * checkers/transactional/view.ts), the fault styles, the fault windows from what the nemesis
 * really records, and the node crashes of results.json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { checkLinearizable, createModel } from '../../../checkers/linearizable/index.js';
import { isLinearizableResult, linearizableView } from '../../../checkers/linearizable/view.js';
import { checkListAppend } from '../../../checkers/transactional/list-append.js';
import { isTxnCheckResult, txnView } from '../../../checkers/transactional/view.js';
import { buildReportData, readRunFolder } from '../../../harness/report/index.js';
import { faultStyles } from '../../../harness/report/fault-styles.js';
import { describeFault, drawFault, FAULT_KINDS, stepName, type FaultSpec } from '../../../harness/nemesis/schedule.js';
import { MutableRng } from '../../../harness/random.js';
import { folderMaker, historyLines, G_SINGLE_TXNS, makeTxnRunFolder } from './fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'faultline-report-views-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const MS = 1_000_000;
const folder = folderMaker(work);
const jsonl = historyLines;

/** A register history with one stale read of k: written 1 then 2, then read 1. */
const STALE: HistoryEvent[] = [
  { index: 0, time: 1 * MS, type: 'invoke', process: 0, f: 'write', value: ['k', 1] },
  { index: 1, time: 2 * MS, type: 'ok', process: 0, f: 'write', value: ['k', 1] },
  { index: 2, time: 3 * MS, type: 'invoke', process: 0, f: 'write', value: ['k', 2] },
  { index: 3, time: 4 * MS, type: 'ok', process: 0, f: 'write', value: ['k', 2] },
  { index: 4, time: 5 * MS, type: 'invoke', process: 1, f: 'read', value: ['k', null] },
  { index: 5, time: 6 * MS, type: 'ok', process: 1, f: 'read', value: ['k', 1] },
];

describe('the linearizability view', () => {
  it('gives the op that cannot be linearized and the prefix with each state before and after, by history index', () => {
    // Arrange
    const result = checkLinearizable(createModel('kv'), STALE);
    // Act
    const view = linearizableView(result);
    // Assert
    expect(isLinearizableResult(JSON.parse(JSON.stringify(result)))).toBe(true);
    expect(view.witnesses).toHaveLength(1);
    const w = view.witnesses[0]!;
    expect(w.key).toBe('k');
    expect(w.op).toMatchObject({ index: 4, completeIndex: 5 });
    expect(w.prefix.map((s) => s.op.index)).toEqual([0, 2]);
    expect(w.prefix[0]!.before).toBeNull();
    expect(w.prefix[1]!.before).toBe(w.prefix[0]!.after);
    expect(w.state).toBe(w.prefix[1]!.after);
  });

  it('has no witness for a valid result, and refuses shapes that are not a checker result', () => {
    expect(linearizableView(checkLinearizable(createModel('kv'), STALE.slice(0, 4))).witnesses).toEqual([]);
    expect(isLinearizableResult({ valid: false, failures: [{ failingOp: 4 }] })).toBe(false);
    expect(isLinearizableResult({ checker: 'list-append', valid: false, partitions: [] })).toBe(false);
    expect(isLinearizableResult({ valid: false, partitions: [{ key: 'k', valid: false, counterexample: { op: 4 } }] })).toBe(false);
  });

  it('makes the report warn, not guess, when a result says it is linearizable but is not in its format', () => {
    // Arrange
    const dir = folder({
      'history.jsonl': jsonl(STALE),
      'results.json': JSON.stringify({ valid: false, checkers: { linearizable: { checker: 'linearizable', valid: false, failures: [{ failingOp: 4, longestPrefix: [0, 2] }] } } }),
    });
    // Act
    const d = buildReportData(readRunFolder(dir));
    // Assert
    expect(d.lin).toEqual([]);
    expect(d.warnings.join('\n')).toContain('checker linearizable: its result is not in the linearizable checker');
    expect(d.checkers[0]!.raw).toMatchObject({ failures: [{ failingOp: 4 }] });
  });
});

describe('the transactional view', () => {
  it('draws a cycle first, with one edge per step and the key of each data dependency', () => {
    // Arrange: the G-single cycle, after a transaction that read a key twice and saw it change.
    const evs: HistoryEvent[] = [];
    const txns = [...G_SINGLE_TXNS, { p: 3, a: 20, b: 21, inv: [['append', 'z', 1]], out: [['append', 'z', 1]] }, { p: 4, a: 20, b: 22, inv: [['r', 'z', null], ['r', 'z', null]], out: [['r', 'z', []], ['r', 'z', [1]]] }];
    for (const t of txns) {
      evs.push({ index: 0, time: t.a * MS, type: 'invoke', process: t.p, f: 'txn', value: t.inv });
      evs.push({ index: 0, time: t.b * MS, type: 'ok', process: t.p, f: 'txn', value: t.out });
    }
    evs.sort((x, y) => x.time! - y.time!).forEach((e, i) => (e.index = i));
    const result = checkListAppend(evs, { consistencyModel: 'strict-serializable' });
    // Act
    const view = txnView(result);
    // Assert
    expect(isTxnCheckResult(JSON.parse(JSON.stringify(result)))).toBe(true);
    expect(result.anomalyTypes).toContain('internal');
    const types = view.anomalies.map((a) => a.type);
    expect(types.lastIndexOf('G-single')).toBeLessThan(types.indexOf('internal'));
    expect(types[0]).toBe('G-single');
    const cycle = view.anomalies.find((a) => a.edges.some((e) => e.key === 'y'))!;
    expect(cycle.type).toBe('G-single');
    expect(cycle.edges.map((e) => `${e.rel} ${String(e.key)}`).sort()).toEqual(['rw x', 'wr x', 'ww y']);
    expect(cycle.edges.every((e) => e.from < cycle.txns.length && e.to < cycle.txns.length)).toBe(true);
    const internal = view.anomalies.find((a) => a.type === 'internal')!;
    expect(internal.txns).toHaveLength(1);
    expect(internal.text).not.toBe('');
  });

  it('is what the report draws: nodes T1.. on the ops of the history, edges labelled by relation and key', () => {
    const dir = folder({});
    makeTxnRunFolder(dir);
    const d = buildReportData(readRunFolder(dir));
    const raw = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).checkers['list-append'];
    const cycle = txnView(raw).anomalies[0]!;
    expect(d.anomalies[0]!.nodes.map((nd) => nd.id)).toEqual(cycle.txns.map((_, i) => `T${i + 1}`));
    expect(d.anomalies[0]!.nodes.map((nd) => d.ops.invokeIndex[nd.op] === undefined ? -1 : d.ops.completeIndex[nd.op])).toEqual(cycle.txns.map((t) => t.eventIndex));
    expect(d.anomalies[0]!.edges.map((e) => e.label).sort()).toEqual(['rw x', 'wr x', 'ww y']);
  });
});

describe('fault windows and styles', () => {
  const nodes = ['n1', 'n2', 'n3'];
  /** One fault of every kind the nemesis draws, as it records them: start, stop, then heal. */
  function nemesisEvents(): { events: object[]; specs: FaultSpec[] } {
    const rng = new MutableRng(11);
    const specs: FaultSpec[] = FAULT_KINDS.map((k) => drawFault(k, nodes, rng, ['AppendEntries']));
    // A latency fault is drawn as bandwidth 30% of the time: draw until both kinds are there.
    while (!specs.some((s) => s.fault === 'bandwidth')) specs.push(drawFault('latency', nodes, rng));
    while (!specs.some((s) => s.fault === 'latency')) specs.push(drawFault('latency', nodes, rng));
    const events: object[] = [];
    let t = 1;
    for (const spec of specs) {
      events.push({ time: t++ * MS, type: 'info', process: 'nemesis', f: stepName('start', spec), value: { ...spec, description: describeFault(spec) } });
      events.push({ time: t++ * MS, type: 'info', process: 'nemesis', f: stepName('stop', spec), value: { ...spec, description: describeFault(spec) } });
    }
    events.push({ time: t * MS, type: 'info', process: 'nemesis', f: 'start-kill', value: { fault: 'kill', nodes: ['n1'], description: 'kill -9 n1' } });
    events.push({ time: (t + 1) * MS, type: 'info', process: 'nemesis', f: 'heal', value: { description: 'every fault ended, every node running' } });
    return { events, specs };
  }

  it('opens a window for each start the nemesis records, closes it at its stop, and heal ends the rest', () => {
    const { events, specs } = nemesisEvents();
    const d = buildReportData(readRunFolder(folder({ 'history.jsonl': jsonl(events) })));
    expect(d.nemesis.slice(0, specs.length).map((w) => w.kind)).toEqual(specs.map((s) => s.fault));
    expect(d.nemesis.slice(0, specs.length).map((w) => w.detail)).toEqual(specs.map((s) => describeFault(s)));
    expect(d.nemesis.every((w) => w.endMs > w.startMs)).toBe(true);
    expect(d.nemesis.at(-1)).toMatchObject({ kind: 'kill', detail: 'kill -9 n1' });
  });

  it('has a style for every fault kind the nemesis takes and every fault it applies, and embeds that table', () => {
    const styles = faultStyles();
    for (const k of [...FAULT_KINDS, 'bandwidth', 'message']) {
      expect(styles[k], k).toBeDefined();
      expect(styles[k]!.fill).toMatch(/^rgba\(/);
    }
    const { events, specs } = nemesisEvents();
    for (const s of specs) expect(styles[s.fault], s.fault).toBeDefined();
    const d = buildReportData(readRunFolder(folder({ 'history.jsonl': jsonl(events) })));
    expect(d.faultStyles.byKind).toEqual(styles);
    expect(new Set(Object.values(styles).map((s) => s.fill)).size).toBe(Object.keys(styles).length);
  });
});

describe('node crashes', () => {
  it('carries each crash with its time in ms, exit code or signal, and log tail', () => {
    const dir = folder({
      'history.jsonl': '',
      'run.json': '{}',
      'results.json': JSON.stringify({
        valid: true,
        nodeCrashes: [
          { node: 'n2', timeNs: 1500 * MS, exitCode: 1, signal: null, logTail: ['starting', 'Error: boom'] },
          { node: 'n3', timeNs: 2 * MS, exitCode: null, signal: 'SIGSEGV', logTail: [] },
        ],
      }),
    });
    const d = buildReportData(readRunFolder(dir));
    expect(d.nodeCrashes).toEqual([
      { node: 'n2', timeMs: 1500, exitCode: 1, signal: null, logTail: ['starting', 'Error: boom'] },
      { node: 'n3', timeMs: 2, exitCode: null, signal: 'SIGSEGV', logTail: [] },
    ]);
    expect(d.warnings).toEqual([]);
  });

  it('has none for an older folder, and names the bad field of a damaged list', () => {
    expect(buildReportData(readRunFolder(folder({ 'history.jsonl': '', 'results.json': '{"valid":true}' }))).nodeCrashes).toEqual([]);
    const d = buildReportData(readRunFolder(folder({ 'history.jsonl': '', 'results.json': JSON.stringify({ nodeCrashes: [{ node: 'n1', timeNs: 'soon', logTail: [] }] }) })));
    expect(d.nodeCrashes).toEqual([]);
    expect(d.warnings.join('\n')).toContain('results.json: nodeCrashes[0].timeNs:');
  });
});
