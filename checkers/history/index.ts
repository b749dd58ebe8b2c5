/**
 * The history library: the event type, readers for every supported format (one JSONL reader, with
 * an explicit option for a torn last line), pairing into operations, fault windows, what each
 * fault did, in-fault statistics, percentiles, and the EDN exporter.
 *
 *   const h = await readHistory('history.jsonl', { format: 'auto' });
 *   const { operations } = pairOperations(h.events, h);
 */
export type { EventType, HistoryEvent, ProcessId } from './types.js';
export { HistoryError } from './errors.js';
export { historyEventSchema, validateEvent } from './schema.js';
export {
  parseJsonl,
  readJsonlFile,
  readJsonlFileSync,
  formatEvent,
  DEFAULT_MAX_EVENTS,
  type JsonlFileOptions,
  type JsonlOptions,
  type ParsedHistory,
} from './jsonl.js';
export { MAX_VALUE_DEPTH, nestsDeeperThan } from './limits.js';
export { parseEdn, toJepsenEdn } from './edn.js';
export { parsePorcupineEtcd, parsePorcupineKv } from './porcupine.js';
export { readHistory, parseHistory, sniffFormat, HISTORY_FORMATS, type HistoryFormat, type ReadOptions } from './read.js';
export { pairOperations, type Operation, type OperationStatus, type PairedHistory, type PairOptions } from './pair.js';
export { faultSpans, faultStep, faultWindows, inFaultWindow, type FaultSpan, type FaultStep, type FaultWindow } from './faults.js';
export { answeredTime, historyStats, opsByFunction, percentile, type AnsweredTime, type FunctionCounts, type HistoryStats, type HistoryStatsOptions } from './stats.js';
export { faultRecords, touched, type FaultEffect, type FaultOps, type FaultRecord, type TrafficEffect } from './effects.js';
