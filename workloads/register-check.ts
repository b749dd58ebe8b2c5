/**
 * The register workload's checker: the linearizability checker (checkers/linearizable) with the
 * `kv` model, a cas-register per key starting at null, each key checked on its own; beside it,
 * sequential consistency per key (searched only when the history is not linearizable, so the
 * verdict can say "sequentially consistent, not linearizable") and the session guarantees per
 * client (checkers/session).
 */
import type { HistoryEvent } from '../checkers/history/types.js';
import { checkLinearizable, createModel } from '../checkers/linearizable/index.js';
import { checkSequential, checkSessions } from '../checkers/session/index.js';
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
  return { checkers: { linearizable: checker, sequential: sequentialVerdict(history, result.valid), sessions: sessionsVerdict(history) }, firstAnomaly };
}

/**
 * Sequential consistency, which says how far a history that is not linearizable still is from
 * it: searched only then, since a linearizable history is sequentially consistent.
 */
function sequentialVerdict(history: readonly HistoryEvent[], linearizable: boolean | 'unknown'): CheckerResult {
  if (linearizable === true) return { valid: true, explanation: 'Sequentially consistent: implied by linearizability.' };
  const r = checkSequential(history);
  const head = linearizable === false && r.valid === true ? 'Sequentially consistent, not linearizable. ' : '';
  return { ...r, explanation: head + r.explanation };
}

/** The session guarantees per client (read-your-writes, monotonic reads and writes, writes-follow-reads). */
function sessionsVerdict(history: readonly HistoryEvent[]): CheckerResult {
  const r = checkSessions(history);
  return { ...r };
}
