/**
 * `checkLinearizable(model, history, options)`: is there a total order of the history's operations,
 * consistent with real time, that the model accepts? Returns a three-valued verdict with per
 * partition results and, when the answer is no, a counterexample that explains itself.
 *
 * - `fail` operations are left out (they had no effect); crashed ones (`info`, or never completed)
 *   may take effect at any point after their invocation, or never (see ../history/pair.ts).
 * - A model with `partition` (keyed models) is checked key by key (P-compositionality): the
 *   history is linearizable iff every part is.
 * - Budgets (`timeLimitMs`, `memoryLimitBytes`) turn into `valid: 'unknown'` with a `cause`.
 */
import { HistoryError } from '../history/errors.js';
import type { ParsedHistory } from '../history/jsonl.js';
import { pairOperations, type Operation, type PairedHistory } from '../history/pair.js';
import type { HistoryEvent } from '../history/types.js';
import { ILLEGAL, ModelInputError, UNKNOWN, type Model, type Partition } from './model.js';
import { show } from './models.js';
import { PartitionSearch, type SearchBudget, type SearchOutcome } from './search.js';
import type { CollectionOutcome } from './unambiguous-collections.js';
import { checkUnambiguousRegister, type UnambiguousViolation } from './unambiguous.js';

/** A three-valued verdict. */
export type Verdict = boolean | 'unknown';

/**
 * Why a verdict is 'unknown': the time limit or the memory ceiling ran out, or (for a partition
 * only) its search was left unfinished because another partition already decided the verdict.
 */
export type UnknownCause = 'timeout' | 'memory' | 'skipped';

/** An operation as results and reports show it. */
export interface OperationSummary {
  /** Index (the history's `index`) of the invocation event. */
  index: number;
  /** Index of the completion event; null for an operation that never completed. */
  completeIndex: number | null;
  process: number;
  f: string;
  input: unknown;
  output: unknown;
  status: 'ok' | 'fail' | 'info';
  /** The model's one-line description of it. */
  description: string;
}

/** One operation of a linearization, with the model state after it. */
export interface LinearizationStep {
  op: OperationSummary;
  stateAfter: string;
}

/** What stepping one candidate operation from the final state does. */
export interface CandidateOutcome {
  op: OperationSummary;
  /** 'illegal': the model rejects it in that state; 'dead-end': legal, but nothing completes after it. */
  outcome: 'illegal' | 'dead-end';
  /** The state it would lead to, for a dead end. */
  stateAfter?: string;
}

/** The witness of a `false` verdict, for one partition. */
export interface Counterexample {
  /** The completed operation that cannot be linearized after the longest linearizable prefix. */
  op: OperationSummary;
  /** The model state at the end of the longest linearizable prefix. */
  state: string;
  /** Length of the longest linearizable prefix (operations). */
  prefixLength: number;
  /** Operations of that prefix left out at its start (only the last PREFIX_SHOWN are kept). */
  prefixOmitted: number;
  /** The (end of the) longest linearizable prefix, in linearization order. */
  prefix: LinearizationStep[];
  /** The operations that could come next at that point, and why none of them leads anywhere. */
  candidates: CandidateOutcome[];
  /**
   * Set when the procedure for unambiguous histories decided: why, in its terms. The prefix and
   * candidates are then those of a search over just the operations it named (`witnessSize`).
   */
  reason?: string;
  witnessSize?: number;
}

/**
 * How a partition was decided: by the search, or (values never written, added or enqueued twice)
 * by the model's procedure for unambiguous histories, without one.
 */
export type DecisionMethod = 'search' | 'unambiguous';

/** The result for one partition (one key, or the whole history). */
export interface PartitionResult {
  /** The key; "" when the model does not partition. */
  key: string;
  valid: Verdict;
  cause?: UnknownCause;
  /** Operations checked (completed ones plus crashed ones that may change the state). */
  operationCount: number;
  crashedCount: number;
  elapsedMs: number;
  /** Model steps taken, and entries in the memo, by the search. */
  steps: number;
  memoEntries: number;
  /** How it was decided (absent while undecided). */
  method?: DecisionMethod;
  /**
   * Why the model's procedure for unambiguous histories did not decide it, so the search did
   * (e.g. "the value 3 is enqueued more than once"). Absent when it decided, or the model has none.
   */
  fallback?: string;
  counterexample?: Counterexample;
}

