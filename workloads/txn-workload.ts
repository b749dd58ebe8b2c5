/**
 * What list-append and rw-register share as workloads: a pure generator of `txn` operations (one
 * transaction per free worker, keys drawn by txn-gen.ts), the `txn`/`txn_ok` wire mapping, final
 * reads of every key touched, and the transactional checker turned into the harness's
 * CheckOutcome (verdict, explanation, first anomaly).
 */
import type { HistoryEvent } from '../checkers/history/types.js';
import type { TxnCheckResult } from '../checkers/transactional/types.js';
import type { GenContext, GenResult, Generator, PureRng } from './generator.js';
import { each } from './generator.js';
import { drawTxn, initialTxnGenState, txnGenDefaults } from './txn-gen.js';
import type { TxnGenOptions, TxnGenState, TxnOp } from './txn-gen.js';
import type { CheckOutcome, Completion, WorkloadClient } from './types.js';

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

/** One read of every key the history touched, five keys per transaction. */
export function finalReads(history: readonly HistoryEvent[]): Generator {
  const keys = new Map<string, unknown>();
  for (const e of history) {
    if (e.process === 'nemesis' || e.type !== 'invoke' || e.f !== 'txn' || !Array.isArray(e.value)) continue;
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
