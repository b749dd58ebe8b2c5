/**
 * Sequential consistency and the session guarantees on hand-made kv register histories: the
 * book's no-read-repair history (sequentially consistent, not linearizable), one that is not even
 * sequentially consistent, and one history per broken guarantee.
 */
import { describe, expect, it } from 'vitest';
import { HistoryError, type HistoryEvent } from '../../../checkers/history/index.js';
import { checkLinearizable, createModel } from '../../../checkers/linearizable/index.js';
import { checkSequential, checkSessions } from '../../../checkers/session/index.js';

function ev(...rows: Array<[number, HistoryEvent['type'], string, unknown]>): HistoryEvent[] {
  return rows.map(([process, type, f, value], index) => ({ index, time: index * 1e6, type, process, f, value }));
}

// A write of 1 still in flight: one reader sees it, a later reader does not.
const noReadRepair = ev(
  [0, 'invoke', 'write', ['x', 1]],
  [1, 'invoke', 'read', ['x', null]],
  [1, 'ok', 'read', ['x', 1]],
  [2, 'invoke', 'read', ['x', null]],
  [2, 'ok', 'read', ['x', null]],
  [0, 'ok', 'write', ['x', 1]],
);

describe('checkSequential', () => {
  it('judges the no-read-repair history sequentially consistent, though not linearizable', () => {
    expect(checkLinearizable(createModel('kv'), noReadRepair).valid).toBe(false);
    const r = checkSequential(noReadRepair);
    expect(r.valid).toBe(true);
    expect(r.keys).toEqual([expect.objectContaining({ key: 'x', valid: true, placed: 3 })]);
  });

  it('finds a process that reads a write and then the value before it: not sequentially consistent', () => {
    const h = ev([0, 'invoke', 'write', ['x', 1]], [0, 'ok', 'write', ['x', 1]], [1, 'invoke', 'read', ['x', null]], [1, 'ok', 'read', ['x', 1]], [1, 'invoke', 'read', ['x', null]], [1, 'ok', 'read', ['x', null]]);
    const r = checkSequential(h);
    expect(r.valid).toBe(false);
    expect(r.firstAnomaly?.index).toBe(5);
    expect(r.explanation).toMatchInlineSnapshot(`"Not sequentially consistent: key x: no order of the processes' operations explains process 1's read of null (event 5); the longest explained order holds 2 of 3 operations."`);
  });

  it('lets a crashed write happen or not, and says unknown past its budget', () => {
    const h = ev([0, 'invoke', 'write', ['x', 1]], [0, 'info', 'write', ['x', 1]], [1, 'invoke', 'read', ['x', null]], [1, 'ok', 'read', ['x', null]], [1, 'invoke', 'read', ['x', null]], [1, 'ok', 'read', ['x', 1]]);
    expect(checkSequential(h).valid).toBe(true);
    const never = ev([0, 'invoke', 'write', ['x', 1]], [0, 'info', 'write', ['x', 1]], [1, 'invoke', 'read', ['x', null]], [1, 'ok', 'read', ['x', null]]);
    expect(checkSequential(never).valid).toBe(true);
    const wrong = ev([0, 'invoke', 'write', ['x', 1]], [0, 'fail', 'write', ['x', 1]], [1, 'invoke', 'read', ['x', null]], [1, 'ok', 'read', ['x', 1]]);
    expect(checkSequential(wrong).valid).toBe(false);
    const tiny = ev([0, 'invoke', 'write', ['x', 1]], [0, 'ok', 'write', ['x', 1]], [1, 'invoke', 'read', ['x', null]], [1, 'ok', 'read', ['x', 2]]);
    expect(checkSequential(tiny, { statesMax: 0 }).valid).toBe('unknown');
  });

  it('refuses what is not a register history', () => {
    expect(() => checkSequential(ev([0, 'invoke', 'add', ['x', 1]], [0, 'ok', 'add', ['x', 1]]))).toThrow(HistoryError);
    expect(() => checkSequential(ev([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1]))).toThrow(/must be \[key, value\]/);
  });
});

