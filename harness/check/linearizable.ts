/**
 * `faultline check --checker linearizable` (the default): read a history file in any supported
 * format, check it against a model, print the verdict and its explanation (or JSON), and return
 * the exit code (0 valid, 1 invalid, 2 unknown). Bad input throws UsageError (exit 254).
 */
import { HistoryError, type HistoryFormat } from '../../checkers/history/index.js';
import { readHistoryForCheck, requireCheckedOperations } from './read.js';
import {
  checkLinearizable,
  createModel,
  MODELS,
  ModelInputError,
  type LinearizableResult,
  type ModelOptions,
} from '../../checkers/linearizable/index.js';
import { exitCodeForVerdict, UsageError } from '../cli/exit.js';

/** Options of a linearizability check, as the CLI parsed them. */
export interface LinearizableCheckOptions {
  model?: string;
  format: HistoryFormat | 'auto';
  json: boolean;
  timeLimitMs?: number;
  memoryLimitBytes?: number;
  initial?: unknown;
  nilRead?: 'absent' | 'unknown';
  partition: boolean;
  allPartitions: boolean;
  /** 'auto': registers, sets and queues whose values are never written twice are decided without a search; 'search': never. */
  method?: 'auto' | 'search';
}

/** Checks one history file; returns the exit code. Writes the verdict to `out`. */
export async function runLinearizableCheck(
  file: string,
  options: LinearizableCheckOptions,
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  if (!options.model) {
    throw new UsageError(`--model is required for the linearizable checker (one of: ${Object.keys(MODELS).join(', ')})`);
  }
  if (!Object.prototype.hasOwnProperty.call(MODELS, options.model)) {
    throw new UsageError(`unknown model "${options.model}" (one of: ${Object.keys(MODELS).join(', ')})`);
  }
  const history = await readHistoryForCheck(file, options.format);
  // Knossos's EDN histories record a read of an unknown value as nil; elsewhere null means absent.
  const modelOptions: ModelOptions = {
    nilReadIsUnknown: (options.nilRead ?? (history.format === 'edn' ? 'unknown' : 'absent')) === 'unknown',
    partitioned: options.partition,
  };
  if (options.initial !== undefined) modelOptions.initial = options.initial;
  let result: LinearizableResult;
  try {
    const model = createModel(options.model, modelOptions);
    result = checkLinearizable(model, history.events, {
      source: history,
      ...(options.timeLimitMs !== undefined ? { timeLimitMs: options.timeLimitMs } : {}),
      ...(options.memoryLimitBytes !== undefined ? { memoryLimitBytes: options.memoryLimitBytes } : {}),
      stopAtFirstInvalid: !options.allPartitions,
      ...(options.method ? { method: options.method } : {}),
    });
  } catch (err) {
    if (err instanceof HistoryError || err instanceof ModelInputError) throw new UsageError(err.message);
    throw err;
  }
  requireCheckedOperations(file, history, result.operationCount, 'client operations');
  if (options.json) out(JSON.stringify(result, null, 2) + '\n');
  else out(result.explanation + '\n');
  return exitCodeForVerdict(result.valid);
}
