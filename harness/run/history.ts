/**
 * The history of a run as it happens: every event is appended to `history.jsonl` at once (one
 * write per line, so a harness that dies keeps everything it recorded) and kept in memory for
 * the generators and the checkers. Also the one reader of a stored history, with its explicit
 * tolerance for a last line the writer died in the middle of.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { formatEvent, readJsonlFileSync, type JsonlFileOptions } from '../../checkers/history/jsonl.js';
import { HistoryError } from '../../checkers/history/errors.js';
import type { HistoryEvent } from '../../checkers/history/types.js';
import { UsageError } from '../cli/exit.js';

/** The most events one run records; the generator stops issuing ops before it. */
export const HISTORY_EVENTS_MAX = 2_000_000;

/** Appends events to history.jsonl and keeps them. */
export class RunHistory {
  readonly events: HistoryEvent[] = [];
  private fd: number | null;
  private readonly startNs: bigint;
  /**
   * Why the file could not be written (a full disk), once it could not: the events stay in memory
   * and the run stops, since a history that is not on disk cannot be rechecked.
   */
  writeError: string | null = null;

  constructor(readonly path: string, startNs: bigint) {
    this.fd = openSync(path, 'a');
    this.startNs = startNs;
  }

  /** Nanoseconds since the run started. */
  nowNs(): number {
    return Number(process.hrtime.bigint() - this.startNs);
  }

  /** Records one event (index and time filled in) and returns it. */
  append(e: Omit<HistoryEvent, 'index' | 'time'>): HistoryEvent {
    const event: HistoryEvent = { index: this.events.length, time: this.nowNs(), ...e };
    this.events.push(event);
    if (this.fd !== null) {
      try {
        writeSync(this.fd, `${formatEvent(event)}\n`);
      } catch (err) {
        this.writeError = `could not write ${this.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it holds the events before #${event.index}`;
        this.close();
      }
    }
    return event;
  }

  /** Closes the file. */
  close(): void {
    const fd = this.fd;
    this.fd = null;
    if (fd === null) return;
    try {
      closeSync(fd);
    } catch (err) {
      // Closing flushes nothing more (every write was synchronous); a failing close is only noted.
      this.writeError ??= `could not close ${this.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
    }
  }
}

/** A history read back from a run folder. */
export interface StoredHistory {
  events: HistoryEvent[];
  /** Set when the last line was cut short (the writer died in the middle of it) and was left out. */
  tornTail: boolean;
  /** `file:line: what is wrong` of the torn last line, when there was one. */
  torn: string | null;
  /** With `stopAtBadLine`: `file:line: what is wrong` of the line the reading ended at, else null. */
  stoppedBy: string | null;
  /** With `maxBytes`: the file's size when it was larger and only its first `maxBytes` were read. */
  cutFrom: number | null;
}

/** How much of a history to read, and whether a bad line ends the reading instead of failing it. */
export type StoredHistoryOptions = Pick<JsonlFileOptions, 'maxEvents' | 'maxBytes' | 'stopAtBadLine'>;

/**
 * Reads a run's history.jsonl: the one reader of run histories, for `recheck`, reports and
 * statistics. A torn last line (no newline at the end, not valid JSON) is left out and reported;
 * any other bad line is a UsageError naming `file:line`, unless `stopAtBadLine`.
 */
export function readStoredHistory(path: string, options: StoredHistoryOptions = {}): StoredHistory {
  try {
    const h = readJsonlFileSync(path, { ...options, tolerateTornTail: true });
    return {
      events: h.events,
      tornTail: h.tornTail === true,
      torn: h.torn?.message ?? null,
      stoppedBy: h.stoppedBy?.message ?? null,
      cutFrom: h.cutFrom ?? null,
    };
  } catch (err) {
    if (err instanceof HistoryError) throw new UsageError(err.message);
    throw err;
  }
}
