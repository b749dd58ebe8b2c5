/**
 * Pairing of invocations with their completions, per process, into operations: the Knossos/Jepsen
 * contract that every checker here relies on.
 *
 * - `invoke` opens an operation of its process; the next completion of that process closes it.
 * - `ok`: the operation happened, between its invocation and its completion.
 * - `fail`: the operation did not happen and never will (it has no effect). Kept, marked `fail`.
 * - `info` completion, or no completion at all: the operation crashed. It may have taken effect at
 *   any point after its invocation, or never; it stays pending forever.
 * - the harness's own events (nemesis, cluster status), and `info` events of a process with no open invocation, take no part in the
 *   checking; they are kept in `ignored` (reports show them).
 *
 * Time order is the order of the events in the history (their position), which is what every
 * recorder guarantees; `time` fields are not needed.
 *
 * Checkers pair strictly: a completion that completes nothing is bad input. Statistics and reports
 * of a run, which must be drawn even for a history a broken recorder left, pair with
 * `strict: false`: such a completion is ignored, and an invocation while its process still has one
 * open leaves the older one open (crashed) for good.
 */
import { HistoryError } from './errors.js';
import { MAX_VALUE_DEPTH, nestsDeeperThan } from './limits.js';
import type { ParsedHistory } from './jsonl.js';
import { isHarnessEvent, type HistoryEvent } from './types.js';

/** How an operation ended: ok, fail (no effect), or info (crashed: unknown, pending forever). */
export type OperationStatus = 'ok' | 'fail' | 'info';

/** An invocation paired with its completion. */
export interface Operation {
  /** Position of this operation in `operations` (ordered by invocation). */
  id: number;
  process: number;
  f: string;
  /** The value of the invocation. */
  input: unknown;
  /** The value of the ok completion; undefined when the op failed or crashed. */
  output: unknown;
  status: OperationStatus;
  /** The invocation event. */
  invoke: HistoryEvent;
  /** The completion event; null when the history ended with the op open. */
  complete: HistoryEvent | null;
  /** Position of the invocation in the event list (the op's call time). */
  callPos: number;
  /** Position of the completion in the event list; Infinity for a crashed op (pending forever). */
  returnPos: number;
}

/** The result of pairing. */
export interface PairedHistory {
  /** Every client operation, ordered by invocation. */
  operations: Operation[];
  /** Events that take no part in checking: the harness's own events and stray info events. */
  ignored: HistoryEvent[];
}

/** Options of pairOperations. */
export interface PairOptions {
  /** Throw HistoryError on a completion that does not fit (default true); false pairs what fits. */
  strict?: boolean;
}

/** Where an event came from, for error messages. */
function whereOf(history: Pick<ParsedHistory, 'file' | 'lines'> | undefined, pos: number): { file?: string; line?: number } {
  if (!history) return {};
  const line = history.lines[pos];
  return { file: history.file, line: line && line > 0 ? line : undefined } as { file?: string; line?: number };
}

/**
 * Pairs the events of a history into operations. Throws HistoryError when a completion completes
 * nothing, names another function than its invocation, or a process invokes twice in a row.
 * Pass the ParsedHistory (or `{file, lines}`) to get `file:line` in those messages.
 */
export function pairOperations(
  events: readonly HistoryEvent[],
  source?: Pick<ParsedHistory, 'file' | 'lines'>,
  options: PairOptions = {},
): PairedHistory {
  const strict = options.strict ?? true;
  const operations: Operation[] = [];
  const ignored: HistoryEvent[] = [];
  const open = new Map<number, Operation>();
  for (let pos = 0; pos < events.length; pos++) {
    const e = events[pos]!;
    if (isHarnessEvent(e)) {
      ignored.push(e);
      continue;
    }
    // What is left after the harness's own events is a client process.
    const p = e.process as number;
    // Events that did not come through a reader (a run's own) get the readers' bound here, since
    // models hash and show values recursively.
    if (strict && nestsDeeperThan(e.value, MAX_VALUE_DEPTH)) {
      throw new HistoryError(`the value of ${e.f} nests deeper than ${MAX_VALUE_DEPTH} levels`, whereOf(source, pos));
    }
    if (e.type === 'invoke') {
      const prev = open.get(p);
      if (prev && strict) {
        const at = prev.invoke.index;
        throw new HistoryError(
          `process ${p} invokes ${e.f} while its ${prev.f} invoked at index ${at} is still open (a process runs one operation at a time)`,
          whereOf(source, pos),
        );
      }
      const op: Operation = {
        id: operations.length,
        process: p,
        f: e.f,
        input: e.value,
        output: undefined,
        status: 'info',
        invoke: e,
        complete: null,
        callPos: pos,
        returnPos: Infinity,
      };
      operations.push(op);
      open.set(p, op);
      continue;
    }
    const op = open.get(p);
    if (!op) {
      if (e.type === 'info' || !strict) {
        ignored.push(e);
        continue;
      }
      throw new HistoryError(`${e.type} completion of ${e.f} by process ${p}, which has no open invocation`, whereOf(source, pos));
    }
    if (op.f !== e.f && strict) {
      throw new HistoryError(
        `process ${p} completes ${e.f} but invoked ${op.f} (at index ${op.invoke.index})`,
        whereOf(source, pos),
      );
    }
    open.delete(p);
    op.complete = e;
    op.status = e.type;
    if (e.type === 'ok') {
      op.output = e.value;
      op.returnPos = pos;
    }
    // fail: no effect; info: crashed, pending forever (returnPos stays Infinity).
  }
  return { operations, ignored };
}
