import { describe, expect, it } from 'vitest';
import { pairOperations } from '../../../checkers/history/index.js';
import { createModel, PartitionSearch, type SearchBudget } from '../../../checkers/linearizable/index.js';
import { h } from './helpers.js';

const budget = (): SearchBudget => ({ deadline: Infinity, memoryLimitBytes: 1 << 30, memoryUsedBytes: 0 });

/** Concurrent writes and reads of a register, n rounds; `bad` makes the last read stale. */
function rounds(n: number, bad: boolean) {
  const rows: Parameters<typeof h> = [];
  for (let i = 0; i < n; i++) {
    rows.push([0, 'invoke', 'write', i], [1, 'invoke', 'write', i + 100], [0, 'ok', 'write', i], [1, 'ok', 'write', i + 100]);
    rows.push([2, 'invoke', 'read', null], [2, 'ok', 'read', bad && i === n - 1 ? i - 1 : i + 100]);
  }
  return h(...rows);
}

function searchOf(events: ReturnType<typeof h>) {
  const model = createModel('register');
  const ops = pairOperations(events).operations;
  return new PartitionSearch(model, ops, ops.map((o) => model.prepare(o)));
}

describe('PartitionSearch', () => {
  it('gives the same verdict when run in slices as in one go', () => {
    for (const bad of [false, true]) {
      const whole = searchOf(rounds(30, bad)).run(1 << 30, budget());
      const sliced = searchOf(rounds(30, bad));
      const b = budget();
      let r = null;
      let slices = 0;
      while (!(r = sliced.run(7, b))) slices++;
      expect(slices).toBeGreaterThan(5);
      expect(r.valid).toBe(!bad);
      expect(r.valid).toBe(whole!.valid);
      expect(r.steps).toBe(whole!.steps);
    }
  });

  it('keeps the longest linearizable prefix and the failing operation', () => {
    const r = searchOf(rounds(3, true)).run(1 << 30, budget())!;
    expect(r.valid).toBe(false);
    expect(r.prefix!.length).toBeGreaterThanOrEqual(6);
    expect(r.finalState).toBe(102);
    expect(r.failingOp).toBe(8); // the stale read of the last round
  });

  it('accounts its memo in the budget and gives it back when done or abandoned', () => {
    const b = budget();
    const s = searchOf(rounds(30, false));
    expect(s.run(50, b)).toBeNull();
    expect(b.memoryUsedBytes).toBeGreaterThan(0);
    expect(b.memoryUsedBytes).toBe(s.memoryBytes);
    s.abandon(b);
    expect(b.memoryUsedBytes).toBe(0);
    const done = searchOf(rounds(30, false));
    done.run(1 << 30, b);
    expect(b.memoryUsedBytes).toBe(0);
  });
});
