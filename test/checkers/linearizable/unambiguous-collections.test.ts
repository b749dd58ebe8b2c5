/**
 * The unambiguous set and queue procedures against the search and brute force, on thousands of
 * small random histories whose values are added or enqueued once (crashed, failed and
 * never-completed operations included), and each of their rules shown to be needed: with one
 * turned off, the same property finds a history it gets wrong.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairOperations, type HistoryEvent } from '../../../checkers/history/index.js';
import { checkLinearizable, createModel } from '../../../checkers/linearizable/index.js';
import {
  checkUnambiguousQueue,
  checkUnambiguousSet,
  type QueueOp,
  type QueueRules,
  type SetOp,
  type SetRules,
} from '../../../checkers/linearizable/unambiguous-collections.js';
import { generateQueueHistory, generateSetHistory } from '../../../bench/generate.js';
import { bruteForce, buildHistory, h, type OpMaker } from './helpers.js';

/**
 * A set history's operations: adds of 100, 101...; a read sees the first k values added so far
 * (what a correct set shows when adds land in invocation order), now and then with one value
 * dropped or one not yet added.
 */
function setMaker(): OpMaker {
  let next = 100;
  const added: number[] = [];
  return {
    invoke(a) {
      if (a % 3 === 0) return { f: 'read' };
      added.push(next);
      return { f: 'add', value: next++ };
    },
    ok(f, input, a, b) {
      if (f !== 'read') return input;
      const seen = added.slice(0, a % (added.length + 1));
      if (b % 9 === 0 && seen.length > 0) seen.splice(b % seen.length, 1);
      if (b % 9 === 1) seen.push(next + 1);
      return seen;
    },
  };
}

/**
 * A queue history's operations: enqueues of 100, 101...; a dequeue takes the oldest value not yet
 * taken, or now and then another one, or one whose enqueue has not begun yet.
 */
function queueMaker(): OpMaker {
  let next = 100;
  const enqueued: number[] = [];
  let taken = 0;
  return {
    invoke(a) {
      if (a % 2 === 0) return { f: 'dequeue' };
      enqueued.push(next);
      return { f: 'enqueue', value: next++ };
    },
    ok(f, input, a, b) {
      if (f !== 'dequeue') return input;
      if (b % 7 === 3) return next + (a % 2);
      if (b % 5 === 0 || taken >= enqueued.length) return enqueued.length === 0 ? 999 : enqueued[a % enqueued.length];
      return enqueued[taken++];
    },
  };
}

const stepArb = fc.array(fc.tuple(fc.nat(3), fc.nat(63), fc.nat(63), fc.nat(9)), { minLength: 1, maxLength: 22 });

const cases: Array<{ model: string; maker: () => OpMaker }> = [
  { model: 'set', maker: setMaker },
  { model: 'fifo-queue', maker: queueMaker },
  { model: 'unordered-queue', maker: queueMaker },
];

