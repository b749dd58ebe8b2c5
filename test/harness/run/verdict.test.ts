/**
 * How a run's verdict is composed from its checkers and its history: a run the cluster answered in
 * too little of its time is never valid, whatever the checkers said of what little there was.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { composeResults } from '../../../harness/run/run.js';

const S = 1e9;
const checked = { valid: true as const, checkers: { linearizable: { valid: true } }, firstAnomaly: null };
const rest = { durationMs: 10_000, nemesisErrors: [] };

/** One write per second for 10 s; those of the seconds in `answered` are ok, the rest time out. */
function writes(answered: (s: number) => boolean): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  for (let s = 0; s < 10; s++) {
    out.push({ index: out.length, time: s * S + 1, type: 'invoke', process: s, f: 'write', value: s });
    out.push({ index: out.length, time: s * S + 5e8, type: answered(s) ? 'ok' : 'info', process: s, f: 'write', value: s });
  }
  return out;
}

describe('composeResults', () => {
  it('keeps valid when the cluster answered in most seconds', () => {
    const r = composeResults(checked, writes((s) => s !== 4), [], rest);
    expect(r.valid).toBe(true);
    expect(r.exitCode).toBe(0);
  });

  it('is unknown (exit 2) when the cluster answered in fewer than half of the seconds', () => {
    const r = composeResults(checked, writes((s) => s < 3), [], rest);
    expect(r.valid).toBe('unknown');
    expect(r.exitCode).toBe(2);
    expect(r.unknownReason).toBe("the cluster answered in only 3 of the run's 10 seconds, so the history shows too little to call it valid");
  });

  it('keeps an anomaly found: invalid stays invalid', () => {
    const r = composeResults({ ...checked, valid: false }, writes((s) => s < 3), [], rest);
    expect(r.valid).toBe(false);
    expect(r.exitCode).toBe(1);
  });
});
