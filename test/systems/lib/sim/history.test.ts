/**
 * The simulator's history event is the harness's: a simulated history goes to the checkers as
 * it is. The assignments below fail to compile if the two types drift apart.
 */
import { describe, expect, test } from 'vitest';
import type { HistoryEvent } from '../../../../checkers/history/types.js';
import { recordSimEvent, type SimEvent } from '../../../../systems/lib/sim/history.js';

describe('SimEvent', () => {
  test('is a HistoryEvent, and recordSimEvent numbers events and converts ms to ns', () => {
    // Arrange
    const h: SimEvent[] = [];
    // Act
    recordSimEvent(h, 2, { process: 0, type: 'invoke', f: 'read', value: ['k', null] });
    recordSimEvent(h, 5, { process: 0, type: 'ok', f: 'read', value: ['k', 1], node: 'n1' });
    const asHistory: readonly HistoryEvent[] = h;
    // Assert
    expect(asHistory.map((e) => [e.index, e.time, e.type])).toEqual([
      [0, 2_000_000, 'invoke'],
      [1, 5_000_000, 'ok'],
    ]);
  });
});
