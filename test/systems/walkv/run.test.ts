/**
 * walkv through `faultline run`, the way a user runs it: the correct variant stays linearizable
 * under kill -9 and restart, and each broken variant is caught (checker invalid, exit 1).
 * Real processes are not deterministic, so a broken variant gets a few seeded attempts; one
 * detection is required. Needs the build (`npm test` builds first).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, tempDir, removeTempDirs } from '../../support/systems.js';

interface RunOutcome {
  exitCode: number | null;
  valid: boolean | 'unknown';
  ok: number;
  output: string;
}

async function faultlineRun(variant: string, seed: number, timeLimitS: number): Promise<RunOutcome> {
  const runDir = join(tempDir('walkv-run-'), 'run');
  const args = [
    join(repoRoot, 'dist', 'harness', 'cli', 'main.js'),
    'run', '--system', 'walkv', '--variant', variant, '--workload', 'register',
    '--nemesis', 'kill', '--nemesis-interval', '2', '--concurrency', '4', '--time-limit', String(timeLimitS),
    '--seed', String(seed), '--run-dir', runDir,
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exitCode = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8')) as {
    valid: boolean | 'unknown';
    stats: { ok: number };
  };
  return { exitCode, valid: results.valid, ok: results.stats.ok, output };
}

afterAll(() => removeTempDirs());

// The runs are mostly idle (rate-limited clients), so they share the machine well: run them side by side.
describe.concurrent('walkv under faultline run --nemesis kill', () => {
  it('correct: valid, and makes progress', async () => {
    const r = await faultlineRun('correct', 1, 10);
    expect(r.valid, r.output).toBe(true);
    expect(r.exitCode).toBe(0);
    expect(r.ok).toBeGreaterThan(100);
  }, 60_000);

  it.each(['ack-before-fsync', 'truncate-before-snapshot', 'no-crc'])('%s: caught (invalid, exit 1)', async (variant) => {
    const seen: RunOutcome[] = [];
    for (let seed = 1; seed <= 3; seed++) {
      const r = await faultlineRun(variant, seed, 10);
      seen.push(r);
      if (r.valid === false) break;
    }
    const caught = seen.find((r) => r.valid === false);
    expect(caught, seen.map((r) => r.output).join('\n---\n')).toBeDefined();
    expect(caught!.exitCode).toBe(1);
  }, 150_000);
});
