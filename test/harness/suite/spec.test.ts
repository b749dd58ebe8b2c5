/**
 * Suite files: validation errors name the file and the field path and are UsageErrors (exit 254);
 * valid files expand into the expected entries with stable ids.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../harness/cli/exit.js';
import { loadSuite, defaultEntryTimeoutS } from '../../../harness/suite/spec.js';
import { parseRunArgv, PHASE_LIMITS, resolveRunConfig, runArgv } from '../../../harness/run/config.js';
import { BUILT_SYSTEMS_DIR, findSystem } from '../../../harness/cluster/manifest.js';
import { systemsDir, tempDir, write, byoManifest } from './helpers.js';

const systems = systemsDir();

function load(name: string, text: string) {
  const file = write(join(tempDir(), name), text);
  return { file, suite: () => loadSuite(file, { systemsDir: systems }) };
}

function errorOf(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error('expected a UsageError');
}

describe('suite file validation', () => {
  it('names the file and the path of a field with a bad type', () => {
    const { file, suite } = load('s.json', JSON.stringify({ matrix: [{ system: 'kv' }, { system: 'kv', timeLimitS: 'ten' }] }, null, 2));
    const err = errorOf(suite);
    expect(err.message).toBe(`${file}:8: matrix[1].timeLimitS: Expected number, received string`);
    expect(err.exitCode).toBe(254);
  });

  it('rejects unknown fields, naming them', () => {
    const { file, suite } = load('s.json', JSON.stringify({ matrix: [{ system: 'kv', expected: 'valid' }] }));
    expect(errorOf(suite).message).toBe(`${file}:1: matrix[0]: unknown field "expected"`);
  });

  it('rejects a bad expectation with the allowed values', () => {
    const { suite } = load('s.json', JSON.stringify({ matrix: [{ system: 'kv', expect: 'maybe' }] }));
    expect(errorOf(suite).message).toMatch(/matrix\[0\]\.expect: Invalid enum value\. Expected 'valid' \| 'invalid' \| 'any'/);
  });

  it('takes "default" as the combined default nemesis, and runs the manifest\'s defaultWorkload', () => {
    const { file } = load('s.json', JSON.stringify({ matrix: [{ system: 'txn-kv', variant: 'correct', nemesis: 'default', seed: 1 }] }));
    const [entry] = loadSuite(file, { systemsDir: BUILT_SYSTEMS_DIR }).entries;
    expect(entry).toMatchObject({ id: 'txn-kv/correct/list-append/default/seed-1', workload: 'list-append', nemesis: ['default'] });
    expect(runArgv(entry!)).toEqual(expect.arrayContaining(['--nemesis', 'default']));
    expect(resolveRunConfig(parseRunArgv(runArgv(entry!)), findSystem('txn-kv')).config.nemesisDefault).toBe(true);
  });

  it('rejects a malformed nemesis list', () => {
    const { suite } = load('s.json', JSON.stringify({ matrix: [{ system: 'kv', nemesis: ['kill', 'partition;kill'] }] }));
    expect(errorOf(suite).message).toMatch(/matrix\[0\]\.nemesis\[1\]: must be "none", "default" or a comma-separated list/);
  });

  it('rejects an unknown system, variant and workload, naming the field', () => {
    expect(errorOf(load('s.json', JSON.stringify({ matrix: [{ system: ['kv', 'nope'] }] })).suite).message).toMatch(
      /matrix\[0\]\.system\[1\]: unknown system "nope"/,
    );
    expect(errorOf(load('s.json', JSON.stringify({ matrix: [{ system: 'kv', variant: 'fast' }] })).suite).message).toMatch(
      /matrix\[0\]\.variant: system kv has no variant "fast" \(it has: correct, broken\)/,
    );
    expect(errorOf(load('s.json', JSON.stringify({ matrix: [{ system: 'fx', workload: ['register', 'bank'] }] })).suite).message).toMatch(
      /matrix\[0\]\.workload\[1\]: system fx does not serve workload "bank"/,
    );
  });

  it('gives the line of an unknown variant in a YAML list', () => {
    const { file, suite } = load('s.yaml', 'matrix:\n  - system: kv\n  - system: kv\n    variant:\n      - correct\n      - fast\n');
    expect(errorOf(suite).message).toBe(`${file}:6: matrix[1].variant[1]: system kv has no variant "fast" (it has: correct, broken)`);
  });

  it('refuses extra args that would override what the suite sets', () => {
    const { suite } = load('s.json', JSON.stringify({ defaults: { args: ['--toxiproxy', 'http://127.0.0.1:8474', '--run-dir=/x'] }, matrix: [{ system: 'kv' }] }));
    expect(errorOf(suite).message).toMatch(/defaults\.args: may not set flags the suite sets itself/);
    const ok = load('s.json', JSON.stringify({ matrix: [{ system: 'kv', args: ['--toxiproxy', 'http://127.0.0.1:8474'] }] }));
    expect(ok.suite().entries[0]!.args).toEqual(['--toxiproxy', 'http://127.0.0.1:8474']);
  });

  it('reports JSON syntax errors with a line number', () => {
    const { file, suite } = load('s.json', '{\n  "matrix": [\n    { "system": "kv", }\n  ]\n}\n');
    expect(errorOf(suite).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: not valid JSON: `));
  });

  it('names the line of a bad field in a YAML file', () => {
    const { file, suite } = load('s.yaml', 'name: x\nmatrix:\n  - system: kv\n  - system: kv\n    seed: -1\n');
    expect(errorOf(suite).message).toBe(`${file}:5: matrix[1].seed: Number must be greater than or equal to 0`);
  });

  it('names the bad item of a list, and its line', () => {
    const { file, suite } = load('s.yaml', 'name: x\nmatrix:\n  - system: kv\n    seed:\n      - 1\n      - a\n');
    expect(errorOf(suite).message).toBe(`${file}:6: matrix[0].seed[1]: Expected number, received string`);
  });

  it('gives an entry more time than its run may take by its own bounds, so a slow checker ends in its verdict, not a timeout', () => {
    for (const timeLimitS of [1, 10, 300]) {
      const ownBoundS = timeLimitS + (PHASE_LIMITS.settleMs + PHASE_LIMITS.finalPhaseMsMax + PHASE_LIMITS.checkTimeLimitMs) / 1000;
      expect(defaultEntryTimeoutS(timeLimitS)).toBeGreaterThan(ownBoundS + 30);
    }
  });

  it('names file:line of a bad manifest the suite refers to', () => {
    const manifest = write(join(tempDir(), 'sys', 'faultline.system.json'), '{\n  "name": "m",\n  "variants": {"correct": ""},\n  "workloads": "register"\n}\n');
    const { suite } = load('s.json', JSON.stringify({ matrix: [{ system: manifest }] }));
    expect(errorOf(suite).message).toBe(`${manifest}:4: workloads: Expected array, received string`);
    writeFileSync(manifest, '{\n  "name": "m",\n}\n');
    expect(errorOf(suite).message).toMatch(new RegExp(`^${manifest.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: not valid JSON: `));
  });

  it('reports YAML syntax errors with file:line', () => {
    const { file, suite } = load('s.yaml', 'matrix:\n  - system: kv\n    seed: [1, 2\n');
    expect(errorOf(suite).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: not valid YAML`));
  });

  it('requires a non-empty matrix and a known extension', () => {
    expect(errorOf(load('s.json', '{"matrix": []}').suite).message).toMatch(/matrix: Array must contain at least 1 element/);
    expect(errorOf(load('s.txt', '{}').suite).message).toMatch(/must end in \.json, \.yaml or \.yml/);
    expect(errorOf(() => loadSuite('/nonexistent/suite.json')).message).toBe('/nonexistent/suite.json: suite file not found');
  });
});

describe('suite expansion', () => {
  it('multiplies systems x variants x workloads x nemeses x seeds, with defaults', () => {
    const { suite } = load(
      's.yaml',
      [
        'name: demo',
        'defaults: { timeLimitS: 4, nodes: 3 }',
        'matrix:',
        '  - system: kv',
        '    variant: all',
        '    workload: [register, list-append]',
        '    nemesis: [none, "partition,kill"]',
        '    seed: [1, 2]',
        '    expect: any',
        '  - { system: fx, timeLimitS: 2 }',
      ].join('\n'),
    );
    const s = suite();
    expect(s.name).toBe('demo');
    expect(s.entries).toHaveLength(2 * 2 * 2 * 2 + 1);
    expect(new Set(s.entries.map((e) => e.id)).size).toBe(s.entries.length);
    expect(s.entries.map((e) => e.index)).toEqual(s.entries.map((_, i) => i));
    expect(s.entries[0]).toMatchObject({ id: 'kv/correct/register/none/seed-1', nemesis: [], timeLimitS: 4, nodes: 3, expect: 'any' });
    expect(s.entries.find((e) => e.id === 'kv/broken/list-append/partition+kill/seed-2')).toMatchObject({ nemesis: ['partition', 'kill'] });
    const fx = s.entries[s.entries.length - 1]!;
    expect(fx).toMatchObject({ id: 'fx/correct/register/none/seed-1', timeLimitS: 2, expect: 'valid', entryTimeoutS: defaultEntryTimeoutS(2) });
  });

  it('gives repeated rows distinct ids', () => {
    const { suite } = load('s.json', JSON.stringify({ matrix: [{ system: 'fx' }, { system: 'fx' }] }));
    expect(suite().entries.map((e) => e.id)).toEqual(['fx/correct/register/none/seed-1', 'fx/correct/register/none/seed-1#2']);
  });

  it('resolves a manifest path relative to the suite file', () => {
    const dir = tempDir();
    const file = write(join(dir, 'suites', 'byo.json'), JSON.stringify({ matrix: [{ system: byoManifest, variant: 'all' }] }));
    const s = loadSuite(file, { systemsDir: systems });
    expect(s.entries.map((e) => e.id)).toEqual(['byo-kv/correct/register/none/seed-1', 'byo-kv/no-fsync/register/none/seed-1']);
    expect(s.entries[0]!.system).toBe(byoManifest);
  });
});
