/**
 * The transactional consistency checkers (Elle class): list-append and rw-register histories in,
 * a verdict with explained anomalies and the consistency models they rule out out.
 *
 *   import { checkListAppend } from './checkers/transactional/index.js';
 *   const r = checkListAppend(events, { consistencyModel: 'snapshot-isolation' });
 *   if (r.valid === false) console.log(r.explanation, r.anomalies);
 *
 * See docs/transactional.md for the anomalies, the models and the result format.
 */
export { checkListAppend, checkListAppendTable } from './list-append.js';
export { readTxnTableFile } from './stream.js';
export { checkRwRegister } from './rw-register.js';
export { anomaliesProhibitedBy, boundary, isConsistencyModel } from './models.js';
export { CONSISTENCY_MODELS, CYCLE_KINDS, TxnHistoryError } from './types.js';
export type {
  Anomaly,
  AnomalyType,
  ConsistencyModel,
  CycleAnomaly,
  CycleAnomalyType,
  CycleExists,
  CycleKind,
  CycleStep,
  MicroOp,
  NonCycleAnomalyType,
  OpAnomaly,
  Rel,
  RwRegisterOptions,
  SearchTimeout,
  TxnCheckOptions,
  TxnCheckResult,
  TxnCheckStats,
  TxnRef,
} from './types.js';
