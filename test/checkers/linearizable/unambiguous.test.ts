/**
 * The unambiguous-register procedure against the search and brute force, on thousands of small
 * random histories whose values are never written twice (crashed, failed and never-completed
 * operations included), and each of its rules shown to be needed: with one turned off, the same
 * property finds a history it gets wrong.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairOperations, type HistoryEvent } from '../../../checkers/history/index.js';
import {
  checkLinearizable,
  checkUnambiguousRegister,
  createModel,
  type RegisterOp,
} from '../../../checkers/linearizable/index.js';
import type { UnambiguousRules } from '../../../checkers/linearizable/unambiguous.js';
import { generateRegisterHistory } from '../../../bench/generate.js';
import { bruteForce, buildHistory, h, type OpMaker } from './helpers.js';

/**
 * Operations whose written values are unique within one history: writes and cas put 100, 101...;
 * reads see, and cas expect, null (the initial value), a value already written, or now and then
 * one never written.
 */
function uniqueMaker(keyed: boolean): OpMaker {
  let next = 100;
  const written: number[] = [];
  const pool = (a: number): number | null => {
    if (a % 11 === 10) return 999;
    const k = a % (written.length + 1);
    return k === written.length ? null : written[written.length - 1 - k]!;
  };
  const wrap = (key: string, v: unknown) => (keyed ? [key, v] : v);
  return {
    invoke(a, b) {
      const key = b % 2 === 0 ? 'x' : 'y';
      if (a % 3 === 0) return { f: 'read', value: wrap(key, null) };
      const v = next++;
      written.push(v);
      return a % 3 === 1 ? { f: 'write', value: wrap(key, v) } : { f: 'cas', value: wrap(key, [pool(b >> 1), v]) };
    },
    ok(f, input, a) {
      if (f !== 'read') return input;
      return keyed ? [(input as unknown[])[0], pool(a)] : pool(a);
    },
  };
}

const stepArb = fc.array(fc.tuple(fc.nat(3), fc.nat(63), fc.nat(63), fc.nat(9)), { minLength: 1, maxLength: 22 });

function registerOps(events: HistoryEvent[]) {
  const model = createModel('cas-register');
  const ops = pairOperations(events).operations.filter((o) => o.status !== 'fail' && !(o.status !== 'ok' && o.f === 'read'));
  return { ops, inputs: ops.map((o) => model.registerOp!(model.prepare(o)) as RegisterOp) };
}

describe('unambiguous registers: the procedure agrees with the search and brute force', () => {
  for (const keyed of [false, true]) {
    it(`${keyed ? 'kv (two keys)' : 'cas-register'}: 1500 random histories`, () => {
      const model = createModel(keyed ? 'kv' : 'cas-register');
      const brute = createModel(keyed ? 'kv' : 'cas-register', keyed ? { partitioned: false } : {});
      const seen = { true: 0, false: 0 };
      fc.assert(
        fc.property(stepArb, (steps) => {
          const events = buildHistory(uniqueMaker(keyed), steps, 8);
          const fast = checkLinearizable(model, events, { stopAtFirstInvalid: false });
          const search = checkLinearizable(model, events, { stopAtFirstInvalid: false, method: 'search' });
          for (const p of fast.partitions) expect(p.method).toBe('unambiguous');
          expect(fast.valid).toBe(search.valid);
          expect(fast.valid).toBe(bruteForce(brute, events));
          seen[String(fast.valid) as 'true' | 'false']++;
          if (fast.valid === false) {
            const c = fast.partitions.find((p) => p.valid === false)!.counterexample!;
            expect(c.reason).toBeTruthy();
            expect(c.op.status === 'ok' || c.candidates.length === 0).toBe(true);
          }
        }),
        { numRuns: 1500 },
      );
      // Both verdicts must be common, or this test could not fail.
      expect(seen.true).toBeGreaterThan(100);
      expect(seen.false).toBeGreaterThan(100);
    });
  }

  const rules: Array<keyof UnambiguousRules> = ['segments', 'layout', 'forward', 'backward'];
  for (const rule of rules) {
    it(`without the ${rule} rule, the property finds a history it gets wrong`, () => {
      const out = fc.check(
        fc.property(stepArb, (steps) => {
          const events = buildHistory(uniqueMaker(false), steps, 8);
          const { ops, inputs } = registerOps(events);
          const broken = checkUnambiguousRegister(ops, inputs, null, { [rule]: false });
          const search = checkLinearizable(createModel('cas-register'), events, { method: 'search' });
          return broken === null || broken.valid === search.valid;
        }),
        { numRuns: 20_000, seed: 7 },
      );
      expect(out.failed).toBe(true);
    });
  }
});