/** The result of `checkLinearizable`, as results.json and reports store it. */
export interface LinearizableResult {
  checker: 'linearizable';
  model: string;
  valid: Verdict;
  cause?: UnknownCause;
  /** Client operations in the history, by how they ended. */
  operationCount: number;
  okCount: number;
  failCount: number;
  crashedCount: number;
  /** Partitions in the order checked; those not reached before a budget ran out are 'unknown'. */
  partitions: PartitionResult[];
  /** The event the verdict names first: the completion of the first operation that cannot be linearized. */
  firstAnomaly: { index: number; partition: string } | null;
  elapsedMs: number;
  /** A human-readable explanation (several lines for a `false` verdict). */
  explanation: string;
}

/** Options of `checkLinearizable`. */
export interface CheckOptions {
  /** Give up (verdict 'unknown', cause 'timeout') after this long. Default: no limit. */
  timeLimitMs?: number;
  /** Give up (verdict 'unknown', cause 'memory') when the memos take more. Default 1 GiB. */
  memoryLimitBytes?: number;
  /** Where the events came from, for `file:line` in messages about bad operations. */
  source?: Pick<ParsedHistory, 'file' | 'lines'>;
  /**
   * Stop at the first partition found not linearizable (default true): the verdict is decided,
   * and the partitions still being searched are reported 'unknown' with cause 'skipped'. With
   * false every partition is searched to the end (or until a budget runs out).
   */
  stopAtFirstInvalid?: boolean;
  /**
   * 'auto' (default): a register, set or queue partition whose values are never written (added,
   * enqueued) twice is decided by the model's procedure for unambiguous histories, any other by
   * the search; 'search': always the search.
   */
  method?: 'auto' | 'search';
  /**
   * A flag shared with another thread: once its first element is not 0, the search gives up as at
   * a timeout. The parallel check sets it when another thread's partition decided the verdict,
   * so that the thread ends its check and can be kept for the next one.
   * @internal
   */
  cancelFlag?: Int32Array;
}

/** How many steps of the longest prefix a counterexample keeps. */
export const PREFIX_SHOWN = 200;
/** How many candidate operations a counterexample lists. */
export const CANDIDATES_SHOWN = 20;
/** Iterations per slice when partitions are searched round-robin (doubling up to QUANTUM_MAX). */
const QUANTUM_START = 2_000;
const QUANTUM_MAX = 1_000_000;
/** Default memory ceiling of the memo. */
export const DEFAULT_MEMORY_LIMIT_BYTES = 1024 * 1024 * 1024;

function isPaired(h: unknown): h is PairedHistory {
  return typeof h === 'object' && h !== null && !Array.isArray(h) && Array.isArray((h as PairedHistory).operations);
}

function summarize(model: Model<any, any>, op: Operation): OperationSummary {
  let description: string;
  try {
    description = model.describeOperation ? model.describeOperation(op) : `${op.f} ${show(op.input)}`;
  } catch {
    description = `${op.f} ${show(op.input)}`;
  }
  return {
    index: op.invoke.index,
    completeIndex: op.complete ? op.complete.index : null,
    process: op.process,
    f: op.f,
    input: op.input,
    output: op.output,
    status: op.status,
    description,
  };
}

function describeState(model: Model<any, any>, s: unknown): string {
  return model.describeState ? model.describeState(s) : show(s);
}

/**
 * Checks a history for linearizability against a model.
 * `history` is a list of events (paired here) or an already paired history.
 * Throws HistoryError for a history the model cannot interpret (bad input).
 */
