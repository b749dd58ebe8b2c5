/**
 * The native history format: JSON Lines, one event per line (see types.ts).
 *
 * - `parseJsonl(text, file)` parses a whole text; `readJsonlFile(path)` streams a file line by
 *   line, so a history of millions of events never exists as one string; `readJsonlFileSync`
 *   is the same reader for callers that cannot wait.
 * - `formatEvent` is the line the run's recorder writes for each event.
 *
 * Every bad line is reported as `file:line: what is wrong` through HistoryError. Blank lines are
 * allowed (a file cut off while being written may end with one), and so is a byte order mark
 * before the first line. With `tolerateTornTail`, a last line that is not valid JSON and has no
 * newline after it (the recorder died while writing it) is left out and flagged as `tornTail`
 * instead; any other bad line is still an error. With `stopAtBadLine`, which is for showing what
 * there is of a damaged history and never for checking one, the first bad line (or the first event
 * past `maxEvents`) ends the reading instead of failing it: the events before it are returned, and
 * `stoppedBy` says what was wrong there.
 */
import { closeSync, createReadStream, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { HistoryError } from './errors.js';
import { stripBom } from './limits.js';
import { validateEvent } from './schema.js';
import type { HistoryEvent } from './types.js';

/** The longest line accepted (one event); longer lines are bad input, not an out-of-memory. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;

/** An event together with the line it came from. */
export interface ParsedHistory {
  events: HistoryEvent[];
  /** `lines[i]` is the 1-based source line of `events[i]` (0 when the format has no lines). */
  lines: number[];
  file: string | undefined;
  /** The format the history was read from (set by readHistory/parseHistory). */
  format?: 'jsonl' | 'edn' | 'porcupine-etcd' | 'porcupine-kv';
  /** True when a torn last line was left out (only with `tolerateTornTail`). */
  tornTail?: boolean;
  /** What was wrong with the torn last line, at its `file:line` (when `tornTail`). */
  torn?: HistoryError;
  /** The bad line that ended the reading (only with `stopAtBadLine`). */
  stoppedBy?: HistoryError;
}

/** Options of the JSON Lines readers. */
export interface JsonlOptions {
  /** The most events accepted (default DEFAULT_MAX_EVENTS). */
  maxEvents?: number;
  /** Leave out a torn last line (not JSON, no newline after it) instead of failing on it. */
  tolerateTornTail?: boolean;
  /** End the reading at the first bad line, keeping the events before it, instead of failing. */
  stopAtBadLine?: boolean;
  /**
   * Hands each event to this function as it is read, instead of keeping it: the result's `events`
   * and `lines` stay empty. A checker that streams a long history into columns never holds the
   * events as objects.
   */
  onEvent?: (event: HistoryEvent, lineNo: number) => void;
}

/** Incremental JSONL parser: feed it lines in order, read `result()` at the end. */
export class JsonlParser {
  private readonly events: HistoryEvent[] = [];
  private readonly lines: number[] = [];
  private lastIndex = -1;
  /** A line that was not JSON, held back while it may yet turn out to be a torn last line. */
  private torn: HistoryError | null = null;
  private stopped: HistoryError | null = null;
  private readonly maxEvents: number;
  private readonly tolerateTornTail: boolean;
  private readonly stopAtBadLine: boolean;
  private readonly onEvent: ((event: HistoryEvent, lineNo: number) => void) | undefined;
  private eventCount = 0;
  constructor(
    private readonly file: string | undefined,
    options: JsonlOptions = {},
  ) {
    this.maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
    this.tolerateTornTail = options.tolerateTornTail ?? false;
    this.stopAtBadLine = options.stopAtBadLine ?? false;
    this.onEvent = options.onEvent;
  }

  /** Parses one line (1-based `lineNo`); throws HistoryError on a bad one (unless `stopAtBadLine`). */
  line(input: string, lineNo: number): void {
    if (this.stopped) return;
    try {
      this.parseLine(input, lineNo);
    } catch (err) {
      if (!this.stopAtBadLine || !(err instanceof HistoryError)) throw err;
      this.stopped = err;
      // A held-back line that more lines followed was not a torn tail.
      if (err === this.torn) this.torn = null;
    }
  }

  private parseLine(input: string, lineNo: number): void {
    const text = lineNo === 1 ? stripBom(input) : input;
    const where = { file: this.file, line: lineNo };
    if (text.trim() === '') return;
    if (this.torn) throw this.torn;
    if (text.length > MAX_LINE_CHARS) throw new HistoryError(`line longer than ${MAX_LINE_CHARS} characters`, where);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      const e = new HistoryError(`not valid JSON (${(err as Error).message})`, where);
      if (!this.tolerateTornTail) throw e;
      this.torn = e;
      return;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new HistoryError('expected one JSON object per line', where);
    }
    const v = validateEvent(raw);
    if ('reason' in v) throw new HistoryError(v.reason, where);
    if (v.event.index <= this.lastIndex) {
      throw new HistoryError(`index ${v.event.index} does not increase (previous event had ${this.lastIndex})`, where);
    }
    if (this.eventCount >= this.maxEvents) {
      throw new HistoryError(`more than ${this.maxEvents} events (raise the limit to check a longer history)`, where);
    }
    this.lastIndex = v.event.index;
    this.eventCount++;
    if (this.onEvent) {
      this.onEvent(v.event, lineNo);
      return;
    }
    this.events.push(v.event);
    this.lines.push(lineNo);
  }

  /**
   * The history read. `endsWithNewline` says whether the text ended with a newline: a line that
   * was not JSON is a torn tail only when it was the last and nothing ended it.
   */
  result(endsWithNewline: boolean): ParsedHistory {
    if (this.torn && endsWithNewline) {
      if (!this.stopAtBadLine) throw this.torn;
      this.stopped = this.torn;
      this.torn = null;
    }
    const h: ParsedHistory = { events: this.events, lines: this.lines, file: this.file };
    if (this.tolerateTornTail) h.tornTail = this.torn !== null;
    if (this.torn) h.torn = this.torn;
    if (this.stopped) h.stoppedBy = this.stopped;
    return h;
  }
}

