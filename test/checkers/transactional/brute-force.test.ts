/**
 * The list-append checker against a dumb alternative: on small random histories, a history is
 * serializable exactly when some order of its transactions, run one at a time, returns every read
 * as observed. Histories come from a store that commits transactions in a random order and lets
 * each read see a random prefix of that order (plus its own appends), so about half are
 * serializable and the rest show every kind of anomaly.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { checkListAppend } from '../../../checkers/transactional/list-append.js';
import type { MicroOp } from '../../../checkers/transactional/types.js';
import { history } from '../../support/txn-history.js';

type Plan = { key: number; append: boolean }[];

const arbCase = fc.record({
  plans: fc.array(fc.array(fc.record({ key: fc.nat(1), append: fc.boolean() }), { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 5 }),
  order: fc.array(fc.nat(), { minLength: 5, maxLength: 5 }),
  views: fc.array(fc.nat(5), { minLength: 20, maxLength: 20 }),
  honest: fc.boolean(),
});

const KEYS = ['x', 'y'];

/** Runs the plans: commit order from `order`, each read sees a prefix of committed transactions. */
function execute(plans: Plan[], order: number[], views: number[], honest: boolean): MicroOp[][] {
  const n = plans.length;
  const commit = [...Array(n).keys()].sort((a, b) => (order[a]! % 7) - (order[b]! % 7) || a - b);
  const value = new Map<number, number>();
  const appendsOf = plans.map((p, t) => p.map((m) => (m.append ? (value.set(m.key, (value.get(m.key) ?? 0) + 1), t * 10 + value.get(m.key)!) : 0)));
  const txns: MicroOp[][] = plans.map(() => []);
  let v = 0;
  commit.forEach((t, pos) => {
    const own = new Map<number, number[]>();
    plans[t]!.forEach((m, i) => {
      if (m.append) {
        const x = appendsOf[t]![i]!;
        own.set(m.key, [...(own.get(m.key) ?? []), x]);
        txns[t]!.push(['append', KEYS[m.key]!, x]);
        return;
      }
      // Honest: see exactly the transactions committed before. Else any prefix of the commit order.
      const seen = honest ? pos : Math.min(n, views[v++ % views.length]!);
      const list: number[] = [];
      for (const u of commit.slice(0, seen)) {
        if (u === t) continue;
        plans[u]!.forEach((mu, j) => {
          if (mu.append && mu.key === m.key) list.push(appendsOf[u]![j]!);
        });
      }
      txns[t]!.push(['r', KEYS[m.key]!, [...list, ...(own.get(m.key) ?? [])]]);
    });
  });
  return txns;
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

/** True when some serial order returns every read as observed. */
function bruteForceSerializable(txns: MicroOp[][]): boolean {
  return permutations(txns.length).some((perm) => {
    const state = new Map<string, unknown[]>();
    for (const t of perm) {
      for (const [f, k, val] of txns[t]!) {
        const cur = state.get(k as string) ?? [];
        if (f === 'append') state.set(k as string, [...cur, val]);
        else if (JSON.stringify(cur) !== JSON.stringify(val)) return false;
      }
    }
    return true;
  });
}

test('serializable exactly when some serial order explains every read', () => {
  let valid = 0;
  let invalid = 0;
  fc.assert(
    fc.property(arbCase, ({ plans, order, views, honest }) => {
      const txns = execute(plans, order, views, honest);
      const h = history(txns.map((ops) => ({ ops })), { concurrent: true });
      const expected = bruteForceSerializable(txns);
      const r = checkListAppend(h, { consistencyModel: 'serializable' });
      expect(r.valid, JSON.stringify(txns) + ' ' + r.anomalyTypes.join(',')).toBe(expected);
      if (expected) valid++;
      else invalid++;
    }),
    { numRuns: 1500, seed: 11 },
  );
  // Both outcomes must be well represented, or the property says little.
  expect(valid).toBeGreaterThan(200);
  expect(invalid).toBeGreaterThan(200);
});

/** Registers: the same store, where a read returns the last value written in the prefix it sees. */
function executeRegisters(plans: Plan[], order: number[], views: number[], honest: boolean): MicroOp[][] {
  const lists = execute(plans, order, views, honest);
  return lists.map((ops) =>
    ops.map((m): MicroOp => (m[0] === 'append' ? ['w', m[1], m[2]] : ['r', m[1], (m[2] as number[]).at(-1) ?? null])),
  );
}

function bruteForceRegisters(txns: MicroOp[][]): boolean {
  return permutations(txns.length).some((perm) => {
    const state = new Map<string, unknown>();
    for (const t of perm) {
      for (const [f, k, val] of txns[t]!) {
        if (f === 'w') state.set(k as string, val);
        else if ((state.get(k as string) ?? null) !== val) return false;
      }
    }
    return true;
  });
}

test('rw-register: whatever it calls non-serializable is, and it catches some', async () => {
  const { checkRwRegister } = await import('../../../checkers/transactional/rw-register.js');
  let caught = 0;
  fc.assert(
    fc.property(arbCase, ({ plans, order, views, honest }) => {
      const txns = executeRegisters(plans, order, views, honest);
      const h = history(txns.map((ops) => ({ ops })), { concurrent: true });
      const r = checkRwRegister(h, { consistencyModel: 'serializable' });
      if (r.valid === false) {
        caught++;
        expect(bruteForceRegisters(txns), JSON.stringify(txns) + ' ' + r.anomalyTypes.join(',')).toBe(false);
      }
    }),
    { numRuns: 1500, seed: 13 },
  );
  expect(caught).toBeGreaterThan(100);
});

test('strict serializable exactly when some serial order that respects real time explains every read', () => {
  const arbTimed = fc.record({
    base: arbCase,
    spans: fc.array(fc.tuple(fc.nat(8), fc.integer({ min: 1, max: 6 })), { minLength: 5, maxLength: 5 }),
  });
  let valid = 0;
  let invalid = 0;
  fc.assert(
    fc.property(arbTimed, ({ base, spans }) => {
      const txns = execute(base.plans, base.order, base.views, base.honest);
      // Lay each transaction out in time: invoked at 2*start, completed at 2*(start+len)+1.
      const events: { at: number; e: object }[] = [];
      txns.forEach((ops, p) => {
        const [start, len] = spans[p]!;
        events.push({ at: start * 2, e: { type: 'invoke', process: p, f: 'txn', value: ops.map((m) => (m[0] === 'r' ? ['r', m[1], null] : m)) } });
        events.push({ at: (start + len) * 2 + 1, e: { type: 'ok', process: p, f: 'txn', value: ops } });
      });
      events.sort((a, b) => a.at - b.at);
      const h = events.map((x, i) => ({ ...x.e, index: i })) as never;
      const before = (a: number, b: number): boolean => spans[a]![0] + spans[a]![1] < spans[b]![0];
      const expected = permutations(txns.length).some((perm) => {
        for (let i = 0; i < perm.length; i++) for (let j = i + 1; j < perm.length; j++) if (before(perm[j]!, perm[i]!)) return false;
        const state = new Map<string, unknown[]>();
        for (const t of perm) {
          for (const [f, k, val] of txns[t]!) {
            const cur = state.get(k as string) ?? [];
            if (f === 'append') state.set(k as string, [...cur, val]);
            else if (JSON.stringify(cur) !== JSON.stringify(val)) return false;
          }
        }
        return true;
      });
      const r = checkListAppend(h, { consistencyModel: 'strict-serializable' });
      expect(r.valid, JSON.stringify({ txns, spans }) + ' ' + r.anomalyTypes.join(',')).toBe(expected);
      if (expected) valid++;
      else invalid++;
    }),
    { numRuns: 1500, seed: 17 },
  );
  expect(valid).toBeGreaterThan(100);
  expect(invalid).toBeGreaterThan(200);
});
