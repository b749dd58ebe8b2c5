/**
 * The history library: the event type, readers for every supported format, the JSONL writer the
 * harness appends to while a run goes, pairing into operations, and the EDN exporter.
 *
 *   const h = await readHistory('history.jsonl', { format: 'auto' });
 *   const { operations } = pairOperations(h.events, h);
 */
export type { EventType, HistoryEvent, ProcessId } from './types.js';
export { HistoryError } from './errors.js';
export { historyEventSchema, validateEvent } from './schema.js';
export {
  HistoryWriter,
  parseJsonl,
  readJsonlFile,
  formatEvent,
  DEFAULT_MAX_EVENTS,
  type ParsedHistory,
} from './jsonl.js';
export { parseEdn, toJepsenEdn } from './edn.js';
export { parsePorcupineEtcd, parsePorcupineKv } from './porcupine.js';
export { readHistory, parseHistory, sniffFormat, HISTORY_FORMATS, type HistoryFormat, type ReadOptions } from './read.js';
export { pairOperations, type Operation, type OperationStatus, type PairedHistory } from './pair.js';
