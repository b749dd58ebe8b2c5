import { describe, expect, it } from 'vitest';
import { pairOperations, parseJsonl, type HistoryEvent } from '../../../checkers/history/index.js';

const ev = (index: number, type: HistoryEvent['type'], process: HistoryEvent['process'], f: string, value?: unknown): HistoryEvent =>
  value === undefined ? { index, type, process, f } : { index, type, process, f, value };

describe('pairOperations', () => {
  it('pairs per process and classifies ok, fail, crashed and never-completed operations', () => {
    const { operations, ignored } = pairOperations([
      ev(0, 'invoke', 0, 'write', 1),
      ev(1, 'invoke', 1, 'read', null),
      ev(2, 'info', 'nemesis', 'kill'),
      ev(3, 'ok', 1, 'read', 1),
      ev(4, 'fail', 0, 'write', 1),
      ev(5, 'invoke', 2, 'cas', [1, 2]),
      ev(6, 'info', 2, 'cas', [1, 2]),
      ev(7, 'invoke', 3, 'write', 5),
      ev(8, 'info', 4, 'stray'),
    ]);
    expect(operations.map((o) => [o.process, o.f, o.status, o.callPos, o.returnPos])).toEqual([
      [0, 'write', 'fail', 0, Infinity],
      [1, 'read', 'ok', 1, 3],
      [2, 'cas', 'info', 5, Infinity],
      [3, 'write', 'info', 7, Infinity],
    ]);
    expect(operations[1]).toMatchObject({ input: null, output: 1 });
    expect(operations[3]!.complete).toBeNull();
    expect(ignored.map((e) => e.index)).toEqual([2, 8]);
  });

  it('rejects a completion with no invocation, a mismatched f and a double invoke, with file:line', () => {
    const h1 = parseJsonl('{"index":0,"type":"ok","process":1,"f":"read"}', 'h.jsonl');
    expect(() => pairOperations(h1.events, h1)).toThrow(/^h\.jsonl:1: ok completion of read by process 1, which has no open invocation/);
    const h2 = parseJsonl('{"index":0,"type":"invoke","process":1,"f":"read"}\n{"index":1,"type":"ok","process":1,"f":"write"}', 'h.jsonl');
    expect(() => pairOperations(h2.events, h2)).toThrow(/^h\.jsonl:2: process 1 completes write but invoked read/);
    const h3 = parseJsonl('{"index":0,"type":"invoke","process":1,"f":"read"}\n{"index":1,"type":"invoke","process":1,"f":"read"}', 'h.jsonl');
    expect(() => pairOperations(h3.events, h3)).toThrow(/^h\.jsonl:2: process 1 invokes read while its read/);
  });
});
