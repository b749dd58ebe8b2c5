/** Small builders of histories for the checker tests. */
import { pairOperations, type HistoryEvent } from '../../../checkers/history/index.js';
import { ILLEGAL, UNKNOWN, type Model } from '../../../checkers/linearizable/index.js';

/**
 * Builds events from a compact list: [process, type, f, value]. Index is the position.
 * `['n', ...]` entries are nemesis events.
 */
export function h(...rows: Array<[number | 'nemesis', HistoryEvent['type'], string, unknown?]>): HistoryEvent[] {
  return rows.map(([process, type, f, value], index) => {
    const e: HistoryEvent = { index, type, process, f };
    if (value !== undefined) e.value = value;
    return e;
  });
}

/** Linearizable iff some order of all ok ops and any subset of crashed ones, respecting real time, is legal. */
export function bruteForce(model: Model<any, any>, events: HistoryEvent[]): boolean {
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
export interface OpMaker {
  invoke(a: number, b: number): { f: string; value?: unknown };
  ok(f: string, input: unknown, a: number, b: number): unknown;
}

/** Random history: each step picks a process; idle ones invoke, busy ones complete (ok/fail/info). */
export function buildHistory(maker: OpMaker, steps: Array<[number, number, number, number]>, maxOps: number): HistoryEvent[] {
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

