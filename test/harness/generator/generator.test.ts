import { describe, expect, it } from 'vitest';
import { each, limit, simulate, stagger, timeLimit, type GenContext, type Generator } from '../../../harness/generator/index.js';
import { Rng } from '../../../harness/random.js';
import { register } from '../../../workloads/register.js';

function registerGen(seed: number, concurrency = 6): Generator {
  return stagger(100, Rng.fromSeed(seed + 1), register.generator({ rng: Rng.fromSeed(seed), concurrency, nodes: 3 }));
}

describe('generator', () => {
  it('gives the same op sequence (workers, functions, values, due times) for the same seed', () => {
    // Arrange / Act
    const a = simulate(registerGen(42), { workerCount: 6, maxOps: 500 });
    const b = simulate(registerGen(42), { workerCount: 6, maxOps: 500 });
    const c = simulate(registerGen(43), { workerCount: 6, maxOps: 500 });
    // Assert
    expect(a).toHaveLength(500);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('emits read, write and cas in the wire shapes of the register workload', () => {
    const ops = simulate(registerGen(1), { workerCount: 4, maxOps: 300 });
    const fs = new Set(ops.map((o) => o.f));
    expect(fs).toEqual(new Set(['read', 'write', 'cas']));
    for (const o of ops) {
      const [k, payload] = o.value as [number, unknown];
      expect(Number.isInteger(k)).toBe(true);
      if (o.f === 'read') expect(payload).toBeNull();
      if (o.f === 'write') expect(typeof payload).toBe('number');
      if (o.f === 'cas') expect(Array.isArray(payload) && payload.length === 2).toBe(true);
    }
  });

  it('keeps each key to at most its group of workers, and moves groups to fresh keys', () => {
    const ops = simulate(registerGen(5, 10), { workerCount: 10, maxOps: 3000 });
    const workersByKey = new Map<number, Set<number>>();
    for (const o of ops) {
      const k = (o.value as [number])[0];
      if (!workersByKey.has(k)) workersByKey.set(k, new Set());
      workersByKey.get(k)?.add(o.worker);
    }
    // 10 workers in groups of 4 (the register's per-key limit): 3 groups, each on its own keys.
    for (const ws of workersByKey.values()) {
      expect(ws.size).toBeLessThanOrEqual(4);
      const groups = new Set([...ws].map((w) => Math.floor(w / 4)));
      expect(groups.size).toBe(1);
    }
    expect(workersByKey.size).toBeGreaterThan(3);
  });

  it('writes values unique per key, rotates keys over the run, and cas expects a value written just before', () => {
    const ops = simulate(registerGen(7), { workerCount: 6, maxOps: 3000 });
    const written = new Map<number, number[]>();
    const firstAt = new Map<number, number>();
    for (const o of ops) {
      const [k, payload] = o.value as [number, unknown];
      if (!firstAt.has(k)) firstAt.set(k, o.timeNs ?? 0);
      const v = o.f === 'write' ? (payload as number) : o.f === 'cas' ? (payload as [number, number])[1] : null;
      if (v !== null) written.set(k, [...(written.get(k) ?? []), v]);
      if (o.f === 'cas') {
        const [from, to] = payload as [number, number];
        expect(from).toBeLessThan(to);
        expect(to - from).toBeLessThanOrEqual(3);
      }
    }
    for (const vs of written.values()) expect(new Set(vs).size).toBe(vs.length);
    // 3000 ops at 120 a key: 25 keys, each new one first touched later in the run.
    expect(firstAt.size).toBeGreaterThanOrEqual(24);
    const starts = [...firstAt.values()];
    expect(starts[starts.length - 1]! - starts[0]!).toBeGreaterThan(20e9);
    // The small values of earlier versions, on request.
    const small = simulate(stagger(100, Rng.fromSeed(8), register.generator({ rng: Rng.fromSeed(7), concurrency: 6, nodes: 3, workloadOptions: { values: 'small' } })), { workerCount: 6, maxOps: 500 });
    const values = small.flatMap((o) => (o.f === 'write' ? [(o.value as [number, number])[1]] : []));
    expect(Math.max(...values)).toBeLessThanOrEqual(4);
  });

  it('spaces ops at the given rate on average', () => {
    const ops = simulate(registerGen(9), { workerCount: 6, maxOps: 2001 });
    const spanS = ((ops[2000]?.timeNs ?? 0) - (ops[0]?.timeNs ?? 0)) / 1e9;
    // 2000 gaps of mean 10 ms: about 20 s.
    expect(spanS).toBeGreaterThan(17);
    expect(spanS).toBeLessThan(23);
  });

  it('stops at the time limit and at the op limit', () => {
    const byTime = simulate(timeLimit(2e9, registerGen(2)), { workerCount: 6, maxOps: 10_000 });
    expect(byTime.length).toBeGreaterThan(100);
    expect(byTime.every((o) => (o.timeNs ?? 0) < 2e9)).toBe(true);
    expect(simulate(limit(17, registerGen(2)), { workerCount: 6, maxOps: 10_000 })).toHaveLength(17);
  });

  it('says pending when no worker is free, and each() is exhausted after its ops', () => {
    const busy: GenContext = { timeNs: 0, free: [], workerCount: 2 };
    expect(registerGen(1).op(busy)).toBe('pending');
    const g = each([{ f: 'read', value: [1, null] }]);
    const ctx: GenContext = { timeNs: 0, free: [{ worker: 1, process: 7 }], workerCount: 2 };
    const r = g.op(ctx);
    expect(r).not.toBeNull();
    expect(r === null || r === 'pending' ? null : r.next.op(ctx)).toBeNull();
  });

  it('final reads cover every key the history touched', () => {
    const history = [
      { index: 0, type: 'invoke' as const, process: 0, f: 'write', value: [3, 1] },
      { index: 1, type: 'ok' as const, process: 0, f: 'write', value: [3, 1] },
      { index: 2, type: 'invoke' as const, process: 1, f: 'cas', value: [8, [1, 2]] },
      { index: 3, type: 'info' as const, process: 'nemesis' as const, f: 'start-kill', value: { nodes: ['n1'] } },
    ];
    const ops = simulate(register.finalGenerator(history), { workerCount: 2, maxOps: 10 });
    expect(ops.map((o) => o.value)).toEqual([
      [3, null],
      [8, null],
    ]);
  });
});
