/**
 * A worker thread of `checkLinearizableParallel` (./parallel.ts): takes tasks one at a time (a
 * model name and options, its share of the operations, the check options), checks each with
 * `checkLinearizable`, and answers with the result, or with the bad input it found. The thread
 * stays for the next task: the parent keeps idle threads in a pool.
 */
import { parentPort } from 'node:worker_threads';
import { HistoryError } from '../history/errors.js';
import { checkLinearizable } from './check.js';
import { ModelInputError } from './model.js';
import { createModel } from './models.js';
import { decodeOperations, type WorkerAnswer, type WorkerTask } from './parallel.js';

parentPort!.on('message', (task: WorkerTask) => {
  let answer: WorkerAnswer;
  try {
    const model = createModel(task.model, task.modelOptions);
    answer = { result: checkLinearizable(model, { operations: decodeOperations(task.operations), ignored: [] }, task.options) };
  } catch (err) {
    const e = err as Error;
    if (err instanceof HistoryError) answer = { error: { kind: 'history', reason: err.reason, ...(err.file !== undefined ? { file: err.file } : {}), ...(err.line !== undefined ? { line: err.line } : {}) } };
    else if (err instanceof ModelInputError) answer = { error: { kind: 'model', reason: e.message } };
    else answer = { error: { kind: 'other', reason: e.stack ?? String(e) } };
  }
  parentPort!.postMessage(answer);
});