export function checkLinearizable<S, I>(
  model: Model<S, I>,
  history: readonly HistoryEvent[] | PairedHistory,
  options: CheckOptions = {},
): LinearizableResult {
  const started = performance.now();
  const paired = isPaired(history) ? history : pairOperations(history as readonly HistoryEvent[], options.source);
  const all = paired.operations;
  let okCount = 0;
  let failCount = 0;
  let crashedCount = 0;
  const inputs = new Map<Operation, I>();
  const relevant: Operation[] = [];
  for (const op of all) {
    if (op.status === 'ok') okCount++;
    else if (op.status === 'fail') failCount++;
    else crashedCount++;
    if (op.status === 'fail') continue;
    let input: I;
    try {
      input = model.prepare(op);
    } catch (err) {
      if (err instanceof ModelInputError) {
        const pos = op.status === 'ok' ? op.returnPos : op.callPos;
        const line = options.source?.lines[pos];
        throw new HistoryError(`${model.name}: ${err.message} (operation at index ${op.invoke.index})`, {
          file: options.source?.file,
          line: line && line > 0 ? line : undefined,
        });
      }
      throw err;
    }
    // A crashed operation that cannot change the state may as well never have happened.
    if (op.status !== 'ok' && model.readOnly?.(input)) continue;
    inputs.set(op, input);
    relevant.push(op);
  }
  relevant.sort((a, b) => a.callPos - b.callPos);

  let parts: Partition[];
  try {
    parts = model.partition ? model.partition(relevant) : [{ key: '', operations: relevant }];
  } catch (err) {
    if (err instanceof ModelInputError) throw new HistoryError(`${model.name}: ${err.message}`, { file: options.source?.file });
    throw err;
  }
  const budget: SearchBudget = {
    deadline: options.timeLimitMs !== undefined ? started + options.timeLimitMs : Infinity,
    memoryLimitBytes: options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES,
    memoryUsedBytes: 0,
    ...(options.cancelFlag ? { cancelFlag: options.cancelFlag } : {}),
  };

  // Search the partitions round-robin, in slices of QUANTUM iterations, so that one partition
  // whose search explodes cannot hide another that fails fast (Porcupine gets the same effect
  // from running partitions in parallel).
  const results: PartitionResult[] = parts.map((part) => ({
    key: part.key,
    valid: 'unknown' as Verdict,
    operationCount: part.operations.length,
    crashedCount: part.operations.reduce((c, o) => c + (o.status === 'ok' ? 0 : 1), 0),
    elapsedMs: 0,
    steps: 0,
    memoEntries: 0,
  }));
  const stopAtFirstInvalid = options.stopAtFirstInvalid ?? true;
  let stopped: UnknownCause | null = null;
  // Partitions whose values are never written (added, enqueued) twice need no search.
  const decided = new Set<number>();
  if ((model.registerOp || model.decideUnambiguous) && options.method !== 'search') {
    for (let i = 0; i < parts.length && !stopped; i++) {
      const t0 = performance.now();
      const ops = parts[i]!.operations;
      const outcome = decideWithoutSearch(model, ops, inputs);
      const r = results[i]!;
      if ('undecided' in outcome) {
        r.fallback = outcome.undecided;
        continue;
      }
      decided.add(i);
      r.method = 'unambiguous';
      r.valid = outcome.valid;
      if (!outcome.valid) {
        r.counterexample = witnessCounterexample(model, ops, inputs, outcome.violation, budget);
        if (stopAtFirstInvalid) stopped = 'skipped';
      }
      r.elapsedMs = performance.now() - t0;
    }
  }
  let active = parts.map((_, i) => i).filter((i) => !decided.has(i));
  const searches = parts.map((part, i) =>
    decided.has(i) ? null : new PartitionSearch(model, part.operations, part.operations.map((o) => inputs.get(o)!)),
  );
  let quantum = QUANTUM_START;
  while (active.length > 0 && !stopped) {
    const still: number[] = [];
    for (const i of active) {
      if (stopped) {
        still.push(i);
        continue;
      }
      const t0 = performance.now();
      const outcome = searches[i]!.run(quantum, budget);
      const r = results[i]!;
      r.elapsedMs += performance.now() - t0;
      if (!outcome) {
        still.push(i);
        continue;
      }
      r.valid = outcome.valid;
      r.method = 'search';
      r.steps = outcome.steps;
      r.memoEntries = outcome.memoEntries;
      if (outcome.cause) {
        r.cause = outcome.cause;
        stopped = outcome.cause;
      } else if (outcome.valid === false) {
        r.counterexample = buildCounterexample(model, parts[i]!.operations, inputs, outcome);
        if (stopAtFirstInvalid) stopped = 'skipped';
      }
    }
    active = still;
    // Few partitions left: longer slices cost less switching.
    quantum = Math.min(quantum * 2, QUANTUM_MAX);
  }
  for (const i of active) {
    searches[i]!.abandon(budget);
    delete results[i]!.method;
    results[i]!.cause = stopped ?? 'skipped';
  }

  const counts = { operationCount: all.length, okCount, failCount, crashedCount };
  return assembleResult(model.name, counts, results, stopped && stopped !== 'skipped' ? stopped : undefined, started, options);
}

/**
 * The result from the partitions' results: the verdict (false over 'unknown' over true), the first
 * anomaly and the explanation. `cause` is why the check stopped early, if a budget ran out.
 * @internal (also used by the parallel check to merge its threads' results)
 */
