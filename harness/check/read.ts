/**
 * Reading the history a `faultline check` command was given: a malformed file is bad input
 * (one `file:line: what is wrong` message, exit 254), never a stack trace; and so is a history in
 * which the checker found nothing it understands, which would otherwise pass vacuously.
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

/**
 * Refuses a history in which the checker found no operation to judge (`checked` is how many it
 * did): an empty verdict says nothing, so it must not read as "valid". `what` names what the
 * checker looks for, as a plural noun phrase.
 */
export function requireCheckedOperations(file: string, history: ParsedHistory, checked: number, what: string): void {
  if (checked > 0) return;
  const read = history.events.length;
  const format = history.format ?? 'the given format';
  throw new UsageError(
    `${file}: no ${what} to check (${read} event${read === 1 ? '' : 's'} read as ${format}); is it the right file, --format and --checker?`,
  );
}
