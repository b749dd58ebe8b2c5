/**
 * `checkLinearizableParallel`: the check of `checkLinearizable`, with the partitions of a keyed
 * model (one per key) spread over worker threads, for large histories on a machine with cores to
 * spare. Each worker checks its share of the keys with `checkLinearizable` itself
 * (./parallel-worker.ts), so verdicts, counterexamples and explanations are the same as in one
 * thread; the results are merged here.
 *
 * Threads cost a start-up (a fresh V8 isolate loading the checker, tens of milliseconds, then
 * the search interpreted until V8 compiles it) and a copy of their operations. Threads are
 * kept idle for the next check, warm; one still checking when another thread's partition decided
 * the verdict is told to give up (a shared flag), and kept too. Still, so a history below `minOperations`, a model without partitions, or
 * one partition, is checked in this thread. Whether threads pay off on a given machine is measured
 * by `npm run bench:check` (rows "... N workers"); docs/linearizability.md has the figures.
 *
 *   const result = await checkLinearizableParallel('kv', {}, events, { workers: 2 });
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { HistoryError } from '../history/errors.js';
import { pairOperations, type Operation, type PairedHistory } from '../history/pair.js';
import type { HistoryEvent } from '../history/types.js';
import { assembleResult, checkLinearizable, type CheckOptions, type LinearizableResult, type PartitionResult } from './check.js';
import { ModelInputError, type Partition } from './model.js';
import { createModel, type ModelOptions } from './models.js';

/** Options of the parallel check: those of `checkLinearizable`, and how many threads. */
export interface ParallelCheckOptions extends CheckOptions {
  /** Worker threads (default: the machine's available parallelism, at most the partitions). */
  workers?: number;
  /** Histories with fewer operations are checked in this thread (default PARALLEL_MIN_OPERATIONS). */
  minOperations?: number;
}

/** Below this many operations a history is checked in one thread (see docs/linearizability.md). */
export const PARALLEL_MIN_OPERATIONS = 20_000;

/** What a worker is given. @internal */
export interface WorkerTask {
  model: string;
  modelOptions: ModelOptions;
  /** The share's operations as one JSON text of `encode`d rows (see there for why). */
  operations: string;
  options: CheckOptions;
}

/**
 * An operation as a row for a worker: positions, process, f, values, status and the two event
 * indices. Copying 200k Operation objects (with their events) to a thread by structured clone
 * takes seconds, several times the check itself; one JSON text is copied as a block.
 * @internal
 */
export function encodeOperations(ops: readonly Operation[]): string {
  return JSON.stringify(
    ops.map((o) => [o.callPos, o.returnPos === Infinity ? null : o.returnPos, o.process, o.f, o.input ?? null, o.output ?? null, o.status, o.invoke.index, o.complete ? o.complete.index : null]),
  );
}

/** The operations of `encodeOperations`, with events rebuilt as far as the checker reads them. @internal */
export function decodeOperations(text: string): Operation[] {
  const rows = JSON.parse(text) as Array<[number, number | null, number, string, unknown, unknown, Operation['status'], number, number | null]>;
  return rows.map(([callPos, returnPos, process, f, input, output, status, invokeIndex, completeIndex], id): Operation => {
    const invoke: HistoryEvent = { index: invokeIndex, type: 'invoke', process, f, value: input };
    const complete: HistoryEvent | null =
      completeIndex === null ? null : { index: completeIndex, type: status, process, f, value: status === 'ok' ? output : input };
    return { id, process, f, input, output: status === 'ok' ? output : undefined, status, invoke, complete, callPos, returnPos: returnPos ?? Infinity };
  });
}

/** What a worker answers: a result, or the bad input it found. @internal */
export type WorkerAnswer = { result: LinearizableResult } | { error: { kind: 'history' | 'model' | 'other'; reason: string; file?: string; line?: number } };

/**
 * Idle worker threads, kept between checks. A fresh thread starts cold: V8 interprets the search
 * until it has run long enough to be compiled, which costs a small history several times its
 * check (see docs/linearizability.md); a thread kept from the previous check has the search
 * compiled already. Idle threads are unref'd, so they never keep the process alive, and at most
 * POOL_MAX are kept.
 */
const idleWorkers: Worker[] = [];
const POOL_MAX = Math.max(2, availableParallelism());

function takeWorker(): Worker {
  const w = idleWorkers.pop() ?? new Worker(new URL('./parallel-worker.js', import.meta.url));
  w.ref();
  return w;
}

function returnWorker(w: Worker): void {
  if (idleWorkers.length >= POOL_MAX) {
    void w.terminate();
    return;
  }
  w.unref();
  idleWorkers.push(w);
}

/**
 * Checks a history against the model named `model` (it must be one `createModel` knows, since
 * each thread makes its own), spreading its partitions over threads when that may pay.
 */
