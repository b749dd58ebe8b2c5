/**
 * Hostile suite files and folders: alias bombs, byte-order marks, entries that `run` would refuse,
 * and merges of folders that are not suite results. Each is exit 254 naming the file (and line).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { errorOf } from '../../support/errors.js';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../harness/cli/exit.js';
import { loadSuite } from '../../../harness/suite/spec.js';
import { runArgv } from '../../../harness/run/config.js';
import { cli, systemsDir, tempDir, write } from './helpers.js';

const systems = systemsDir();

const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`), 'matrix: [{ system: kv }]'].join('\n');

describe('suite files', () => {
  it('refuses a YAML alias bomb with a UsageError naming the file', () => {
    const file = write(join(tempDir(), 'bomb.yaml'), bomb);
    const err = errorOf(() => loadSuite(file, { systemsDir: systems }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a usable YAML suite: Excessive alias count`));
  });

  it('reads JSON and YAML suites that start with a byte-order mark', () => {
    const dir = tempDir();
    const json = write(join(dir, 's.json'), `\uFEFF${JSON.stringify({ matrix: [{ system: 'kv' }] })}`);
    const yaml = write(join(dir, 's.yaml'), '\uFEFFmatrix:\n  - { system: kv }\n');
    expect(loadSuite(json, { systemsDir: systems }).entries).toHaveLength(1);
    expect(loadSuite(yaml, { systemsDir: systems }).entries).toHaveLength(1);
  });

  it.each([
    ['an unknown fault', '{ system: kv, nemesis: "partition,flood" }', /unknown fault "flood"/],
    ['a consistency model that does not exist', '{ system: kv, workload: list-append, args: ["--consistency-model", "eventual"] }', /unknown model "eventual"/],
    ['more nodes than the system takes', '{ system: kv, nodes: 12 }', /--nodes must be at most 9/],
    ['an argument run does not know', '{ system: kv, args: ["--colour"] }', /unknown option '--colour'/],
    ['a seed a run refuses', '{ system: kv, seed: 9007199254740991 }', /seed/],
  ])('refuses an entry with %s, naming file:line and the entry', (_what, row, message) => {
    const file = write(join(tempDir(), 'bad.yaml'), `name: s\nmatrix:\n  - { system: kv }\n  - ${row}\n`);
    const err = errorOf(() => loadSuite(file, { systemsDir: systems }));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(message);
    expect(err.message.startsWith(`${file}:4: matrix[1]`)).toBe(true);
  });

  it('hands a row\'s workloadOptions to its runs, and names file:line and the option of a bad one', () => {
    const good = write(join(tempDir(), 'good.yaml'), 'matrix:\n  - system: kv\n    workload: list-append\n    workloadOptions: { consistencyModel: serializable }\n');
    const [entry] = loadSuite(good, { systemsDir: systems }).entries;
    expect(entry!.workloadOptions).toEqual({ consistencyModel: 'serializable' });
    expect(runArgv(entry!).join(' ')).toContain('--consistency-model serializable');
    const bad: Array<[string, RegExp]> = [
      ['{ system: kv, workload: list-append, workloadOptions: { consistencyModel: eventual } }', /^.*bad\.yaml:4: matrix\[1\]\.workloadOptions\.consistencyModel: unknown model "eventual" \(known: /],
      ['{ system: kv, workload: list-append, workloadOptions: { consistencyModle: serializable } }', /bad\.yaml:4: matrix\[1\]\.workloadOptions\.consistencyModle: no workload takes this option \(the list-append workload takes: consistencyModel\)/],
      ['{ system: kv, workload: register, workloadOptions: { consistencyModel: serializable } }', /bad\.yaml:4: matrix\[1\]\.workloadOptions\.consistencyModel applies to the transactional workloads \(list-append, rw-register, txn-list-append, txn-rw-register\), not to register/],
      ['{ system: kv, workload: list-append, workloadOptions: serializable }', /bad\.yaml:4: matrix\[1\]\.workloadOptions: /],
    ];
    for (const [row, message] of bad) {
      const file = write(join(tempDir(), 'bad.yaml'), `name: s\nmatrix:\n  - { system: kv }\n  - ${row}\n`);
      const err = errorOf(() => loadSuite(file, { systemsDir: systems }));
      expect(err, row).toBeInstanceOf(UsageError);
      expect(err.message, row).toMatch(message);
    }
    const file = write(join(tempDir(), 'bad.json'), JSON.stringify({ matrix: [{ system: 'txn-kv', workload: 'list-append', workloadOptions: { consistencyModel: 'eventual' } }] }, null, 2));
    const r = spawnSync(process.execPath, [cli, 'suite', file, '--list'], { encoding: 'utf8' });
    expect(r.status).toBe(254);
    expect(r.stderr.trim()).toMatch(/bad\.json:\d+: matrix\[0\]\.workloadOptions\.consistencyModel: unknown model "eventual"/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('`suite --list` exits 254 for an entry run would refuse, and prints no entry', () => {
    const file = write(join(tempDir(), 'bad.json'), JSON.stringify({ matrix: [{ system: 'atomic-kv', nemesis: 'flood' }] }, null, 2));
    const r = spawnSync(process.execPath, [cli, 'suite', file, '--list'], { encoding: 'utf8' });
    expect(r.status).toBe(254);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/matrix\[0\]: entry atomic-kv\/correct\/register\/flood\/seed-1: --nemesis: unknown fault "flood"/);
  });
});

describe('suite merge', () => {
  it.each([
    ['a missing folder', (d: string) => join(d, 'nope')],
    ['an empty folder', (d: string) => {
      mkdirSync(join(d, 'empty'));
      return join(d, 'empty');
    }],
  ])('of %s exits 254 and creates nothing', (_what, folder) => {
    const dir = tempDir();
    const r = spawnSync(process.execPath, [cli, 'suite', 'merge', folder(dir)], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(254);
    expect(r.stderr).toMatch(/summary\.json: not found/);
    expect(existsSync(join(dir, 'results'))).toBe(false);
  });
});
