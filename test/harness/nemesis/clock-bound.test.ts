import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { type ClockJudged, holdToClockBound, readClockBound } from '../../../harness/nemesis/faults/clock-bound.js';

const nodes = ['n1', 'n2', 'n3'];
let index = 0;
function ev(f: string, timeS: number, value: unknown): HistoryEvent {
  return { index: index++, time: timeS * 1e9, type: 'ok', process: 'nemesis', f, value };
}
const base: ClockJudged = { valid: false, exitCode: 1 };

describe('readClockBound', () => {
  it('reads 0 without clock faults', () => {
    expect(readClockBound(1000, [ev('start-kill', 1, { nodes: ['n1'] })], nodes)).toEqual({ maxOffsetMs: 0, beyond: null, firstBeyondNs: null });
  });
  it('stays within the bound', () => {
    const events = [ev('start-clock', 1, { offsetsMs: { n1: 800 } }), ev('stop-clock', 3, { offsetsMs: { n1: 800 } })];
    expect(readClockBound(1000, events, nodes)).toEqual({ maxOffsetMs: 800, beyond: null, firstBeyondNs: null });
  });
  it('counts two nodes skewed apart, and a strobe at both of its values', () => {
    const events = [ev('start-clock', 1, { offsetsMs: { n1: 700, n2: -700 } }), ev('heal', 4, {})];
    expect(readClockBound(1000, events, nodes).beyond).toEqual({ maxOffsetMs: 1400, boundMs: 1000, fromS: 1, toS: 4 });
    const strobe = [ev('start-clock', 1, { offsetsMs: { n1: 600, n2: 600, n3: 600 }, strobePeriodMs: 100 })];
    expect(readClockBound(1000, strobe, nodes).maxOffsetMs).toBe(0);
  });
});

describe('holdToClockBound', () => {
  const beyond = [ev('start-clock', 2, { offsetsMs: { n1: 5000 } }), ev('stop-clock', 6, { offsetsMs: { n1: 5000 } })];
  it('calls an anomaly beyond the bound outside the contract', () => {
    const r = holdToClockBound(base, beyond, nodes, 1000);
    expect(r.valid).toBe('unknown');
    expect(r.exitCode).toBe(2);
    expect(r.outsideContract).toEqual({ maxOffsetMs: 5000, boundMs: 1000, fromS: 2, toS: 6 });
    expect(r.unknownReason).toBe('invalid, outside contract: clock offset reached 5000 ms > bound 1000 ms (from 2.0 s to 6.0 s)');
  });
  it('keeps a valid run valid beyond the bound, and an anomaly within it invalid', () => {
    expect(holdToClockBound({ valid: true, exitCode: 0 }, beyond, nodes, 1000)).toEqual({ valid: true, exitCode: 0, clockBound: { boundMs: 1000, maxOffsetMs: 5000 } });
    const r = holdToClockBound(base, beyond, nodes, 6000);
    expect(r.valid).toBe(false);
    expect(r.outsideContract).toBeUndefined();
  });
  it('keeps an anomaly found before the clocks went beyond the bound a bug, and one found after it outside the contract', () => {
    const before = holdToClockBound({ ...base, firstAnomaly: { timeNs: 1e9 } }, beyond, nodes, 1000);
    expect(before.valid).toBe(false);
    expect(before.outsideContract).toBeUndefined();
    const after = holdToClockBound({ ...base, firstAnomaly: { timeNs: 3e9 } }, beyond, nodes, 1000);
    expect(after.valid).toBe('unknown');
    expect(after.outsideContract?.maxOffsetMs).toBe(5000);
  });
  it('leaves results alone without a bound', () => {
    expect(holdToClockBound(base, beyond, nodes, undefined)).toBe(base);
  });
});

describe('the combined default against a clock bound', () => {
  it('draws 3 in 4 skews within the bound and the rest up to 3 x bound, seeded', async () => {
    const { planNemesis } = await import('../../../harness/nemesis/schedule.js');
    const plan = (seed: number) => planNemesis({ faults: ['clock'], intervalMs: 0, timeLimitMs: 600_000, nodes, seed, combined: true, manifest: { clockBoundMs: 1000 } });
    const starts = plan(7).filter((s) => s.action === 'start');
    expect(plan(7)).toEqual(plan(7));
    const spreads = starts.map((s) => readClockBound(1000, [ev('start-clock', 1, s.spec)], nodes).maxOffsetMs);
    expect(Math.max(...spreads)).toBeLessThanOrEqual(3000);
    const within = spreads.filter((x) => x <= 1000).length / spreads.length;
    expect(within).toBeGreaterThan(0.6);
    expect(within).toBeLessThan(0.9);
  });
});
