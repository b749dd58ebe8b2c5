/**
 * The steps a replay follows, without processes: a fault once aimed at the leader keeps its label,
 * and a schedule holding a variant's fault (latency's `bandwidth`) reads back.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSchedule, replayFlags, replaySteps } from '../../../harness/nemesis/replay.js';
import { describeFault, type FaultSpec } from '../../../harness/nemesis/schedule.js';
import { tempDir } from '../../support/cli.js';

const base = { format: 'faultline-schedule/1', system: 'raftkv', variant: 'correct', nodes: 3, seed: 1, timeLimitS: 10, nemesis: { faults: ['kill', 'latency'], intervalS: 1, overlap: true }, replayOf: null };

describe('replaySteps', () => {
  it('no longer aims a leader fault, and still labels it the leader', () => {
    // Arrange
    const kill = { fault: 'kill', nodes: ['n2'], target: 'leader' };
    const steps = replaySteps({ steps: [{ atMs: 100, action: 'start', spec: kill }, { atMs: 900, action: 'stop', spec: kill }] as never });
    // Act
    const spec = steps[0]!.spec as FaultSpec & { recordedTarget?: string };
    // Assert
    expect(spec.target).toBeUndefined();
    expect(spec.recordedTarget).toBe('leader');
    expect(describeFault(spec)).toBe('kill -9 n2 (the leader)');
    expect(steps[1]!.spec).toBe(steps[0]!.spec);
    // A replay of a replay keeps the label too.
    const again = replaySteps({ steps: [{ atMs: 100, action: 'start', spec: { ...spec } }] as never });
    expect(describeFault(again[0]!.spec)).toBe('kill -9 n2 (the leader)');
  });

  it('reads a schedule in which latency drew a bandwidth limit', () => {
    const file = join(tempDir(), 'schedule.json');
    const bw = { fault: 'bandwidth', links: [['n1', 'n2']], rateKBps: 10, description: 'all links' };
    writeFileSync(file, JSON.stringify({ ...base, steps: [{ atMs: 5, action: 'start', spec: bw }, { atMs: 50, action: 'stop', spec: bw }] }));
    expect(readSchedule(file).schedule.steps[0]!.spec.fault).toBe('bandwidth');
  });
});

describe('replayFlags', () => {
  it('takes the workload from the schedule unless one is given', () => {
    const schedule = { ...base, workload: 'list-append', steps: [] } as never;
    expect(replayFlags<{ workload?: string }>({}, 'f.json', schedule).workload).toBe('list-append');
    expect(replayFlags({ workload: 'register' }, 'f.json', schedule).workload).toBe('register');
    expect(replayFlags<{ workload?: string }>({}, 'f.json', { ...base, steps: [] } as never).workload).toBeUndefined();
  });
});
