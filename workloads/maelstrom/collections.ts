/**
 * Maelstrom's grow-only workloads: `broadcast` and `g-set` (checked by set-full, with the stable
 * latency of every element) and `g-counter` and `pn-counter` (checked by the counter bounds rule
 * on the final reads, as Maelstrom checks them: the counters are only eventually consistent).
 *
 *   broadcast  {"type":"broadcast","message":7} -> broadcast_ok;  {"type":"read"} -> read_ok {"messages":[...]}
 *   g-set      {"type":"add","element":7} -> add_ok;              {"type":"read"} -> read_ok {"value":[...]}
 *   g-counter  {"type":"add","delta":3} -> add_ok (delta >= 0);   {"type":"read"} -> read_ok {"value":12}
 *   pn-counter the same, with negative deltas too
 *
 * Broadcast nodes get `topology` first (harness/maelstrom/params.ts). After the heal and a settle,
 * every worker reads once more (`final-read` in the history, a plain `read` on the wire), so that
 * every node is asked when there are at least as many workers as nodes.
 */
import { checkCounter } from '../../checkers/collections/counter.js';
import { checkSetFull } from '../../checkers/collections/set-full.js';
import { isHarnessEvent, type HistoryEvent } from '../../checkers/history/types.js';
import type { CheckOutcome, Completion, Workload } from '../types.js';
import { onAnyFree, onEveryWorker } from './gen.js';
import { withMaelstromOptions } from './options.js';

/** The history's f of the reads after the heal. */
const FINAL_READ = 'final-read';

/** Events with the workload's add function renamed `add` and final reads kept as reads (or only they). */
function asCollection(history: readonly HistoryEvent[], addF: string, finalReadsOnly: boolean): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  for (const e of history) {
    if (isHarnessEvent(e)) continue;
    if (e.f === addF) out.push(addF === 'add' ? e : { ...e, f: 'add' });
    else if (e.f === FINAL_READ) out.push({ ...e, f: 'read' });
    else if (e.f === 'read' && !finalReadsOnly) out.push(e);
  }
  return out;
}

interface SetSpec {
  name: string;
  description: string;
  addF: string;
  request: (value: unknown) => Record<string, unknown>;
  /** The field of read_ok holding the elements. */
  readField: string;
}

function setWorkload(spec: SetSpec): Workload {
  return {
    name: spec.name,
    description: spec.description,
    options: withMaelstromOptions(null),
    generator: (opts) =>
      onAnyFree(opts.rng, (n, rng) => {
        const [r, rng1] = rng.int(0, 1);
        return [r === 0 ? { f: spec.addF, value: n } : { f: 'read', value: null }, rng1];
      }),
    client: {
      request: (op) => (op.f === spec.addF ? spec.request(op.value) : { type: 'read' }),
      complete(op, reply): Completion {
        if (op.f === spec.addF) {
          if (reply.type !== `${spec.request(op.value).type as string}_ok`) throw new Error(`unexpected reply ${String(reply.type)}`);
          return { type: 'ok', value: op.value };
        }
        if (reply.type !== 'read_ok' || !Array.isArray(reply[spec.readField])) throw new Error(`read_ok without a list in ${spec.readField}`);
        return { type: 'ok', value: reply[spec.readField] };
      },
      readOnly: (op) => op.f !== spec.addF,
    },
    finalGenerator: () => onEveryWorker({ f: FINAL_READ, value: null }),
    observedWrites: (history) =>
      history.filter((e) => !isHarnessEvent(e) && e.type === 'ok' && (e.f === 'read' || e.f === FINAL_READ) && Array.isArray(e.value) && e.value.length > 0).length,
    async checker(history): Promise<CheckOutcome> {
      const r = checkSetFull(asCollection(history, spec.addF, false));
      const { points: _points, ...result } = r;
      const anomalyTypes = (['lost', 'unexpected', 'duplicated'] as const).filter((k) => r[k] > 0);
      return { checkers: { 'set-full': { ...result, anomalyTypes } }, firstAnomaly: r.firstAnomaly };
    },
  };
}

/** Maelstrom's broadcast. */
export const broadcast = setWorkload({
  name: 'broadcast',
  description: "Maelstrom's broadcast: every message broadcast reaches every node (set-full, stable latency)",
  addF: 'broadcast',
  request: (v) => ({ type: 'broadcast', message: v }),
  readField: 'messages',
});

/** Maelstrom's g-set. */
export const gSet = setWorkload({
  name: 'g-set',
  description: "Maelstrom's g-set: a grow-only set; every element added is read by every node in the end (set-full)",
  addF: 'add',
  request: (v) => ({ type: 'add', element: v }),
  readField: 'value',
});

function counterWorkload(name: string, description: string, deltaMin: number): Workload {
  return {
    name,
    description,
    options: withMaelstromOptions(null),
    generator: (opts) =>
      onAnyFree(opts.rng, (_n, rng) => {
        const [r, rng1] = rng.int(0, 1);
        if (r === 1) return [{ f: 'read', value: null }, rng1];
        const [delta, rng2] = rng1.int(deltaMin, 5);
        return [{ f: 'add', value: delta }, rng2];
      }),
    client: {
      request: (op) => (op.f === 'add' ? { type: 'add', delta: op.value } : { type: 'read' }),
      complete(op, reply): Completion {
        if (op.f === 'add') {
          if (reply.type !== 'add_ok') throw new Error(`expected add_ok, got ${String(reply.type)}`);
          return { type: 'ok', value: op.value };
        }
        if (reply.type !== 'read_ok' || !Number.isSafeInteger(reply.value)) throw new Error('read_ok without an integer value');
        return { type: 'ok', value: reply.value };
      },
      readOnly: (op) => op.f !== 'add',
    },
    finalGenerator: () => onEveryWorker({ f: FINAL_READ, value: null }),
    observedWrites: (history) =>
      history.filter((e) => !isHarnessEvent(e) && e.type === 'ok' && (e.f === 'read' || e.f === FINAL_READ) && typeof e.value === 'number' && e.value !== 0).length,
    async checker(history): Promise<CheckOutcome> {
      // Maelstrom judges the final reads only: before the heal a counter may lag.
      const r = checkCounter(asCollection(history, 'add', true));
      return { checkers: { counter: { ...r, anomalyTypes: r.errorCount > 0 ? ['out-of-bounds'] : [] } }, firstAnomaly: r.firstAnomaly };
    },
  };
}

/** Maelstrom's g-counter. */
export const gCounter = counterWorkload('g-counter', "Maelstrom's g-counter: every node's final read is the sum of the increments that happened", 0);

/** Maelstrom's pn-counter. */
export const pnCounter = counterWorkload('pn-counter', "Maelstrom's pn-counter: increments and decrements; every node's final read within the bounds of what happened", -5);
