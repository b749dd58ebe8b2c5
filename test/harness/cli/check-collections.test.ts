/**
 * `faultline check --checker set-full|counter` through the built CLI: exit 0 for a valid history,
 * 1 for an invalid one (with the lost element or the read out of bounds named), 2 when nothing was
 * read, and 254 with the file and line for input the checker cannot judge.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runCheckSync as run } from '../../support/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'faultline-check-collections-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A JSONL history file from [process, type, f, value] rows. */
function history(name: string, rows: Array<[number, string, string, unknown]>): string {
  const p = join(tmp, name);
  writeFileSync(p, rows.map(([process, type, f, value], index) => JSON.stringify({ index, time: index * 1e6, type, process, f, value })).join('\n') + '\n');
  return p;
}

describe.runIf(existsSync(CLI))('faultline check --checker set-full|counter', () => {
  it('exits 0, 1 and 2 on set histories, keyed', () => {
    const ok = history('set-ok.jsonl', [[0, 'invoke', 'add', ['s', 1]], [0, 'ok', 'add', ['s', 1]], [1, 'invoke', 'read', ['s', null]], [1, 'ok', 'read', ['s', [1]]]]);
    const lost = history('set-lost.jsonl', [[0, 'invoke', 'add', ['s', 1]], [0, 'ok', 'add', ['s', 1]], [1, 'invoke', 'read', ['s', null]], [1, 'ok', 'read', ['s', []]]]);
    const unread = history('set-unread.jsonl', [[0, 'invoke', 'add', ['s', 1]], [0, 'ok', 'add', ['s', 1]]]);
    expect(run(ok, '--checker', 'set-full', '--keyed').code).toBe(0);
    const bad = run(lost, '--checker', 'set-full', '--keyed');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/element 1 of key s is lost/);
    expect(run(unread, '--checker', 'set-full', '--keyed').code).toBe(2);
    const json = JSON.parse(run(lost, '--checker', 'set-full', '--keyed', '--json').stdout) as { lost: number };
    expect(json.lost).toBe(1);
  });

  it('exits 0 and 1 on counter histories', () => {
    const ok = history('counter-ok.jsonl', [[0, 'invoke', 'add', 2], [0, 'ok', 'add', 2], [1, 'invoke', 'read', null], [1, 'ok', 'read', 2]]);
    const low = history('counter-low.jsonl', [[0, 'invoke', 'add', 2], [0, 'ok', 'add', 2], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]]);
    expect(run(ok, '--checker', 'counter').code).toBe(0);
    const bad = run(low, '--checker', 'counter');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/read 1, outside \[2, 2\]/);
  });

  it('names the file and line of input it cannot judge, exit 254', () => {
    const frac = history('counter-frac.jsonl', [[0, 'invoke', 'add', 2], [0, 'ok', 'add', 2], [1, 'invoke', 'read', null], [1, 'ok', 'read', 0.5]]);
    const r = run(frac, '--checker', 'counter');
    expect(r.code).toBe(254);
    expect(r.stderr).toMatch(/counter-frac\.jsonl:4: event 3: a counter read must be an integer, found 0\.5/);
    const unkeyed = history('set-unkeyed.jsonl', [[0, 'invoke', 'add', 1], [0, 'ok', 'add', 1]]);
    expect(run(unkeyed, '--checker', 'set-full', '--keyed').code).toBe(254);
    const empty = history('empty.jsonl', [[0, 'invoke', 'add', 1]].slice(0, 0) as Array<[number, string, string, unknown]>);
    expect(run(empty, '--checker', 'counter').code).toBe(254);
  });
});

describe.runIf(existsSync(CLI))('faultline check --checker sequential|sessions', () => {
  // A write still in flight that one reader sees and a later one does not.
  const rows: Array<[number, string, string, unknown]> = [
    [0, 'invoke', 'write', ['x', 1]],
    [1, 'invoke', 'read', ['x', null]],
    [1, 'ok', 'read', ['x', 1]],
    [2, 'invoke', 'read', ['x', null]],
    [2, 'ok', 'read', ['x', null]],
    [0, 'ok', 'write', ['x', 1]],
  ];

  it('passes the no-read-repair history as sequentially consistent (0) that linearizability fails (1)', () => {
    const f = history('no-repair.jsonl', rows);
    expect(run(f, '--checker', 'sequential').code).toBe(0);
    expect(run(f, '--model', 'kv').code).toBe(1);
    expect(run(f, '--checker', 'sessions').code).toBe(0);
  });

  it('names a broken session guarantee, exit 1', () => {
    const f = history('mono.jsonl', [...rows.slice(0, 3), [1, 'invoke', 'read', ['x', null]], [1, 'ok', 'read', ['x', null]], [0, 'ok', 'write', ['x', 1]]]);
    const r = run(f, '--checker', 'sessions');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/monotonic-reads \(1\)/);
    expect(run(f, '--checker', 'sequential').code).toBe(1);
  });
});