export function assembleResult(
  modelName: string,
  counts: Pick<LinearizableResult, 'operationCount' | 'okCount' | 'failCount' | 'crashedCount'>,
  partitions: PartitionResult[],
  cause: UnknownCause | undefined,
  started: number,
  options: CheckOptions,
): LinearizableResult {
  const valid: Verdict = partitions.some((r) => r.valid === false)
    ? false
    : partitions.some((r) => r.valid === 'unknown')
      ? 'unknown'
      : true;
  const firstBad = partitions
    .filter((r) => r.counterexample)
    .map((r) => ({ partition: r.key, index: r.counterexample!.op.completeIndex ?? r.counterexample!.op.index }))
    .sort((a, b) => a.index - b.index)[0];
  const result: LinearizableResult = {
    checker: 'linearizable',
    model: modelName,
    valid,
    ...counts,
    partitions,
    firstAnomaly: firstBad ?? null,
    elapsedMs: performance.now() - started,
    explanation: '',
  };
  if (valid === 'unknown' && cause) result.cause = cause;
  result.explanation = explain(result, options);
  return result;
}

/**
 * The procedure for unambiguous histories of the model: registers (./unambiguous.ts) or
 * collections (./unambiguous-collections.ts), or why this partition is not one it decides.
 */
function decideWithoutSearch<S, I>(model: Model<S, I>, ops: readonly Operation[], inputs: Map<Operation, I>): CollectionOutcome {
  const prepared = ops.map((o) => inputs.get(o)!);
  if (model.decideUnambiguous) return model.decideUnambiguous(ops, prepared);
  const outcome = checkUnambiguousRegister(ops, prepared.map((p) => model.registerOp!(p)), model.registerInitial ?? null);
  return outcome ?? { undecided: 'a value is written more than once, or the initial value is written again' };
}

/** Budget of the search that explains a violation the unambiguous procedure found. */
const WITNESS_SEARCH_MS = 2_000;

/**
 * The counterexample of a violation found without a search: the search over just the operations
 * the procedure named (not linearizable on their own), which gives the usual prefix and
 * candidates. When even that search runs out of time, the named operation alone, with the reason.
 */
function witnessCounterexample<S, I>(
  model: Model<S, I>,
  ops: readonly Operation[],
  inputs: Map<Operation, I>,
  violation: UnambiguousViolation,
  budget: SearchBudget,
): Counterexample {
  let witness = violation.witness.map((k) => ops[k]!).sort((a, b) => a.callPos - b.callPos);
  const sub: SearchBudget = {
    deadline: Math.min(budget.deadline, performance.now() + WITNESS_SEARCH_MS),
    memoryLimitBytes: budget.memoryLimitBytes,
    memoryUsedBytes: budget.memoryUsedBytes,
  };
  const explain = (list: readonly Operation[]): SearchOutcome | null => {
    const search = new PartitionSearch(model, list, list.map((o) => inputs.get(o)!));
    const outcome = search.run(Number.MAX_SAFE_INTEGER, sub);
    search.abandon(sub);
    return outcome;
  };
  let outcome = explain(witness);
  // The operations named may pass on their own when a crashed one among them only counts through
  // an observer elsewhere: then the whole partition is the witness.
  if (outcome && outcome.valid === true && witness.length < ops.length) {
    witness = [...ops];
    outcome = explain(witness);
  }
  if (outcome && outcome.valid === false) {
    return { ...buildCounterexample(model, witness, inputs, outcome), reason: violation.reason, witnessSize: witness.length };
  }
  // The search ran out of time: name the completed operation of the witness that ended first
  // after the one the procedure named, since only a completed one can be the anomaly.
  const named = ops[violation.culprit]!;
  const culprit =
    named.status === 'ok'
      ? named
      : (witness.filter((o) => o.status === 'ok').sort((a, b) => a.returnPos - b.returnPos)[0] ?? named);
  return {
    op: summarize(model, culprit),
    state: '?',
    prefixLength: 0,
    prefixOmitted: 0,
    prefix: [],
    candidates: [],
    reason: violation.reason,
    witnessSize: witness.length,
  };
}

