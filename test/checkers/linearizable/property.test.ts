/**
 * The WGL search against a brute-force checker that tries every order of the operations, on
 * thousands of small random histories with crashed, failed and never-completed operations.
 * fast-check prints the seed and path that reproduce any failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkLinearizable, createModel, type ModelOptions } from '../../../checkers/linearizable/index.js';
import { bruteForce, buildHistory, type OpMaker } from './helpers.js';

const vals = (a: number): number | null => (a % 4 === 3 ? null : a % 4);

const makers: Record<string, { model: string; options: ModelOptions; brute?: ModelOptions; maker: OpMaker }> = {
  'cas-register (initial null)': {
    model: 'cas-register',
    options: {},
    maker: {
      invoke: (a, b) => (a % 3 === 0 ? { f: 'read', value: null } : a % 3 === 1 ? { f: 'write', value: b % 3 } : { f: 'cas', value: [vals(b), b % 3] }),
      ok: (f, input, a) => (f === 'read' ? vals(a) : input),
    },
  },
  'cas-register (initial 0, nil reads unknown)': {
    model: 'cas-register',
    options: { initial: 0, nilReadIsUnknown: true },
    maker: {
      invoke: (a, b) => (a % 3 === 0 ? { f: 'read', value: null } : a % 3 === 1 ? { f: 'write', value: b % 3 } : { f: 'cas', value: [b % 3, (b + 1) % 3] }),
      ok: (f, input, a) => (f === 'read' ? vals(a) : input),
    },
  },
  'kv (partitioned, brute force on one map state)': {
    model: 'kv',
    options: {},
    brute: { partitioned: false },
    maker: {
      invoke: (a, b) => {
        const k = b % 2 === 0 ? 'x' : 'y';
        return a % 3 === 0 ? { f: 'read', value: [k, null] } : a % 3 === 1 ? { f: 'write', value: [k, (b >> 1) % 3] } : { f: 'cas', value: [k, [vals(b >> 1), (b >> 1) % 3]] };
      },
      ok: (f, input, a) => (f === 'read' ? [(input as unknown[])[0], vals(a)] : input),
    },
  },
  'string-kv': {
    model: 'string-kv',
    options: {},
    brute: { partitioned: false },
    maker: {
      invoke: (a, b) => {
        const k = b % 2 === 0 ? 'x' : 'y';
        return a % 3 === 0 ? { f: 'get', value: [k, null] } : { f: a % 3 === 1 ? 'put' : 'append', value: [k, String(b % 3)] };
      },
      ok: (f, input, a) => (f === 'get' ? [(input as unknown[])[0], ['', '0', '1', '01', '10', '2'][a % 6]] : input),
    },
  },
  mutex: {
    model: 'mutex',
    options: {},
    maker: { invoke: (a) => ({ f: a % 2 === 0 ? 'acquire' : 'release' }), ok: () => undefined },
  },
  set: {
    model: 'set',
    options: {},
    maker: {
      invoke: (a, b) => (a % 3 === 0 ? { f: 'read' } : { f: 'add', value: b % 3 }),
      ok: (f, input, a) => (f === 'read' ? [[], [0], [1], [0, 1], [2], [0, 2]][a % 6] : input),
    },
  },
  'fifo-queue': {
    model: 'fifo-queue',
    options: {},
    maker: {
      invoke: (a, b) => (a % 2 === 0 ? { f: 'enqueue', value: b % 3 } : { f: 'dequeue' }),
      ok: (f, input, a) => (f === 'dequeue' ? a % 3 : input),
    },
  },
  'unordered-queue': {
    model: 'unordered-queue',
    options: {},
    maker: {
      invoke: (a, b) => (a % 2 === 0 ? { f: 'enqueue', value: b % 3 } : { f: 'dequeue' }),
      ok: (f, input, a) => (f === 'dequeue' ? a % 3 : input),
    },
  },
  'multi-register': {
    model: 'multi-register',
    options: { initial: { x: 0, y: 0 } },
    maker: {
      invoke: (a, b) =>
        a % 2 === 0
          ? { f: 'txn', value: [['read', 'x', null], ['read', 'y', null]] }
          : { f: 'txn', value: [[ 'write', b % 2 === 0 ? 'x' : 'y', b % 3]] },
      ok: (_f, input, a) =>
        (input as unknown[][]).map((m) => (m[0] === 'read' ? ['read', m[1], (a >> (m[1] === 'x' ? 0 : 2)) % 3] : m)),
    },
  },
};

const stepArb = fc.array(fc.tuple(fc.nat(3), fc.nat(63), fc.nat(63), fc.nat(9)), { minLength: 1, maxLength: 20 });

describe('WGL search agrees with brute force', () => {
  for (const [name, spec] of Object.entries(makers)) {
    it(`${name}: 600 random histories`, () => {
      const model = createModel(spec.model, spec.options);
      const bruteModel = createModel(spec.model, { ...spec.options, ...(spec.brute ?? {}) });
      const seen = { true: 0, false: 0 };
      fc.assert(
        fc.property(stepArb, (steps) => {
          const events = buildHistory(spec.maker, steps, 7);
          const expected = bruteForce(bruteModel, events);
          const r = checkLinearizable(model, events, { stopAtFirstInvalid: false });
          seen[String(expected) as 'true' | 'false']++;
          expect(r.valid).toBe(expected);
          if (r.valid === false) {
            // A counterexample names a completed operation and a prefix that really is legal.
            const bad = r.partitions.find((p) => p.valid === false)!.counterexample!;
            expect(bad.op.status).toBe('ok');
          }
        }),
        { numRuns: 600 },
      );
      // The generator must produce both verdicts, or this test could not fail.
      expect(seen.true).toBeGreaterThan(30);
      expect(seen.false).toBeGreaterThan(30);
    });
  }
});
