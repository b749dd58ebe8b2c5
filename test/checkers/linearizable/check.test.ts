import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonl, type HistoryEvent } from '../../../checkers/history/index.js';
import { checkLinearizable, createModel } from '../../../checkers/linearizable/index.js';
import { h } from './helpers.js';

const examples = join(import.meta.dirname, '..', '..', '..', 'examples', 'histories');

/** A long sequential register history: each write then a read of it. */
function sequential(n: number): HistoryEvent[] {
  const rows: Parameters<typeof h> = [];
  for (let i = 0; i < n; i++) {
    rows.push([0, 'invoke', 'write', i], [0, 'ok', 'write', i], [1, 'invoke', 'read', null], [1, 'ok', 'read', i]);
  }
  return h(...rows);
}

describe('checkLinearizable', () => {
  it('explains the shipped bad example: the stale read, the prefix, the state', () => {
    const parsed = parseJsonl(readFileSync(join(examples, 'cas-register-bad.jsonl'), 'utf8'), 'cas-register-bad.jsonl');
    const r = checkLinearizable(createModel('cas-register'), parsed.events, { source: parsed });
    expect(r.valid).toBe(false);
    expect(r.firstAnomaly).toEqual({ index: 9, partition: '' });
    const c = r.partitions[0]!.counterexample!;
    expect(c.op).toMatchObject({ index: 8, completeIndex: 9, process: 0, description: 'read 1' });
    expect(c.prefix.map((s) => `${s.op.description} -> ${s.stateAfter}`)).toEqual([
      'write 1 -> register = 1',
      'cas 1->2 -> register = 2',
      'read 2 -> register = 2',
    ]);
    expect(c.state).toBe('register = 2');
    expect(c.candidates[0]).toMatchObject({ outcome: 'illegal' });
    expect(r.explanation).toContain('this operation cannot be linearized:\n  process 0: read 1 [index 8..9]');
    expect(r.explanation).toContain('after it the state is register = 2');
    // The result is plain data: it survives JSON (results.json, the HTML report).
    expect(JSON.parse(JSON.stringify(r)).partitions[0].counterexample.op.index).toBe(8);
  });

  it('accepts the shipped good example (a failed cas, a crashed write seen later)', () => {
    const parsed = parseJsonl(readFileSync(join(examples, 'cas-register-good.jsonl'), 'utf8'));
    const r = checkLinearizable(createModel('cas-register'), parsed.events);
    expect(r).toMatchObject({ valid: true, okCount: 5, failCount: 1, crashedCount: 1, firstAnomaly: null });
    expect(r.explanation).toMatch(/^Linearizable \(model cas-register\): 7 operations \(5 ok, 1 failed, 1 crashed\)/);
  });

  it('answers unknown, with the cause, when the time runs out', () => {
    const r = checkLinearizable(createModel('register'), sequential(3000), { timeLimitMs: 0, method: 'search' });
    expect(r.valid).toBe('unknown');
    expect(r.cause).toBe('timeout');
    expect(r.explanation).toMatch(/^Unknown \(model register\): the time limit of 0\.0 s ran out/);
  });

  it('gives up as at a timeout once another thread sets its cancel flag', () => {
    const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(cancelFlag, 0, 1);
    const r = checkLinearizable(createModel('register'), sequential(3000), { method: 'search', cancelFlag });
    expect(r).toMatchObject({ valid: 'unknown', cause: 'timeout' });
  });

  it('answers unknown, with the cause, when the memo outgrows the memory limit', () => {
    const r = checkLinearizable(createModel('register'), sequential(3000), { memoryLimitBytes: 10_000, method: 'search' });
    expect(r).toMatchObject({ valid: 'unknown', cause: 'memory' });
  });

  it('decides the same history with enough budget', () => {
    expect(checkLinearizable(createModel('register'), sequential(3000), { timeLimitMs: 60_000 }).valid).toBe(true);
  });

  it('stops at the first bad partition, or checks them all when asked', () => {
    const rows: Parameters<typeof h> = [];
    for (const k of ['a', 'b', 'c']) {
      rows.push([0, 'invoke', 'write', [k, 1]], [0, 'ok', 'write', [k, 1]], [1, 'invoke', 'read', [k, null]], [1, 'ok', 'read', [k, k === 'b' ? 1 : 2]]);
    }
    const events = h(...rows);
    const all = checkLinearizable(createModel('kv'), events, { stopAtFirstInvalid: false });
    expect(all.partitions.map((p) => [p.key, p.valid])).toEqual([['a', false], ['b', true], ['c', false]]);
    expect(all.explanation).toMatch(/^Not linearizable \(model kv\): 2 of 3 partitions cannot be linearized/);
    const first = checkLinearizable(createModel('kv'), events);
    expect(first.valid).toBe(false);
    expect(first.partitions.filter((p) => p.valid === false)).toHaveLength(1);
  });

  it('reports an operation the model cannot read as bad input with file:line', () => {
    const parsed = parseJsonl('{"index":0,"type":"invoke","process":0,"f":"cas","value":5}\n{"index":1,"type":"ok","process":0,"f":"cas","value":5}', 'x.jsonl');
    expect(() => checkLinearizable(createModel('cas-register'), parsed.events, { source: parsed })).toThrow(
      /^x\.jsonl:2: cas-register: cas needs \[from, to\], found 5 \(operation at index 0\)$/,
    );
  });

  it('checks an empty history and one with only nemesis events as linearizable', () => {
    expect(checkLinearizable(createModel('kv'), []).valid).toBe(true);
    expect(checkLinearizable(createModel('cas-register'), h(['nemesis', 'info', 'start-partition'])).valid).toBe(true);
  });
});
