/**
 * txkv in the deterministic simulator: each scenario file of systems/txkv/testdata shows its
 * variant's anomaly with the seed it names (the list-append checker over the simulated clients,
 * and Two-Phase Commit's all-or-none invariant read from the nodes' disks), replays exactly, and
 * the correct variant under the same faults passes both.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkListAppend } from '../../../checkers/transactional/index.js';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { type SimFault, simulateTxkv } from '../../../systems/txkv/sim.js';
import type { TxkvVariant } from '../../../systems/txkv/core/types.js';

const DIR = join(import.meta.dirname, '../../../systems/txkv/testdata');

interface Scenario {
  about: string;
  variant: TxkvVariant;
  seed: number;
  durationMs: number;
  faults: SimFault[];
  expect: { elle?: boolean; atomicity?: boolean };
}

const scenarios = readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => [f, JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Scenario] as const);

function verdicts(s: Scenario, variant: TxkvVariant) {
  const r = simulateTxkv({ seed: s.seed, variant, durationMs: s.durationMs, faults: s.faults });
  const elle = checkListAppend(r.history as HistoryEvent[], { timeLimitMs: 10_000 });
  return { r, elle, atomicity: r.violations.length === 0 };
}

describe('txkv scenarios', () => {
  test('every broken variant has a scenario', () => {
    expect(scenarios.map(([, s]) => s.variant).filter((v) => v !== 'correct').sort()).toEqual(['coordinator-no-log', 'no-prepare-locks', 'volatile-prepare']);
  });

  for (const [file, s] of scenarios) {
    test(`${file}: ${s.about}`, () => {
      // Arrange, Act: the scenario's variant under its faults, twice
      const a = verdicts(s, s.variant);
      const b = verdicts(s, s.variant);
      // Assert: the expected verdicts, on the same history each time
      if (s.expect.elle !== undefined) expect(a.elle.valid, a.elle.explanation).toBe(s.expect.elle);
      if (s.expect.atomicity !== undefined) expect(a.atomicity, a.r.violations.join('; ')).toBe(s.expect.atomicity);
      expect(JSON.stringify(b.r.history)).toBe(JSON.stringify(a.r.history));
      expect(a.r.stats.ok).toBeGreaterThan(100);
    });

    if (s.variant !== 'correct') {
      test(`${file}: the correct variant passes under the same faults`, () => {
        const ok = verdicts(s, 'correct');
        expect(ok.r.violations).toEqual([]);
        expect(ok.elle.valid, ok.elle.explanation).toBe(true);
        expect(ok.r.stats.ok).toBeGreaterThan(100);
      });
    }
  }

  test('random seeds with crashes and partitions keep the correct variant serializable and atomic', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const faults: SimFault[] = [
        { atMs: 500 + seed * 100, kind: 'crash', node: `n${1 + (seed % 3)}`, restartAfterMs: 400 },
        { atMs: 1500, kind: 'crash-on-decide', node: `n${1 + ((seed + 1) % 3)}`, side: seed % 2 === 0 ? 'coordinator' : 'participant', restartAfterMs: 300 },
        { atMs: 2200, kind: 'partition', groups: [[`n${1 + ((seed + 2) % 3)}`], ['n1', 'n2', 'n3'].filter((n) => n !== `n${1 + ((seed + 2) % 3)}`)] },
        { atMs: 2700, kind: 'heal' },
      ];
      const r = simulateTxkv({ seed, durationMs: 3500, faults });
      expect(r.violations, `seed ${seed}`).toEqual([]);
      expect(checkListAppend(r.history as HistoryEvent[], { timeLimitMs: 10_000 }).valid, `seed ${seed}`).toBe(true);
    }
  });
});
