/**
 * Workload `register`: read, write and compare-and-set on independent keys (Maelstrom's lin-kv,
 * Jepsen's independent cas-register), judged by the linearizability checker with the `kv` model.
 *
 * Ops in the history carry Jepsen's independent tuples: a read invokes `[k, null]` and completes
 * `[k, v]`; a write is `[k, v]`; a cas is `[k, [from, to]]`. Each group of workers moves to a
 * fresh key every OPS_PER_KEY ops, so a stale read or a lost write shows on a key whose whole
 * history is short, and every key is read once more after the final heal.
 *
 * Values are unique per key (the default, `values: "unique"`): the n-th op drawn on a key writes
 * n + 1 (a write, or the `to` of a cas whose `from` is one of the few values drawn just before),
 * so a read names the one write it saw and a stale or lost value cannot hide behind an equal
 * later one. `values: "small"` draws 0-4 as earlier versions did (cas succeeds more often).
 *
 *   faultline run --system atomic-kv --workload register --nemesis kill,pause --time-limit 15
 */
import { z } from 'zod';
import { isHarnessEvent, type HistoryEvent } from '../checkers/history/types.js';
import { each, independentKeys, type Generator, type PureRng } from './generator.js';
import type { CheckOptions, CheckOutcome, Completion, Workload, WorkloadClient, WorkloadGeneratorOptions, WorkloadOptionsSpec } from './types.js';
import { checkKv } from './register-check.js';
import { countObserved } from './observed.js';

/** Values written and cas'd: 0..VALUE_MAX. */
const VALUE_MAX = 4;
/** Workers that share one key at a time. */
const PROCESSES_PER_KEY_MAX = 4;
/** Ops on a key before its workers move to a fresh one: keeps each key's history small. */
const OPS_PER_KEY = 120;

type Op = { f: string; value: unknown };

function keyOf(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : undefined;
}

/** How far back (in ops on the key) a unique-values cas looks for the value it expects. */
const CAS_BACK_MAX = 3;

/** One op on `key` with a value unique to it: the n-th op drawn on the key writes n + 1. */
function drawUnique(key: number, rng0: PureRng, n: number, cas = true): [Op, PureRng] {
  const [kind, rng1] = rng0.int(0, cas ? 2 : 1);
  if (kind === 0) return [{ f: 'read', value: [key, null] }, rng1];
  if (kind === 1 || n === 0) return [{ f: 'write', value: [key, n + 1] }, rng1];
  const [back, rng2] = rng1.int(1, Math.min(CAS_BACK_MAX, n));
  return [{ f: 'cas', value: [key, [n + 1 - back, n + 1]] }, rng2];
}

function draw(key: number, rng0: PureRng, _n = 0, cas = true): [Op, PureRng] {
  const [kind, rng1] = rng0.int(0, cas ? 2 : 1);
  if (kind === 0) return [{ f: 'read', value: [key, null] }, rng1];
  if (kind === 1) {
    const [v, rng2] = rng1.int(0, VALUE_MAX);
    return [{ f: 'write', value: [key, v] }, rng2];
  }
  const [from, rng2] = rng1.int(0, VALUE_MAX);
  const [to, rng3] = rng2.int(0, VALUE_MAX);
  return [{ f: 'cas', value: [key, [from, to]] }, rng3];
}

/** How register ops map to lin-kv messages (shared/specs/wire-protocol.md) and back. */
export const registerClient: WorkloadClient = {
  request(op: Op): Record<string, unknown> {
    const [key, payload] = op.value as [unknown, unknown];
    switch (op.f) {
      case 'read':
        return { type: 'read', key };
      case 'write':
        return { type: 'write', key, value: payload };
      case 'cas': {
        const [from, to] = payload as [unknown, unknown];
        return { type: 'cas', key, from, to };
      }
      default:
        throw new RangeError(`register has no op "${op.f}"`);
    }
  },
  complete(op: Op, reply: Record<string, unknown>): Completion {
    const [key] = op.value as [unknown, unknown];
    const expected = `${op.f}_ok`;
    if (reply.type !== expected) throw new Error(`expected ${expected}, got ${String(reply.type)}`);
    if (op.f === 'read') return { type: 'ok', value: [key, reply.value === undefined ? null : reply.value] };
    return { type: 'ok', value: op.value };
  },
  readOnly(op: Op): boolean {
    return op.f === 'read';
  },
};

/**
 * The register workload's options: `values`, unique per key (default) or small (0-4); `cas`,
 * whether compare-and-set is drawn beside reads and writes (default true; a store without cas, as
 * dynamokv, says `false` in its manifest's `workloadOptions`).
 */
export type RegisterOptions = {
  values: 'unique' | 'small';
  cas: boolean;
};

export const registerOptions: WorkloadOptionsSpec<RegisterOptions> = {
  schema: z.object({ values: z.enum(['unique', 'small']).optional(), cas: z.boolean().optional() }).strict(),
  defaults: { values: 'unique', cas: true },
};

/** The register workload. */
export const register: Workload = {
  name: 'register',
  description: 'read/write/cas on independent keys; checked for linearizability (kv model)',
  options: registerOptions,
  generator(opts: WorkloadGeneratorOptions): Generator {
    const o = (opts.workloadOptions ?? {}) as Partial<RegisterOptions>;
    const cas = o.cas ?? true;
    const pick = o.values === 'small' ? draw : drawUnique;
    return independentKeys({
      rng: opts.rng,
      perKey: Math.max(1, Math.min(PROCESSES_PER_KEY_MAX, opts.concurrency)),
      opsPerKey: OPS_PER_KEY,
      draw: (key, rng, n) => pick(key, rng, n, cas),
    });
  },
  client: registerClient,
  finalGenerator(history: readonly HistoryEvent[]): Generator {
    // One read of every key the run touched, after the faults are healed.
    const seen = new Map<string, unknown>();
    for (const e of history) {
      if (isHarnessEvent(e) || e.type !== 'invoke') continue;
      const k = keyOf(e.value);
      if (k !== undefined) seen.set(JSON.stringify(k), k);
    }
    return each([...seen.values()].map((k) => ({ f: 'read', value: [k, null] })));
  },
  observedWrites(history: readonly HistoryEvent[]): number {
    return countObserved(
      history,
      (e, written) => {
        if (!Array.isArray(e.value)) return;
        const [key, payload] = e.value as [unknown, unknown];
        if (e.f === 'write') written.add(key, payload);
        else if (e.f === 'cas' && Array.isArray(payload)) written.add(key, payload[1]);
      },
      // A read of null saw the initial state, never a write.
      (e, written) => e.f === 'read' && Array.isArray(e.value) && e.value[1] !== null && written.has(e.value[0], e.value[1]),
    );
  },
  checker(history: readonly HistoryEvent[], opts: CheckOptions): Promise<CheckOutcome> {
    return checkKv(history, opts);
  },
};
