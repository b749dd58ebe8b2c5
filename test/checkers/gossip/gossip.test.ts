/**
 * The eventual-consistency checkers (checkers/gossip) on small histories in ok/bad pairs: each
 * rule is shown holding and broken, with the explanation that names what broke.
 */
import { describe, expect, test } from 'vitest';
import { checkConvergence, checkCoordinators, checkLostUpdates, checkVisibility, type ClaimView, type StateView } from '../../../checkers/gossip/index.js';
import type { HistoryEvent } from '../../../checkers/history/types.js';

/** A tiny history builder: events get indexes in order, times in ms. */
function history(): { events: HistoryEvent[]; op: (process: number, f: string, invokeValue: unknown, okValue: unknown, atMs: number, doneMs: number, node: string) => void; nemesis: (atMs: number) => void } {
  const events: HistoryEvent[] = [];
  const push = (e: Omit<HistoryEvent, 'index'>) => events.push({ index: events.length, ...e });
  return {
    events,
    op: (process, f, invokeValue, okValue, atMs, doneMs, node) => {
      push({ time: atMs * 1e6, type: 'invoke', process, f, value: invokeValue });
      push({ time: doneMs * 1e6, type: 'ok', process, f, value: okValue, node });
    },
    nemesis: (atMs) => push({ time: atMs * 1e6, type: 'info', process: 'nemesis', f: 'heal', value: null }),
  };
}

/** A node's state holding `data` in n1's section (client key JSON text to [value, version]). */
function state(node: string, data: Record<string, [unknown, number]>, wallUs = 0): StateView {
  return { node, gen: 1, sections: { n1: { gen: 1, maxVer: 9, data, sys: { _hb: [Math.random(), 9] } } }, sent: { Syn: 10 }, rounds: 5, wallUs };
}

function finalRound(h: ReturnType<typeof history>, round: number, atMs: number, states: StateView[]): void {
  states.forEach((s, i) => h.op(100 + round * 10 + i, 'state', { round, node: s.node }, { round, node: s.node, state: s }, atMs, atMs + 1, s.node));
}

describe('convergence', () => {
  test('ok: the second round agrees (heartbeats aside), 1.5 s after the heal', () => {
    const h = history();
    h.nemesis(1000);
    finalRound(h, 0, 2000, [state('n1', { '1': [5, 3] }), state('n2', {})]);
    finalRound(h, 1, 2499, [state('n1', { '1': [5, 3] }), state('n2', { '1': [5, 3] })]);
    const r = checkConvergence(h.events, ['n1', 'n2'], { convergeWithinMs: 10_000 });
    expect(r.valid).toBe(true);
    expect(r.timeToConvergeMs).toBe(1500);
  });

  test('bad: the nodes never agree, and the explanation names the key', () => {
    const h = history();
    h.nemesis(1000);
    finalRound(h, 0, 2000, [state('n1', { '1': [5, 3] }), state('n2', { '1': [4, 2] })]);
    const r = checkConvergence(h.events, ['n1', 'n2'], { convergeWithinMs: 10_000 });
    expect(r.valid).toBe(false);
    expect(r.explanation).toMatchInlineSnapshot(`"no convergence 1001 ms after the heal: the nodes report 2 different states ({n1} vs {n2}); n1's key 1 is [5,3] at n1 and [4,2] at n2 ([value, version])"`);
  });

  test('bad: agreeing later than the bound is an anomaly too', () => {
    const h = history();
    h.nemesis(0);
    finalRound(h, 0, 3000, [state('n1', {}), state('n2', {})]);
    expect(checkConvergence(h.events, ['n1', 'n2'], { convergeWithinMs: 2000 }).valid).toBe(false);
  });

  test('a node that did not answer keeps its round from agreeing', () => {
    const h = history();
    finalRound(h, 0, 2000, [state('n1', {})]);
    expect(checkConvergence(h.events, ['n1', 'n2'], { convergeWithinMs: 10_000 }).valid).toBe(false);
  });
});

