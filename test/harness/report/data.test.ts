/**
 * How a run folder becomes the report's data: pairing ops, fault windows, statistics, the
 * linearizability witness, peer messages, and bounds on what is read.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReportData, readRunFolder } from '../../../harness/report/index.js';
import { OUTCOME } from '../../../harness/report/data.js';
import { FaultlineError } from '../../../harness/cli/exit.js';
import { folderMaker, historyLines, G_SINGLE_TXNS, makeTxnRunFolder, type FixtureTxn } from './fixtures.js';

const work = mkdtempSync(join(tmpdir(), 'faultline-report-data-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const MS = 1_000_000;
const folder = folderMaker(work);
const jsonl = historyLines;

describe('report data', () => {
  it('pairs each invocation with the next completion of its process, and keeps ops that never completed', () => {
    // Arrange
    const dir = folder({
      'history.jsonl': jsonl([
        { time: 1 * MS, type: 'invoke', process: 0, f: 'write', value: ['x', 1] },
        { time: 2 * MS, type: 'invoke', process: 1, f: 'read', value: ['x', null] },
        { time: 3 * MS, type: 'ok', process: 0, f: 'write', value: ['x', 1], node: 'n1' },
        { time: 4 * MS, type: 'ok', process: 1, f: 'read', value: ['x', 1] },
        { time: 5 * MS, type: 'invoke', process: 0, f: 'cas', value: ['y', [1, 2]] },
        { time: 6 * MS, type: 'fail', process: 0, f: 'cas', value: ['y', [1, 2]], error: [22, 'precondition failed'] },
        { time: 7 * MS, type: 'invoke', process: 1, f: 'write', value: ['y', 3] },
        { time: 9 * MS, type: 'info', process: 1, f: 'write', value: ['y', 3], error: 'timeout' },
        { time: 10 * MS, type: 'invoke', process: 2, f: 'read', value: ['x', null] },
      ]),
    });
    // Act
    const d = buildReportData(readRunFolder(dir));
    // Assert
    expect(d.ops.desc).toEqual(['write 1', 'read → 1', 'cas 1→2', 'write 3', 'read']);
    expect(d.ops.outcome).toEqual([OUTCOME.ok, OUTCOME.ok, OUTCOME.fail, OUTCOME.info, OUTCOME.pending]);
    expect(d.ops.startMs).toEqual([1, 2, 5, 7, 10]);
    expect(d.ops.endMs).toEqual([3, 4, 6, 9, 10]);
    expect(d.keys).toEqual(['x', 'y']);
    expect(d.ops.key).toEqual([0, 0, 1, 1, 0]);
    expect(d.ops.error[2]).toBe('[22,"precondition failed"]');
    expect(d.ops.node[0]).toBe('n1');
    expect(d.stats).toMatchObject({ ok: 2, fail: 1, info: 1, pending: 1 });
    expect(d.stats.latencyMs).toEqual({ p50: 2, p95: 2, p99: 2, max: 2 });
    expect(d.valid).toBeNull();
  });

  it('puts a transaction in the view of every key it touches', () => {
    const dir = folder({
      'history.jsonl': jsonl([
        { time: 1 * MS, type: 'invoke', process: 0, f: 'txn', value: [['append', 'x', 1], ['r', 'y', null]] },
        { time: 2 * MS, type: 'ok', process: 0, f: 'txn', value: [['append', 'x', 1], ['r', 'y', [2]]] },
        { time: 3 * MS, type: 'invoke', process: 1, f: 'txn', value: [['r', 'z', null]] },
      ]),
    });
    const d = buildReportData(readRunFolder(dir));
    expect(d.keys).toEqual(['x', 'y', 'z']);
    expect(d.ops.key).toEqual([-1, -1]);
    expect(d.ops.txnKeys).toEqual({ 0: [0, 1], 1: [2] });
    expect(d.ops.desc).toEqual(['append x 1, r y [2]', 'r z null']);
  });

  it('turns start/stop nemesis events into windows; a repeated start is one window; heal ends them all', () => {
    const dir = folder({
      'history.jsonl': jsonl([
        { time: 1 * MS, type: 'info', process: 'nemesis', f: 'start-partition', value: { description: 'n1 | n2 n3' } },
        { time: 2 * MS, type: 'info', process: 'nemesis', f: 'start-partition', value: null },
        { time: 3 * MS, type: 'info', process: 'nemesis', f: 'start-kill', value: ['n2'] },
        { time: 4 * MS, type: 'info', process: 'nemesis', f: 'stop-partition', value: null },
        { time: 5 * MS, type: 'info', process: 'nemesis', f: 'start-pause', value: ['n3'] },
        { time: 8 * MS, type: 'info', process: 'nemesis', f: 'heal', value: null },
        { time: 9 * MS, type: 'info', process: 'nemesis', f: 'start-clock', value: null },
      ]),
    });
    const d = buildReportData(readRunFolder(dir));
    expect(d.nemesis).toEqual([
      { kind: 'partition', startMs: 1, endMs: 4, detail: 'n1 | n2 n3' },
      { kind: 'kill', startMs: 3, endMs: 8, detail: '["n2"]' },
      { kind: 'pause', startMs: 5, endMs: 8, detail: '["n3"]' },
      { kind: 'clock', startMs: 9, endMs: 9, detail: '' },
    ]);
  });

  it('reads the witness of the linearizability checker and names the op that cannot be linearized', () => {
    const events = [
      { time: 1 * MS, type: 'invoke', process: 0, f: 'write', value: ['k', 1] },
      { time: 2 * MS, type: 'ok', process: 0, f: 'write', value: ['k', 1] },
      { time: 3 * MS, type: 'invoke', process: 1, f: 'read', value: ['k', null] },
      { time: 4 * MS, type: 'ok', process: 1, f: 'read', value: ['k', 2] },
    ];
    const op = (index: number, completeIndex: number) => ({ index, completeIndex, process: 0, f: 'x', input: null, output: null, status: 'ok', description: 'd' });
    const dir = folder({
      'history.jsonl': jsonl(events),
      'results.json': JSON.stringify({
        valid: false,
        checkers: {
          linearizable: {
            valid: false, explanation: 'not linearizable',
            partitions: [
              { key: 'other', valid: true },
              { key: 'k', valid: false, counterexample: { op: op(2, 3), state: '1', prefixLength: 1, prefixOmitted: 0, prefix: [{ op: op(0, 1), stateAfter: '1' }], candidates: [{ op: op(2, 3), outcome: 'illegal' }] } },
            ],
            firstAnomaly: { index: 3, partition: 'k' },
          },
        },
        firstAnomaly: { index: 3, timeNs: 4 * MS },
      }),
    });
    const d = buildReportData(readRunFolder(dir));
    expect(d.lin).toHaveLength(1);
    expect(d.lin[0]).toMatchObject({ key: 'k', keyIndex: 0, failOp: 1, finalStates: ['1'], prefix: [{ op: 0, before: null, after: '1' }] });
    expect(d.lin[0]!.candidates).toEqual([{ op: 1, desc: 'd', outcome: 'illegal', stateAfter: null }]);
    expect(d.firstAnomaly).toEqual({ index: 3, timeMs: 4, op: 1 });
    expect(d.valid).toBe(false);
  });

  it('pairs peer messages by link, id and order, and keeps a send with no receive', () => {
    const t0 = Date.parse('2026-11-24T05:30:00.000Z') * 1000;
    const m = (t: number, dir: string, from: string, to: string, id: unknown) => `@msg ${JSON.stringify({ t: t0 + t, dir, from, to, type: 'Ping', id })}`;
    const dir = folder({
      'run.json': JSON.stringify({ startedAt: '2026-11-24T05:30:00.000Z' }),
      'nodes/n1.log': ['n1 up', m(1000, 'send', 'n1', 'n2', null), m(2000, 'send', 'n1', 'n2', null), m(3000, 'send', 'n1', 'n2', 7), 'text @msg {"t":1} in the middle of a line'].join('\n'),
      'nodes/n2.log': [m(1500, 'recv', 'n1', 'n2', null), m(2500, 'recv', 'n1', 'n2', null), '@msg not json'].join('\n'),
    });
    const d = buildReportData(readRunFolder(dir));
    expect(d.nodes).toEqual(['n1', 'n2']);
    expect(d.messages.map((x) => [x.sendMs, x.recvMs, x.id])).toEqual([[1, 1.5, ''], [2, 2.5, ''], [3, null, '7']]);
  });

  it('carries the error of a run that stopped early and the faults that failed', () => {
    const dir = folder({
      'history.jsonl': '',
      'results.json': JSON.stringify({ valid: 'unknown', exitCode: 255, error: 'node n2 died at start', nemesisErrors: ['kill n3: no such process'] }),
    });
    const d = buildReportData(readRunFolder(dir));
    expect(d.valid).toBe('unknown');
    expect(d.exitCode).toBe(255);
    expect(d.runError).toBe('node n2 died at start');
    expect(d.nemesisErrors).toEqual(['kill n3: no such process']);
  });

  it('bounds what it reads, and says so', () => {
    const evs = Array.from({ length: 50 }, (_, i) => ({ time: i * MS, type: i % 2 ? 'ok' : 'invoke', process: 0, f: 'read', value: ['k', null] }));
    const dir = folder({ 'history.jsonl': jsonl(evs) });
    const f = readRunFolder(dir, { maxEvents: 10, maxJsonBytes: 1e6, maxHistoryBytes: 1e6, maxLogBytes: 1e6, maxMessages: 10 });
    expect(f.events).toHaveLength(10);
    expect(f.warnings.join('\n')).toContain('more than 10 events');
  });

  it('shows a history up to its first bad line, through the run\'s own reader, and says where it ended', () => {
    const evs = [
      { index: 0, time: 1 * MS, type: 'invoke', process: 0, f: 'read', value: ['k', null] },
      { index: 1, time: 2 * MS, type: 'ok', process: 0, f: 'read', value: ['k', 1] },
    ];
    const dir = folder({ 'history.jsonl': evs.map((e) => JSON.stringify(e)).join('\n') + '\n{"index":2,"type":"maybe","process":0,"f":"read"}\n' + JSON.stringify({ ...evs[0], index: 3 }) + '\n' });
    const f = readRunFolder(dir);
    expect(f.events.map((e) => e.index)).toEqual([0, 1]);
    expect(f.warnings.join('\n')).toMatch(/history\.jsonl:3: field "type" .*; the history is shown up to that line/);
  });

  it('puts the transactional cycles before the anomalies of single transactions', () => {
    // Arrange: the G-single cycle of the fixture, after 9 transactions that each read a key twice
    // and saw it change (internal anomalies, which the checker lists first).
    const txns: FixtureTxn[] = [...G_SINGLE_TXNS];
    for (let i = 0; i < 9; i++) {
      txns.push({ p: 3, a: 20 + 4 * i, b: 21 + 4 * i, inv: [['append', `k${i}`, 1]], out: [['append', `k${i}`, 1]] });
      txns.push({ p: 4, a: 20 + 4 * i, b: 22 + 4 * i, inv: [['r', `k${i}`, null], ['r', `k${i}`, null]], out: [['r', `k${i}`, []], ['r', `k${i}`, [1]]] });
    }
    const dir = folder({});
    makeTxnRunFolder(dir, txns);
    // Act
    const data = buildReportData(readRunFolder(dir));
    // Assert
    const types = data.anomalies.map((a) => a.type);
    expect(types).toContain('internal');
    expect(types[0]).toBe('G-single');
    expect(data.anomalies[0]!.edges.length).toBeGreaterThanOrEqual(2);
  });

  it('draws first the cycle that holds the first anomaly of results.json', () => {
    // Arrange: two G-single cycles, the second on other keys and later; results.json names an
    // event of the one the checker lists second as the first anomaly.
    const later: FixtureTxn[] = G_SINGLE_TXNS.map((t) => ({
      ...t, p: t.p + 10, a: t.a + 100, b: t.b + 100,
      inv: t.inv.map((m) => [(m as unknown[])[0], `${String((m as unknown[])[1])}2`, (m as unknown[])[2]]),
      out: t.out.map((m) => [(m as unknown[])[0], `${String((m as unknown[])[1])}2`, (m as unknown[])[2]]),
    }));
    const dir = folder({});
    makeTxnRunFolder(dir, [...G_SINGLE_TXNS, ...later]);
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as { checkers: Record<string, { anomalies: Record<string, Array<{ txns: Array<{ eventIndex: number }> }>> }>; firstAnomaly: unknown };
    const cycles = results.checkers['list-append']!.anomalies['G-single']!;
    expect(cycles.length).toBe(2);
    // An event of the cycle listed second, and of no other.
    const inFirst = new Set(cycles[0]!.txns.map((t) => t.eventIndex));
    const second = cycles[1]!.txns.map((t) => t.eventIndex).find((i) => !inFirst.has(i))!;
    results.firstAnomaly = { index: second, timeNs: null };
    writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
    // Act
    const data = buildReportData(readRunFolder(dir));
    // Assert
    expect(data.firstAnomaly?.op).toBeGreaterThanOrEqual(0);
    expect(data.anomalies[0]!.nodes.map((nd) => nd.op)).toContain(data.firstAnomaly!.op);
    expect(data.anomalies[1]!.nodes.map((nd) => nd.op)).not.toContain(data.firstAnomaly!.op);
  });

  it('refuses a folder that is not a run folder with a one-line bad-input error', () => {
    expect(() => readRunFolder(join(work, 'nope'))).toThrow(FaultlineError);
    const empty = folder({ 'other.txt': 'x' });
    expect(() => readRunFolder(empty)).toThrow(/not a run folder/);
    try {
      readRunFolder(empty);
    } catch (err) {
      expect((err as FaultlineError).exitCode).toBe(254);
    }
  });
});
