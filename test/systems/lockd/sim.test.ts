/**
 * lockd in the deterministic simulator: each scenario file of systems/lockd/testdata shows its
 * broken variant's anomaly with the seed it names, replays exactly, and the correct variant under
 * the same faults passes every checker with Raft's invariants intact.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { type SimFault, simulateLockd } from '../../../systems/lockd/sim.js';
import type { LockdVariant } from '../../../systems/lockd/core/types.js';
import { checkLockHistory } from '../../../workloads/lock.js';

const DIR = join(import.meta.dirname, '../../../systems/lockd/testdata');

interface Scenario {
  about: string;
  variant: LockdVariant;
  seed: number;
  durationMs: number;
  holders: number;
  locks: number;
  faults: SimFault[];
  expect: Record<string, boolean>;
}

const scenarios = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => [f, JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Scenario] as const);

function verdicts(s: Scenario, variant: LockdVariant) {
  const r = simulateLockd({ seed: s.seed, variant, durationMs: s.durationMs, holders: s.holders, locks: s.locks, faults: s.faults });
  const c = checkLockHistory(r.history, { timeLimitMs: 10_000 });
  return { r, c, valid: Object.fromEntries(Object.entries(c.checkers).map(([k, v]) => [k, v.valid])) };
}

describe('lockd scenarios', () => {
  test('every broken variant has a scenario', () => {
    expect(scenarios.map(([, s]) => s.variant).sort()).toEqual(['client-trusts-ttl', 'lease-expiry-wallclock', 'no-fencing-token', 'watch-no-resume-index']);
  });

  for (const [file, s] of scenarios) {
    test(`${file}: ${s.about}`, () => {
      // Arrange, Act: the broken variant under the scripted faults, twice
      const a = verdicts(s, s.variant);
      const b = verdicts(s, s.variant);
      // Assert: the anomaly shows, on the same history each time
      for (const [checker, valid] of Object.entries(s.expect)) expect(a.valid[checker], `${checker}: ${a.c.checkers[checker]?.explanation}`).toBe(valid);
      expect(a.c.firstAnomaly).not.toBeNull();
      expect(JSON.stringify(b.r.history)).toBe(JSON.stringify(a.r.history));
      expect(a.r.violations).toEqual([]);
    });

    test(`${file}: the correct variant passes under the same faults`, () => {
      const ok = verdicts(s, 'correct');
      expect(ok.r.violations).toEqual([]);
      for (const [k, v] of Object.entries(ok.valid)) expect(v, `${k}: ${ok.c.checkers[k]?.explanation}`).toBe(true);
      expect(ok.r.stats.ok).toBeGreaterThan(100);
    });
  }
});
