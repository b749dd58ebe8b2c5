/**
 * What list-append and rw-register share as workloads: a pure generator of `txn` operations (one
 * transaction per free worker, keys drawn by txn-gen.ts), the `txn`/`txn_ok` wire mapping, final
 * reads of every key touched, and the transactional checker turned into the harness's
 * CheckOutcome (verdict, explanation, first anomaly).
 */
import { z } from 'zod';
import { isHarnessEvent, type HistoryEvent } from '../checkers/history/types.js';
import { CONSISTENCY_MODELS, type ConsistencyModel, type TxnCheckResult } from '../checkers/transactional/types.js';
import type { GenContext, GenResult, Generator, PureRng } from './generator.js';
import { each } from './generator.js';
import { countObserved } from './observed.js';
import { drawTxn, initialTxnGenState, txnGenDefaults } from './txn-gen.js';
import type { TxnGenOptions, TxnGenState, TxnOp } from './txn-gen.js';
import type { CheckOptions, CheckOutcome, Completion, Workload, WorkloadClient, WorkloadGeneratorOptions, WorkloadOptionsSpec } from './types.js';

class TxnOpGenerator implements Generator {
  constructor(
    private readonly o: Required<TxnGenOptions>,
    private readonly writeF: 'append' | 'w',
    private readonly st: TxnGenState,
    private readonly rng: PureRng,
  ) {}

  op(ctx: GenContext): GenResult {
    if (ctx.free.length === 0) return 'pending';
    let rng = this.rng;
    const int = (min: number, max: number): number => {
      const [x, next] = rng.int(min, max);
      rng = next;
      return x;
    };
    const worker = ctx.free[int(0, ctx.free.length - 1)]!.worker;
    // The state is copied so that this generator value stays immutable.
    const st: TxnGenState = { pool: [...this.st.pool], writes: new Map(this.st.writes), nextKey: this.st.nextKey };
    const value = drawTxn(this.o, st, this.writeF, int);
    return { op: { worker, f: 'txn', value }, next: new TxnOpGenerator(this.o, this.writeF, st, rng) };
  }

  update(): Generator {
    return this;
  }
}

/** A pure generator of transactions for the harness. */
export function txnOpGenerator(rng: PureRng, writeF: 'append' | 'w', options: TxnGenOptions = {}): Generator {
  const o = txnGenDefaults(options);
  return new TxnOpGenerator(o, writeF, initialTxnGenState(o), rng);
}

/**
 * The wire mapping: `{"type":"txn","txn":[...]}` out, `{"type":"txn_ok","txn":[...]}` back.
 * `validate` checks the reply's micro-operations against the request.
 */
export function txnClient(validate: (request: TxnOp[], reply: unknown) => string | null): WorkloadClient {
  return {
    request(op) {
      return { type: 'txn', txn: op.value };
    },
    complete(op, reply): Completion {
      const why = validate(op.value as TxnOp[], reply);
      if (why) throw new Error(`bad txn_ok reply: ${why}`);
      return { type: 'ok', value: reply.txn };
    },
    readOnly(op) {
      return Array.isArray(op.value) && (op.value as TxnOp[]).every((m) => m[0] === 'r');
    },
  };
}

/**
 * Checks that a `txn_ok` reply answers the request: the same micro-operations in the same order,
 * every write echoing its value, and every read's value accepted by `readOk` (described by
 * `readShape` in the message). Returns a message for a malformed reply, else null.
 */
export function validateTxnReply(
  request: TxnOp[],
  reply: unknown,
  writeF: 'append' | 'w',
  readOk: (value: unknown) => boolean,
  readShape: string,
): string | null {
  const r = reply as { type?: unknown; txn?: unknown } | null;
  if (!r || r.type !== 'txn_ok' || !Array.isArray(r.txn)) return 'expected {"type":"txn_ok","txn":[...]}';
  if (r.txn.length !== request.length) return `expected ${request.length} micro-operations, got ${r.txn.length}`;
  for (let i = 0; i < request.length; i++) {
    const q = request[i]!;
    const a = r.txn[i] as unknown[];
    if (!Array.isArray(a) || a[0] !== q[0] || a[1] !== q[1]) return `micro-operation ${i} does not match the request`;
    if (q[0] === 'r' && !readOk(a[2])) return `read ${i} must return ${readShape}`;
    if (q[0] === writeF && a[2] !== q[2]) return `${writeF === 'w' ? 'write' : 'append'} ${i} must echo its value`;
  }
  return null;
}

