/**
 * The deterministic simulation of gossipd (systems/gossipd/sim.ts): the real core on the shared
 * simulator, judged by the metadata workload's own checkers. The correct variant converges after
 * the heal, loses no acknowledged write and never has two coordinators, on every seed, under
 * kills, partitions and pauses; each broken variant is caught on a seed that replays.
 */
import { describe, expect, test } from 'vitest';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { simulate, type SimOptions } from '../../../systems/gossipd/sim.js';
import { metadata } from '../../../workloads/metadata.js';

async function verdicts(o: SimOptions): Promise<{ ok: number; [checker: string]: boolean | 'unknown' | number | string[] }> {
  const r = simulate(o);
  const out = await metadata.checker(r.history as HistoryEvent[], { timeLimitMs: 10_000, workloadOptions: { convergeWithinMs: o.convergeWithinMs ?? 10_000 } });
  return { ...Object.fromEntries(Object.entries(out.checkers).map(([k, v]) => [k, v.valid])), violations: r.violations, ok: r.ok };
}

const ALL_VALID = { convergence: true, 'lost-update': true, coordinator: true, visibility: true, violations: [] };

describe('gossipd simulation', () => {
  test('correct: converges, loses no acknowledged write and has one coordinator at a time under kills, partitions and pauses (seeds 1-8)', async () => {
    for (let seed = 1; seed <= 8; seed++) {
      // Arrange, Act
      const { ok, ...v } = await verdicts({ seed, crash: true, partition: true, pause: true });
      // Assert
      expect({ seed, ...v }).toEqual({ seed, ...ALL_VALID });
      expect(ok).toBeGreaterThan(200);
    }
  });

  test('correct on 9 nodes converges too (seeds 1-3)', async () => {
    for (let seed = 1; seed <= 3; seed++) {
      const { ok: _ok, ...v } = await verdicts({ seed, nodes: 9, crash: true, partition: true });
      expect({ seed, ...v }).toEqual({ seed, ...ALL_VALID });
    }
  });

  test('a seed replays exactly', () => {
    const a = simulate({ seed: 3, crash: true, partition: true, pause: true });
    const b = simulate({ seed: 3, crash: true, partition: true, pause: true });
    expect(JSON.stringify(a.history)).toBe(JSON.stringify(b.history));
  });

  // Each broken variant, with the fault that exposes it and the checker that must catch it, over
  // 20 s: a coordinator first acts only claimDelayMs (2 s) after the start.
  const broken: [SimOptions['variant'], Partial<SimOptions>, string][] = [
    ['no-generation', { crash: true }, 'convergence'],
    ['no-generation', { crash: true }, 'violations'],
    ['no-quorum-check', { partition: true }, 'coordinator'],
    ['push-only', { partition: true }, 'convergence'],
  ];
  for (const [variant, faults, checker] of broken) {
    test(`${variant} is caught by ${checker === 'violations' ? 'the invariants' : `the ${checker} checker`}`, async () => {
      const caught: number[] = [];
      for (let seed = 1; seed <= 5; seed++) {
        const v = await verdicts({ seed, variant, durationMs: 20_000, ...faults });
        if (v[checker] === false || (Array.isArray(v[checker]) && (v[checker] as string[]).length > 0)) caught.push(seed);
      }
      expect(caught.length, `${variant}: caught on seeds ${caught.join(',')}`).toBeGreaterThanOrEqual(4);
    });
  }
});
