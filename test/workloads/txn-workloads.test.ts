/** The list-append and rw-register workloads: seeded generators, wire mapping, final reads, outcome. */
import { describe, expect, test } from 'vitest';
import type { HistoryEvent } from '../../checkers/history/types.js';
import { Rng } from '../../harness/random.js';
import type { GenContext, Generator } from '../../workloads/generator.js';
import { workloads } from '../../workloads/index.js';
import { listAppend, validateListAppendReply } from '../../workloads/list-append.js';
import { rwRegister, validateRwRegisterReply } from '../../workloads/rw-register.js';
import { TxnGenerator } from '../../workloads/txn-gen.js';
import type { TxnOp } from '../../workloads/txn-gen.js';
import { history } from '../support/txn-history.js';

const ctx: GenContext = { timeNs: 0, free: [0, 1, 2, 3].map((w) => ({ worker: w, process: w })), workerCount: 4 };

function take(g: Generator, n: number): { worker: number; value: TxnOp[] }[] {
  const out: { worker: number; value: TxnOp[] }[] = [];
  for (let i = 0; i < n; i++) {
    const r = g.op(ctx);
    if (r === null || r === 'pending') throw new Error('generator stopped');
    out.push({ worker: r.op.worker, value: r.op.value as TxnOp[] });
    g = r.next;
  }
  return out;
}

describe('transactional workloads', () => {
  test('are registered by name', () => {
    expect(workloads['list-append']).toBe(listAppend);
    expect(workloads['rw-register']).toBe(rwRegister);
  });

  test('the same seed gives the same transactions; appended values are unique per key', () => {
    const a = take(listAppend.generator({ rng: Rng.fromSeed(9), concurrency: 4, nodes: 3 }), 300);
    const b = take(listAppend.generator({ rng: Rng.fromSeed(9), concurrency: 4, nodes: 3 }), 300);
    expect(a).toEqual(b);
    expect(take(listAppend.generator({ rng: Rng.fromSeed(10), concurrency: 4, nodes: 3 }), 300)).not.toEqual(a);
    const seen = new Set<string>();
    for (const { value } of a) {
      expect(value.length).toBeGreaterThanOrEqual(1);
      expect(value.length).toBeLessThanOrEqual(5);
      for (const [f, k, v] of value) {
        if (f === 'r') expect(v).toBeNull();
        else {
          expect(seen.has(`${k}:${v}`)).toBe(false);
          seen.add(`${k}:${v}`);
        }
      }
    }
  });

  test('keys retire after maxWritesPerKey writes', () => {
    const g = new TxnGenerator(3, 'w', { activeKeys: 2, maxWritesPerKey: 3, readFraction: 0, minTxnLength: 1, maxTxnLength: 1 });
    const perKey = new Map<number, number>();
    for (let i = 0; i < 60; i++) for (const [, k] of g.next()) perKey.set(k, (perKey.get(k) ?? 0) + 1);
    expect(Math.max(...perKey.values())).toBeLessThanOrEqual(3);
    expect(perKey.size).toBeGreaterThanOrEqual(20);
    expect(() => new TxnGenerator(1, 'w', { activeKeys: 0 })).toThrow(RangeError);
  });

  test('wire mapping: txn out, txn_ok back, malformed replies refused', () => {
    const op = { f: 'txn', value: [['r', 1, null], ['append', 1, 4]] };
    expect(listAppend.client.request(op)).toEqual({ type: 'txn', txn: op.value });
    const reply = { type: 'txn_ok', txn: [['r', 1, [1, 2]], ['append', 1, 4]] };
    expect(listAppend.client.complete(op, reply)).toEqual({ type: 'ok', value: reply.txn });
    expect(() => listAppend.client.complete(op, { type: 'txn_ok', txn: [['r', 1, 3], ['append', 1, 4]] })).toThrow(/list or null/);
    expect(validateListAppendReply(op.value as TxnOp[], { type: 'write_ok' })).toMatch(/txn_ok/);
    expect(validateRwRegisterReply([['w', 1, 5]], { type: 'txn_ok', txn: [['w', 1, 6]] })).toMatch(/echo/);
    expect(listAppend.client.readOnly({ f: 'txn', value: [['r', 1, null]] })).toBe(true);
    expect(rwRegister.client.readOnly({ f: 'txn', value: [['w', 1, 2]] })).toBe(false);
  });

  test('final reads cover every key touched', () => {
    const h = history(['ax1 ay1', 'az1 rw_', 'ra_ rb_ rc_ rd_']);
    let g: Generator | null = listAppend.finalGenerator(h);
    const keys = new Set<unknown>();
    for (let i = 0; i < 10 && g; i++) {
      const r = g.op(ctx);
      if (r === null || r === 'pending') break;
      for (const m of r.op.value as TxnOp[]) keys.add(m[1]);
      g = r.next;
    }
    expect([...keys].sort()).toEqual(['a', 'b', 'c', 'd', 'w', 'x', 'y', 'z']);
  });

  test('the checker outcome names the first anomaly', async () => {
    const h: HistoryEvent[] = history(['ax1', 'rx_']);
    const o = await listAppend.checker(h, { timeLimitMs: 1000 });
    expect(o.checkers['list-append']!.valid).toBe(false);
    expect(o.firstAnomaly).toMatchObject({ index: 1 });
    expect(o.firstAnomaly!.summary).toMatch(/^G-single-realtime/);
    const ok = await rwRegister.checker(history(['wx1', 'rx1'], { mode: 'register' }), { timeLimitMs: 1000 });
    expect(ok.checkers['rw-register']!.valid).toBe(true);
    expect(ok.firstAnomaly).toBeNull();
  });
});
