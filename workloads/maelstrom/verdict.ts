/**
 * The verdict shape the Maelstrom workloads' own checkers return: one checker, its anomalies by
 * name (Maelstrom's checker keys: `duplicated`, `lost`, `unexpected-echo`...), and the first
 * anomalous event for the report.
 */
import type { HistoryEvent } from '../../checkers/history/types.js';
import type { CheckOutcome } from '../types.js';

/** One anomaly found: its name, the event that shows it, and a sentence. */
export interface Finding {
  anomaly: string;
  event: HistoryEvent;
  text: string;
}

/** Findings shown in full; the rest are counted. */
const FINDINGS_SHOWN_MAX = 20;

/** A CheckOutcome from a checker's findings (none: valid), with `counts` of anything else worth reporting. */
export function outcomeOf(checker: string, findings: readonly Finding[], counts: Record<string, unknown>, validText: string): CheckOutcome {
  if (findings.length === 0) {
    return { checkers: { [checker]: { valid: true, explanation: validText, ...counts } }, firstAnomaly: null };
  }
  const byAnomaly: Record<string, number> = {};
  for (const f of findings) byAnomaly[f.anomaly] = (byAnomaly[f.anomaly] ?? 0) + 1;
  const first = findings.reduce((a, b) => (b.event.index < a.event.index ? b : a));
  const names = Object.entries(byAnomaly).map(([a, n]) => `${n} ${a}`).join(', ');
  return {
    checkers: {
      [checker]: {
        valid: false,
        explanation: `${names}; first: ${first.text}`,
        anomalyTypes: Object.keys(byAnomaly),
        anomalyCounts: byAnomaly,
        anomalies: findings.slice(0, FINDINGS_SHOWN_MAX).map((f) => ({ type: f.anomaly, index: f.event.index, text: f.text })),
        ...counts,
      },
    },
    firstAnomaly: { index: first.event.index, timeNs: first.event.time ?? null, summary: `${first.anomaly}: ${first.text}` },
  };
}
