/**
 * The linearizability checker: models, the WGL search, and `checkLinearizable`.
 *
 *   const model = createModel('cas-register', { initial: 0 });
 *   const result = checkLinearizable(model, events, { timeLimitMs: 10_000 });
 *   result.valid; // true | false | 'unknown'
 */
export { ILLEGAL, UNKNOWN, ModelInputError, type Model, type Partition, type Illegal, type Unknown } from './model.js';
export { MODELS, createModel, keyLabel, show, splitKey, valueEqual, type ModelEntry, type ModelOptions } from './models.js';
export {
  checkLinearizable,
  PREFIX_SHOWN,
  CANDIDATES_SHOWN,
  DEFAULT_MEMORY_LIMIT_BYTES,
  type CheckOptions,
  type DecisionMethod,
  type Counterexample,
  type CandidateOutcome,
  type LinearizableResult,
  type LinearizationStep,
  type OperationSummary,
  type PartitionResult,
  type UnknownCause,
  type Verdict,
} from './check.js';
export { PartitionSearch, searchPartition, type SearchBudget, type SearchOutcome } from './search.js';
export { checkUnambiguousRegister, type RegisterOp, type UnambiguousOutcome, type UnambiguousViolation } from './unambiguous.js';
export { checkUnambiguousQueue, checkUnambiguousSet, type CollectionOutcome, type QueueOp, type SetOp } from './unambiguous-collections.js';
export { checkLinearizableParallel, PARALLEL_MIN_OPERATIONS, type ParallelCheckOptions } from './parallel.js';
