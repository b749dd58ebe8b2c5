/**
 * The deterministic simulation of paxoskv (systems/paxoskv/sim.ts): the real core on the shared
 * simulator. The correct variant keeps the invariants (one value per key and ballot, promises never
 * go back) and a linearizable history on every seed, under kills and partitions; each broken
 * variant is caught on a seed that replays.
 */
import { describe, expect, test } from 'vitest';
import { checkLinearizable, createModel } from '../../../checkers/linearizable/index.js';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { simulate, type SimOptions } from '../../../systems/paxoskv/sim.js';

function run(o: SimOptions): { violations: string[]; linearizable: boolean | 'unknown'; ok: number } {
  const r = simulate(o);
  const lin = checkLinearizable(createModel('kv'), r.history as HistoryEvent[], { timeLimitMs: 5000 });
  return { violations: r.violations, linearizable: lin.valid, ok: r.ok };
}

describe('paxoskv simulation', () => {
  test('correct: invariants hold and the history is linearizable under kills and partitions (seeds 1-8)', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const r = run({ seed, crash: true, partition: true });
      expect({ seed, violations: r.violations, lin: r.linearizable }).toEqual({ seed, violations: [], lin: true });
      expect(r.ok).toBeGreaterThan(50);
    }
  });

  test('a seed replays exactly', () => {
    const a = simulate({ seed: 3, crash: true, partition: true });
    const b = simulate({ seed: 3, crash: true, partition: true });
    expect(JSON.stringify(a.history)).toBe(JSON.stringify(b.history));
  });

  // Each broken variant, with the faults that expose it and the first seed (of 1-10) that does.
  const broken: [SimOptions['variant'], Partial<SimOptions>][] = [
    ['ignore-accepted-value', {}],
    ['single-phase', {}],
    ['non-unique-ballot', {}],
    ['volatile-acceptor', { crash: true }],
  ];
  for (const [variant, faults] of broken) {
    test(`${variant} is caught by an invariant or the checker`, () => {
      const caught: number[] = [];
      for (let seed = 1; seed <= 10; seed++) {
        const r = run({ seed, variant, ...faults });
        if (r.violations.length > 0 || r.linearizable === false) caught.push(seed);
      }
      expect(caught.length, `${variant}: caught on seeds ${caught.join(',')}`).toBeGreaterThan(0);
    });
  }
});

describe('paxoskv simulation, Multi-Paxos mode', () => {
  test('correct: agreement, one value per ballot, promises never go back, and a linearizable history under kills and partitions (seeds 1-8)', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const r = run({ seed, mode: 'multi', crash: true, partition: true });
      expect({ seed, violations: r.violations, lin: r.linearizable }).toEqual({ seed, violations: [], lin: true });
      expect(r.ok).toBeGreaterThan(50);
    }
  });

  test('a seed replays exactly', () => {
    const a = simulate({ seed: 5, mode: 'multi', crash: true, partition: true });
    const b = simulate({ seed: 5, mode: 'multi', crash: true, partition: true });
    expect(JSON.stringify(a.history)).toBe(JSON.stringify(b.history));
  });

  const broken: [SimOptions['variant'], Partial<SimOptions>][] = [
    ['read-without-noop', { partition: true }],
    ['ignore-accepted-value', { crash: true, partition: true }],
    ['single-phase', { crash: true, partition: true }],
    ['non-unique-ballot', { crash: true, partition: true }],
    ['volatile-acceptor', { crash: true }],
  ];
  for (const [variant, faults] of broken) {
    test(`${variant} is caught by an invariant or the checker`, () => {
      const caught: number[] = [];
      for (let seed = 1; seed <= 10; seed++) {
        const r = run({ seed, mode: 'multi', variant, ...faults });
        if (r.violations.length > 0 || r.linearizable === false) caught.push(seed);
      }
      expect(caught.length, `${variant}: caught on seeds ${caught.join(',')}`).toBeGreaterThan(0);
    });
  }
});