describe('unambiguous sets and queues: the procedures agree with the search and brute force', () => {
  for (const { model: name, maker } of cases) {
    it(`${name}: 2000 random histories`, () => {
      const model = createModel(name);
      const seen = { true: 0, false: 0, search: 0 };
      fc.assert(
        fc.property(stepArb, (steps) => {
          const events = buildHistory(maker(), steps, 8);
          const fast = checkLinearizable(model, events, { stopAtFirstInvalid: false });
          const search = checkLinearizable(model, events, { method: 'search' });
          const p = fast.partitions[0]!;
          expect(fast.valid).toBe(search.valid);
          expect(fast.valid).toBe(bruteForce(model, events));
          if (p.method === 'search') {
            // Only a crashed FIFO dequeue makes these histories ambiguous, and the result says so.
            expect(p.fallback).toMatch(/crashed dequeue/);
            seen.search++;
            return;
          }
          expect(p.method).toBe('unambiguous');
          seen[String(fast.valid) as 'true' | 'false']++;
          if (fast.valid === false) {
            const c = p.counterexample!;
            expect(c.reason).toBeTruthy();
            expect(c.witnessSize).toBeGreaterThan(0);
            expect(c.op.status === 'ok' || c.candidates.length === 0).toBe(true);
          }
        }),
        { numRuns: 2000 },
      );
      // Both verdicts must be common among the decided ones, or this test could not fail.
      expect(seen.true).toBeGreaterThan(100);
      expect(seen.false).toBeGreaterThan(100);
    });
  }

  function prepared<I>(name: string, events: HistoryEvent[]) {
    const model = createModel(name);
    const ops = pairOperations(events).operations.filter((o) => o.status !== 'fail');
    const kept = ops.filter((o) => !(o.status !== 'ok' && model.readOnly?.(model.prepare(o))));
    return { ops: kept, inputs: kept.map((o) => model.prepare(o) as I) };
  }

  const setRules: Array<keyof SetRules> = ['chain', 'layout', 'unread'];
  for (const rule of setRules) {
    it(`set: without the ${rule} rule, the property finds a history it gets wrong`, () => {
      const out = fc.check(
        fc.property(stepArb, (steps) => {
          const events = buildHistory(setMaker(), steps, 8);
          const { ops, inputs } = prepared<SetOp>('set', events);
          const broken = checkUnambiguousSet(ops, inputs, { [rule]: false });
          const search = checkLinearizable(createModel('set'), events, { method: 'search' });
          return 'undecided' in broken || broken.valid === search.valid;
        }),
        { numRuns: 20_000, seed: 7 },
      );
      expect(out.failed).toBe(true);
    });
  }

  const queueRules: Array<[keyof QueueRules, boolean]> = [
    ['fresh', false],
    ['repeat', false],
    ['fresh', true],
    ['repeat', true],
    ['order', true],
    ['lost', true],
  ];
  for (const [rule, fifo] of queueRules) {
    const name = fifo ? 'fifo-queue' : 'unordered-queue';
    it(`${name}: without the ${rule} rule, the property finds a history it gets wrong`, () => {
      const out = fc.check(
        fc.property(stepArb, (steps) => {
          const events = buildHistory(queueMaker(), steps, 8);
          const { ops, inputs } = prepared<QueueOp>(name, events);
          const broken = checkUnambiguousQueue(ops, inputs, fifo, { [rule]: false });
          const search = checkLinearizable(createModel(name), events, { method: 'search' });
          return 'undecided' in broken || broken.valid === search.valid;
        }),
        { numRuns: 20_000, seed: 7 },
      );
      expect(out.failed).toBe(true);
    });
  }
});