describe('lost update', () => {
  test('ok: the acknowledged write, or a newer one at its node, is in every final state', () => {
    const h = history();
    h.op(1, 'write', [1, 4], [1, 4], 10, 20, 'n1');
    h.op(2, 'write', [1, 5], [1, 5], 15, 30, 'n1'); // concurrent with the first: either may be last
    finalRound(h, 0, 2000, [state('n1', { '1': [4, 3] }), state('n2', { '1': [4, 3] })]);
    expect(checkLostUpdates(h.events).valid).toBe(true);
  });

  test('bad: a final state holds a write that was over before the acknowledged one began', () => {
    const h = history();
    h.op(1, 'write', [1, 4], [1, 4], 10, 20, 'n1');
    h.op(2, 'write', [1, 5], [1, 5], 25, 30, 'n1');
    finalRound(h, 0, 2000, [state('n1', { '1': [5, 4] }), state('n2', { '1': [4, 3] })]);
    const r = checkLostUpdates(h.events);
    expect(r.valid).toBe(false);
    expect(r.explanation).toMatchInlineSnapshot(`"n1 acknowledged the write of 5 to key 1, but n2's final state holds 4, written at n1 before it"`);
  });

  test('bad: a final state missing the key altogether', () => {
    const h = history();
    h.op(1, 'write', [2, 7], [2, 7], 10, 20, 'n1');
    finalRound(h, 0, 2000, [state('n1', { '2': [7, 3] }), state('n2', {})]);
    expect(checkLostUpdates(h.events).explanation).toMatch(/n2's final state holds nothing of that key of n1/);
  });
});

describe('visibility', () => {
  const fault = (h: ReturnType<typeof history>, f: string, atMs: number, value: unknown = null) => h.events.push({ index: h.events.length, time: atMs * 1e6, type: 'ok', process: 'nemesis', f, value });
  const o = { visibleWithinMs: 2000 };

  test('ok: a read 2 s after the write, no fault on, holds it (or a newer write at its node)', () => {
    const h = history();
    h.op(1, 'write', [1, 4], [1, 4], 10, 20, 'n1');
    h.op(2, 'write', [1, 5], [1, 5], 15, 30, 'n1');
    h.op(3, 'read', [1, null], [1, { n1: 5 }], 2100, 2110, 'n2');
    expect(checkVisibility(h.events, o)).toMatchObject({ valid: true, readsChecked: 1 });
  });

  test('bad: a read 2 s after the write, no fault on, misses it', () => {
    const h = history();
    h.op(1, 'write', [1, 4], [1, 4], 10, 20, 'n1');
    h.op(3, 'read', [1, null], [1, {}], 2100, 2110, 'n2');
    const r = checkVisibility(h.events, o);
    expect(r.valid).toBe(false);
    expect(r.anomaly?.index).toBe(3);
    expect(r.explanation).toMatchInlineSnapshot(`"n2 answered a read of key 1 with nothing of n1 2080 ms after n1 acknowledged the write of 4 to it, no fault on since before that write (bound 2000 ms)"`);
  });

  test('a read sooner than the bound, or with a fault on since before the write, is not judged', () => {
    const h = history();
    h.op(1, 'write', [1, 4], [1, 4], 10, 20, 'n1');
    h.op(3, 'read', [1, null], [1, {}], 1500, 1510, 'n2');
    fault(h, 'start-partition', 1600);
    fault(h, 'stop-partition', 1700);
    h.op(4, 'read', [1, null], [1, {}], 2500, 2510, 'n2');
    expect(checkVisibility(h.events, o)).toMatchObject({ valid: true, readsChecked: 0 });
  });

  test('clock offsets and duplicated messages do not hold back spreading, so they do not excuse a miss', () => {
    const h = history();
    fault(h, 'start-clock', 0);
    fault(h, 'start-message', 5, { action: 'duplicate' });
    h.op(1, 'write', [1, 4], [1, 4], 10, 20, 'n1');
    h.op(3, 'read', [1, null], [1, { n1: 3 }], 2100, 2110, 'n2');
    expect(checkVisibility(h.events, o).valid).toBe(false);
    fault(h, 'start-message', 2000, { action: 'drop' });
    expect(checkVisibility(h.events, o).valid).toBe(true);
  });
});

describe('coordinator', () => {
  const claim = (node: string, fromMs: number, toMs: number, seen: string[], owners = ['n1', 'n2']): ClaimView => ({ node, gen: 1, fromUs: fromMs * 1000, toUs: toMs * 1000, known: ['n1', 'n2', 'n3'], seen, epoch: 1, owners });
  const withClaims = (claims: ClaimView[]): HistoryEvent[] => {
    const h = history();
    // The state answer ties the nodes' wall clock (here 1,000,000 µs ahead) to the history's.
    finalRound(h, 0, 5000, [state('n1', {}, 5001 * 1000 + 1_000_000)]);
    h.op(200, 'claims', { node: 'n1' }, { node: 'n1', claims }, 5100, 5101, 'n1');
    return h.events;
  };

  test('ok: hand-over without overlap, each claim over a majority', () => {
    const r = checkCoordinators(withClaims([claim('n1', 1000, 2000, ['n1', 'n2', 'n3']), claim('n2', 2500, 3000, ['n2', 'n3'])]));
    expect(r.valid).toBe(true);
  });

  test('bad: two coordinators at once, with conflicting owners, placed on the history clock', () => {
    const r = checkCoordinators(withClaims([claim('n1', 1000, 3000, ['n1', 'n2']), claim('n2', 2500, 4000, ['n2', 'n3'], ['n2', 'n2'])]));
    expect(r.valid).toBe(false);
    expect(r.explanation).toMatchInlineSnapshot(`"n1 and n2 were both coordinator for 500 ms at 1.500 s, seeing {n1,n2} and {n2,n3} (both saw n2); shard 0 is owned by n1 for n1 and by n2 for n2"`);
    expect(r.anomaly?.timeNs).toBe(1500 * 1e6);
  });

  test('bad: a claim over a minority', () => {
    const r = checkCoordinators(withClaims([claim('n1', 1000, 2000, ['n1'])]));
    expect(r.explanation).toMatch(/n1 acted as coordinator at 0.000 s seeing only \{n1\} of \{n1,n2,n3\}, not a majority/);
  });
});
