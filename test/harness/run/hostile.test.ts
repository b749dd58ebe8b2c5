/**
 * Hostile input to `faultline run` and the files it writes: names that are Object.prototype keys,
 * numbers that are not decimal, and a disk that fills (injected through /dev/full: a write to it
 * fails with ENOSPC).
 */
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FaultlineError, UsageError } from '../../../harness/cli/exit.js';
import { resolveRunFlags } from '../../../harness/run/config.js';
import { writeFileAtomic } from '../../../harness/run/folder.js';
import { RunHistory } from '../../../harness/run/history.js';
import { workloadNames } from '../../../workloads/index.js';
import { requireBuild, runCli, tempDir } from '../../support/cli.js';

const devFull = existsSync('/dev/full');

describe('names given by the user', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('refuses --variant %s with the known variants', (variant) => {
    requireBuild();
    expect(() => resolveRunFlags({ system: 'atomic-kv', variant })).toThrow(UsageError);
    expect(() => resolveRunFlags({ system: 'atomic-kv', variant })).toThrow(`unknown variant "${variant}" of atomic-kv (known: correct)`);
  });

  it.each(['__proto__', 'constructor', 'toString'])('refuses --workload %s with the known workloads', (workload) => {
    requireBuild();
    expect(() => resolveRunFlags({ system: 'atomic-kv', workload })).toThrow(`unknown workload "${workload}" (known: ${workloadNames().join(', ')})`);
    expect(workloadNames()).toContain('register');
  });

  it('refuses --consistency-model constructor', () => {
    requireBuild();
    expect(() => resolveRunFlags({ system: 'txn-kv', workload: 'list-append', consistencyModel: 'constructor' })).toThrow(/unknown model "constructor"/);
  });

  it('ends `run --variant __proto__` with exit 254 before any node starts', async () => {
    requireBuild();
    const dir = tempDir();
    const r = await runCli(['run', '--system', 'atomic-kv', '--variant', '__proto__', '--run-dir', join(dir, 'run')], { cwd: dir });
    expect(r.exitCode).toBe(254);
    expect(r.stderr).toMatch(/unknown variant "__proto__" of atomic-kv \(known: correct\)/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(existsSync(join(dir, 'run'))).toBe(false);
  });

  it('refuses --nodes 0x3 with exit 254', async () => {
    requireBuild();
    const dir = tempDir();
    const r = await runCli(['run', '--system', 'atomic-kv', '--nodes', '0x3'], { cwd: dir });
    expect(r.exitCode).toBe(254);
    expect(r.stderr).toMatch(/--nodes must be a decimal integer, got "0x3"/);
  });
});

describe.skipIf(!devFull)('a full disk', () => {
  it('writeFileAtomic names the file and leaves no temporary file when the write fails', () => {
    const dir = tempDir();
    const target = join(dir, 'results.json');
    // The temporary file is where the bytes go first: make it the full device.
    symlinkSync('/dev/full', `${target}.tmp-${process.pid}`);
    let err: unknown;
    try {
      writeFileAtomic(target, 'x'.repeat(100_000));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FaultlineError);
    expect((err as FaultlineError).exitCode).toBe(255);
    expect((err as Error).message).toBe(`could not write ${target} (ENOSPC)`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('the history writer counts the events, stops writing and names the file and the first event lost', () => {
    const h = new RunHistory('/dev/full', process.hrtime.bigint());
    expect(() => h.append({ type: 'invoke', process: 0, f: 'read', value: ['k', null] })).not.toThrow();
    h.append({ type: 'ok', process: 0, f: 'read', value: ['k', 1] });
    expect(() => h.close()).not.toThrow();
    expect(h.length).toBe(2);
    expect(h.writeError).toBe('could not write /dev/full (ENOSPC); it holds the events before #0');
  });

  it('a report that cannot be written leaves no temporary file and does not change the verdict', async () => {
    requireBuild();
    const dir = tempDir();
    const run = join(dir, 'run');
    const r1 = await runCli(['run', '--system', 'atomic-kv', '--nodes', '1', '--nemesis', 'none', '--time-limit', '1', '--seed', '1', '--run-dir', run], { cwd: dir });
    expect(r1.exitCode, r1.stderr).toBe(0);
    const { writeReport } = await import('../../../harness/report/index.js');
    symlinkSync('/dev/full', join(run, `report.html.tmp-${process.pid}`));
    expect(() => writeReport(run)).toThrow(`could not write ${join(run, 'report.html')} (ENOSPC)`);
    expect(readdirSync(run).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(JSON.parse(readFileSync(join(run, 'results.json'), 'utf8')).valid).toBe(true);
  });
});