describe('unambiguous sets and queues: cases', () => {
  it('set: two reads that saw sets neither contains are caught, with the adds as witness', () => {
    const events = h(
      [0, 'invoke', 'add', 1],
      [1, 'invoke', 'add', 2],
      [2, 'invoke', 'read'],
      [2, 'ok', 'read', [1]],
      [3, 'invoke', 'read'],
      [3, 'ok', 'read', [2]],
      [0, 'ok', 'add', 1],
      [1, 'ok', 'add', 2],
    );
    const r = checkLinearizable(createModel('set'), events);
    expect(r.valid).toBe(false);
    const p = r.partitions[0]!;
    expect(p.method).toBe('unambiguous');
    expect(p.counterexample!.reason).toContain('neither contains the other');
    expect(p.counterexample!.witnessSize).toBe(4);
    expect(r.explanation).toContain('Decided without a search (no value is added twice)');
  });

  it('set: a crashed add that a read saw happened; one nobody saw may never have', () => {
    const seen = h([0, 'invoke', 'add', 1], [1, 'invoke', 'read'], [1, 'ok', 'read', [1]], [0, 'info', 'add', 1], [1, 'invoke', 'read'], [1, 'ok', 'read', [1]]);
    expect(checkLinearizable(createModel('set'), seen).valid).toBe(true);
    const unseen = h([0, 'invoke', 'add', 1], [0, 'info', 'add', 1], [1, 'invoke', 'read'], [1, 'ok', 'read', []]);
    const r = checkLinearizable(createModel('set'), unseen);
    expect(r.valid).toBe(true);
    expect(r.partitions[0]!.method).toBe('unambiguous');
    // An ok add nobody saw must still come after every read that missed it.
    const missed = h([0, 'invoke', 'add', 1], [0, 'ok', 'add', 1], [1, 'invoke', 'read'], [1, 'ok', 'read', []]);
    const rm = checkLinearizable(createModel('set'), missed);
    expect(rm.valid).toBe(false);
    expect(rm.partitions[0]!.counterexample!.reason).toContain('missed 1');
  });

  it('a value added or enqueued twice goes to the search, and the result says why', () => {
    const twice = h([0, 'invoke', 'add', 1], [0, 'ok', 'add', 1], [0, 'invoke', 'add', 1], [0, 'ok', 'add', 1]);
    const r = checkLinearizable(createModel('set'), twice);
    expect(r.partitions[0]!.method).toBe('search');
    expect(r.partitions[0]!.fallback).toBe('the value 1 is added more than once');
    const q = h([0, 'invoke', 'enqueue', 1], [0, 'ok', 'enqueue', 1], [0, 'invoke', 'enqueue', 1], [0, 'ok', 'enqueue', 1]);
    const rq = checkLinearizable(createModel('fifo-queue'), q);
    expect(rq.partitions[0]!.method).toBe('search');
    expect(rq.partitions[0]!.fallback).toBe('the value 1 is enqueued more than once');
  });

  it('fifo-queue: values that leave in the opposite order to the one they entered', () => {
    const events = h(
      [0, 'invoke', 'enqueue', 1],
      [0, 'ok', 'enqueue', 1],
      [0, 'invoke', 'enqueue', 2],
      [0, 'ok', 'enqueue', 2],
      [1, 'invoke', 'dequeue'],
      [1, 'ok', 'dequeue', 2],
      [1, 'invoke', 'dequeue'],
      [1, 'ok', 'dequeue', 1],
    );
    const r = checkLinearizable(createModel('fifo-queue'), events);
    expect(r.valid).toBe(false);
    expect(r.partitions[0]!.method).toBe('unambiguous');
    expect(r.partitions[0]!.counterexample!.reason).toBe('1 and 2 left the queue in the opposite order to the one they entered it');
    expect(checkLinearizable(createModel('unordered-queue'), events).valid).toBe(true);
    // With a crashed dequeue that could have taken 1, the search decides, and says why.
    const crashed = h(
      [0, 'invoke', 'enqueue', 1],
      [0, 'ok', 'enqueue', 1],
      [0, 'invoke', 'enqueue', 2],
      [0, 'ok', 'enqueue', 2],
      [2, 'invoke', 'dequeue'],
      [2, 'info', 'dequeue'],
      [1, 'invoke', 'dequeue'],
      [1, 'ok', 'dequeue', 2],
    );
    const rc = checkLinearizable(createModel('fifo-queue'), crashed);
    expect(rc.valid).toBe(true);
    expect(rc.partitions[0]!.method).toBe('search');
    expect(rc.partitions[0]!.fallback).toContain('crashed dequeue');
  });

  it('decides generated 100k-op queue histories of 50 processes and a 5k-op set history, and their corrupted twins', () => {
    const cases: Array<[string, (corrupt: boolean) => HistoryEvent[]]> = [
      ['fifo-queue', (corrupt) => generateQueueHistory({ operations: 100_000, processes: 50, seed: 5, fifo: true, corrupt })],
      ['unordered-queue', (corrupt) => generateQueueHistory({ operations: 100_000, processes: 50, seed: 5, fifo: false, corrupt })],
      ['set', (corrupt) => generateSetHistory({ operations: 5_000, processes: 10, seed: 5, readPercent: 10, corrupt })],
    ];
    for (const [name, make] of cases) {
      const ok = checkLinearizable(createModel(name), make(false));
      expect(ok.valid).toBe(true);
      expect(ok.partitions[0]!.method).toBe('unambiguous');
      const bad = checkLinearizable(createModel(name), make(true), { timeLimitMs: 10_000 });
      expect(bad.valid).toBe(false);
      expect(bad.partitions[0]!.method).toBe('unambiguous');
      expect(bad.partitions[0]!.counterexample!.reason).toBeTruthy();
    }
  });
});
