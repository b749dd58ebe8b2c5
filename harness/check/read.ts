/**
 * Reading the history a `faultline check` command was given: a malformed file is bad input
 * (one `file:line: what is wrong` message, exit 254), never a stack trace.
 */
import { HistoryError, readHistory, type ReadOptions } from '../../checkers/history/index.js';
import type { ParsedHistory } from '../../checkers/history/jsonl.js';
import { UsageError } from '../cli/exit.js';

/** Reads a history file for a check, turning a history error into a UsageError. */
export async function readHistoryForCheck(file: string, format: ReadOptions['format']): Promise<ParsedHistory> {
  try {
    return await readHistory(file, { format });
  } catch (err) {
    if (err instanceof HistoryError) throw new UsageError(err.message);
    throw err;
  }
}
