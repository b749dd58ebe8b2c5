/**
 * Following a nemesis schedule: steps are applied in order at their times, and once stopped nothing
 * more is applied or waited for, even when the stop comes while a step is being applied (the end of
 * a run's workload phase must not wait for the rest of the schedule).
 */
import { describe, expect, it } from 'vitest';
import { followSchedule } from '../../../harness/nemesis/nemesis.js';
import type { NemesisStep } from '../../../harness/nemesis/schedule.js';

const step = (atMs: number, action: 'start' | 'stop'): NemesisStep => ({ atMs, action, spec: { fault: 'pause', nodes: ['n1'] } });
const now = () => Number(process.hrtime.bigint());

describe('followSchedule', () => {
  it('applies every step in order, none before its time', async () => {
    const applied: Array<{ action: string; atNs: number }> = [];
    const startNs = now();
    const run = followSchedule([step(0, 'start'), step(30, 'stop')], { apply: async (s) => void applied.push({ action: s.action, atNs: now() }) }, now, startNs);
    await run.done;
    expect(applied.map((a) => a.action)).toEqual(['start', 'stop']);
    expect(applied[1]!.atNs - startNs).toBeGreaterThanOrEqual(30e6);
  });

  it('once stopped during a step, applies nothing more and does not wait for the next step', async () => {
    // Arrange: the first step blocks until released; the next one is an hour away.
    const applied: string[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inStep = new Promise<void>((r) => (entered = r));
    const nemesis = {
      apply: async (s: NemesisStep) => {
        applied.push(s.action);
        entered();
        await blocked;
      },
    };
    const run = followSchedule([step(0, 'start'), step(3_600_000, 'stop')], nemesis, now, now());
    await inStep;
    // Act
    run.stop();
    release();
    // Assert: `done` settles (within the test's time limit, not in an hour) with one step applied.
    await run.done;
    expect(applied).toEqual(['start']);
  });

  it('stopped while waiting, ends the wait at once', async () => {
    const applied: string[] = [];
    const run = followSchedule([step(3_600_000, 'start')], { apply: async (s) => void applied.push(s.action) }, now, now());
    run.stop();
    await run.done;
    expect(applied).toEqual([]);
  });
});
