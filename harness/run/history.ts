/**
 * The history of a run as it happens: every event is appended to `history.jsonl` at once (one
 * write per line, so a harness that dies keeps everything it recorded) and kept in memory for
 * the generators and the checkers. Also the one reader of a stored history, with its explicit
 * tolerance for a last line the writer died in the middle of.
 */
import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { formatEvent, parseJsonl, readJsonlFileSync } from '../../checkers/history/jsonl.js';
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

/** How much of a history to read, and what a bad line does. */
export interface StoredHistoryOptions {
  /** The most events read (default: the reader's ceiling). */
  maxEvents?: number;
  /** Read only this many bytes from the start of a larger file (its cut last line is then torn). */
  maxBytes?: number;
  /**
   * End the reading at the first bad line or the first event past `maxEvents`, keeping what came
   * before (for showing a damaged history, as a report does), instead of a UsageError.
   */
  stopAtBadLine?: boolean;
}

/**
 * Reads a run's history.jsonl: the one reader of run histories, for `recheck`, reports and
 * statistics. A torn last line (no newline at the end, not valid JSON) is left out and reported;
 * any other bad line is a UsageError naming `file:line`, unless `stopAtBadLine`.
 */
export function readStoredHistory(path: string, options: StoredHistoryOptions = {}): StoredHistory {
  const jsonl = {
    tolerateTornTail: true,
    ...(options.maxEvents !== undefined ? { maxEvents: options.maxEvents } : {}),
    ...(options.stopAtBadLine ? { stopAtBadLine: true } : {}),
  };
  try {
    const size = options.maxBytes !== undefined ? fileSize(path) : 0;
    const cut = options.maxBytes !== undefined && size > options.maxBytes;
    const h = cut ? parseJsonl(readHead(path, options.maxBytes!), path, jsonl) : readJsonlFileSync(path, jsonl);
    return {
      events: h.events,
      tornTail: h.tornTail === true,
      torn: h.torn?.message ?? null,
      stoppedBy: h.stoppedBy?.message ?? null,
      cutFrom: cut ? size : null,
    };
  } catch (err) {
    if (err instanceof HistoryError) throw new UsageError(err.message);
    throw err;
  }
}

function cannotRead(path: string, err: unknown): UsageError {
  return new UsageError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (err) {
    throw cannotRead(path, err);
  }
}

/** The first `bytes` bytes of a file, as text. */
function readHead(path: string, bytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw cannotRead(path, err);
  }
  try {
    const buf = Buffer.alloc(bytes);
    const n = readSync(fd, buf, 0, bytes, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}