function buildCounterexample<S, I>(
  model: Model<S, I>,
  ops: readonly Operation[],
  inputs: Map<Operation, I>,
  outcome: SearchOutcome,
): Counterexample {
  const prefix = outcome.prefix ?? [];
  const states = outcome.prefixStates ?? [];
  const start = Math.max(0, prefix.length - PREFIX_SHOWN);
  const steps: LinearizationStep[] = [];
  for (let k = start; k < prefix.length; k++) {
    steps.push({ op: summarize(model, ops[prefix[k]!]!), stateAfter: describeState(model, states[k]) });
  }
  const failing = ops[outcome.failingOp ?? 0]!;
  // The operations that could come next: not linearized, invoked before the failing one completed.
  const done = new Set(prefix);
  const candidates: CandidateOutcome[] = [];
  const finalState = outcome.finalState as S;
  const ordered = [failing, ...ops.filter((o, i) => !done.has(i) && o !== failing && o.callPos < failing.returnPos)];
  for (const op of ordered.slice(0, CANDIDATES_SHOWN)) {
    const r = model.step(finalState, inputs.get(op)!, op.status === 'ok' ? op.output : UNKNOWN);
    const c: CandidateOutcome = { op: summarize(model, op), outcome: r === ILLEGAL ? 'illegal' : 'dead-end' };
    if (r !== ILLEGAL) c.stateAfter = describeState(model, r);
    candidates.push(c);
  }
  return {
    op: summarize(model, failing),
    state: describeState(model, finalState),
    prefixLength: prefix.length,
    prefixOmitted: start,
    prefix: steps,
    candidates,
  };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function opLine(o: OperationSummary): string {
  const where = o.completeIndex === null ? `invoked at index ${o.index}, never completed` : `index ${o.index}..${o.completeIndex}`;
  return `process ${o.process}: ${o.description} [${where}]`;
}

/** What makes a history of the model unambiguous, for explanations. */
function uniqueClause(model: string): string {
  const verb = model === 'set' ? 'added' : model.endsWith('queue') ? 'enqueued' : 'written';
  return `no value is ${verb} twice`;
}

function explain(result: LinearizableResult, options: CheckOptions): string {
  const parts = result.partitions;
  const counts = `${plural(result.operationCount, 'operation')} (${result.okCount} ok, ${result.failCount} failed, ${result.crashedCount} crashed)`;
  const where = parts.length > 1 || (parts[0] && parts[0].key !== '') ? ` in ${plural(parts.length, 'partition')}` : '';
  if (result.valid === true) {
    const fast = parts.filter((p) => p.method === 'unambiguous').length;
    const how = fast === 0 ? '' : fast === parts.length ? `, decided without a search (${uniqueClause(result.model)})` : `, ${fast} of them decided without a search (${uniqueClause(result.model)})`;
    return `Linearizable (model ${result.model}): ${counts}${where}${how}, checked in ${result.elapsedMs.toFixed(1)} ms.`;
  }
  if (result.valid === 'unknown') {
    const done = parts.filter((p) => p.valid !== 'unknown').length;
    const why =
      result.cause === 'timeout'
        ? `the time limit${options.timeLimitMs !== undefined ? ` of ${(options.timeLimitMs / 1000).toFixed(1)} s` : ''} ran out`
        : `the memo outgrew the memory limit of ${Math.round((options.memoryLimitBytes ?? DEFAULT_MEMORY_LIMIT_BYTES) / 1048576)} MiB`;
    return `Unknown (model ${result.model}): ${why} after deciding ${done} of ${plural(parts.length, 'partition')}; ${counts}. No verdict is guessed: raise the limit to decide.`;
  }
  const lines: string[] = [];
  const bad = parts.filter((p) => p.valid === false);
  lines.push(
    `Not linearizable (model ${result.model}): ${bad.length} of ${plural(parts.length, 'partition')} cannot be linearized; ${counts}.`,
  );
  const skipped = parts.filter((p) => p.cause === 'skipped').length;
  if (skipped > 0) {
    lines.push(`(${plural(skipped, 'other partition')} left undecided once the verdict was known; --all-partitions searches them all.)`);
  }
  for (const p of bad) {
    const c = p.counterexample!;
    lines.push('');
    lines.push(`${p.key !== '' ? `Key ${JSON.stringify(p.key)}: ` : ''}this operation cannot be linearized:`);
    lines.push(`  ${opLine(c.op)}`);
    if (c.reason) {
      lines.push(
        `Decided without a search (${uniqueClause(result.model)}): ${c.reason}; the ${plural(c.witnessSize ?? 0, 'operation')} involved are not linearizable on their own.`,
      );
    }
    lines.push(
      `The longest linearizable prefix has ${plural(c.prefixLength, 'operation')}${c.prefixOmitted > 0 ? ` (the last ${c.prefix.length} shown)` : ''}; after it the state is ${c.state}.`,
    );
    const shown = c.prefix.slice(-10);
    if (shown.length < c.prefix.length) lines.push(`  ... ${c.prefix.length - shown.length + c.prefixOmitted} earlier operations`);
    for (const s of shown) lines.push(`  ${opLine(s.op)}  -> ${s.stateAfter}`);
    lines.push(`From ${c.state}, no operation that may come next leads to a linearization:`);
    for (const cand of c.candidates.slice(0, 10)) {
      lines.push(
        `  ${opLine(cand.op)}: ${cand.outcome === 'illegal' ? `impossible in ${c.state}` : `would give ${cand.stateAfter}, from where no linearization completes`}`,
      );
    }
  }
  return lines.join('\n');
}
