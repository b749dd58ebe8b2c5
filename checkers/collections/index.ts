/**
 * Checkers of grow-only sets and counters, over plain (Maelstrom's g-set, g-counter) or keyed
 * (`[key, value]`) histories:
 *
 *   checkSetFull(events, { keyed: true })  // Jepsen's set-full: stable, lost, never read, stale
 *   checkCounter(events)                   // Maelstrom's counter bounds, negative deltas allowed
 */
export { checkSetFull, ELEMENTS_SHOWN, POINTS_MAX, type CollectionAnomaly, type ElementOutcome, type ElementReport, type LatencyPoint, type ReadAnomaly, type SetFullOptions, type SetFullResult } from './set-full.js';
export { checkCounter, COUNTER_ERRORS_SHOWN, type CounterError, type CounterOptions, type CounterResult } from './counter.js';
export { groupAddsAndReads, type AddOp, type GroupedOps, type KeyedOptions, type KeyOps, type ReadOp } from './keyed.js';
