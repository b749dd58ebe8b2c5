/**
 * The values a history wrote, per key, for the workloads' `observedWrites`: whether a read saw
 * something the run wrote is what tells a run that could show a stale or lost write from one that
 * could not. Keys and values are compared as JSON, as the checkers compare them.
 */
import { isHarnessEvent, type HistoryEvent } from '../checkers/history/types.js';

/** Written values by key. */
export class WrittenValues {
  private readonly byKey = new Map<string, Set<string>>();

  add(key: unknown, value: unknown): void {
    const k = JSON.stringify(key) ?? 'undefined';
    let set = this.byKey.get(k);
    if (!set) this.byKey.set(k, (set = new Set()));
    set.add(JSON.stringify(value) ?? 'undefined');
  }

  has(key: unknown, value: unknown): boolean {
    return this.byKey.get(JSON.stringify(key) ?? 'undefined')?.has(JSON.stringify(value) ?? 'undefined') === true;
  }
}

/**
 * Counts the ok client events for which `observes` is true, after `collect` has seen every client
 * invocation (what the history tried to write, whether or not it was acknowledged).
 */
export function countObserved(
  history: readonly HistoryEvent[],
  collect: (invoke: HistoryEvent, written: WrittenValues) => void,
  observes: (ok: HistoryEvent, written: WrittenValues) => boolean,
): number {
  const written = new WrittenValues();
  for (const e of history) if (!isHarnessEvent(e) && e.type === 'invoke') collect(e, written);
  let n = 0;
  for (const e of history) if (!isHarnessEvent(e) && e.type === 'ok' && observes(e, written)) n++;
  return n;
}
