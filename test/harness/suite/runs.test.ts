/**
 * Suites, comparisons and a user's own system, with real runs: each entry is a real `faultline run`
 * starting real node processes on loopback. Covers: the byo-kv example (a plain Node script, no
 * faultline code) run through `faultline run` under faults; a suite whose entries all meet their
 * expectations exits 0, one with an unmet expectation exits 1 and its JUnit failure names the
 * anomaly and the report; a suite killed with SIGKILL leaves a summary naming the entries that did
 * not run, and its running entry stops by itself. Needs a build (`npm test` builds first).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSummary } from '../../../harness/suite/summary.js';
import { parseXmlStrict } from '../../support/xml.js';
import { runCli } from '../../support/cli.js';
import { byoManifest, cli, tempDir, write } from './helpers.js';

/** Run options that keep each run short and light on a shared machine. */
const light = { timeLimitS: 3, nodes: 3, concurrency: 3, rateOpsPerSec: 40 };

/** `faultline <args>` run to its end without blocking the test worker. */
async function faultline(args: string[], cwd: string) {
  const r = await runCli(args, { cwd, timeoutMs: 120_000, keepFinalNewline: true });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

describe('bring your own system', () => {
  it('runs examples/byo-kv through faultline run under partitions and kills, and finds it linearizable', async () => {
    // Arrange
    const dir = tempDir();
    const runDir = join(dir, 'run');
    // Act
    const r = await faultline(
      ['run', '--system', byoManifest, '--workload', 'register', '--nemesis', 'partition,kill', '--nemesis-interval', '1',
        '--time-limit', '5', '--nodes', '3', '--concurrency', '4', '--rate', '50', '--seed', '7', '--run-dir', runDir],
      dir,
    );
    // Assert
    expect(r.stderr + r.stdout).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8'));
    expect(results.valid).toBe(true);
    expect(results.stats.ok).toBeGreaterThan(20);
    const history = readFileSync(join(runDir, 'history.jsonl'), 'utf8');
    expect(history).toMatch(/"process":"nemesis"/);
    for (const id of ['n1', 'n2', 'n3']) expect(readFileSync(join(runDir, 'nodes', `${id}.log`), 'utf8')).toMatch(new RegExp(`${id} (primary|forwarding)`));
  });
});

describe('faultline suite with real runs', () => {
  it('exits 0 when every entry meets its expectation, 1 when one does not, naming the anomaly and the report', async () => {
    // Arrange: byo-kv is linearizable; stale-kv answers reads from a lagging copy.
    const dir = tempDir();
    const good = write(join(dir, 'good.json'), JSON.stringify({ name: 'good', defaults: light, matrix: [{ system: byoManifest, nemesis: 'partition', expect: 'valid' }] }));
    const bad = write(
      join(dir, 'bad.json'),
      JSON.stringify({
        name: 'bad',
        defaults: light,
        matrix: [
          { system: 'stale-kv', expect: 'valid', seed: 3 },
          { system: 'stale-kv', expect: 'invalid', seed: 3 },
        ],
      }),
    );
    // Act
    const ok = await faultline(['suite', good, '--out', join(dir, 'good-out')], dir);
    const fail = await faultline(['suite', bad, '--out', join(dir, 'bad-out'), '--parallel', '2'], dir);
    // Assert
    expect(ok.code, ok.stderr).toBe(0);
    expect(readSummary(join(dir, 'good-out'))).toMatchObject({ ok: true, state: 'finished', counts: { passed: 1, total: 1 } });
    expect(fail.code, fail.stderr).toBe(1);
    const s = readSummary(join(dir, 'bad-out'));
    expect(s.entries.map((e) => e.status)).toEqual(['failed', 'passed']);
    expect(s.entries[0]!.valid).toBe(false);
    expect(existsSync(join(dir, 'bad-out', s.entries[0]!.runDir, 'results.json'))).toBe(true);
    const junit = parseXmlStrict(readFileSync(join(dir, 'bad-out', 'junit.xml'), 'utf8'));
    const failure = junit.children[0]!.children[0]!.children.find((c) => c.name === 'failure')!;
    expect(failure.attrs.message).toMatch(/^expected valid, got false: .*not valid/);
    expect(failure.attrs.message).toContain(`report: ${s.entries[0]!.runDir}/report.html`);
    expect(fail.stderr).toMatch(/repro: {2}faultline run --system stale-kv/);
    expect(readFileSync(join(dir, 'bad-out', 'index.html'), 'utf8')).toContain(`href="${s.entries[0]!.runDir}/report.html"`);
  });

  it('interrupted with SIGINT, stops its running entry, starts no other, and says so', async () => {
    // Arrange: three long entries, two at once.
    const dir = tempDir();
    const out = join(dir, 'out');
    const file = write(join(dir, 'i.json'), JSON.stringify({ name: 'i', defaults: { ...light, timeLimitS: 60 }, matrix: [{ system: byoManifest, seed: [1, 2, 3] }] }));
    const suite = spawn(process.execPath, [cli, 'suite', file, '--out', out, '--parallel', '2'], { cwd: dir, stdio: 'ignore' });
    const twoRunning = () => existsSync(join(out, 'summary.json')) && readSummary(out).counts.running === 2;
    let pids: number[] = [];
    try {
      expect(await waitFor(twoRunning, 60_000)).toBe(true);
      pids = readSummary(out).entries.flatMap((e) => (e.pid ? [e.pid] : []));
      expect(pids).toHaveLength(2);
      // Act
      suite.kill('SIGINT');
      const code = await new Promise<number | null>((r) => suite.once('exit', (c) => r(c)));
      // Assert
      expect(code).toBe(1);
      const s = readSummary(out);
      expect(s.state).toBe('interrupted');
      expect(s.entries.map((e) => e.status)).toEqual(['running', 'running', 'pending']);
      expect(s.entries[0]!.message).toMatch(/did not finish/);
      expect(pids.filter(alive)).toEqual([]);
    } finally {
      if (suite.exitCode === null && suite.signalCode === null) suite.kill('SIGKILL');
      for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
    }
  });

  it('killed with SIGKILL, leaves the finished entries and a summary naming those that did not run', async () => {
    // Arrange: three entries; the suite is killed while the second runs.
    const dir = tempDir();
    const out = join(dir, 'out');
    const file = write(join(dir, 'k.json'), JSON.stringify({ name: 'k', defaults: { ...light, timeLimitS: 4 }, matrix: [{ system: byoManifest, seed: [1, 2, 3] }] }));
    const suite = spawn(process.execPath, [cli, 'suite', file, '--out', out], { cwd: dir, stdio: 'ignore' });
    const secondRunning = () => existsSync(join(out, 'summary.json')) && readSummary(out).entries[1]!.status === 'running';
    let orphan: number | null = null;
    try {
      expect(await waitFor(secondRunning, 60_000)).toBe(true);
      // Act
      suite.kill('SIGKILL');
      await new Promise((r) => suite.once('exit', r));
      // Assert
      const s = readSummary(out);
      expect(s.state).toBe('running');
      expect(s.entries.map((e) => e.status)).toEqual(['passed', 'running', 'pending']);
      expect(existsSync(join(out, s.entries[0]!.runDir, 'results.json'))).toBe(true);
      const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
      expect(junit).toContain('did not finish');
      expect(junit).toContain('did not run');
      // The run the suite left behind notices (its stdin closed) and stops by itself.
      orphan = s.entries[1]!.pid;
      expect(orphan).toBeTypeOf('number');
      expect(await waitFor(() => !alive(orphan!), 20_000)).toBe(true);
    } finally {
      if (suite.exitCode === null && suite.signalCode === null) suite.kill('SIGKILL');
      if (orphan !== null && alive(orphan)) process.kill(orphan, 'SIGKILL');
    }
  });
});