describe('unambiguous registers: cases', () => {
  it('a cas pins the value after the one it replaced, so no write may fall between them', () => {
    // write a; cas a->b spans write c and read c; read b comes after: c cannot be placed.
    const events = h(
      [0, 'invoke', 'write', 1],
      [0, 'ok', 'write', 1],
      [0, 'invoke', 'cas', [1, 2]],
      [1, 'invoke', 'write', 3],
      [1, 'ok', 'write', 3],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 3],
      [0, 'ok', 'cas', [1, 2]],
      [1, 'invoke', 'read', null],
      [1, 'ok', 'read', 2],
    );
    const r = checkLinearizable(createModel('cas-register'), events);
    expect(r.valid).toBe(false);
    expect(r.partitions[0]!.method).toBe('unambiguous');
    expect(r.explanation).toContain('Decided without a search');
    expect(r.firstAnomaly).not.toBeNull();
    // The same history read as independent reads and writes would pass: the chain rule matters.
    const { ops, inputs } = registerOps(events);
    expect(checkUnambiguousRegister(ops, inputs, null, { segments: false })).toEqual({ valid: true });
  });

  it('a crashed write that someone read did happen; one nobody read may not have', () => {
    const seen = h([0, 'invoke', 'write', 5], [1, 'invoke', 'read', null], [1, 'ok', 'read', 5], [0, 'info', 'write', 5]);
    expect(checkLinearizable(createModel('cas-register'), seen).valid).toBe(true);
    const unseen = h([0, 'invoke', 'write', 5], [1, 'invoke', 'read', null], [1, 'ok', 'read', null], [0, 'info', 'write', 5]);
    expect(checkLinearizable(createModel('cas-register'), unseen).valid).toBe(true);
    const late = h([1, 'invoke', 'read', null], [1, 'ok', 'read', 5], [0, 'invoke', 'write', 5]);
    const r = checkLinearizable(createModel('cas-register'), late);
    expect(r.valid).toBe(false);
    expect(r.partitions[0]!.counterexample!.reason).toContain('before that value could have been written');
  });

  it('a value written twice goes to the search, and the result says so', () => {
    const events = h([0, 'invoke', 'write', 1], [0, 'ok', 'write', 1], [0, 'invoke', 'write', 1], [0, 'ok', 'write', 1]);
    const r = checkLinearizable(createModel('cas-register'), events);
    expect(r.valid).toBe(true);
    expect(r.partitions[0]!.method).toBe('search');
  });

  it('decides a 100k-op history of 50 processes with every value unique', () => {
    const events = generateRegisterHistory({ operations: 100_000, processes: 50, seed: 3, unique: true });
    const r = checkLinearizable(createModel('cas-register'), events);
    expect(r.valid).toBe(true);
    expect(r.partitions[0]!.method).toBe('unambiguous');
    const bad = generateRegisterHistory({ operations: 100_000, processes: 50, seed: 3, unique: true, corruptLastRead: true });
    const rb = checkLinearizable(createModel('cas-register'), bad);
    expect(rb.valid).toBe(false);
    expect(rb.partitions[0]!.method).toBe('unambiguous');
  });
});
