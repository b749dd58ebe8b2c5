/**
 * The register workload's checker: the linearizability checker (checkers/linearizable) with the
 * `kv` model, a cas-register per key starting at null, each key checked on its own.
 */
import type { HistoryEvent } from '../checkers/history/types.js';
import { checkLinearizable, createModel } from '../checkers/linearizable/index.js';
import type { Anomaly, CheckOptions, CheckOutcome, CheckerResult } from './types.js';

/** Checks a register history; the first anomaly is the completion of the op that cannot be linearized. */
export async function checkKv(history: readonly HistoryEvent[], opts: CheckOptions): Promise<CheckOutcome> {
  const model = createModel('kv');
  const result = checkLinearizable(model, history, { timeLimitMs: opts.timeLimitMs });
  let firstAnomaly: Anomaly | null = null;
  if (result.firstAnomaly) {
    const { index, partition } = result.firstAnomaly;
    const event = history.find((e) => e.index === index);
    const part = result.partitions.find((p) => p.key === partition);
    const cx = part?.counterexample;
    const summary = cx
      ? `process ${cx.op.process}'s ${cx.op.status} op "${cx.op.description}" cannot be linearized: after the longest linearizable prefix (${cx.prefixLength} ops) key ${partition} holds ${cx.state}`
      : `key ${partition}: not linearizable`;
    firstAnomaly = { index, timeNs: event?.time ?? null, summary };
  }
  const checker: CheckerResult = { ...result, valid: result.valid, explanation: result.explanation };
  return { checkers: { linearizable: checker }, firstAnomaly };
}