function maxEventsOf(options: number | JsonlOptions | undefined): JsonlOptions {
  return typeof options === 'number' ? { maxEvents: options } : (options ?? {});
}

function cannotRead(path: string, err: unknown): HistoryError {
  return new HistoryError(`cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { file: path });
}

/** The default ceiling on the number of events of one history. */
export const DEFAULT_MAX_EVENTS = 20_000_000;

/** Parses a JSON Lines history held in memory. */
export function parseJsonl(text: string, file?: string, options?: number | JsonlOptions): ParsedHistory {
  const parser = new JsonlParser(file, maxEventsOf(options));
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
    parser.line(line, lineNo);
    start = end + 1;
  }
  return parser.result(text.endsWith('\n'));
}

/** Streams a JSON Lines history file. */
export async function readJsonlFile(path: string, options?: number | JsonlOptions): Promise<ParsedHistory> {
  const parser = new JsonlParser(path, maxEventsOf(options));
  const stream = createReadStream(path, { encoding: 'utf8' });
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of rl) {
      lineNo++;
      parser.line(line, lineNo);
    }
  } catch (err) {
    if (err instanceof HistoryError) throw err;
    throw cannotRead(path, err);
  } finally {
    rl.close();
    stream.destroy();
  }
  return parser.result(endsWithNewline(path));
}

/** Options of readJsonlFileSync. */
export interface JsonlFileOptions extends JsonlOptions {
  /** Read only this many bytes from the start of a larger file (its cut last line is then torn). */
  maxBytes?: number;
}

/**
 * Reads a JSON Lines history file whole, synchronously (for callers that cannot wait). With
 * `maxBytes`, a larger file is read only up to there, and `cutFrom` is its size.
 */
export function readJsonlFileSync(path: string, options: JsonlFileOptions = {}): ParsedHistory & { cutFrom?: number } {
  const { maxBytes, ...jsonl } = options;
  let text: string;
  let cutFrom: number | undefined;
  try {
    if (maxBytes === undefined) text = readFileSync(path, 'utf8');
    else {
      const fd = openSync(path, 'r');
      try {
        const size = fstatSync(fd).size;
        const buf = Buffer.alloc(Math.min(size, maxBytes));
        const n = readSync(fd, buf, 0, buf.length, 0);
        text = buf.subarray(0, n).toString('utf8');
        if (size > maxBytes) cutFrom = size;
      } finally {
        closeSync(fd);
      }
    }
  } catch (err) {
    throw cannotRead(path, err);
  }
  const h = parseJsonl(text, path, jsonl);
  return cutFrom === undefined ? h : { ...h, cutFrom };
}

/** True when the file's last byte is a newline (or the file is empty). */
function endsWithNewline(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw cannotRead(path, err);
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return true;
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/** Serializes one event as its JSONL line (without the newline), fields in the documented order. */
export function formatEvent(event: HistoryEvent): string {
  const { index, time, type, process, f, value, node, error, ...rest } = event as HistoryEvent & Record<string, unknown>;
  const ordered: Record<string, unknown> = { index };
  if (time !== undefined) ordered.time = time;
  ordered.type = type;
  ordered.process = process;
  ordered.f = f;
  if (value !== undefined) ordered.value = value;
  if (node !== undefined) ordered.node = node;
  if (error !== undefined) ordered.error = error;
  Object.assign(ordered, rest);
  return JSON.stringify(ordered);
}
