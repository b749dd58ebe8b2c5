/**
 * The register workload's checker: linearizability of the history under the kv model.
 * (Awaiting the linearizability checker of checkers/linearizable.)
 */
import type { HistoryEvent } from '../checkers/history/types.js';
import type { CheckOptions, CheckOutcome } from './types.js';

export async function checkKv(_history: readonly HistoryEvent[], _opts: CheckOptions): Promise<CheckOutcome> {
  return { checkers: { linearizable: { valid: 'unknown', explanation: 'linearizability checker not built yet' } }, firstAnomaly: null };
}
