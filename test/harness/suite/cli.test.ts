/**
 * `faultline suite` and `faultline compare` at the command line, for what needs no run: bad suite
 * files and flags give one line and exit 254, `--list` shows a shard's entries, and `suite merge`
 * exits 0 only for a complete, passing merge. Needs a build (`npm test` builds first).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { byoManifest, tempDir, write } from './helpers.js';

/** `faultline <args>` run to its end without blocking the test worker. */
async function faultline(args: string[], cwd = tempDir()) {
  const r = await runCli(args, { cwd, timeoutMs: 30_000, keepFinalNewline: true });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** A valid one-entry suite file. */
function byoSuite(): string {
  return write(join(tempDir(), 'ok.json'), JSON.stringify({ name: 'ok', matrix: [{ system: byoManifest, timeLimitS: 1 }] }));
}

describe('faultline suite (no runs)', () => {
  it('rejects a bad suite file with one line naming file:line and field, exit 254', async () => {
    const file = write(join(tempDir(), 'bad.json'), JSON.stringify({ matrix: [{ system: byoManifest, nemesis: 'kill', seed: 'one' }] }, null, 2));
    const r = await faultline(['suite', file]);
    expect(r.code).toBe(254);
    expect(r.stderr).toBe(`faultline: ${file}:6: matrix[0].seed: Expected number, received string (a single value or a list of them)\n`);
  });

  it.each([
    [['suite', 'x.json', '--shard', '4/3'], /^faultline: --shard 4\/3: the shard index must be 1\.\.3\n$/],
    [['suite', 'x.json', '--parallel', '0'], /^faultline: --parallel must be at least 1, got 0\n$/],
    [['suite', 'missing.yaml'], /^faultline: .*missing\.yaml: suite file not found\n$/],
    [['suite', 'merge', '/nonexistent-dir'], /^faultline: \/nonexistent-dir\/summary\.json: not found/],
    [['compare', '--system', 'no-such-system'], /^faultline: --system no-such-system: unknown system/],
    [['compare', '--system', byoManifest, '--variants', 'correct,fast'], /^faultline: --variants: system byo-kv has no variant "fast" \(it has: correct, no-fsync\)\n$/],
    [['compare', '--system', byoManifest, '--runs', '0'], /^faultline: --runs must be at least 1, got 0\n$/],
    [['compare', '--system', byoManifest, '--nemesis', 'kill;partition'], /^faultline: --nemesis "kill;partition": expected/],
    [['suite', byoSuite(), '--out', '/dev/null/out'], /^faultline: --out \/dev\/null\/out: cannot create the folder \(ENOTDIR\)\n$/],
    [['compare', '--system', byoManifest, '--out', '/dev/null/out'], /^faultline: --out \/dev\/null\/out: cannot create the folder \(ENOTDIR\)\n$/],
  ])('%j: one line, exit 254', async (args, message) => {
    const r = await faultline(args as string[]);
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('suite merge writes where --out says and exits 1 for a missing shard', async () => {
    const dir = tempDir();
    const file = write(join(dir, 'm.json'), JSON.stringify({ matrix: [{ system: byoManifest, seed: [1, 2] }] }));
    // A shard folder as a killed suite leaves it: summary written, nothing run yet.
    const s = { format: 'faultline-suite/1', name: 'm', suiteFile: file, state: 'running', shard: { index: 1, count: 2 }, suiteEntries: 2,
      createdAt: '2026-11-24T05:00:00.000Z', updatedAt: '2026-11-24T05:00:00.000Z', ok: false,
      counts: { total: 1, pending: 1, running: 0, passed: 0, failed: 0, error: 0 },
      entries: [{ id: 'byo-kv/correct/register/none/seed-1', index: 0, system: 'byo-kv', variant: 'correct', workload: 'register', nemesis: [],
        seed: 1, timeLimitS: 10, expect: 'valid', status: 'pending', runDir: 'runs/001', valid: null, exitCode: null, message: null,
        firstAnomaly: null, durationMs: null, startedAt: null, command: null, pid: null }] };
    write(join(dir, 'shard-1', 'summary.json'), JSON.stringify(s));
    const r = await faultline(['suite', 'merge', join(dir, 'shard-1'), '--out', join(dir, 'merged')], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/shards missing: 2/);
    expect(r.stderr).toMatch(/not run: byo-kv\/correct\/register\/none\/seed-1/);
    expect(JSON.parse(readFileSync(join(dir, 'merged', 'summary.json'), 'utf8')).merged.missingShards).toEqual([2]);
  });

  it('--list prints the entries of a shard, and the shards cover the suite', async () => {
    const file = write(join(tempDir(), 'list.yaml'), `matrix:\n  - system: ${byoManifest}\n    variant: all\n    seed: [1, 2, 3]\n    expect: any\n`);
    const all = await faultline(['suite', file, '--list']);
    expect(all.code).toBe(0);
    const ids = all.stdout.trim().split('\n');
    expect(ids).toHaveLength(6);
    expect(ids[0]).toBe('byo-kv/correct/register/none/seed-1\texpect any');
    const shards = await Promise.all([1, 2, 3, 4].map(async (i) => (await faultline(['suite', file, '--list', '--shard', `${i}/4`])).stdout.trim().split('\n').filter(Boolean)));
    expect(shards.map((s) => s.length)).toEqual([2, 2, 1, 1]);
    expect(shards.flat().sort()).toEqual([...ids].sort());
  });
});
