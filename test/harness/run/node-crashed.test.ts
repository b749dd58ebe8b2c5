/**
 * A node that exits when no fault ended it is a finding (anomaly `node-crashed`, verdict invalid);
 * one killed by the nemesis is not; a cluster that never answered ok is never valid. Real short
 * runs of the fixtures.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, requireBuild, runCli, tempDir } from '../../support/cli.js';

/** `faultline run <args> --json` in `dir`: its exit code, stderr and parsed results. */
async function runJson(dir: string, args: string[]): Promise<{ exitCode: number; stderr: string; results: Record<string, any> }> {
  const r = await runCli(['run', ...args, '--run-dir', join(dir, 'run'), '--json'], { cwd: dir });
  return { exitCode: r.exitCode, stderr: r.stderr, results: r.stdout === '' ? {} : (JSON.parse(r.stdout) as Record<string, any>) };
}

const atomicMain = join(CLI, '..', '..', '..', 'systems', '_fixtures', 'atomic-kv', 'main.js');

describe('node-crashed', () => {
  it('makes a run invalid (exit 1) with the node, its exit code and its log tail', async () => {
    requireBuild();
    const dir = tempDir();
    const manifest = join(dir, 'faultline.system.json');
    writeFileSync(manifest, JSON.stringify({
      name: 'exits-later', variants: { correct: '' }, workloads: ['register'], params: { exitAfterMs: 1500 },
      start: { command: 'node', args: [atomicMain, '--config', '{configFile}'] },
    }));
    const { exitCode, stderr, results } = await runJson(dir, ['--system', manifest, '--nemesis', 'none', '--time-limit', '3', '--seed', '1']);
    expect(exitCode, stderr).toBe(1);
    expect(results.valid).toBe(false);
    expect(results.nodeCrashes).toHaveLength(1);
    expect(results.nodeCrashes[0]).toMatchObject({ node: 'n1', exitCode: 3, signal: null });
    expect(results.nodeCrashes[0].logTail.join('\n')).toMatch(/exiting on purpose after 1500 ms/);
    expect(results.checkers.nodes.valid).toBe(false);
    expect(results.checkers.nodes.anomalies[0]).toMatchObject({ type: 'node-crashed', node: 'n1', exitCode: 3 });
    expect(results.firstAnomaly.summary).toMatch(/^node-crashed: node n1 exited with code 3/);
    expect(results.firstAnomaly.timeNs).toBeGreaterThanOrEqual(1.5e9);
  });

  it('does not count kill -9 by the nemesis, nor the teardown', async () => {
    requireBuild();
    const dir = tempDir();
    const { exitCode, stderr, results } = await runJson(dir, ['--system', 'atomic-kv', '--nemesis', 'kill', '--nemesis-interval', '0.5', '--time-limit', '3', '--seed', '2']);
    expect(exitCode, stderr).toBe(0);
    expect(results.nodeCrashes).toEqual([]);
    expect(results.checkers.nodes).toBeUndefined();
  });

  it('calls a run in which no op was ok unknown (exit 2), with the reason', async () => {
    requireBuild();
    const dir = tempDir();
    const { exitCode, stderr, results } = await runJson(dir, ['--system', 'silent', '--nodes', '1', '--nemesis', 'none', '--time-limit', '1', '--op-timeout', '200']);
    expect(exitCode, stderr).toBe(2);
    expect(results.valid).toBe('unknown');
    expect(results.unknownReason).toMatch(/no operation was ok/);
    expect(stderr).toMatch(/^unknown: no operation was ok/m);
  });
});
