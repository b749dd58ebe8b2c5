/**
 * The deterministic simulation of raftkv (systems/raftkv/sim.ts): the real protocol core on a
 * seeded network with faults. For the correct variant, Raft's invariants hold and the clients'
 * history is linearizable on every seed; each broken variant is caught on some seed; a seed
 * replays exactly. A failure names the seed and the call that replays it.
 */
import { describe, expect, test } from 'vitest';
import { checkLinearizable, createModel } from '../../../checkers/linearizable/index.js';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { simulate, type SimFaults, type SimOptions } from '../../../systems/raftkv/sim.js';
import type { Variant } from '../../../systems/raftkv/core/types.js';

const ALL_FAULTS: SimFaults = { partition: true, crash: true, pause: true, dropRate: 0.02, delayMaxMs: 20, clockSkewMs: 30_000, intervalMs: 1000 };

function run(opts: SimOptions): { invariantsBroken: string[]; linearizable: boolean | 'unknown'; explanation: string; ok: number } {
  const r = simulate({ durationMs: 8000, clients: 3, keys: 4, maxEvents: 300_000, ...opts });
  const lin = checkLinearizable(createModel('kv'), r.history as HistoryEvent[], { timeLimitMs: 5000 });
  return { invariantsBroken: r.violations.map((v) => `${v.timeMs} ms: ${v.what}`), linearizable: lin.valid, explanation: lin.explanation, ok: r.stats.ok };
}

const repro = (opts: SimOptions): string => `simulate(${JSON.stringify(opts)})`;

describe('raftkv simulation', () => {
  test('correct: Raft invariants hold and the history is linearizable under every fault, seeds 1-12', () => {
    for (let seed = 1; seed <= 12; seed++) {
      // Arrange
      const opts: SimOptions = { seed, variant: 'correct', faults: ALL_FAULTS };
      // Act
      const r = run(opts);
      // Assert
      expect(r.invariantsBroken, `invariant broken; replay with ${repro(opts)}`).toEqual([]);
      expect(r.linearizable, `${r.explanation}\nreplay with ${repro(opts)}`).toBe(true);
      expect(r.ok, `no progress; replay with ${repro(opts)}`).toBeGreaterThan(50);
    }
  });

  test('correct without faults: thousands of steps, every op but failed cas succeeds', () => {
    const r = simulate({ seed: 99, durationMs: 5000, clients: 4 });
    expect(r.violations).toEqual([]);
    expect(r.stats.events).toBeGreaterThan(5000);
    expect(r.stats.info).toBe(0);
    const failed = r.history.filter((e) => e.type === 'fail');
    expect(failed.every((e) => e.f === 'cas' && (e.error === 22 || e.error === 20))).toBe(true);
    expect(r.stats.leaders).toBe(1);
  });

  test('a seed replays exactly; another seed gives another history', () => {
    const a = simulate({ seed: 5, durationMs: 4000, faults: ALL_FAULTS });
    const b = simulate({ seed: 5, durationMs: 4000, faults: ALL_FAULTS });
    const c = simulate({ seed: 6, durationMs: 4000, faults: ALL_FAULTS });
    expect(JSON.stringify(b.history)).toBe(JSON.stringify(a.history));
    expect(b.stats).toEqual(a.stats);
    expect(JSON.stringify(c.history)).not.toBe(JSON.stringify(a.history));
  });

  const caught: [Variant, SimFaults][] = [
    ['no-generation-check', { pause: true, intervalMs: 1000 }],
    ['commit-before-quorum', { crash: true, partition: true, intervalMs: 1000 }],
    ['follower-reads-stale', { partition: true, delayMaxMs: 30, intervalMs: 1000 }],
    ['leader-local-reads', { partition: true, intervalMs: 1000 }],
    ['lease-wallclock', { partition: true, clockSkewMs: 30_000, intervalMs: 1000 }],
    ['no-idempotent-receiver', { partition: true, crash: true, dropRate: 0.05, intervalMs: 1000 }],
  ];
  test.each(caught)('%s is caught (invariant or linearizability) within 20 seeds', (variant, faults) => {
    const tried: number[] = [];
    for (let seed = 1; seed <= 20; seed++) {
      tried.push(seed);
      const r = run({ seed, variant, faults });
      if (r.invariantsBroken.length > 0 || r.linearizable === false) return;
    }
    expect.fail(`${variant} was not caught on seeds ${tried.join(',')} with faults ${JSON.stringify(faults)}`);
  });
});
