/**
 * The kafka checker on small histories: a valid one, and one per anomaly, each named.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { checkKafka } from '../../../workloads/maelstrom/kafka.js';

/** Ops as [process, f, invoke value, ok value]: each invoked and completed in turn. */
function history(ops: Array<[number, string, unknown, unknown]>): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  for (const [process, f, input, output] of ops) {
    out.push({ index: out.length, time: out.length, type: 'invoke', process, f, value: input });
    out.push({ index: out.length, time: out.length, type: 'ok', process, f, value: output });
  }
  return out;
}

const anomalies = (h: HistoryEvent[]) => [...new Set(checkKafka(h).findings.map((f) => f.anomaly))].sort();

describe('kafka checker', () => {
  it('finds nothing in a history where sends and polls agree', () => {
    const h = history([
      [0, 'send', ['k', 1], ['k', 1, 0]],
      [1, 'send', ['k', 2], ['k', 2, 1]],
      [0, 'poll', { k: 0 }, { k: [[0, 1], [1, 2]] }],
      [1, 'poll', { k: 1 }, { k: [[1, 2]] }],
    ]);
    expect(anomalies(h)).toEqual([]);
  });

  it('lost-write: acknowledged, never polled, though a poll read past it', () => {
    const h = history([
      [0, 'send', ['k', 1], ['k', 1, 0]],
      [0, 'send', ['k', 2], ['k', 2, 1]],
      [1, 'poll', { k: 0 }, { k: [[1, 2]] }],
    ]);
    expect(anomalies(h)).toContain('lost-write');
  });

  it('an acknowledged send beyond every poll is unseen, not lost', () => {
    const h = history([
      [0, 'send', ['k', 1], ['k', 1, 0]],
      [0, 'send', ['k', 2], ['k', 2, 1]],
      [1, 'poll', { k: 0 }, { k: [[0, 1]] }],
    ]);
    expect(anomalies(h)).toEqual([]);
    expect(checkKafka(h).counts.unseenCount).toBe(1);
  });

  it('inconsistent-offsets and duplicate', () => {
    expect(anomalies(history([[0, 'send', ['k', 1], ['k', 1, 0]], [1, 'send', ['k', 2], ['k', 2, 0]]]))).toEqual(['inconsistent-offsets']);
    expect(anomalies(history([[0, 'send', ['k', 1], ['k', 1, 0]], [1, 'poll', { k: 0 }, { k: [[0, 1], [1, 1]] }]]))).toEqual(['duplicate']);
  });

  it('nonmonotonic-send and nonmonotonic-poll', () => {
    expect(anomalies(history([[0, 'send', ['k', 1], ['k', 1, 3]], [0, 'send', ['k', 2], ['k', 2, 2]]]))).toContain('nonmonotonic-send');
    expect(anomalies(history([[0, 'poll', { k: 0 }, { k: [[1, 1], [0, 2]] }]]))).toContain('nonmonotonic-poll');
    expect(anomalies(history([[0, 'poll', { k: 5 }, { k: [[2, 1]] }]]))).toContain('nonmonotonic-poll');
  });

  it('int-poll-skip and poll-skip', () => {
    const sends: Array<[number, string, unknown, unknown]> = [
      [9, 'send', ['k', 1], ['k', 1, 0]],
      [9, 'send', ['k', 2], ['k', 2, 1]],
      [9, 'send', ['k', 3], ['k', 3, 2]],
    ];
    // The message skipped was never polled by anyone, though polls read past it: lost as well.
    expect(anomalies(history([...sends, [0, 'poll', { k: 0 }, { k: [[0, 1], [2, 3]] }]]))).toEqual(['int-poll-skip', 'lost-write']);
    expect(anomalies(history([...sends, [0, 'poll', { k: 0 }, { k: [[0, 1]] }], [0, 'poll', { k: 1 }, { k: [[2, 3]] }]]))).toEqual(['lost-write', 'poll-skip']);
    // Polled by another process, it is only skipped.
    const seen: Array<[number, string, unknown, unknown]> = [[1, 'poll', { k: 0 }, { k: [[0, 1], [1, 2], [2, 3]] }]];
    expect(anomalies(history([...sends, ...seen, [0, 'poll', { k: 0 }, { k: [[0, 1], [2, 3]] }]]))).toEqual(['int-poll-skip']);
  });
});
