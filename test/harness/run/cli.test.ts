/**
 * End to end: the built `faultline run` and `recheck` against the fixture systems, as a user runs
 * them. Short time limits keep the file fast; each run writes to its own temp folder.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deriveSeed } from '../../../harness/random.js';
import { CLI, isAlive, recordedPids, requireBuild, runCli, startCli, tempDir } from '../../support/cli.js';

beforeAll(() => requireBuild());

function readJson(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

function historyLines(runDir: string): Array<Record<string, unknown>> {
  const p = join(runDir, 'history.jsonl');
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(50);
  }
}

const common = ['--workload', 'register', '--nemesis', 'kill,pause', '--nemesis-interval', '1', '--time-limit', '6', '--rate', '60', '--seed', '7'];

describe.concurrent('faultline run', () => {
  it('finds atomic-kv valid under kill and pause, and writes the run folder', async () => {
    const dir = tempDir();
    const r = await runCli(['run', '--system', 'atomic-kv', ...common, '--results-dir', join(dir, 'results')], { cwd: dir });
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^verdict: valid/m);
    expect(r.stdout).toMatch(/^repro: faultline run --system atomic-kv .*--seed 7/m);
    const runDir = join(dir, 'results', 'latest');
    const results = readJson(join(runDir, 'results.json'));
    expect(results.valid).toBe(true);
    expect(results.firstAnomaly).toBeNull();
    const stats = results.stats as Record<string, number>;
    expect(stats.ok).toBeGreaterThan(50);
    const run = readJson(join(runDir, 'run.json'));
    expect(run).toMatchObject({ system: 'atomic-kv', variant: 'correct', workload: 'register', nodes: 3, seed: 7, nemesis: ['kill', 'pause'] });
    expect(String(run.command)).toContain('--seed 7');
    const events = historyLines(runDir);
    expect(events.some((e) => e.process === 'nemesis' && String(e.f).startsWith('start-'))).toBe(true);
    expect(events.some((e) => e.process === 'nemesis' && e.f === 'heal')).toBe(true);
    for (const id of ['n1', 'n2', 'n3']) expect(existsSync(join(runDir, 'nodes', `${id}.log`))).toBe(true);
    // Nodes get a seed derived from the run's (the same for the same run seed).
    const nodeSeeds = ['n1', 'n2', 'n3'].map((id) => (readJson(join(runDir, 'nodes', `${id}.json`)).params as Record<string, unknown>).seed);
    expect(nodeSeeds[0]).toBe(deriveSeed(7, 'nodes'));
    expect(new Set(nodeSeeds).size).toBe(1);
  });

  it('finds stale-kv invalid and names the op that broke it', async () => {
    const dir = tempDir();
    const r = await runCli(['run', '--system', 'stale-kv', ...common, '--run-dir', join(dir, 'run'), '--json'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(1);
    const results = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(results.valid).toBe(false);
    const anomaly = results.firstAnomaly as { index: number; summary: string };
    expect(anomaly.index).toBeGreaterThanOrEqual(0);
    const event = historyLines(join(dir, 'run'))[anomaly.index];
    expect(event?.f).toBeDefined();
    expect(r.stderr).toMatch(/^first anomaly: event #\d+/m);
    expect(r.stderr).toMatch(/^verdict: INVALID/m);
  });

  it('records only info and fail against a system that never answers, and raises no false alarm', async () => {
    const dir = tempDir();
    const r = await runCli(
      ['run', '--system', 'silent', '--nodes', '1', '--nemesis', 'none', '--time-limit', '2', '--op-timeout', '200', '--run-dir', join(dir, 'run')],
      { cwd: dir },
    );
    expect([0, 2]).toContain(r.exitCode);
    const events = historyLines(join(dir, 'run')).filter((e) => e.process !== 'nemesis');
    const types = new Set(events.map((e) => e.type));
    expect(types.has('ok')).toBe(false);
    expect(events.filter((e) => e.type === 'info').length).toBeGreaterThan(0);
    expect(events.every((e) => e.type !== 'info' || e.f !== 'read')).toBe(true);
    expect(r.stdout).not.toMatch(/INVALID/);
  });

  it('fails fast with the log tail and exit 255 when a node dies at start', async () => {
    const dir = tempDir();
    const r = await runCli(['run', '--system', 'crash-on-start', '--run-dir', join(dir, 'run')], { cwd: dir });
    expect(r.exitCode).toBe(255);
    // Fast: the harness reports the exit itself, it does not wait for the readiness timeout.
    expect(r.stderr).toMatch(/node n\d exited with code 1 before it was ready/);
    expect(r.stderr).not.toMatch(/did not print "ready"/);
    expect(r.stderr).toMatch(/checksum mismatch/);
    expect(r.stderr).toMatch(/\nrepro: faultline run --system crash-on-start .*--seed \d+$/);
    for (const pid of recordedPids(join(dir, 'run'))) expect(isAlive(pid)).toBe(false);
  });

  it('runs a user system given by manifest path, and starts it again on new ports when a port was taken', async () => {
    // Arrange: a system whose first start fails the way a node fails when its port was taken.
    const dir = tempDir();
    const atomic = join(CLI, '..', '..', '..', 'systems', '_fixtures', 'atomic-kv', 'main.js');
    const once = join(dir, 'failed-once');
    const script = `if [ ! -f ${once} ]; then touch ${once}; echo "Error: listen EADDRINUSE: address already in use" >&2; exit 1; fi; exec node ${atomic} --config "$1"`;
    writeFileSync(
      join(dir, 'faultline.system.json'),
      JSON.stringify({ name: 'flaky-port', variants: { correct: '' }, workloads: ['register'], nodes: { default: 1 }, start: { command: 'sh', args: ['-c', script, 'sh', '{configFile}'] } }),
    );
    // Act
    const r = await runCli(['run', '--system', join(dir, 'faultline.system.json'), '--nemesis', 'none', '--time-limit', '1', '--run-dir', join(dir, 'run')], { cwd: dir });
    // Assert
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/port taken; starting the cluster again on new ports/);
    expect(r.stdout).toMatch(/^repro: faultline run --system \/.*faultline\.system\.json /m);
  });

  it.each([
    ['--run-dir', (file: string) => file, /^faultline: --run-dir .*: cannot create the folder \(ENOTDIR\)$/],
    ['--results-dir', (file: string) => join(file, 'runs'), /^faultline: --results-dir .*: cannot create the folder \(ENOTDIR\)$/],
  ])('rejects a %s it cannot create with one line and exit 254', async (flag, value, message) => {
    const dir = tempDir();
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const r = await runCli(['run', '--system', 'atomic-kv', '--time-limit', '1', flag, value(file)], { cwd: dir });
    expect(r.exitCode).toBe(254);
    expect(r.stderr.trim()).toMatch(message);
  });

  it.each([
    [['--system', 'no-such-system'], /unknown system "no-such-system"/],
    [['--system', 'atomic-kv', '--variant', 'nope'], /unknown variant "nope"/],
    [['--system', 'atomic-kv', '--workload', 'nope'], /unknown workload "nope"/],
    [['--system', 'atomic-kv', '--nemesis', 'partition,flood'], /unknown fault "flood"/],
    [['--system', 'atomic-kv', '--rate', '-5'], /--rate must be greater than 0/],
    [['--system', 'atomic-kv', '--time-limit', 'soon'], /--time-limit must be a number/],
    [['--system', 'atomic-kv', '--concurrency', '0'], /--concurrency must be at least 1/],
    [['--system', 'atomic-kv', '--nodes', '99'], /--nodes must be at most 9/],
    [['--system', 'atomic-kv', '--toxiproxy', 'nowhere'], /--toxiproxy must be a URL/],
  ])('rejects bad flags %j with one line and exit 254', async (args, message) => {
    const dir = tempDir();
    const r = await runCli(['run', ...args, '--run-dir', join(dir, 'run')], { cwd: dir });
    expect(r.exitCode).toBe(254);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(existsSync(join(dir, 'run'))).toBe(false);
  });
});

describe('a harness killed with SIGKILL', () => {
  it('leaves no process of its run alive, and recheck reads the partial history', async () => {
    // Arrange: a long run whose nemesis pauses nodes, so a paused node is likely when it dies.
    const dir = tempDir();
    const runDir = join(dir, 'run');
    const child = startCli(
      ['run', '--system', 'atomic-kv', '--nodes', '2', '--nemesis', 'pause', '--nemesis-interval', '0.5', '--time-limit', '60', '--seed', '3', '--run-dir', runDir],
      { cwd: dir },
    );
    // Wait until a node is paused right now (the last nemesis event is a start-pause): such a node
    // cannot see its stdin close, only the reaper can end it.
    const pausedNow = () => {
      const events = historyLines(runDir);
      const nemesis = events.filter((e) => e.process === 'nemesis');
      return nemesis.at(-1)?.f === 'start-pause' && events.filter((e) => e.type === 'ok').length > 20;
    };
    await waitFor(pausedNow, 60_000);
    const pids = recordedPids(runDir);
    expect(pids.length).toBeGreaterThanOrEqual(3); // reaper + 2 nodes
    expect(pids.some(isAlive)).toBe(true);
    // Act
    child.kill('SIGKILL');
    await child;
    // Assert (the reaper needs a moment, longer on a loaded machine)
    await waitFor(() => !pids.some(isAlive), 15_000).catch(() => {});
    expect(pids.filter(isAlive)).toEqual([]);
    const r = await runCli(['recheck', runDir, '--json'], { cwd: dir });
    expect(r.exitCode, r.stderr).toBe(0);
    const results = JSON.parse(r.stdout) as { valid: unknown; stats: { ok: number }; rechecked: { partial: boolean } };
    expect(results.valid).toBe(true);
    expect(results.stats.ok).toBeGreaterThan(20);
    expect(results.rechecked.partial).toBe(true);
  });

  it('kills every node when it gets SIGTERM', async () => {
    const dir = tempDir();
    const runDir = join(dir, 'run');
    const child = startCli(['run', '--system', 'atomic-kv', '--nemesis', 'none', '--time-limit', '60', '--run-dir', runDir], { cwd: dir });
    await waitFor(() => historyLines(runDir).filter((e) => e.type === 'ok').length > 5, 20_000);
    const pids = recordedPids(runDir);
    child.kill('SIGTERM');
    const r = await child;
    expect(r.exitCode).toBe(143);
    expect(String(r.stderr)).toMatch(/interrupted by SIGTERM/);
    await waitFor(() => !pids.some(isAlive), 15_000).catch(() => {});
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('takes its proxies off an external Toxiproxy server when it gets SIGINT', async () => {
    // Arrange: an external server, and a run using it that is under way.
    const dir = tempDir();
    const runDir = join(dir, 'run');
    const server = startCli(['toxiproxy', '--port', '0'], { cwd: dir, timeoutMs: 120_000 });
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        server.stdout!.on('data', (b: Buffer) => {
          out += b.toString('utf8');
          const m = /API on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        void server.then(() => reject(new Error(`the proxy server exited: ${out}`)));
      });
      const child = startCli(['run', '--system', 'atomic-kv', '--nemesis', 'partition', '--nemesis-interval', '0.5', '--time-limit', '60', '--toxiproxy', url, '--run-dir', runDir], { cwd: dir });
      const proxyNames = async () => Object.keys((await (await fetch(`${url}/proxies`)).json()) as Record<string, unknown>);
      await waitFor(() => historyLines(runDir).filter((e) => e.type === 'ok').length > 5, 60_000);
      expect((await proxyNames()).length).toBe(6); // 3 nodes: one proxy per directed link
      // Act
      child.kill('SIGINT');
      const r = await child;
      // Assert
      expect(r.exitCode).toBe(130);
      expect(await proxyNames()).toEqual([]);
    } finally {
      server.kill('SIGTERM');
      await server;
    }
  });

  it('recheck says what is wrong with a folder that is not a run', async () => {
    const dir = tempDir();
    const r = await runCli(['recheck', join(dir, 'nothing-here')], { cwd: dir });
    expect(r.exitCode).toBe(254);
    expect(r.stderr).toMatch(/no such run folder/);
  });
});
