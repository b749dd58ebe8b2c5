/**
 * The history of a run as it happens: every event is appended to `history.jsonl`, and none is
 * kept in memory while the clients run, so that a long run's memory stays flat whatever its
 * length. Lines are gathered and written in chunks (at `FLUSH_BYTES`, or `FLUSH_MS` after the
 * first unwritten line, and at once on `flush()` and `close()`, which the run calls on every way
 * out, SIGINT and SIGTERM included): a harness killed with SIGKILL loses at most its last
 * `FLUSH_MS` of events, one write a line cost too much at thousands of ops a second. The workload's
 * final generator and the checkers read the events back from the file (`readBack`). Also the one
 * reader of a stored history, with its explicit tolerance for a last line the writer died in the
 * middle of.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { formatEvent, readJsonlFileSync, type JsonlFileOptions } from '../../checkers/history/jsonl.js';
import { HistoryError } from '../../checkers/history/errors.js';
import type { HistoryEvent } from '../../checkers/history/types.js';
import { UsageError } from '../cli/exit.js';

/** The most events one run records; the generator stops issuing ops before it. */
export const HISTORY_EVENTS_MAX = 2_000_000;
/** Unwritten lines are written once they hold this many characters. */
const FLUSH_BYTES = 64 * 1024;
/** ... or this long after the first of them was recorded. */
const FLUSH_MS = 50;

/** Appends events to history.jsonl, in chunks, keeping none of them in memory until read back. */
export class RunHistory {
  private fd: number | null;
  private readonly startNs: bigint;
  private count = 0;
  /** Lines recorded and not yet written, and the index of the first of them. */
  private pending = '';
  private pendingFrom = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Once the history was read back, the events recorded since, so that a second reading needs no file. */
  private kept: HistoryEvent[] | null = null;
  /**
   * Why the file could not be written (a full disk), once it could not: the run stops, since a
   * history that is not on disk cannot be rechecked; events recorded after it are dropped.
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

  /** How many events were recorded. */
  get length(): number {
    return this.count;
  }

  /** Records one event (index and time filled in) and returns it. */
  append(e: Omit<HistoryEvent, 'index' | 'time'>): HistoryEvent {
    const event: HistoryEvent = { index: this.count++, time: this.nowNs(), ...e };
    this.kept?.push(event);
    if (this.fd === null) return event;
    if (this.pending === '') {
      this.pendingFrom = event.index;
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.flush();
      }, FLUSH_MS);
      this.timer.unref();
    }
    this.pending += `${formatEvent(event)}\n`;
    if (this.pending.length >= FLUSH_BYTES) this.flush();
    return event;
  }

  /** Writes every recorded line now. */
  flush(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const text = this.pending;
    this.pending = '';
    if (this.fd === null || text === '') return;
    try {
      writeSync(this.fd, text);
    } catch (err) {
      this.writeError = `could not write ${this.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); it holds the events before #${this.pendingFrom}`;
      this.close();
    }
  }

  /**
   * Every event recorded so far, read back from the file (after a flush). From then on events are
   * also kept in memory, so that later calls (the checkers after the final reads) read nothing again.
   */
  readBack(): HistoryEvent[] {
    if (this.kept !== null) return this.kept;
    this.flush();
    const { events } = readStoredHistory(this.path);
    this.kept = events;
    return events;
  }

  /** Writes what is left and closes the file. */
  close(): void {
    if (this.fd !== null && this.writeError === null) this.flush();
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
