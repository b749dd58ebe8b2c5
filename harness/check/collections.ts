/**
 * `faultline check --checker set-full|counter|sequential|sessions`: read a grow-only set or counter
 * history (plain, `add v` / `read -> value`, or with `--keyed`, `[key, value]` tuples), or a kv
 * register history for sequential consistency or the session guarantees, check it, print the
 * verdict (or JSON) and return the exit code (0 valid, 1 invalid, 2 unknown). Bad input throws
 * UsageError (exit 254).
 *
 *   faultline check set.jsonl --checker set-full --keyed
 *   faultline check counter.jsonl --checker counter --json
 *   faultline check history.jsonl --checker sequential
 */
import { checkCounter, checkSetFull, type CounterResult, type SetFullResult } from '../../checkers/collections/index.js';
import { HistoryError, type HistoryFormat } from '../../checkers/history/index.js';
import { checkSequential, checkSessions, type SequentialResult, type SessionsResult } from '../../checkers/session/index.js';
import { exitCodeForVerdict, UsageError } from '../cli/exit.js';
import { readHistoryForCheck, requireCheckedOperations } from './read.js';

/** Options of a set-full or counter check, as the CLI parsed them. */
export interface CollectionCheckOptions {
  checker: 'set-full' | 'counter' | 'sequential' | 'sessions';
  format: HistoryFormat | 'auto';
  json: boolean;
  keyed: boolean;
  /** set-full: stale reads are anomalies. */
  linearizable: boolean;
}

/** Checks one history file; returns the exit code. Writes the verdict to `out`. */
export async function runCollectionCheck(
  file: string,
  options: CollectionCheckOptions,
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  const history = await readHistoryForCheck(file, options.format);
  let result: SetFullResult | CounterResult | SequentialResult | SessionsResult;
  try {
    const events = history.events;
    result =
      options.checker === 'set-full'
        ? checkSetFull(events, { keyed: options.keyed, linearizable: options.linearizable })
        : options.checker === 'counter'
          ? checkCounter(events, { keyed: options.keyed })
          : options.checker === 'sequential'
            ? checkSequential(events)
            : checkSessions(events);
  } catch (err) {
    if (err instanceof HistoryError) {
      const pos = /^event (\d+):/.exec(err.reason);
      const line = pos ? history.lines[history.events.findIndex((e) => e.index === Number(pos[1]))] : undefined;
      throw new UsageError(line ? `${file}:${line}: ${err.reason}` : `${file}: ${err.reason}`);
    }
    throw err;
  }
  requireCheckedOperations(file, history, result.operationCount, options.checker === 'set-full' || options.checker === 'counter' ? 'add or read operations' : 'read or write operations');
  out(options.json ? JSON.stringify(result, null, 2) + '\n' : result.explanation + '\n');
  return exitCodeForVerdict(result.valid);
}
