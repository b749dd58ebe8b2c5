/**
 * The native history format: JSON Lines, one event per line (see types.ts).
 *
 * - `parseJsonl(text, file)` parses a whole text; `readJsonlFile(path)` streams a file line by
 *   line, so a history of millions of events never exists as one string.
 * - `HistoryWriter` appends one event per line while a run goes, so a crash of the harness keeps
 *   everything written so far (each line is written whole; `close()` flushes and fsyncs).
 *
 * Every bad line is reported as `file:line: what is wrong` through HistoryError. Blank lines are
 * allowed (a file cut off while being written may end with one).
 */
import { createReadStream, openSync, writeSync, fsyncSync, closeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { HistoryError } from './errors.js';
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
}

/** Incremental JSONL parser: feed it lines in order, read `result()` at the end. */
export class JsonlParser {
  private readonly events: HistoryEvent[] = [];
  private readonly lines: number[] = [];
  private lastIndex = -1;
  constructor(
    private readonly file: string | undefined,
    private readonly maxEvents: number,
  ) {}

  /** Parses one line (1-based `lineNo`); throws HistoryError on a bad one. */
  line(text: string, lineNo: number): void {
    const where = { file: this.file, line: lineNo };
    if (text.trim() === '') return;
    if (text.length > MAX_LINE_CHARS) throw new HistoryError(`line longer than ${MAX_LINE_CHARS} characters`, where);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new HistoryError(`not valid JSON (${(err as Error).message})`, where);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new HistoryError('expected one JSON object per line', where);
    }
    const v = validateEvent(raw);
    if ('reason' in v) throw new HistoryError(v.reason, where);
    if (v.event.index <= this.lastIndex) {
      throw new HistoryError(`index ${v.event.index} does not increase (previous event had ${this.lastIndex})`, where);
    }
    if (this.events.length >= this.maxEvents) {
      throw new HistoryError(`more than ${this.maxEvents} events (raise the limit to check a longer history)`, where);
    }
    this.lastIndex = v.event.index;
    this.events.push(v.event);
    this.lines.push(lineNo);
  }

  result(): ParsedHistory {
    return { events: this.events, lines: this.lines, file: this.file };
  }
}

/** The default ceiling on the number of events of one history. */
export const DEFAULT_MAX_EVENTS = 20_000_000;

/** Parses a JSON Lines history held in memory. */
export function parseJsonl(text: string, file?: string, maxEvents = DEFAULT_MAX_EVENTS): ParsedHistory {
  const parser = new JsonlParser(file, maxEvents);
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
  return parser.result();
}

/** Streams a JSON Lines history file. */
export async function readJsonlFile(path: string, maxEvents = DEFAULT_MAX_EVENTS): Promise<ParsedHistory> {
  const parser = new JsonlParser(path, maxEvents);
  const stream = createReadStream(path, { encoding: 'utf8' });
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const line of rl) {
      lineNo++;
      parser.line(line, lineNo);
    }
  } finally {
    rl.close();
    stream.destroy();
  }
  return parser.result();
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

/**
 * Appends events to a history file as they happen. Each `append` is one synchronous write of one
 * whole line, so the file is always a valid prefix of the history, even after kill -9.
 * `index` is assigned by the writer (0, 1, 2...) unless the event carries one that increases.
 */
export class HistoryWriter {
  private fd: number | null;
  private nextIndex = 0;
  /** The number of events written. */
  count = 0;

  /** Opens (creates or truncates) the file. */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  /** Writes one event and returns it with its index. */
  append(event: Omit<HistoryEvent, 'index'> & { index?: number }): HistoryEvent {
    if (this.fd === null) throw new Error(`history ${this.path} is closed`);
    const index = event.index !== undefined && event.index >= this.nextIndex ? event.index : this.nextIndex;
    const full = { ...event, index } as HistoryEvent;
    writeSync(this.fd, formatEvent(full) + '\n');
    this.nextIndex = index + 1;
    this.count++;
    return full;
  }

  /** Flushes the file to disk (fsync) without closing it. */
  sync(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  /** Fsyncs and closes the file; further appends throw. Closing twice is harmless. */
  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }
}