export async function checkLinearizableParallel(
  modelName: string,
  modelOptions: ModelOptions,
  history: readonly HistoryEvent[] | PairedHistory,
  options: ParallelCheckOptions = {},
): Promise<LinearizableResult> {
  const started = performance.now();
  const model = createModel(modelName, modelOptions);
  const paired = Array.isArray(history) ? pairOperations(history as readonly HistoryEvent[], options.source) : (history as PairedHistory);
  const all = paired.operations;
  const { workers: _w, minOperations: _m, ...checkOptions } = options;
  const want = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
  if (!model.partition || want < 2 || all.length < (options.minOperations ?? PARALLEL_MIN_OPERATIONS)) {
    return checkLinearizable(model, paired, checkOptions);
  }
  let parts: Partition[];
  try {
    parts = model.partition(all);
  } catch (err) {
    if (err instanceof ModelInputError) throw new HistoryError(`${model.name}: ${err.message}`, { file: options.source?.file });
    throw err;
  }
  if (parts.length < 2) return checkLinearizable(model, paired, checkOptions);
  // Deal the partitions, largest first, to the thread with the fewest operations so far.
  const threads = Math.min(want, parts.length);
  const shares: Operation[][] = Array.from({ length: threads }, () => []);
  const order = new Map(parts.map((p, i) => [p.key, i]));
  for (const part of [...parts].sort((a, b) => b.operations.length - a.operations.length)) {
    let best = 0;
    for (let t = 1; t < threads; t++) if (shares[t]!.length < shares[best]!.length) best = t;
    for (const op of part.operations) shares[best]!.push(op);
  }
  for (const share of shares) share.sort((a, b) => a.callPos - b.callPos);
  const stopAtFirstInvalid = options.stopAtFirstInvalid ?? true;
  const memoryLimitBytes = options.memoryLimitBytes;
  // Set once the verdict is decided (or a thread failed): the threads still checking give up
  // within a thousand iterations, and their late answers are ignored.
  const cancelFlag = new Int32Array(new SharedArrayBuffer(4));
  let decided = false;
  const running = shares.map((share) => {
    const worker = takeWorker();
    const task: WorkerTask = {
      model: modelName,
      modelOptions,
      operations: encodeOperations(share),
      // Each thread gets its share of the memory ceiling; the source (for file:line) goes along.
      options: { ...checkOptions, cancelFlag, ...(memoryLimitBytes !== undefined ? { memoryLimitBytes: Math.floor(memoryLimitBytes / threads) } : {}) },
    };
    const answer = new Promise<WorkerAnswer | null>((resolve, reject) => {
      const done = (): void => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      const onMessage = (m: WorkerAnswer): void => (done(), resolve(m));
      const onError = (err: Error): void => (done(), reject(err));
      const onExit = (): void => (done(), resolve(null));
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
    });
    worker.postMessage(task);
    return { worker, answer, answered: false, failed: false };
  });
  const results: Array<LinearizableResult | null> = shares.map(() => null);
  try {
    await new Promise<void>((resolve, reject) => {
      let left = running.length;
      running.forEach((run, t) => {
        run.answer.then((a) => {
          run.answered = a !== null;
          if (decided) return;
          if (a && 'error' in a) {
            run.failed = true;
            const e = a.error;
            reject(e.kind === 'history' ? new HistoryError(e.reason, { file: e.file, line: e.line }) : e.kind === 'model' ? new ModelInputError(e.reason) : new Error(e.reason));
            return;
          }
          if (a) results[t] = a.result;
          // The verdict is decided: the other threads' partitions stay undecided ('skipped').
          if (a && a.result.valid === false && stopAtFirstInvalid) resolve();
          if (--left === 0) resolve();
        }, (err) => ((run.failed = true), reject(err)));
      });
    });
  } finally {
    decided = true;
    Atomics.store(cancelFlag, 0, 1);
    // Every thread that answers goes back to the pool, warm; one that failed is ended.
    await Promise.all(
      running.map(async (run) => {
        await run.answer.catch(() => ((run.failed = true), null));
        if (run.answered && !run.failed) returnWorker(run.worker);
        else await run.worker.terminate();
      }),
    );
  }
  return merge(model.name, parts, order, results, all, options, started);
}

/** One result from the threads' results, as `checkLinearizable` would give it. */
function merge(
  modelName: string,
  parts: readonly Partition[],
  order: Map<string, number>,
  results: Array<LinearizableResult | null>,
  all: readonly Operation[],
  options: CheckOptions,
  started: number,
): LinearizableResult {
  const partitions: PartitionResult[] = [];
  const reported = new Set<string>();
  for (const r of results) for (const p of r?.partitions ?? []) if (order.has(p.key)) (partitions.push(p), reported.add(p.key));
  // Partitions of a thread stopped before it answered: undecided, as a skipped search is.
  for (const part of parts) {
    if (reported.has(part.key)) continue;
    const counted = part.operations.filter((o) => o.status !== 'fail');
    partitions.push({
      key: part.key,
      valid: 'unknown',
      cause: 'skipped',
      operationCount: counted.length,
      crashedCount: counted.filter((o) => o.status !== 'ok').length,
      elapsedMs: 0,
      steps: 0,
      memoEntries: 0,
    });
  }
  partitions.sort((a, b) => order.get(a.key)! - order.get(b.key)!);
  const counts = { operationCount: all.length, okCount: 0, failCount: 0, crashedCount: 0 };
  for (const op of all) {
    if (op.status === 'ok') counts.okCount++;
    else if (op.status === 'fail') counts.failCount++;
    else counts.crashedCount++;
  }
  const cause = results.map((r) => r?.cause).find((c) => c !== undefined);
  return assembleResult(modelName, counts, partitions, cause, started, options);
}