/** The options of the transactional workloads (list-append, rw-register). */
export interface TxnWorkloadOptions extends Record<string, unknown> {
  /** The consistency model the transactions are checked against (docs/transactional.md). */
  consistencyModel: ConsistencyModel;
}

/** Their schema (`--consistency-model` fills `consistencyModel`) and defaults. */
export const txnWorkloadOptions: WorkloadOptionsSpec<TxnWorkloadOptions> = {
  schema: z
    .object({
      consistencyModel: z.enum(CONSISTENCY_MODELS, {
        errorMap: (_issue, ctx) => ({ message: `unknown model ${JSON.stringify(ctx.data)} (known: ${CONSISTENCY_MODELS.join(', ')})` }),
      }),
    })
    .partial()
    .strict(),
  defaults: { consistencyModel: 'strict-serializable' },
};

/** A transactional workload: seeded txns with `writeF` writes, the txn wire mapping, final reads, and its checker. */
export function txnWorkload(spec: {
  name: string;
  description: string;
  writeF: 'append' | 'w';
  validate: (request: TxnOp[], reply: unknown) => string | null;
  check: (history: readonly HistoryEvent[], opts: { timeLimitMs: number; consistencyModel: ConsistencyModel }) => TxnCheckResult;
}): Workload {
  return {
    name: spec.name,
    description: spec.description,
    transactional: true,
    options: txnWorkloadOptions,
    generator(opts: WorkloadGeneratorOptions) {
      return txnOpGenerator(opts.rng, spec.writeF, { activeKeys: Math.max(10, 2 * opts.concurrency) });
    },
    client: txnClient(spec.validate),
    finalGenerator(history: readonly HistoryEvent[]) {
      return finalReads(history);
    },
    observedWrites(history: readonly HistoryEvent[]): number {
      const micro = (e: HistoryEvent): unknown[][] => (e.f === 'txn' && Array.isArray(e.value) ? (e.value as unknown[]).filter(Array.isArray) : []);
      return countObserved(
        history,
        (e, written) => {
          for (const m of micro(e)) if (m[0] === spec.writeF) written.add(m[1], m[2]);
        },
        // A list read observes a write when it holds an appended element; a register read when it is a written value.
        (e, written) =>
          micro(e).some((m) => m[0] === 'r' && m[2] !== null && (Array.isArray(m[2]) ? m[2].some((v) => written.has(m[1], v)) : written.has(m[1], m[2]))),
      );
    },
    async checker(history: readonly HistoryEvent[], opts: CheckOptions): Promise<CheckOutcome> {
      const o = { ...txnWorkloadOptions.defaults, ...txnWorkloadOptions.schema.parse(opts.workloadOptions ?? {}) };
      return txnOutcome(spec.name, history, spec.check(history, { timeLimitMs: opts.timeLimitMs, consistencyModel: o.consistencyModel }));
    },
  };
}

/** One read of every key the history touched, five keys per transaction. */
export function finalReads(history: readonly HistoryEvent[]): Generator {
  const keys = new Map<string, unknown>();
  for (const e of history) {
    if (isHarnessEvent(e) || e.type !== 'invoke' || e.f !== 'txn' || !Array.isArray(e.value)) continue;
    for (const m of e.value as unknown[]) if (Array.isArray(m)) keys.set(JSON.stringify(m[1]), m[1]);
  }
  const all = [...keys.values()];
  const ops: { f: string; value: unknown }[] = [];
  for (let i = 0; i < all.length; i += 5) ops.push({ f: 'txn', value: all.slice(i, i + 5).map((k) => ['r', k, null]) });
  return each(ops);
}

/** The harness's view of a transactional check. */
export function txnOutcome(name: string, history: readonly HistoryEvent[], r: TxnCheckResult): CheckOutcome {
  let first = -1;
  let summary = '';
  for (const t of r.anomalyTypes) {
    for (const a of r.anomalies[t] ?? []) {
      const refs = 'txns' in a ? a.txns : 'txn' in a ? [a.txn] : [];
      for (const ref of refs) {
        if (first < 0 || ref.index < first) {
          first = ref.index;
          summary = `${a.type}: ${a.text.split('\n')[0]}`;
        }
      }
    }
  }
  const e = first >= 0 ? history[first] : undefined;
  return {
    checkers: { [name]: { ...r, valid: r.valid, explanation: r.explanation } },
    firstAnomaly: r.valid === true || !e ? null : { index: e.index, timeNs: e.time ?? null, summary },
  };
}
