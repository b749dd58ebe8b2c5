/**
 * mvcctx in the shared deterministic simulator: the correct core is strict serializable with
 * skews inside its window and with kills; each broken variant breaks the level it gives up, and
 * a seed replays exactly.
 */
import { describe, expect, test } from 'vitest';
import { checkListAppend, checkRwRegister } from '../../../checkers/transactional/index.js';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { simulate, type SimOptions } from '../../../systems/mvcctx/sim.js';

function check(o: SimOptions) {
  const r = simulate({ durationMs: 2000, ...o });
  const h = r.history as HistoryEvent[];
  const strict = o.workload === 'rw-register' ? checkRwRegister(h, { consistencyModel: 'strict-serializable' }) : checkListAppend(h, { consistencyModel: 'strict-serializable' });
  const ser = o.workload === 'rw-register' ? checkRwRegister(h, { consistencyModel: 'serializable' }) : checkListAppend(h, { consistencyModel: 'serializable' });
  return { r, strict, ser };
}

describe('mvcctx simulation', () => {
  test.each([1, 2, 3])('correct, skews within the window, kills: strict serializable (seed %i)', (seed) => {
    // Arrange, Act
    const { r, strict } = check({ seed, skewMs: 90, crash: true });
    // Assert
    expect(r.violations).toEqual([]);
    expect(r.ok).toBeGreaterThan(100);
    expect(strict.valid, strict.explanation).toBe(true);
  });

  test('correct on rw-register with partitions: strict serializable', () => {
    const { r, strict } = check({ seed: 4, workload: 'rw-register', skewMs: 90, partition: true });
    expect(r.violations).toEqual([]);
    expect(strict.valid, strict.explanation).toBe(true);
  });

  test.each(['wallclock-ts', 'no-uncertainty-restart', 'small-max-offset'] as const)('%s under skew: strict serializable broken, serializable holds', (variant) => {
    const { strict, ser } = check({ seed: 1, variant, skewMs: 150 });
    expect(strict.valid).toBe(false);
    expect(ser.valid, ser.explanation).toBe(true);
  });

  test('si-only: write skew, serializable broken', () => {
    const { ser } = check({ seed: 1, variant: 'si-only' });
    expect(ser.valid).toBe(false);
    expect(ser.not.length).toBeGreaterThan(0);
  });

  test('a seed replays exactly', () => {
    const a = simulate({ seed: 9, variant: 'wallclock-ts', skewMs: 150, durationMs: 1000 });
    const b = simulate({ seed: 9, variant: 'wallclock-ts', skewMs: 150, durationMs: 1000 });
    expect(JSON.stringify(b.history)).toBe(JSON.stringify(a.history));
  });
});
