/**
 * The rw-register checker on small hand-written histories (`wx1` writes 1 to x, `rx1` reads 1,
 * `rx_` reads nil), with and without the per-key linearizable/sequential assumptions.
 */
import { describe, expect, test } from 'vitest';
import { checkRwRegister } from '../../../checkers/transactional/rw-register.js';
import type { CycleAnomaly } from '../../../checkers/transactional/types.js';
import { TxnHistoryError } from '../../../checkers/transactional/types.js';
import { history } from '../../support/txn-history.js';

const reg = { mode: 'register' as const };

describe('rw-register', () => {
  test('a serial history is valid under every assumption', () => {
    const h = history(['wx1', 'rx1 wx2', 'rx2 wy1', 'ry1 rx2'], reg);
    for (const o of [{}, { linearizableKeys: true }, { sequentialKeys: true }]) {
      const r = checkRwRegister(h, o);
      expect(r.valid).toBe(true);
      expect(r.anomalyTypes).toEqual([]);
    }
  });

  test('G1a, G1b and internal reads', () => {
    expect(checkRwRegister(history([{ ops: 'wx1', type: 'fail' }, 'rx1'], reg)).anomalyTypes).toEqual(['G1a']);
    expect(checkRwRegister(history(['wx1 wx2', 'rx1'], reg)).anomalyTypes).toEqual(['G1b']);
    const internal = checkRwRegister(history(['wx1 rx2'], reg), { consistencyModel: 'serializable' });
    expect(internal.valid).toBe(false);
    expect(internal.anomalyTypes).toEqual(['internal']);
  });

  test('G1c: each reads the other', () => {
    const r = checkRwRegister(history(['wx1 ry1', 'wy1 rx1'], { ...reg, concurrent: true }), { consistencyModel: 'read-committed' });
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['G1c']);
    expect((r.anomalies.G1c![0] as CycleAnomaly).steps[0]!.text).toBe("T1 < T2, because T2 read T1's write of 1 to key x");
  });

  test('G-single through writes-follow-reads', () => {
    const h = history(['wx1 wy1', 'rx1 wx2 ry1 wy2', 'rx2 ry1'], { ...reg, concurrent: true });
    const r = checkRwRegister(h, { consistencyModel: 'snapshot-isolation' });
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['G-single']);
    const c = r.anomalies['G-single']![0] as CycleAnomaly;
    expect(c.text).toContain('read key y as 1, which precedes');
    // Without the writes-follow-reads inference there is no version order to see it with.
    expect(checkRwRegister(h, { consistencyModel: 'snapshot-isolation', wfrKeys: false }).valid).toBe(true);
  });

  test('lost update: both read nil and both wrote', () => {
    const r = checkRwRegister(history(['rx_ wx1', 'rx_ wx2'], { ...reg, concurrent: true }), { consistencyModel: 'snapshot-isolation' });
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toContain('lost-update');
  });

  test('a stale read needs the linearizable-keys assumption to be seen', () => {
    const h = history(['wx1', 'wx2', 'rx1'], reg); // sequential in real time
    expect(checkRwRegister(h).valid).toBe(true);
    const r = checkRwRegister(h, { linearizableKeys: true });
    expect(r.valid).toBe(false);
    expect(r.anomalyTypes).toEqual(['cyclic-versions']);
    expect(r.not).toEqual(['read-uncommitted']);
  });

  test('sequential keys: a process that sees a key go back in time', () => {
    const h = history(
      [
        { ops: 'wx1', process: 1 },
        { ops: 'wx2', process: 2 },
        { ops: 'rx1', process: 9 },
        { ops: 'rx2', process: 9 },
        { ops: 'rx1', process: 9 },
      ],
      { ...reg, concurrent: true },
    );
    expect(checkRwRegister(h).valid).toBe(true);
    const r = checkRwRegister(h, { sequentialKeys: true });
    expect(r.anomalyTypes).toEqual(['cyclic-versions']);
  });

  test('bad input: duplicate writes and nil writes', () => {
    expect(() => checkRwRegister(history(['wx1', 'wx1'], reg))).toThrow(TxnHistoryError);
    expect(() => checkRwRegister(history([{ ops: [['w', 'x', null]] }], reg))).toThrow(/write of nil/);
    expect(() => checkRwRegister(history([{ ops: [['append', 'x', 1]] }], reg))).toThrow(/bad micro-operation/);
  });
});
