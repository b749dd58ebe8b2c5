/**
 * raftkv through `faultline run`: a short real run of the correct variant under partitions and
 * kills (through the proxies and the nemesis) must be linearizable (register) or strict
 * serializable (list-append) and make progress. Needs the
 * build (`npm test` builds first).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requireBuild, runCli, tempDir } from '../../support/cli.js';

describe('faultline run --system raftkv', () => {
  it('correct under partition and kill: linearizable, most ops ok', async () => {
    // Arrange
    requireBuild();
    const dir = join(tempDir('raftkv-run-'), 'run');
    const args = ['run', '--system', 'raftkv', '--nemesis', 'partition,kill', '--nemesis-interval', '2', '--time-limit', '8', '--seed', '7', '--run-dir', dir];
    // Act
    const r = await runCli(args, { timeoutMs: 60_000 });
    // Assert
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as {
      valid: unknown;
      stats: { ok: number; fail: number; info: number };
    };
    expect(results.valid, `faultline ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(true);
    expect(r.exitCode).toBe(0);
    expect(results.stats.ok).toBeGreaterThan(200);
  }, 70_000);

  it('correct on list-append under partition and kill: strict serializable, most transactions ok', async () => {
    requireBuild();
    const dir = join(tempDir('raftkv-run-'), 'run');
    const args = ['run', '--system', 'raftkv', '--workload', 'list-append', '--nemesis', 'partition,kill', '--nemesis-interval', '2', '--time-limit', '8', '--seed', '7', '--run-dir', dir];
    const r = await runCli(args, { timeoutMs: 60_000 });
    const results = JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as {
      valid: unknown;
      checkers: Record<string, { consistencyModel?: string }>;
      stats: { ok: number };
    };
    expect(results.valid, `faultline ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(true);
    expect(results.checkers['list-append']?.consistencyModel).toBe('strict-serializable');
    expect(results.stats.ok).toBeGreaterThan(200);
  }, 70_000);
});