describe('checkSessions', () => {
  it('passes the no-read-repair history: each reader is consistent with itself', () => {
    expect(checkSessions(noReadRepair).valid).toBe(true);
  });

  it('finds read-your-writes: a process reads a value older than its own write', () => {
    const h = ev([0, 'invoke', 'write', ['x', 1]], [0, 'ok', 'write', ['x', 1]], [0, 'invoke', 'write', ['x', 2]], [0, 'ok', 'write', ['x', 2]], [0, 'invoke', 'read', ['x', null]], [0, 'ok', 'read', ['x', 1]]);
    const r = checkSessions(h);
    expect(r.valid).toBe(false);
    expect(r.counts['read-your-writes']).toBe(1);
    expect(r.anomalies[0]).toMatchObject({ guarantee: 'read-your-writes', process: 0, key: 'x', indices: [3, 5] });
  });

  it('finds monotonic reads: a process reads a value, then one older', () => {
    const h = ev([0, 'invoke', 'write', ['x', 1]], [0, 'ok', 'write', ['x', 1]], [1, 'invoke', 'read', ['x', null]], [1, 'ok', 'read', ['x', 1]], [1, 'invoke', 'read', ['x', null]], [1, 'ok', 'read', ['x', null]]);
    const r = checkSessions(h);
    expect(r.counts).toEqual({ 'read-your-writes': 0, 'monotonic-reads': 1, 'monotonic-writes': 0, 'writes-follow-reads': 0 });
    expect(r.firstAnomaly?.summary).toMatch(/^monotonic-reads: process 1 read 1 from key x \(event 3\), then the older null \(event 5\)/);
  });

  it('finds monotonic writes: one process writes 1 then 2, another reads 2 then 1', () => {
    const h = ev(
      [0, 'invoke', 'write', ['x', 1]],
      [0, 'ok', 'write', ['x', 1]],
      [0, 'invoke', 'write', ['x', 2]],
      [0, 'ok', 'write', ['x', 2]],
      [1, 'invoke', 'read', ['x', null]],
      [1, 'ok', 'read', ['x', 2]],
      [1, 'invoke', 'read', ['x', null]],
      [1, 'ok', 'read', ['x', 1]],
    );
    const r = checkSessions(h);
    expect(r.counts['monotonic-writes']).toBe(1);
    expect(r.anomalies.find((a) => a.guarantee === 'monotonic-writes')).toMatchObject({ process: 0, indices: [1, 3, 5, 7] });
  });

  it('finds writes-follow-reads: a write made after reading 2 is seen before a value older than 2', () => {
    const h = ev(
      [0, 'invoke', 'write', ['x', 1]],
      [0, 'ok', 'write', ['x', 1]],
      [0, 'invoke', 'write', ['x', 2]],
      [0, 'ok', 'write', ['x', 2]],
      [1, 'invoke', 'read', ['x', null]],
      [1, 'ok', 'read', ['x', 2]],
      [1, 'invoke', 'write', ['x', 3]],
      [1, 'ok', 'write', ['x', 3]],
      [2, 'invoke', 'read', ['x', null]],
      [2, 'ok', 'read', ['x', 3]],
      [2, 'invoke', 'read', ['x', null]],
      [2, 'ok', 'read', ['x', 1]],
    );
    const r = checkSessions(h);
    expect(r.counts['writes-follow-reads']).toBe(1);
    expect(r.anomalies.find((a) => a.guarantee === 'writes-follow-reads')).toMatchObject({ process: 1, indices: [5, 7, 9, 11] });
  });

  it('says unknown with no read, and valid for a linearizable history', () => {
    expect(checkSessions(ev([0, 'invoke', 'write', ['x', 1]], [0, 'ok', 'write', ['x', 1]])).valid).toBe('unknown');
    const lin = ev([0, 'invoke', 'write', ['x', 1]], [0, 'ok', 'write', ['x', 1]], [1, 'invoke', 'read', ['x', null]], [1, 'ok', 'read', ['x', 1]]);
    expect(checkSessions(lin).valid).toBe(true);
  });
});
