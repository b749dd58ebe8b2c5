import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStoredHistory, RunHistory } from '../../../harness/run/history.js';
import { faultWindows } from '../../../checkers/history/faults.js';
import { computeStats } from '../../../harness/run/stats.js';
import { UsageError } from '../../../harness/cli/exit.js';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { tempDir } from '../../support/cli.js';

describe('run history', () => {
  it('writes each event as one line, readable back after a flush while the file is still open', () => {
    const path = join(tempDir(), 'history.jsonl');
    const h = new RunHistory(path, process.hrtime.bigint());
    h.append({ type: 'invoke', process: 0, f: 'write', value: [1, 2] });
    h.append({ type: 'ok', process: 0, f: 'write', value: [1, 2], node: 'n1' });
    h.flush();
    const back = readStoredHistory(path);
    expect(back.tornTail).toBe(false);
    expect(back.events.map((e) => [e.index, e.type, e.node])).toEqual([
      [0, 'invoke', undefined],
      [1, 'ok', 'n1'],
    ]);
    expect((back.events[1]?.time ?? 0) >= (back.events[0]?.time ?? 0)).toBe(true);
    h.close();
  });

  it('streams: writes lines in chunks within a short while, keeps nothing until read back, then keeps what follows', async () => {
    // Arrange
    const path = join(tempDir(), 'history.jsonl');
    const h = new RunHistory(path, process.hrtime.bigint());
    // Act: a few events wait for the flush timer; many more than a chunk are written at once.
    h.append({ type: 'invoke', process: 0, f: 'read', value: [1, null] });
    expect(readFileSync(path, 'utf8')).toBe('');
    for (let t = Date.now(); readFileSync(path, 'utf8') === '' && Date.now() - t < 5000; ) await new Promise((r) => setTimeout(r, 10));
    expect(readStoredHistory(path).events.map((e) => e.index)).toEqual([0]);
    for (let i = 1; i < 3000; i++) h.append({ type: i % 2 ? 'ok' : 'invoke', process: 0, f: 'read', value: [1, i] });
    const written = readStoredHistory(path, { stopAtBadLine: true }).events.length;
    expect(written).toBeGreaterThan(1);
    expect(written).toBeLessThan(3000);
    // Assert: the reading back flushes; later events are kept and read back without the file.
    expect(h.length).toBe(3000);
    expect(h.readBack().map((e) => e.index)).toEqual([...Array(3000).keys()]);
    h.append({ type: 'invoke', process: 1, f: 'read', value: [2, null] });
    h.close();
    expect(h.readBack()).toHaveLength(3001);
    expect(readStoredHistory(path).events).toHaveLength(3001);
  });

  it('leaves out a torn last line, and names file:line for a bad line elsewhere', () => {
    const path = join(tempDir(), 'history.jsonl');
    writeFileSync(path, '{"index":0,"type":"invoke","process":0,"f":"read","value":[1,null]}\n');
    appendFileSync(path, '{"index":1,"type":"ok","proc');
    expect(readStoredHistory(path)).toMatchObject({ tornTail: true, events: [{ index: 0 }] });
    const bad = join(tempDir(), 'history.jsonl');
    writeFileSync(bad, '{"index":0,"type":"invoke","process":0,"f":"read"}\n{"index":1,"type":"maybe","process":0,"f":"read"}\n{"index":2,"type":"ok","process":0,"f":"read"}\n');
    expect(() => readStoredHistory(bad)).toThrow(UsageError);
    expect(() => readStoredHistory(bad)).toThrow(/history\.jsonl:2: field "type"/);
    expect(() => readStoredHistory(join(tempDir(), 'absent.jsonl'))).toThrow(/ENOENT/);
  });

  it('with stopAtBadLine, ends at a bad line or one event too many and says where; with maxBytes, reads the start', () => {
    const line = (i: number) => `{"index":${i},"type":"invoke","process":${i},"f":"read"}\n`;
    const bad = join(tempDir(), 'history.jsonl');
    writeFileSync(bad, line(0) + '{"index":1,"type":"maybe","process":0,"f":"read"}\n' + line(2));
    expect(readStoredHistory(bad, { stopAtBadLine: true })).toMatchObject({ events: [{ index: 0 }], tornTail: false, stoppedBy: expect.stringMatching(/history\.jsonl:2: field "type"/) });
    const notJson = join(tempDir(), 'history.jsonl');
    writeFileSync(notJson, line(0) + '{"index":1,"ty\n' + line(2));
    expect(readStoredHistory(notJson, { stopAtBadLine: true })).toMatchObject({ events: [{ index: 0 }], tornTail: false, torn: null, stoppedBy: expect.stringMatching(/:2: not valid JSON/) });
    const torn = join(tempDir(), 'history.jsonl');
    writeFileSync(torn, line(0) + line(1) + '{"index":2,"ty');
    expect(readStoredHistory(torn, { stopAtBadLine: true })).toMatchObject({ events: [{ index: 0 }, { index: 1 }], tornTail: true, torn: expect.stringMatching(/:3: not valid JSON/), stoppedBy: null });
    const long = join(tempDir(), 'history.jsonl');
    writeFileSync(long, line(0) + line(1) + line(2));
    expect(readStoredHistory(long, { stopAtBadLine: true, maxEvents: 2 })).toMatchObject({ events: [{ index: 0 }, { index: 1 }], stoppedBy: expect.stringMatching(/:3: more than 2 events/) });
    expect(() => readStoredHistory(long, { maxEvents: 2 })).toThrow(/:3: more than 2 events/);
    const head = readStoredHistory(long, { maxBytes: line(0).length + 5 });
    expect(head).toMatchObject({ events: [{ index: 0 }], tornTail: true, cutFrom: 3 * line(0).length });
  });
});

