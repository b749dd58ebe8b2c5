/**
 * The counter checker on hand-made histories (valid, a read too low, a read too high, crashed and
 * failed adds, negative deltas, keys), and on random histories of a simulated atomic counter,
 * which it must always pass, against the same histories with one read moved out of its bounds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../checkers/history/index.js';
import { checkCounter } from '../../../checkers/collections/index.js';

function ev(...rows: Array<[number, HistoryEvent['type'], string, unknown]>): HistoryEvent[] {
  return rows.map(([process, type, f, value], index) => ({ index, time: index * 1e6, type, process, f, ...(value !== undefined ? { value } : {}) }));
}

describe('checkCounter', () => {
  it('judges reads between the acknowledged and the possible increments valid', () => {
    // Arrange: +1 acknowledged, then +2 concurrent with a read that sees 1 or 3.
    const h = ev(
      [0, 'invoke', 'add', 1],
      [0, 'ok', 'add', 1],
      [0, 'invoke', 'add', 2],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 3],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 1],
      [0, 'ok', 'add', 2],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 3],
    );
    // Act
    const r = checkCounter(h);
    // Assert
    expect(r.valid).toBe(true);
    expect([r.reads, r.adds, r.errorCount]).toEqual([3, 2, 0]);
  });

  it('finds a read that misses an acknowledged increment', () => {
    const h = ev([0, 'invoke', 'add', 5], [0, 'ok', 'add', 5], [1, 'invoke', 'read', null], [1, 'ok', 'read', 0]);
    const r = checkCounter(h);
    expect(r.valid).toBe(false);
    expect(r.errors).toEqual([{ key: '', readIndex: 3, value: 0, lower: 5, upper: 5 }]);
    expect(r.firstAnomaly).toEqual({ index: 3, timeNs: 3e6, summary: 'process 1 read 0, outside [5, 5]: acknowledged increments are missing' });
  });

  it('finds a read above every increment that may have happened, and leaves failed adds out', () => {
    const h = ev([0, 'invoke', 'add', 4], [0, 'fail', 'add', 4], [1, 'invoke', 'read', null], [1, 'ok', 'read', 4]);
    const r = checkCounter(h);
    expect(r.valid).toBe(false);
    expect(r.errors[0]).toMatchObject({ lower: 0, upper: 0, value: 4 });
    expect(r.explanation).toMatch(/more than every increment that may have happened/);
  });

  it('lets a crashed add count or not, at any later read', () => {
    const base: Array<[number, HistoryEvent['type'], string, unknown]> = [[0, 'invoke', 'add', 3], [0, 'info', 'add', 3], [1, 'invoke', 'read', null]];
    expect(checkCounter(ev(...base, [1, 'ok', 'read', 0])).valid).toBe(true);
    expect(checkCounter(ev(...base, [1, 'ok', 'read', 3])).valid).toBe(true);
    expect(checkCounter(ev(...base, [1, 'ok', 'read', 2])).valid).toBe(true);
    expect(checkCounter(ev(...base, [1, 'ok', 'read', 4])).valid).toBe(false);
  });

  it('bounds negative deltas from both sides (pn-counter)', () => {
    const h = (seen: number) =>
      ev([0, 'invoke', 'add', 10], [0, 'ok', 'add', 10], [0, 'invoke', 'add', -4], [1, 'invoke', 'read', null], [1, 'ok', 'read', seen], [0, 'ok', 'add', -4]);
    expect(checkCounter(h(10)).valid).toBe(true);
    expect(checkCounter(h(6)).valid).toBe(true);
    expect(checkCounter(h(5)).valid).toBe(false);
    expect(checkCounter(h(11)).valid).toBe(false);
    expect(checkCounter(h(5)).errors[0]).toMatchObject({ lower: 6, upper: 10 });
  });

  it('starts from the initial value given, checks keys apart, and says unknown with no read', () => {
    expect(checkCounter(ev([0, 'invoke', 'read', null], [0, 'ok', 'read', 7]), { initial: 7 }).valid).toBe(true);
    const keyed = ev([0, 'invoke', 'add', ['a', 1]], [0, 'ok', 'add', ['a', 1]], [1, 'invoke', 'read', ['b', null]], [1, 'ok', 'read', ['b', 1]]);
    const r = checkCounter(keyed, { keyed: true });
    expect(r.valid).toBe(false);
    expect(r.errors[0]).toMatchObject({ key: 'b', upper: 0 });
    expect(checkCounter(ev([0, 'invoke', 'add', 1], [0, 'ok', 'add', 1])).valid).toBe('unknown');
  });

  it('refuses deltas and reads that are not integers', () => {
    expect(() => checkCounter(ev([0, 'invoke', 'add', 1.5], [0, 'ok', 'add', 1.5]))).toThrow("event 0: an add's delta must be an integer, found 1.5");
    expect(() => checkCounter(ev([0, 'invoke', 'read', null], [0, 'ok', 'read', 'x']))).toThrow('event 1: a counter read must be an integer, found "x"');
  });

  it('passes every history of an atomic counter, and fails it once a read is moved past its bounds', () => {
    // Arrange: processes step an atomic counter; each op takes effect at one instant between its
    // invocation and completion, so the history is linearizable and within bounds by construction.
    const step = fc.record({ p: fc.nat(3), delta: fc.integer({ min: -3, max: 5 }), kind: fc.nat(9) });
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 60 }), (steps) => {
        const events: HistoryEvent[] = [];
        let value = 0;
        const open = new Map<number, { f: string; delta: number; applied: boolean; read?: number }>();
        const push = (e: Omit<HistoryEvent, 'index'>) => events.push({ index: events.length, ...e });
        for (const s of steps) {
          const cur = open.get(s.p);
          if (!cur) {
            const f = s.kind < 4 ? 'read' : 'add';
            open.set(s.p, { f, delta: s.delta, applied: false });
            push({ type: 'invoke', process: s.p, f, value: f === 'add' ? s.delta : null });
          } else if (!cur.applied) {
            cur.applied = true;
            if (cur.f === 'add') value += cur.delta;
            else cur.read = value;
          } else {
            open.delete(s.p);
            const type = cur.f === 'add' && s.kind === 0 ? 'info' : 'ok';
            push({ type, process: s.p, f: cur.f, value: cur.f === 'add' ? cur.delta : cur.read });
          }
        }
        // Act / Assert
        const r = checkCounter(events);
        expect(r.valid).not.toBe(false);
        const lastRead = [...events].reverse().find((e) => e.type === 'ok' && e.f === 'read');
        if (lastRead) {
          // Above every add ever invoked: out of bounds whatever happened.
          lastRead.value = steps.reduce((sum, s) => sum + Math.abs(s.delta), 0) + 1;
          expect(checkCounter(events).valid).toBe(false);
        }
      }),
      { seed: 15, numRuns: 300 },
    );
  });
});
