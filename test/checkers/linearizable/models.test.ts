import { describe, expect, it } from 'vitest';
import { checkLinearizable, createModel, ILLEGAL, MODELS, ModelInputError, UNKNOWN } from '../../../checkers/linearizable/index.js';
import { pairOperations } from '../../../checkers/history/index.js';
import { h } from './helpers.js';

const verdict = (model: string, events: ReturnType<typeof h>, options = {}) =>
  checkLinearizable(createModel(model, options), events).valid;

describe('register', () => {
  it('accepts a read of the last write and rejects a stale one', () => {
    expect(verdict('register', h([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]))).toBe(true);
    expect(verdict('register', h([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 2]))).toBe(false);
  });
  it('starts at null unless told, and a read of null then means absent', () => {
    const read0 = h([1, 'invoke', 'read', null], [1, 'ok', 'read', null]);
    expect(verdict('register', read0)).toBe(true);
    expect(verdict('register', read0, { initial: 0 })).toBe(false);
    expect(verdict('register', read0, { initial: 0, nilReadIsUnknown: true })).toBe(true);
  });
  it('compares structured values by content', () => {
    expect(verdict('register', h([0, 'invoke', 'write', [1, { a: 2 }]], [0, 'ok', 'write', [1, { a: 2 }]], [1, 'invoke', 'read', null], [1, 'ok', 'read', [1, { a: 2 }]]))).toBe(true);
  });
  it('has no cas', () => {
    expect(() => verdict('register', h([0, 'invoke', 'cas', [1, 2]], [0, 'ok', 'cas', [1, 2]]))).toThrow(/cas is not an operation of the register model/);
  });
});