describe('run stats', () => {
  const ev = (index: number, timeMs: number, type: 'invoke' | 'ok' | 'fail' | 'info', process: number | 'nemesis', f = 'write') => ({
    index,
    time: timeMs * 1e6,
    type,
    process,
    f,
  });

  it('counts completions, latencies, and ok rates inside and outside fault windows', () => {
    const events = [
      ev(0, 0, 'invoke', 0),
      ev(1, 10, 'ok', 0),
      ev(2, 100, 'info', 'nemesis', 'start-kill'),
      ev(3, 110, 'invoke', 1),
      ev(4, 130, 'info', 1),
      ev(5, 120, 'invoke', 0),
      ev(6, 150, 'ok', 0),
      ev(7, 200, 'info', 'nemesis', 'stop-kill'),
      ev(8, 210, 'invoke', 2),
      ev(9, 215, 'fail', 2),
      ev(10, 220, 'invoke', 3),
    ];
    expect(faultWindows(events)).toEqual([[100e6, 200e6]]);
    const s = computeStats(events);
    expect(s).toMatchObject({ ok: 2, fail: 1, info: 1, open: 1, okRateInFaults: 0.5, okRateOutsideFaults: 0.5 });
    expect(s.latencyMs).toEqual({ p50: 10, p95: 30, p99: 30, max: 30 });
    // The fail carries no error: it is not a refusal, so answered equals ok here.
    expect(s).toMatchObject({ answeredRateInFaults: 0.5, answeredRateOutsideFaults: 0.5 });
  });

  it('counts a cas refused on its merits as answered, and unavailability or a timeout as not', () => {
    const done = (i: number, timeMs: number, type: HistoryEvent['type'], process: number, error?: string): HistoryEvent => ({
      ...ev(i, timeMs, type, process),
      ...(error !== undefined ? { error } : {}),
    });
    const events: HistoryEvent[] = [];
    const outcomes: [HistoryEvent['type'], string | undefined][] = [
      ['ok', undefined],
      ['fail', 'precondition-failed: expected 3, found 1'],
      ['fail', 'key-does-not-exist: key 4 does not exist'],
      ['fail', 'txn-conflict'],
      ['fail', 'temporarily-unavailable: not the leader'],
      ['info', 'timeout'],
      ['fail', 'not-sent: connection refused'],
      ['fail', 'precondition-failed-ish'],
    ];
    outcomes.forEach(([type, error], i) => {
      events.push({ ...ev(2 * i, 10 * i, 'invoke', i) });
      events.push(done(2 * i + 1, 10 * i + 5, type, i, error));
    });
    const s = computeStats(events);
    expect(s.okRateOutsideFaults).toBe(0.125);
    expect(s.answeredRateOutsideFaults).toBe(0.5);
    expect(s.answeredRateInFaults).toBe(null);
  });
});
