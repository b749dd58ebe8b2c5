/**
 * The deterministic simulation of raftkv (systems/raftkv/sim.ts): the real protocol core on a
 * seeded network with faults. For the correct variant, Raft's invariants hold and the clients'
 * history is linearizable on every seed; each broken variant is caught on some seed; a seed
 * replays exactly. Nodes snapshot every few entries (SNAPSHOT_EVERY), so log compaction,
 * InstallSnapshot and restarts from a snapshot happen under the faults. A failure names the seed
 * and the call that replays it.
 */
import { describe, expect, test } from 'vitest';
import { checkLinearizable, createModel } from '../../../checkers/linearizable/index.js';
import { checkListAppend } from '../../../checkers/transactional/index.js';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { simulate, type SimFaults, type SimOptions, type SimResult } from '../../../systems/raftkv/sim.js';
import type { Variant } from '../../../systems/raftkv/core/types.js';

/** Small enough that every run compacts its logs many times. */
const SNAPSHOT_EVERY = 25;

const ALL_FAULTS: SimFaults = { partition: true, crash: true, pause: true, dropRate: 0.02, delayMaxMs: 20, clockSkewMs: 30_000, intervalMs: 1000 };

interface RunResult {
  invariantsBroken: string[];
  linearizable: boolean | 'unknown';
  explanation: string;
  ok: number;
  stats: SimResult['stats'];
}

function run(opts: SimOptions): RunResult {
  const r = simulate({ durationMs: 8000, clients: 3, keys: 4, maxEvents: 300_000, params: { snapshotEveryEntries: SNAPSHOT_EVERY }, ...opts });
  // list-append histories go to the transactional checker (strict serializability), the rest
  // to the linearizability checker with the kv model.
  const lin =
    opts.workload === 'list-append'
      ? checkListAppend(r.history as HistoryEvent[], { timeLimitMs: 5000 })
      : checkLinearizable(createModel('kv'), r.history as HistoryEvent[], { timeLimitMs: 5000 });
  return {
    invariantsBroken: r.violations.map((v) => `${v.timeMs} ms: ${v.what}`),
    linearizable: lin.valid,
    explanation: lin.explanation,
    ok: r.stats.ok,
    stats: r.stats,
  };
}

const repro = (opts: SimOptions): string => `simulate(${JSON.stringify(opts)})`;

describe('raftkv simulation', () => {
  test('correct: Raft invariants hold and the history is linearizable under every fault, with log compaction, seeds 1-12', () => {
    const seen = { snapshots: 0, installs: 0, snapshotRestarts: 0 };
    for (let seed = 1; seed <= 12; seed++) {
      // Arrange
      const opts: SimOptions = { seed, variant: 'correct', faults: ALL_FAULTS };
      // Act
      const r = run(opts);
      // Assert
      expect(r.invariantsBroken, `invariant broken; replay with ${repro(opts)}`).toEqual([]);
      expect(r.linearizable, `${r.explanation}\nreplay with ${repro(opts)}`).toBe(true);
      expect(r.ok, `no progress; replay with ${repro(opts)}`).toBeGreaterThan(50);
      seen.snapshots += r.stats.snapshots;
      seen.installs += r.stats.installs;
      seen.snapshotRestarts += r.stats.snapshotRestarts;
    }
    // Assert: the runs did take snapshots, install them on lagging followers and restart from them.
    expect(seen.snapshots).toBeGreaterThan(50);
    expect(seen.installs).toBeGreaterThan(5);
    expect(seen.snapshotRestarts).toBeGreaterThan(5);
  });

  test('correct on list-append: invariants hold and the transactions are strict serializable under every fault, seeds 1-6', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const opts: SimOptions = { seed, variant: 'correct', faults: ALL_FAULTS, workload: 'list-append' };
      const r = run(opts);
      expect(r.invariantsBroken, `invariant broken; replay with ${repro(opts)}`).toEqual([]);
      expect(r.linearizable, `${r.explanation}\nreplay with ${repro(opts)}`).toBe(true);
      expect(r.ok, `no progress; replay with ${repro(opts)}`).toBeGreaterThan(50);
    }
  });

  test('without compaction (the default threshold is never reached) the same seeds stay correct', () => {
    for (const seed of [1, 2, 3]) {
      const opts: SimOptions = { seed, variant: 'correct', faults: ALL_FAULTS, params: {} };
      const r = run(opts);
      expect(r.stats.snapshots).toBe(0);
      expect(r.invariantsBroken, `replay with ${repro(opts)}`).toEqual([]);
      expect(r.linearizable, `${r.explanation}\nreplay with ${repro(opts)}`).toBe(true);
    }
  });

  test('correct without faults: thousands of steps, every op but failed cas succeeds', () => {
    const r = simulate({ seed: 99, durationMs: 5000, clients: 4, params: { snapshotEveryEntries: SNAPSHOT_EVERY } });
    expect(r.violations).toEqual([]);
    expect(r.stats.events).toBeGreaterThan(5000);
    expect(r.stats.info).toBe(0);
    const failed = r.history.filter((e) => e.type === 'fail');
    expect(failed.every((e) => e.f === 'cas' && (e.error === 22 || e.error === 20))).toBe(true);
    expect(r.stats.leaders).toBe(1);
    expect(r.stats.snapshots).toBeGreaterThan(0);
  });

  test('a seed replays exactly; another seed gives another history', () => {
    const params = { snapshotEveryEntries: SNAPSHOT_EVERY };
    const a = simulate({ seed: 5, durationMs: 4000, faults: ALL_FAULTS, params });
    const b = simulate({ seed: 5, durationMs: 4000, faults: ALL_FAULTS, params });
    const c = simulate({ seed: 6, durationMs: 4000, faults: ALL_FAULTS, params });
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

  // The variants that lose or double writes, on list-append and judged by the history alone:
  // the invariants are not consulted, so the transactional checker has to see the damage.
  const caughtOnLists: [Variant, SimFaults][] = [
    ['commit-before-quorum', { crash: true, partition: true, intervalMs: 1000 }],
    ['no-idempotent-receiver', { partition: true, crash: true, dropRate: 0.05, intervalMs: 1000 }],
  ];
  test.each(caughtOnLists)('%s on list-append: the transactional checker finds it within 20 seeds', (variant, faults) => {
    for (let seed = 1; seed <= 20; seed++) {
      const r = run({ seed, variant, faults, workload: 'list-append' });
      if (r.linearizable === false) return;
    }
    expect.fail(`${variant} on list-append was not found by the checker on seeds 1-20 with faults ${JSON.stringify(faults)}`);
  });
});