describe('cas-register', () => {
  const m = createModel('cas-register', { initial: 0 });
  const op = (f: string, input: unknown, output: unknown, status: 'ok' | 'info' = 'ok') => {
    const events = h([0, 'invoke', f, input], [0, status, f, output]);
    return pairOperations(events).operations[0]!;
  };
  it('steps read, write and cas', () => {
    expect(m.step(0, m.prepare(op('read', null, 0)), 0)).toBe(0);
    expect(m.step(1, m.prepare(op('read', null, 0)), 0)).toBe(ILLEGAL);
    expect(m.step(0, m.prepare(op('write', 5, 5)), 5)).toBe(5);
    expect(m.step(0, m.prepare(op('cas', [0, 3], [0, 3])), [0, 3])).toBe(3);
    expect(m.step(1, m.prepare(op('cas', [0, 3], [0, 3])), [0, 3])).toBe(ILLEGAL);
  });
  it('treats a crashed read as unknown and a crashed cas as taking effect only if it could', () => {
    expect(m.step(7, m.prepare(op('read', null, undefined, 'info')), UNKNOWN)).toBe(7);
    expect(m.step(0, m.prepare(op('cas', [0, 3], undefined, 'info')), UNKNOWN)).toBe(3);
  });
  it('rejects a malformed cas', () => {
    expect(() => m.prepare(op('cas', 3, 3))).toThrow(ModelInputError);
  });
  it('lets a failed cas have no effect, and a crashed write take effect late or never', () => {
    // A failed write is invisible; a crashed write may show up in a later read, or never.
    const failed = h([0, 'invoke', 'write', 1], [0, 'fail', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]);
    expect(verdict('cas-register', failed)).toBe(false);
    const crashed = h([0, 'invoke', 'write', 1], [0, 'info', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', null], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1]);
    expect(verdict('cas-register', crashed)).toBe(true);
    // ...but once seen it cannot be unseen.
    const flicker = h([0, 'invoke', 'write', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', 1], [1, 'invoke', 'read', null], [1, 'ok', 'read', null]);
    expect(verdict('cas-register', flicker)).toBe(false);
  });
});

describe('kv', () => {
  it('checks each key as its own cas-register that starts at null', () => {
    const events = h(
      [0, 'invoke', 'write', ['a', 1]],
      [0, 'ok', 'write', ['a', 1]],
      [1, 'invoke', 'read', ['b', null]],
      [1, 'ok', 'read', ['b', null]],
      [1, 'invoke', 'cas', ['a', [1, 2]]],
      [1, 'ok', 'cas', ['a', [1, 2]]],
      [2, 'invoke', 'read', ['a', null]],
      [2, 'ok', 'read', ['a', 2]],
    );
    const r = checkLinearizable(createModel('kv'), events);
    expect(r.valid).toBe(true);
    expect(r.partitions.map((p) => p.key).sort()).toEqual(['a', 'b']);
    expect(checkLinearizable(createModel('kv', { partitioned: false }), events).valid).toBe(true);
  });
  it('names the failing key', () => {
    const events = h([0, 'invoke', 'write', ['a', 1]], [0, 'ok', 'write', ['a', 1]], [1, 'invoke', 'read', ['a', null]], [1, 'ok', 'read', ['a', 3]]);
    const r = checkLinearizable(createModel('kv'), events);
    expect(r.valid).toBe(false);
    expect(r.partitions[0]!.counterexample!.op.description).toBe('a: read 3');
  });
  it('rejects a value that is not [key, payload]', () => {
    expect(() => verdict('kv', h([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1]))).toThrow(/must be \[key, value\]/);
  });
});

describe('multi-register', () => {
  it('checks transactions of reads and writes over several registers', () => {
    const ok = h(
      [0, 'invoke', 'txn', [['write', 'x', 1], ['write', 'y', 2]]],
      [0, 'ok', 'txn', [['write', 'x', 1], ['write', 'y', 2]]],
      [1, 'invoke', 'txn', [['read', 'x', null], ['read', 'y', null]]],
      [1, 'ok', 'txn', [['read', 'x', 1], ['read', 'y', 2]]],
    );
    expect(verdict('multi-register', ok, { initial: { x: 0, y: 0 } })).toBe(true);
    const torn = h(
      [0, 'invoke', 'txn', [['write', 'x', 1], ['write', 'y', 2]]],
      [0, 'ok', 'txn', [['write', 'x', 1], ['write', 'y', 2]]],
      [1, 'invoke', 'txn', [['read', 'x', null], ['read', 'y', null]]],
      [1, 'ok', 'txn', [['read', 'x', 1], ['read', 'y', 0]]],
    );
    expect(verdict('multi-register', torn, { initial: { x: 0, y: 0 } })).toBe(false);
  });
});

describe('mutex', () => {
  it('allows one holder at a time', () => {
    expect(verdict('mutex', h([0, 'invoke', 'acquire'], [0, 'ok', 'acquire'], [0, 'invoke', 'release'], [0, 'ok', 'release'], [1, 'invoke', 'acquire'], [1, 'ok', 'acquire']))).toBe(true);
    expect(verdict('mutex', h([0, 'invoke', 'acquire'], [0, 'ok', 'acquire'], [1, 'invoke', 'acquire'], [1, 'ok', 'acquire']))).toBe(false);
    expect(verdict('mutex', h([0, 'invoke', 'release'], [0, 'ok', 'release']))).toBe(false);
  });
});

describe('set', () => {
  it('reads must show exactly the added elements', () => {
    const base: ReturnType<typeof h> = h([0, 'invoke', 'add', 1], [0, 'ok', 'add', 1], [1, 'invoke', 'add', 2], [2, 'invoke', 'read'], [2, 'ok', 'read', [2, 1]]);
    expect(verdict('set', base)).toBe(true);
    const lost = h([0, 'invoke', 'add', 1], [0, 'ok', 'add', 1], [2, 'invoke', 'read'], [2, 'ok', 'read', []]);
    expect(verdict('set', lost)).toBe(false);
  });
});

describe('queues', () => {
  const enq12 = [
    [0, 'invoke', 'enqueue', 1],
    [0, 'ok', 'enqueue', 1],
    [0, 'invoke', 'enqueue', 2],
    [0, 'ok', 'enqueue', 2],
  ] as const;
  const deq = (v: number) => [[1, 'invoke', 'dequeue'], [1, 'ok', 'dequeue', v]] as const;
  it('fifo-queue dequeues in order; unordered-queue in any order', () => {
    const outOfOrder = h(...(enq12 as any), ...(deq(2) as any));
    expect(verdict('fifo-queue', outOfOrder)).toBe(false);
    expect(verdict('unordered-queue', outOfOrder)).toBe(true);
    expect(verdict('fifo-queue', h(...(enq12 as any), ...(deq(1) as any)))).toBe(true);
  });
  it('no queue dequeues what was never enqueued, or from empty', () => {
    for (const m of ['fifo-queue', 'unordered-queue']) {
      expect(verdict(m, h(...(enq12 as any), ...(deq(3) as any)))).toBe(false);
      expect(verdict(m, h(...(deq(1) as any)))).toBe(false);
    }
  });
  it('a crashed fifo dequeue may have taken the head', () => {
    const events = h(...(enq12 as any), [2, 'invoke', 'dequeue'], [2, 'info', 'dequeue'], ...(deq(2) as any));
    expect(verdict('fifo-queue', events)).toBe(true);
  });
});

describe('string-kv', () => {
  it('appends concatenate and gets see the whole string', () => {
    const events = h(
      [0, 'invoke', 'append', ['k', 'x 0 0 y']],
      [0, 'ok', 'append', ['k', 'x 0 0 y']],
      [1, 'invoke', 'append', ['k', 'x 1 0 y']],
      [1, 'ok', 'append', ['k', 'x 1 0 y']],
      [2, 'invoke', 'get', ['k', null]],
      [2, 'ok', 'get', ['k', 'x 0 0 yx 1 0 y']],
    );
    expect(verdict('string-kv', events)).toBe(true);
    const wrong = events.slice(0, 5).concat([{ index: 5, type: 'ok', process: 2, f: 'get', value: ['k', 'x 1 0 yx 0 0 y'] }]);
    expect(verdict('string-kv', wrong)).toBe(false);
  });
});

describe('the registry', () => {
  it('names every model and rejects unknown names', () => {
    expect(Object.keys(MODELS).sort()).toEqual(
      ['cas-register', 'fifo-queue', 'kv', 'multi-register', 'mutex', 'register', 'set', 'string-kv', 'unordered-queue'],
    );
    expect(() => createModel('nope')).toThrow(/unknown model "nope"/);
  });
});
