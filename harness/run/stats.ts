/**
 * A run's statistics, computed from its history alone (so `recheck` can compute them again), by
 * the history toolkit's one rule (checkers/history/stats.ts: an op is in a fault when it was
 * invoked inside a fault window [start, end)). What the harness adds is its knowledge of which
 * error codes are refusals on the merits rather than unavailability.
 */
import { answeredTime, historyStats, opsByFunction, type AnsweredTime, type FunctionCounts, type HistoryStats } from '../../checkers/history/stats.js';
import type { HistoryEvent } from '../../checkers/history/types.js';
import { isRefusal } from '../client/errors.js';

/** The `stats` of results.json. */
export type RunStats = HistoryStats;

/** Statistics of a run's history. */
export function computeStats(events: readonly HistoryEvent[]): RunStats {
  return historyStats(events, { isRefusal });
}

/** In how many of a run's seconds the cluster answered (refusals count as answers). */
export function computeAnsweredTime(events: readonly HistoryEvent[]): AnsweredTime {
  return answeredTime(events, { isRefusal });
}

/** A run's client ops by function (refusals on the merits counted apart). */
export function computeFunctions(events: readonly HistoryEvent[]): Record<string, FunctionCounts> {
  return opsByFunction(events, { isRefusal });
}
