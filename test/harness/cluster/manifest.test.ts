/**
 * Manifest errors name the file and the line: a JSON syntax error, a bad field, a misspelt
 * (unknown) field, a default variant that is not one of the variants. Pure file reading; needs no build.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorOf } from '../../support/errors.js';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../harness/cli/exit.js';
import { readManifest } from '../../../harness/cluster/manifest.js';
import { tempDir } from '../../support/cli.js';

function manifestFile(text: string): string {
  const dir = join(tempDir(), 'sys');
  mkdirSync(dir);
  const p = join(dir, 'faultline.system.json');
  writeFileSync(p, text);
  return p;
}

const good = {
  name: 'x',
  variants: { correct: '', broken: '' },
  workloads: ['register'],
  start: { command: 'node', args: ['server.js'] },
};

describe('readManifest', () => {
  it('reads a clock bound, and says what is wrong with a bad one', () => {
    expect(readManifest(manifestFile(JSON.stringify({ ...good, clockBoundMs: 500 }))).clockBoundMs).toBe(500);
    const err = errorOf(() => readManifest(manifestFile(JSON.stringify({ ...good, clockBoundMs: -5 }))));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain('clockBoundMs: clockBoundMs must be a positive number of milliseconds');
  });

  it('names the line of a JSON syntax error', () => {
    const p = manifestFile('{\n  "name": "x",\n  "workloads": ["register"],\n}\n');
    const err = errorOf(() => readManifest(p));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4: not valid JSON: `));
  });

  it('names the line of a bad field', () => {
    const text = JSON.stringify({ ...good, start: { command: 'node', args: ['a', 7] } }, null, 2);
    const p = manifestFile(text);
    const line = text.split('\n').findIndex((l) => l.trim() === '7') + 1;
    const err = errorOf(() => readManifest(p));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain(`${p}:${line}: start.args.1: `);
  });

  it('names the line of a default variant that is not a variant', () => {
    const text = JSON.stringify({ ...good, defaultVariant: 'nope' }, null, 2);
    const p = manifestFile(text);
    const line = text.split('\n').findIndex((l) => l.includes('"defaultVariant"')) + 1;
    expect(errorOf(() => readManifest(p)).message).toBe(`${p}:${line}: defaultVariant "nope" is not one of the variants`);
  });

  it('reads a defaultWorkload among the workloads, and names the line of one that is not', () => {
    expect(readManifest(manifestFile(JSON.stringify({ ...good, workloads: ['register', 'list-append'], defaultWorkload: 'list-append' }))).defaultWorkload).toBe('list-append');
    const text = JSON.stringify({ ...good, defaultWorkload: 'list-append' }, null, 2);
    const p = manifestFile(text);
    const line = text.split('\n').findIndex((l) => l.includes('"defaultWorkload"')) + 1;
    expect(errorOf(() => readManifest(p)).message).toBe(`${p}:${line}: defaultWorkload "list-append" is not one of the workloads (register)`);
  });

  it('names a misspelt field and its line, at the top level and inside start', () => {
    const top = JSON.stringify({ ...good, messagetypes: ['Forward'] }, null, 2);
    const p1 = manifestFile(top);
    const line1 = top.split('\n').findIndex((l) => l.includes('"messagetypes"')) + 1;
    expect(errorOf(() => readManifest(p1)).message).toBe(`${p1}:${line1}: (top level): Unrecognized key(s) in object: 'messagetypes'`);
    const inner = JSON.stringify({ ...good, start: { command: 'node', readyTimeoutMS: 100 } }, null, 2);
    const p2 = manifestFile(inner);
    const line2 = inner.split('\n').findIndex((l) => l.includes('"readyTimeoutMS"')) + 1;
    expect(errorOf(() => readManifest(p2)).message).toBe(`${p2}:${line2}: start: Unrecognized key(s) in object: 'readyTimeoutMS'`);
  });

  it('allows $schema and $comment beside the fields it knows', () => {
    const p = manifestFile(JSON.stringify({ $schema: 'https://example.org/s.json', $comment: 'a note', ...good }, null, 2));
    expect(readManifest(p)).toMatchObject({ name: 'x' });
  });

  it('reads a good manifest', () => {
    const p = manifestFile(JSON.stringify(good, null, 2));
    expect(readManifest(p)).toMatchObject({ name: 'x', workloads: ['register'] });
  });
});

describe('readManifest: the nodes range and the byte-order mark', () => {
  it.each([
    [{ default: 3, min: 5, max: 4 }, 'nodes.min must not be more than nodes.max'],
    [{ default: 10, min: 1, max: 9 }, 'nodes.default must be between nodes.min and nodes.max'],
    [{ default: 1, min: 2, max: 9 }, 'nodes.default must be between nodes.min and nodes.max'],
  ])('refuses nodes %j, naming the file and line', (nodes, message) => {
    const text = JSON.stringify({ ...good, nodes }, null, 2);
    const p = manifestFile(text);
    const line = text.split('\n').findIndex((l) => l.includes('"nodes"')) + 1;
    const err = errorOf(() => readManifest(p));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(`${p}:${line}: nodes: ${message}`);
  });

  it('refuses more nodes than a run may have', () => {
    const p = manifestFile(JSON.stringify({ ...good, nodes: { default: 3, min: 1, max: 65 } }, null, 2));
    expect(errorOf(() => readManifest(p)).message).toMatch(/nodes\.max: Number must be less than or equal to 64/);
  });

  it('reads a manifest that starts with a byte-order mark, and names lines as without it', () => {
    expect(readManifest(manifestFile(`\uFEFF${JSON.stringify(good, null, 2)}`))).toMatchObject({ name: 'x' });
    const p = manifestFile('\uFEFF{\n  "name": "x",\n  "workloads": ["register"],\n}\n');
    expect(errorOf(() => readManifest(p)).message).toMatch(/:4: not valid JSON: /);
  });
});
