/**
 * The set-full checker on hand-made histories: a valid one, and one for each outcome and anomaly
 * (stale, lost, never read, unexpected, duplicated), plain and keyed, with the latency it reports.
 */
import { describe, expect, it } from 'vitest';
import { HistoryError, type HistoryEvent } from '../../../checkers/history/index.js';
import { checkSetFull } from '../../../checkers/collections/index.js';

/** Events from [process, type, f, value, timeMs]; index is the position. */
function ev(...rows: Array<[number, HistoryEvent['type'], string, unknown, number]>): HistoryEvent[] {
  return rows.map(([process, type, f, value, ms], index) => ({ index, time: ms * 1e6, type, process, f, ...(value !== undefined ? { value } : {}) }));
}

describe('checkSetFull', () => {
  it('judges a history where every element shows in every later read valid, with zero latency', () => {
    // Arrange
    const h = ev(
      [0, 'invoke', 'add', 1, 0],
      [0, 'ok', 'add', 1, 1],
      [1, 'invoke', 'add', 2, 2],
      [1, 'ok', 'add', 2, 3],
      [0, 'invoke', 'read', null, 4],
      [0, 'ok', 'read', [2, 1], 5],
      [1, 'invoke', 'read', null, 6],
      [1, 'ok', 'read', [1, 2], 7],
    );
    // Act
    const r = checkSetFull(h);
    // Assert
    expect(r.valid).toBe(true);
    expect([r.attempted, r.acknowledged, r.stable, r.lost, r.stale, r.neverRead]).toEqual([2, 2, 2, 0, 0, 0]);
    expect(r.stableLatencyMs).toEqual({ p50: 0, p95: 0, p99: 0, max: 0 });
    expect(r.points).toHaveLength(2);
    expect(r.firstAnomaly).toBeNull();
  });

  it('finds a lost element: acknowledged, read once, then missing from every later read', () => {
    const h = ev(
      [0, 'invoke', 'add', 'a', 0],
      [0, 'ok', 'add', 'a', 1],
      [1, 'invoke', 'read', null, 2],
      [1, 'ok', 'read', ['a'], 3],
      [1, 'invoke', 'read', null, 10],
      [1, 'ok', 'read', [], 11],
    );
    const r = checkSetFull(h);
    expect(r.valid).toBe(false);
    expect(r.lost).toBe(1);
    expect(r.lostElements[0]).toMatchObject({ element: 'a', outcome: 'lost', knownIndex: 1, lastPresentIndex: 3, lastAbsentIndex: 5, latencyMs: 2 });
    expect(r.firstAnomaly).toMatchObject({ index: 5, timeNs: 11e6 });
    expect(r.explanation).toMatchInlineSnapshot(`"element "a" is lost: known from event 1, missing from the last read (event 5) and every read after event 3. 1 elements added (1 acknowledged): 0 stable (0 of them stale), 1 lost, 0 never read; 0 unexpected, 0 duplicated."`);
  });

  it('finds an acknowledged element that no read after its add ever showed lost', () => {
    const h = ev([0, 'invoke', 'add', 7, 0], [0, 'ok', 'add', 7, 1], [1, 'invoke', 'read', null, 2], [1, 'ok', 'read', [], 3]);
    const r = checkSetFull(h);
    expect(r.valid).toBe(false);
    expect(r.lostElements[0]).toMatchObject({ element: 7, lastPresentIndex: null, latencyMs: 0 });
  });

  it('counts a stale element valid by default, invalid with linearizable, with the latency to stable', () => {
    const h = ev(
      [0, 'invoke', 'add', 'x', 0],
      [0, 'ok', 'add', 'x', 1],
      [1, 'invoke', 'read', null, 2],
      [1, 'ok', 'read', [], 5],
      [1, 'invoke', 'read', null, 6],
      [1, 'ok', 'read', ['x'], 7],
    );
    const r = checkSetFull(h);
    expect(r.valid).toBe(true);
    expect([r.stable, r.stale]).toEqual([1, 1]);
    // Known at 1 ms; the last read that missed it completed at 5 ms.
    expect(r.staleElements[0]!.latencyMs).toBe(4);
    expect(r.stableLatencyMs?.max).toBe(4);
    expect(r.points).toEqual([{ timeNs: 1e6, latencyMs: 4, outcome: 'stable', stale: true }]);
    const strict = checkSetFull(h, { linearizable: true });
    expect(strict.valid).toBe(false);
    expect(strict.firstAnomaly?.index).toBe(3);
  });

  it('does not count a read concurrent with the add as stale', () => {
    const h = ev(
      [0, 'invoke', 'add', 'x', 0],
      [1, 'invoke', 'read', null, 1],
      [1, 'ok', 'read', [], 2],
      [0, 'ok', 'add', 'x', 3],
      [1, 'invoke', 'read', null, 4],
      [1, 'ok', 'read', ['x'], 5],
    );
    const r = checkSetFull(h, { linearizable: true });
    expect(r.valid).toBe(true);
    expect(r.stale).toBe(0);
  });

  it('says never read for an element no read followed, and unknown when nothing was read at all', () => {
    const h = ev([0, 'invoke', 'add', 1, 0], [0, 'ok', 'add', 1, 1], [1, 'invoke', 'add', 2, 2], [1, 'info', 'add', 2, 3]);
    const r = checkSetFull(h);
    expect(r.valid).toBe('unknown');
    expect(r.neverRead).toBe(2);
    expect(r.neverReadElements.map((e) => e.element)).toEqual([1, 2]);
  });

  it('takes a crashed add seen by a read as known from that read, and lost when a later read misses it', () => {
    const h = ev(
      [0, 'invoke', 'add', 'c', 0],
      [0, 'info', 'add', 'c', 1],
      [1, 'invoke', 'read', null, 2],
      [1, 'ok', 'read', ['c'], 3],
      [1, 'invoke', 'read', null, 4],
      [1, 'ok', 'read', [], 5],
    );
    const r = checkSetFull(h);
    expect(r.valid).toBe(false);
    expect(r.lostElements[0]).toMatchObject({ element: 'c', knownIndex: 3, lastAbsentIndex: 5 });
    expect(r.acknowledged).toBe(0);
  });

  it('finds an unexpected element (never added, or its add failed) and a duplicated one', () => {
    const h = ev(
      [0, 'invoke', 'add', 1, 0],
      [0, 'fail', 'add', 1, 1],
      [0, 'invoke', 'add', 2, 2],
      [0, 'ok', 'add', 2, 3],
      [1, 'invoke', 'read', null, 4],
      [1, 'ok', 'read', [1, 2, 2, 9], 5],
    );
    const r = checkSetFull(h);
    expect(r.valid).toBe(false);
    expect(r.unexpectedElements.map((e) => e.element).sort()).toEqual([1, 9]);
    expect(r.duplicatedElements).toEqual([{ key: '', element: 2, readIndex: 5 }]);
    expect(r.stable).toBe(1);
  });

  it('checks each key on its own when keyed', () => {
    const h = ev(
      [0, 'invoke', 'add', ['k1', 1], 0],
      [0, 'ok', 'add', ['k1', 1], 1],
      [0, 'invoke', 'add', ['k2', 1], 2],
      [0, 'ok', 'add', ['k2', 1], 3],
      [1, 'invoke', 'read', ['k1', null], 4],
      [1, 'ok', 'read', ['k1', [1]], 5],
      [1, 'invoke', 'read', ['k2', null], 6],
      [1, 'ok', 'read', ['k2', []], 7],
    );
    const r = checkSetFull(h, { keyed: true });
    expect(r.valid).toBe(false);
    expect(r.lostElements).toEqual([expect.objectContaining({ key: 'k2', element: 1 })]);
    expect(r.stable).toBe(1);
  });

  it('refuses an element added twice, a read that is no list, and an unknown function', () => {
    const twice = ev([0, 'invoke', 'add', 1, 0], [0, 'ok', 'add', 1, 1], [0, 'invoke', 'add', 1, 2], [0, 'ok', 'add', 1, 3]);
    expect(() => checkSetFull(twice)).toThrow(new HistoryError('event 2: element 1 is added twice (set-full needs unique elements)'));
    const notList = ev([0, 'invoke', 'read', null, 0], [0, 'ok', 'read', 3, 1]);
    expect(() => checkSetFull(notList)).toThrow(/event 1: a set read must return a list of elements, found 3/);
    const cas = ev([0, 'invoke', 'cas', [1, 2], 0], [0, 'ok', 'cas', [1, 2], 1]);
    expect(() => checkSetFull(cas)).toThrow(/unknown operation "cas"/);
    const badKey = ev([0, 'invoke', 'add', 5, 0], [0, 'ok', 'add', 5, 1]);
    expect(() => checkSetFull(badKey, { keyed: true })).toThrow(/must be \[key, value\]/);
  });
});
