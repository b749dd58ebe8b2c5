/**
 * The WGL search against a brute-force checker that tries every order of the operations, on
 * thousands of small random histories with crashed, failed and never-completed operations.
 * fast-check prints the seed and path that reproduce any failure.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pairOperations, type HistoryEvent } from '../../../checkers/history/index.js';
import { checkLinearizable, createModel, ILLEGAL, UNKNOWN, type Model, type ModelOptions } from '../../../checkers/linearizable/index.js';

/** Linearizable iff some order of all ok ops and any subset of crashed ones, respecting real time, is legal. */
function bruteForce(model: Model<any, any>, events: HistoryEvent[]): boolean {
  const ops = pairOperations(events).operations.filter((o) => o.status !== 'fail');
  const inputs = ops.map((o) => model.prepare(o));
  const outputs = ops.map((o) => (o.status === 'ok' ? o.output : UNKNOWN));
  const used = ops.map(() => false);
  const okTotal = ops.filter((o) => o.status === 'ok').length;
  const rec = (state: unknown, okLeft: number): boolean => {
    if (okLeft === 0) return true;
    for (let i = 0; i < ops.length; i++) {
      if (used[i]) continue;
      // i may go next only if every op that completed before i was invoked is already placed.
      if (ops.some((o, j) => !used[j] && o.status === 'ok' && o.returnPos < ops[i]!.callPos)) continue;
      const next = model.step(state, inputs[i], outputs[i]);
      if (next === ILLEGAL) continue;
      used[i] = true;
      if (rec(next, okLeft - (ops[i]!.status === 'ok' ? 1 : 0))) return true;
      used[i] = false;
    }
    return false;
  };
  return rec(model.init(), okTotal);
}

/** How a model's random operations look: invocation and ok output from small random numbers. */
interface OpMaker {
  invoke(a: number, b: number): { f: string; value?: unknown };
  ok(f: string, input: unknown, a: number, b: number): unknown;
}

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

/** Random history: each step picks a process; idle ones invoke, busy ones complete (ok/fail/info). */
function buildHistory(maker: OpMaker, steps: Array<[number, number, number, number]>, maxOps: number): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  const open = new Map<number, { f: string; value?: unknown }>();
  let nextProcess = 4;
  const procs = [0, 1, 2, 3];
  let invoked = 0;
  for (const [p, a, b, outcome] of steps) {
    const slot = p % procs.length;
    const proc = procs[slot]!;
    const cur = open.get(proc);
    if (!cur) {
      if (invoked >= maxOps) continue;
      const inv = maker.invoke(a, b);
      open.set(proc, inv);
      invoked++;
      events.push({ index: events.length, type: 'invoke', process: proc, ...inv });
    } else {
      open.delete(proc);
      const type = outcome < 6 ? 'ok' : outcome < 8 ? 'fail' : 'info';
      const e: HistoryEvent = { index: events.length, type, process: proc, f: cur.f };
      const value = type === 'ok' ? maker.ok(cur.f, cur.value, a, b) : cur.value;
      if (value !== undefined) e.value = value;
      events.push(e);
      // A process whose op crashed is retired, as in Jepsen.
      if (type === 'info') procs[slot] = nextProcess++;
    }
  }
  return events;
}

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
