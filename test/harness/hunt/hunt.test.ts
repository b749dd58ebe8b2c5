/**
 * `faultline hunt` end to end on the stale-kv fixture, whose reads lag, so that nearly any short
 * run catches it: the search stops at the first invalid run, the shrink replays its schedule with
 * fewer faults, and hunt.json, the repro command and the replayed run's report say what happened.
 * Then a hunt killed mid-run leaves no process behind, and bad flags are one line, exit 254.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../../harness/cli/exit.js';
import type { HuntRecord } from '../../../harness/hunt/hunt.js';
import { readSchedule, replaySteps, scheduledFaults } from '../../../harness/nemesis/replay.js';
import { parseRunArgv } from '../../../harness/run/config.js';
import { isAlive, recordedPids, requireBuild, runCli, startCli, tempDir } from '../../support/cli.js';

/** Polls until `ok()` or the deadline; never a fixed sleep. */
async function until(ok: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The child processes of a process (Linux), from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) => readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

describe('faultline hunt', () => {
  const dir = tempDir();
  const out = join(dir, 'hunt');
  let result: { exitCode: number; stdout: string; stderr: string };
  let rec: HuntRecord;
  beforeAll(async () => {
    requireBuild();
    result = await runCli(['hunt', '--system', 'stale-kv', '--budget', '60s', '--time-limit', '3', '--tries', '1', '--seed', '3', '--out', out], { cwd: dir, timeoutMs: 120_000 });
    rec = JSON.parse(readFileSync(join(out, 'hunt.json'), 'utf8')) as HuntRecord;
  }, 130_000);

  it('stops at the first anomaly with exit 1 and records every attempt in hunt.json', () => {
    expect(result.exitCode, result.stderr).toBe(EXIT.invalid);
    expect(rec.outcome).toBe('found');
    expect(rec.caughtAfterS).toBeGreaterThan(0);
    expect(result.stdout).toMatch(new RegExp(`^caught after ${rec.caughtAfterS} s \\(attempt \\d+`));
    const found = rec.attempts.find((a) => a.attempt === rec.found!.attempt)!;
    expect(found.verdict).toBe('invalid');
    expect(found.phase).toBe('search');
    expect(rec.attempts.filter((a) => a.phase === 'search').every((a) => a.verdict !== 'invalid' || a.attempt >= found.attempt || a.seed !== found.seed)).toBe(true);
    for (const a of rec.attempts) {
      expect(existsSync(a.dir)).toBe(true);
      // The log lies beside the run folder, never inside it.
      expect(existsSync(`${a.dir}.log`)).toBe(true);
    }
    // Each search run has its own seed, derived from the hunt's.
    const seeds = rec.attempts.filter((a) => a.phase === 'search').map((a) => a.seed);
    expect(new Set(seeds).size).toBe(seeds.length);
  });

  it('shrinks to a schedule no larger than the original, which a replay of it still fails', () => {
    const s = rec.shrink!;
    expect(s.skipped).toBeUndefined();
    expect(s.candidates.length).toBeGreaterThan(0);
    expect(s.shrunk.faults).toBeLessThanOrEqual(s.original.faults);
    expect(s.shrunk.seconds).toBeLessThanOrEqual(s.original.seconds);
    // The original's size is its schedule's; the shrunk one's is the replay's own schedule.json.
    expect(scheduledFaults(replaySteps(readSchedule(s.original.dir).schedule))).toHaveLength(s.original.faults);
    const shrunk = readSchedule(s.shrunk.dir).schedule;
    expect(scheduledFaults(replaySteps(shrunk))).toHaveLength(s.shrunk.faults);
    expect(shrunk.timeLimitS).toBe(s.shrunk.seconds);
    const attempt = rec.attempts.find((a) => a.attempt === s.shrunk.attempt)!;
    if (s.shrunk.attempt !== s.original.attempt) {
      expect(attempt.phase).toBe('shrink');
      expect(attempt.verdict).toBe('invalid');
    }
    expect(result.stdout).toContain(`${s.original.faults} faults, ${s.original.seconds} s -> ${s.shrunk.faults} faults, ${s.shrunk.seconds} s`);
  });

  it('prints a repro command that parses and names the shrunk run, and that run\'s report', () => {
    const line = result.stdout.split('\n').find((l) => l.startsWith('repro: '))!;
    expect(line).toBe(`repro: ${rec.repro}`);
    const words = rec.repro!.split(' ');
    expect(words.slice(0, 3)).toEqual(['faultline', 'run', '--schedule']);
    const scheduleDir = join(dir, words[3]!);
    expect(scheduleDir).toBe(rec.shrink!.shrunk.dir);
    expect(readSchedule(scheduleDir).schedule.system).toBe('stale-kv');
    expect(() => parseRunArgv(words.slice(4))).not.toThrow();
    expect(result.stdout).toContain(`report: ${join('hunt', `attempt-${String(rec.shrink!.shrunk.attempt).padStart(3, '0')}`, 'report.html')}`);
  });

  it('marks a replayed run in its report header, with what a replay does not reproduce', () => {
    const replayed = rec.attempts.find((a) => a.phase === 'shrink')!;
    const html = readFileSync(join(replayed.dir, 'report.html'), 'utf8');
    const marker = /<span id="replay"[^>]*>([^<]*)<\/span>/.exec(html);
    expect(marker).not.toBeNull();
    expect(marker![1]).toContain(`replay of ${join(out, `candidate-${String(replayed.candidate).padStart(3, '0')}.json`)}`);
    expect(marker![1]).toContain('interleaving of their operations is not reproduced');
    const original = readFileSync(join(rec.shrink!.original.dir, 'report.html'), 'utf8');
    expect(original).not.toContain('id="replay"');
  });

  it('leaves no process behind when killed mid-run, and keeps the schedule of a run cut short', async () => {
    // Arrange: long runs, so that the hunt is surely in the middle of one.
    const killed = join(dir, 'killed');
    const hunt = startCli(['hunt', '--system', 'stale-kv', '--budget', '5m', '--time-limit', '60', '--seed', '4', '--out', killed], { cwd: dir, timeoutMs: 60_000 });
    const first = join(killed, 'attempt-001');
    await until(() => recordedPids(first).length >= 3 && existsSync(join(first, 'history.jsonl')) && readFileSync(join(first, 'history.jsonl'), 'utf8').includes('"start-'), 40_000);
    const runs = childrenOf(hunt.pid!);
    const nodes = readdirSync(killed).filter((f) => /^attempt-\d+$/.test(f)).flatMap((f) => recordedPids(join(killed, f)));
    expect(runs.length).toBeGreaterThanOrEqual(1);
    // Act
    hunt.kill('SIGTERM');
    const r = await hunt;
    // Assert
    expect(r.exitCode).toBe(143);
    await until(() => [...runs, ...nodes].every((p) => !isAlive(p)), 20_000);
    const k = JSON.parse(readFileSync(join(killed, 'hunt.json'), 'utf8')) as HuntRecord;
    expect(k.outcome).toBe('interrupted');
    expect(k.attempts.every((a) => a.verdict === 'stopped')).toBe(true);
    expect(readSchedule(first).schedule.steps.length).toBeGreaterThan(0);
  }, 90_000);

  it('refuses bad flags with one line and exit 254, before running anything', async () => {
    for (const [flags, text] of [
      [['--budget', '5x'], '--budget must be a duration'],
      [['--parallel', '0'], '--parallel must be at least 1'],
      [['--tries', 'two'], '--tries must be a decimal integer'],
      [['--variant', 'nope'], 'unknown variant "nope"'],
    ] as const) {
      const r = await runCli(['hunt', '--system', 'stale-kv', ...flags, '--out', join(dir, 'bad')], { cwd: dir });
      expect(r.exitCode).toBe(EXIT.badInput);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(text);
    }
    expect(existsSync(join(dir, 'bad', 'hunt.json'))).toBe(false);
  });
});
