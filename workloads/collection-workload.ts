/**
 * What the grow-only workloads (`set`, `counter`) share: independent keys, `add` and `read` ops
 * carrying Jepsen's independent tuples (`add [k, x]`, `read [k, null] -> [k, value]`), a final
 * read of every key after the heal, and a checker from checkers/collections.
 *
 * Wire messages: `{"type":"<name>_add","key":k,...}` and `{"type":"<name>_read","key":k}`, whose
 * `_ok` reply carries `value` (workloads/wire/rpc.ts, COLLECTION_RPCS).
 */
import { z } from 'zod';
import { isHarnessEvent, type HistoryEvent } from '../checkers/history/types.js';
import type { CollectionAnomaly } from '../checkers/collections/index.js';
import { each, independentKeys, type Generator, type KeyedOpDraw } from './generator.js';
import { countObserved, type WrittenValues } from './observed.js';
import type { CheckOptions, CheckOutcome, CheckerResult, Completion, Workload, WorkloadClient, WorkloadGeneratorOptions } from './types.js';

/** Workers that share one key at a time. */
const PROCESSES_PER_KEY_MAX = 4;

type Op = { f: string; value: unknown };

/** How one grow-only workload differs from the other. */
export interface CollectionWorkloadSpec {
  name: string;
  description: string;
  /** The request field that carries what an add adds (`element`, `delta`). */
  addField: string;
  /** Ops on a key before its workers move to a fresh key. */
  opsPerKey: number;
  draw: KeyedOpDraw;
  /** Whether an ok read's value is well-formed (a list, an integer). */
  validRead: (v: unknown) => boolean;
  /** Records what an add invocation added, for `observedWrites`. */
  collect: (key: unknown, payload: unknown, written: WrittenValues) => void;
  /** Whether an ok read saw something some add added. */
  observes: (key: unknown, value: unknown, written: WrittenValues) => boolean;
  /** The checker: a verdict and its first anomaly. */
  check: (history: readonly HistoryEvent[]) => { valid: boolean | 'unknown'; explanation: string; firstAnomaly: CollectionAnomaly | null };
}

/** Builds a grow-only workload from its spec. */
export function collectionWorkload(spec: CollectionWorkloadSpec): Workload {
  const client: WorkloadClient = {
    request(op: Op): Record<string, unknown> {
      const [key, payload] = op.value as [unknown, unknown];
      if (op.f === 'add') return { type: `${spec.name}_add`, key, [spec.addField]: payload };
      if (op.f === 'read') return { type: `${spec.name}_read`, key };
      throw new RangeError(`${spec.name} has no op "${op.f}"`);
    },
    complete(op: Op, reply: Record<string, unknown>): Completion {
      const expected = `${spec.name}_${op.f}_ok`;
      if (reply.type !== expected) throw new Error(`expected ${expected}, got ${String(reply.type)}`);
      if (op.f !== 'read') return { type: 'ok', value: op.value };
      if (!spec.validRead(reply.value)) throw new Error(`${expected}: malformed value ${JSON.stringify(reply.value)?.slice(0, 80)}`);
      return { type: 'ok', value: [(op.value as [unknown, unknown])[0], reply.value] };
    },
    readOnly: (op: Op) => op.f === 'read',
  };
  return {
    name: spec.name,
    description: spec.description,
    options: { schema: z.object({}).strict(), defaults: {} },
    generator(opts: WorkloadGeneratorOptions): Generator {
      return independentKeys({ rng: opts.rng, perKey: Math.max(1, Math.min(PROCESSES_PER_KEY_MAX, opts.concurrency)), opsPerKey: spec.opsPerKey, draw: spec.draw });
    },
    client,
    finalGenerator(history: readonly HistoryEvent[]): Generator {
      // One read of every key the run touched, after the faults are healed.
      const seen = new Map<string, unknown>();
      for (const e of history) {
        if (isHarnessEvent(e) || e.type !== 'invoke' || !Array.isArray(e.value)) continue;
        seen.set(JSON.stringify(e.value[0]), e.value[0]);
      }
      return each([...seen.values()].map((k) => ({ f: 'read', value: [k, null] })));
    },
    observedWrites(history: readonly HistoryEvent[]): number {
      return countObserved(
        history,
        (e, written) => {
          if (e.f === 'add' && Array.isArray(e.value)) spec.collect(e.value[0], e.value[1], written);
        },
        (e, written) => e.f === 'read' && Array.isArray(e.value) && spec.observes(e.value[0], e.value[1], written),
      );
    },
    async checker(history: readonly HistoryEvent[], _opts: CheckOptions): Promise<CheckOutcome> {
      const result = spec.check(history);
      const { firstAnomaly, ...rest } = result;
      const verdict: CheckerResult = { ...rest, firstAnomaly };
      return { checkers: { [spec.name]: verdict }, firstAnomaly };
    },
  };
}
