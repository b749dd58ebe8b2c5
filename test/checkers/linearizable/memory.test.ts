/**
 * What `memoryLimitBytes` bounds: everything the search allocates (memo, stack, the arrays sized
 * by the history, interned states), counted when allocated, so the search stops near the limit.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryEvent } from '../../../checkers/history/index.js';
import { checkLinearizable, createModel } from '../../../checkers/linearizable/index.js';

/** One process writing `n` distinct strings of `chars` characters, one after the other. */
function bigStates(n: number, chars: number): HistoryEvent[] {
  const events: HistoryEvent[] = [];
  for (let i = 0; i < n; i++) {
    const value = String(i).padStart(chars, 'x');
    events.push({ index: 2 * i, type: 'invoke', process: 0, f: 'write', value });
    events.push({ index: 2 * i + 1, type: 'ok', process: 0, f: 'write', value });
  }
  return events;
}

describe('the memory limit of the linearizable search', () => {
  it('counts interned states, not only memo entries', () => {
    // 2,000 states of 2,000 characters take about 8 MB; their memo entries alone about 130 kB.
    const events = bigStates(2000, 2000);
    const r = checkLinearizable(createModel('register', {}), events, { memoryLimitBytes: 1024 * 1024, method: 'search' });
    expect(r).toMatchObject({ valid: 'unknown', cause: 'memory' });
    expect(checkLinearizable(createModel('register', {}), events, { memoryLimitBytes: 64 * 1024 * 1024 }).valid).toBe(true);
  });

});
