/**
 * The Maelstrom workloads as pure values: the same seed gives the same ops; every workload maps
 * its ops to Maelstrom's RPCs; the counters are judged on their final reads only, as Maelstrom
 * judges them (an eventually consistent counter may lag before the heal).
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { Rng } from '../../../harness/random.js';
import type { GenContext, Generator } from '../../../workloads/generator.js';
import { workloads } from '../../../workloads/index.js';
import { MAELSTROM_WORKLOADS } from '../../../workloads/maelstrom/options.js';

function take(g: Generator, n: number): Array<{ worker: number; f: string; value: unknown }> {
  const ctx: GenContext = { timeNs: 0, free: [0, 1, 2].map((w) => ({ worker: w, process: w })), workerCount: 3 };
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = g.op(ctx);
    if (r === null || r === 'pending') break;
    out.push({ worker: r.op.worker, f: r.op.f, value: r.op.value });
    g = r.next;
  }
  return out;
}

describe('Maelstrom workloads', () => {
  it.each(MAELSTROM_WORKLOADS)('%s: the same seed gives the same ops, another seed others', (name) => {
    const w = workloads[name]!;
    const gen = (seed: number) => take(w.generator({ rng: Rng.fromSeed(seed), concurrency: 3, nodes: 3 }), 60);
    expect(gen(5)).toEqual(gen(5));
    expect(gen(5)).toHaveLength(60);
    if (name !== 'unique-ids') expect(gen(5)).not.toEqual(gen(6));
    // Every op becomes a Maelstrom request with a type.
    for (const op of gen(5)) expect(typeof w.client.request(op).type).toBe('string');
  });

  it('every Maelstrom workload takes the Maelstrom options', () => {
    for (const name of MAELSTROM_WORKLOADS) {
      expect(workloads[name]!.options.schema.safeParse({ topology: 'line', reorderMs: 10, initTimeoutMs: 500 }).success, name).toBe(true);
    }
  });

  it('g-counter: a lagging read before the heal is no error, a final read below the acknowledged adds is', async () => {
    let i = 0;
    const ev = (process: number, type: HistoryEvent['type'], f: string, value: unknown): HistoryEvent => ({ index: i, time: i++, type, process, f, value });
    const base = [ev(0, 'invoke', 'add', 3), ev(0, 'ok', 'add', 3), ev(1, 'invoke', 'read', null), ev(1, 'ok', 'read', 0)];
    const good = [...base, ev(1, 'invoke', 'final-read', null), ev(1, 'ok', 'final-read', 3)];
    i = base.length;
    const bad = [...base, ev(1, 'invoke', 'final-read', null), ev(1, 'ok', 'final-read', 0)];
    const w = workloads['g-counter']!;
    expect((await w.checker(good, { timeLimitMs: 1000 })).checkers.counter!.valid).toBe(true);
    const r = await w.checker(bad, { timeLimitMs: 1000 });
    expect(r.checkers.counter!.valid).toBe(false);
    expect(r.checkers.counter!.anomalyTypes).toEqual(['out-of-bounds']);
  });

  it('broadcast: a message read by no node in the end is lost', async () => {
    let i = 0;
    const ev = (process: number, type: HistoryEvent['type'], f: string, value: unknown): HistoryEvent => ({ index: i, time: i++, type, process, f, value });
    const h = [ev(0, 'invoke', 'broadcast', 1), ev(0, 'ok', 'broadcast', 1), ev(0, 'invoke', 'broadcast', 2), ev(0, 'ok', 'broadcast', 2), ev(1, 'invoke', 'final-read', null), ev(1, 'ok', 'final-read', [1])];
    const r = await workloads.broadcast!.checker(h, { timeLimitMs: 1000 });
    expect(r.checkers['set-full']!.valid).toBe(false);
    expect(r.checkers['set-full']!.anomalyTypes).toEqual(['lost']);
  });
});
