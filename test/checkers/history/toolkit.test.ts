/**
 * The history toolkit beyond parsing: the torn-tail option of the one JSONL reader, lenient
 * pairing for statistics, fault windows with their half-open rule, and the one percentile.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  answeredTime,
  faultSpans,
  faultWindows,
  historyStats,
  HistoryError,
  inFaultWindow,
  pairOperations,
  parseJsonl,
  percentile,
  readHistory,
  readJsonlFileSync,
  type HistoryEvent,
} from '../../../checkers/history/index.js';
import { checkListAppend, checkRwRegister } from '../../../checkers/transactional/index.js';
import { tempDir } from '../../support/cli.js';

const line0 = '{"index":0,"type":"invoke","process":0,"f":"read"}';

describe('the JSONL reader and a torn last line', () => {
  it('leaves out a torn last line only when asked, and says so', async () => {
    const text = `${line0}\n{"index":1,"ty`;
    expect(() => parseJsonl(text, 'h.jsonl')).toThrow(/^h\.jsonl:2: not valid JSON/);
    expect(parseJsonl(text, 'h.jsonl', { tolerateTornTail: true })).toMatchObject({ tornTail: true, events: [{ index: 0 }] });
    const path = join(tempDir(), 'history.jsonl');
    writeFileSync(path, text);
    expect(await readHistory(path, { tolerateTornTail: true })).toMatchObject({ tornTail: true, events: [{ index: 0 }] });
    expect(readJsonlFileSync(path, { tolerateTornTail: true }).tornTail).toBe(true);
    await expect(readHistory(path)).rejects.toThrow(HistoryError);
  });

  it('still refuses a bad line that is not the last, or one a newline ended', async () => {
    expect(() => parseJsonl(`{"index":1,"ty\n${line0}\n`, 'h.jsonl', { tolerateTornTail: true })).toThrow(/^h\.jsonl:1: not valid JSON/);
    expect(() => parseJsonl(`${line0}\n{"index":1,"ty\n`, 'h.jsonl', { tolerateTornTail: true })).toThrow(/^h\.jsonl:2: not valid JSON/);
    const path = join(tempDir(), 'history.jsonl');
    writeFileSync(path, `${line0}\n{"index":1,"ty\n\n`);
    await expect(readHistory(path, { tolerateTornTail: true })).rejects.toThrow(/history\.jsonl:2: not valid JSON/);
    expect(parseJsonl(`${line0}\n`, 'h.jsonl', { tolerateTornTail: true }).tornTail).toBe(false);
  });
});

const ev = (index: number, timeMs: number, type: HistoryEvent['type'], process: number | 'nemesis', f = 'write'): HistoryEvent => ({
  index,
  time: timeMs * 1e6,
  type,
  process,
  f,
});

describe('pairing for statistics', () => {
  it('pairs what fits when not strict, where the checkers refuse', () => {
    const events = [ev(0, 0, 'ok', 1), ev(1, 1, 'invoke', 2), ev(2, 2, 'invoke', 2), ev(3, 3, 'ok', 2, 'read')];
    expect(() => pairOperations(events)).toThrow(HistoryError);
    const { operations, ignored } = pairOperations(events, undefined, { strict: false });
    expect(ignored.map((e) => e.index)).toEqual([0]);
    expect(operations.map((o) => [o.invoke.index, o.complete?.index ?? null])).toEqual([
      [1, null],
      [2, 3],
    ]);
  });
});

describe('fault windows and the in-fault rule', () => {
  it('counts an op by its invocation, in half-open windows [start, end)', () => {
    const events = [
      ev(0, 100, 'info', 'nemesis', 'start-partition'),
      ev(1, 150, 'invoke', 0),
      ev(2, 250, 'ok', 0), // invoked inside, completed after the stop: in a fault
      ev(3, 190, 'invoke', 1),
      ev(4, 195, 'fail', 1),
      ev(5, 200, 'info', 'nemesis', 'stop-partition'),
      ev(6, 200, 'invoke', 2), // invoked at the stop instant: outside
      ev(7, 210, 'ok', 2),
    ];
    const w = faultWindows(events);
    expect(w).toEqual([[100e6, 200e6]]);
    expect([inFaultWindow(w, 100e6), inFaultWindow(w, 199e6), inFaultWindow(w, 200e6), inFaultWindow(w, 99e6)]).toEqual([true, true, false, false]);
    const s = historyStats(events);
    expect(s).toMatchObject({ ok: 2, fail: 1, okRateInFaults: 0.5, okRateOutsideFaults: 1 });
  });

  it('keeps a window open to the end, nests overlapping faults, and lets heal end them all', () => {
    const n = (i: number, t: number, f: string) => ev(i, t, 'info', 'nemesis', f);
    expect(faultWindows([n(0, 1, 'start-kill'), n(1, 2, 'start-pause'), n(2, 3, 'stop-kill'), n(3, 4, 'stop-pause')])).toEqual([[1e6, 4e6]]);
    expect(faultWindows([n(0, 1, 'start-kill'), n(1, 2, 'start-pause'), n(2, 3, 'heal')])).toEqual([[1e6, 3e6]]);
    expect(faultWindows([n(0, 1, 'start-kill')])).toEqual([[1e6, Infinity]]);
  });

  it('reads the same events per kind as spans, whose union is the windows', () => {
    const n = (i: number, t: number, f: string) => ev(i, t, 'info', 'nemesis', f);
    const events = [n(0, 1, 'start-kill'), n(1, 2, 'start-pause'), n(2, 3, 'start-kill'), n(3, 4, 'stop-kill'), n(4, 6, 'start-clock'), n(5, 7, 'heal'), n(6, 8, 'start-partition'), n(7, 9, 'stop-pause')];
    const spans = faultSpans(events);
    expect(spans.map((s) => [s.kind, s.starts.map((e) => e.index), s.end?.index ?? null])).toEqual([
      ['kill', [0, 2], 3],
      ['pause', [1], 5],
      ['clock', [4], 5],
      ['partition', [6], null],
    ]);
    // A stop of a kind that is off (index 7) ends nothing: the windows are the union of the spans.
    expect(faultWindows(events)).toEqual([[1e6, 7e6], [8e6, Infinity]]);
  });
});

describe('percentile', () => {
  it('is the nearest rank', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect([percentile(xs, 50), percentile(xs, 95), percentile(xs, 99), percentile(xs, 100), percentile(xs, 0)]).toEqual([5, 10, 10, 10, 1]);
    expect(percentile([], 50)).toBe(0);
  });
});

describe('values nested too deep that did not come through a reader', () => {
  it('are refused by strict pairing, not left to overflow a later pass', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const events: HistoryEvent[] = [
      { index: 0, type: 'invoke', process: 0, f: 'write', value: deep },
      { index: 1, type: 'ok', process: 0, f: 'write', value: deep },
    ];
    expect(() => pairOperations(events)).toThrow(/the value of write nests deeper than 256 levels/);
    const txn: HistoryEvent[] = [
      { index: 0, type: 'invoke', process: 0, f: 'txn', value: [['append', 'x', deep]] },
      { index: 1, type: 'ok', process: 0, f: 'txn', value: [['append', 'x', deep]] },
    ];
    expect(() => checkListAppend(txn)).toThrow(/nests deeper than 256 levels/);
    expect(() => checkRwRegister(txn.map((e) => ({ ...e, value: [['w', 'x', deep]] })))).toThrow(/nests deeper than 256 levels/);
  });
});

describe('answered time', () => {
  const S = 1e9;
  /** One read per second for `seconds` seconds, answered as `outcome(second)` says. */
  function reads(seconds: number, outcome: (s: number) => 'ok' | 'fail' | 'info', error?: unknown): HistoryEvent[] {
    const out: HistoryEvent[] = [];
    for (let s = 0; s < seconds; s++) {
      out.push({ index: out.length, time: s * S + 1, type: 'invoke', process: 0, f: 'read', value: null });
      out.push({ index: out.length, time: s * S + 2e8, type: outcome(s), process: 0, f: 'read', value: null, ...(error !== undefined ? { error } : {}) });
    }
    return out;
  }

  it('counts the seconds in which some op was ok or refused, from the first invocation', () => {
    expect(answeredTime(reads(10, () => 'ok'))).toEqual({ seconds: 10, answered: 10 });
    expect(answeredTime(reads(10, (s) => (s < 3 ? 'ok' : 'info')))).toEqual({ seconds: 10, answered: 3 });
    expect(answeredTime(reads(10, () => 'fail'))).toEqual({ seconds: 10, answered: 0 });
    expect(answeredTime(reads(10, () => 'fail', [22, 'precondition']), { isRefusal: () => true })).toEqual({ seconds: 10, answered: 10 });
    expect(answeredTime([])).toEqual({ seconds: 0, answered: 0 });
  });

  it('ignores the nemesis', () => {
    const events = reads(2, () => 'ok');
    events.push({ index: events.length, time: 30 * S, type: 'info', process: 'nemesis', f: 'start-kill', value: null });
    expect(answeredTime(events)).toEqual({ seconds: 2, answered: 2 });
  });
});
