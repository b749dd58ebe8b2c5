/** Small builders of histories for the checker tests. */
import type { HistoryEvent } from '../../../checkers/history/index.js';

/**
 * Builds events from a compact list: [process, type, f, value]. Index is the position.
 * `['n', ...]` entries are nemesis events.
 */
export function h(...rows: Array<[number | 'nemesis', HistoryEvent['type'], string, unknown?]>): HistoryEvent[] {
  return rows.map(([process, type, f, value], index) => {
    const e: HistoryEvent = { index, type, process, f };
    if (value !== undefined) e.value = value;
    return e;
  });
}
