/**
 * `run --schedule`: a replay applies the steps of a run's schedule.json (the same faults on the
 * same nodes at about the same times), and a bad schedule file is one message naming its field.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { faultSpans } from '../../../checkers/history/faults.js';
import { readJsonlFileSync } from '../../../checkers/history/jsonl.js';
import { EXIT } from '../../../harness/cli/exit.js';
import { requireBuild, runCli, tempDir } from '../../support/cli.js';

interface Step {
  atMs: number;
  action: string;
  spec: Record<string, unknown>;
}
const stepsOf = (dir: string): Step[] => (JSON.parse(readFileSync(join(dir, 'schedule.json'), 'utf8')) as { steps: Step[] }).steps;
/** A spec without the fields a replay drops (the leader aim) or adds. */
const concrete = (s: Step) => {
  const { target: _t, recordedTarget: _r, ...rest } = s.spec;
  return { action: s.action, spec: rest };
};
/** The nemesis timers run on a loaded machine: a step may be late by this much. */
const LATE_MS_MAX = 400;

describe('run --schedule', () => {
  const dir = tempDir();
  const original = join(dir, 'original');
  beforeAll(async () => {
    requireBuild();
    const r = await runCli(['run', '--system', 'atomic-kv', '--time-limit', '6', '--nemesis', 'partition,kill,pause', '--nemesis-interval', '1', '--seed', '21', '--run-dir', original]);
    expect(r.exitCode, r.stderr).toBe(EXIT.valid);
  }, 40_000);

  it('records each nemesis step as an invoke and a completion with its targets resolved', () => {
    const events = readJsonlFileSync(join(original, 'history.jsonl')).events.filter((e) => e.process === 'nemesis');
    const invokes = events.filter((e) => e.type === 'invoke');
    const completions = events.filter((e) => e.type !== 'invoke');
    expect(invokes.length).toBeGreaterThan(1);
    expect(completions.map((e) => e.f)).toEqual(invokes.map((e) => e.f));
    for (const e of completions.filter((x) => /^start-(kill|pause)$/.test(x.f))) expect((e.value as { nodes: string[] }).nodes.length).toBeGreaterThan(0);
    // Spans open at completions only: one span per start, not two.
    expect(faultSpans(events).length).toBe(completions.filter((e) => e.f.startsWith('start-')).length);
  });

  it('replays the same steps at the same times on the same nodes', async () => {
    const replay = join(dir, 'replay');
    const r = await runCli(['run', '--schedule', original, '--run-dir', replay]);
    expect(r.exitCode, r.stderr).toBe(EXIT.valid);
    expect(r.stderr).toMatch(/interleaving of their operations is not reproduced/);
    expect(r.stdout).toContain(`repro: faultline run --schedule ${join(original, 'schedule.json')}`);
    const a = stepsOf(original);
    const b = stepsOf(replay);
    expect(a.length).toBeGreaterThanOrEqual(4);
    expect(b.map(concrete)).toEqual(a.map(concrete));
    for (let i = 0; i < a.length; i++) expect(Math.abs(b[i]!.atMs - a[i]!.atMs)).toBeLessThan(LATE_MS_MAX);
    const record = JSON.parse(readFileSync(join(replay, 'run.json'), 'utf8')) as { replayOf: string; seed: number };
    expect(record.replayOf).toBe(join(original, 'schedule.json'));
    expect(record.seed).toBe(21);
  }, 40_000);

  it('refuses planning flags and a variant other than the schedule\'s', async () => {
    const r1 = await runCli(['run', '--schedule', original, '--nemesis', 'kill']);
    expect(r1.exitCode).toBe(EXIT.badInput);
    expect(r1.stderr).toContain('--nemesis cannot go with --schedule');
    const r2 = await runCli(['run', '--schedule', original, '--nodes', '5']);
    expect(r2.exitCode).toBe(EXIT.badInput);
    expect(r2.stderr).toContain('--nodes 5 conflicts with --schedule');
  });

  it('names the file, line and field of a bad schedule', async () => {
    const text = readFileSync(join(original, 'schedule.json'), 'utf8').replace('"action": "stop"', '"action": "halt"');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, text);
    const r = await runCli(['run', '--schedule', bad]);
    expect(r.exitCode).toBe(EXIT.badInput);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`${bad}:\\d+: steps\\.\\d+\\.action: `));
    const missing = await runCli(['run', '--schedule', join(dir, 'nothing-here')]);
    expect(missing.exitCode).toBe(EXIT.badInput);
    expect(missing.stderr).toContain('does not exist');
  });
});
