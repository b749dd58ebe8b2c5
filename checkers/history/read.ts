/**
 * One entry point for every history format: `readHistory(path, {format})` and
 * `parseHistory(text, {format, file})`, with `format: 'auto'` sniffing the format from the text.
 *
 * Formats: `jsonl` (native), `edn` (Jepsen/Knossos), `porcupine-etcd` (Jepsen log lines of
 * Porcupine's etcd data), `porcupine-kv` (Porcupine's kv data).
 */
import { readFile, stat } from 'node:fs/promises';
import { parseEdn } from './edn.js';
import { HistoryError } from './errors.js';
import { DEFAULT_MAX_EVENTS, parseJsonl, readJsonlFile, type ParsedHistory } from './jsonl.js';
import { stripBom } from './limits.js';
import { parsePorcupineEtcd, parsePorcupineKv } from './porcupine.js';

/** The history formats faultline reads. */
export const HISTORY_FORMATS = ['jsonl', 'edn', 'porcupine-etcd', 'porcupine-kv'] as const;
export type HistoryFormat = (typeof HISTORY_FORMATS)[number];

/** Options of readHistory / parseHistory. */
export interface ReadOptions {
  /** The format, or 'auto' (the default) to sniff it. */
  format?: HistoryFormat | 'auto';
  /** The most events accepted (a limit, so a runaway file is an error, not an out-of-memory). */
  maxEvents?: number;
  /**
   * JSONL only: leave out a torn last line (not JSON, no newline after it: the recorder died while
   * writing it) and set `tornTail`, instead of failing. For a run's own history; off by default.
   */
  tolerateTornTail?: boolean;
}

/** The largest non-JSONL file read whole into memory (JSONL files are streamed). */
export const MAX_WHOLE_FILE_BYTES = 512 * 1024 * 1024;

/**
 * Guesses the format from the first meaningful line of the text.
 * Returns null when nothing fits (the caller reports it).
 */
export function sniffFormat(text: string): HistoryFormat | null {
  const lines = stripBom(text).split('\n', 200);
  for (const rawLine of lines) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith(';')) continue;
    if (/^INFO\s+jepsen\.util\s+-/.test(line)) return 'porcupine-etcd';
    if (/^\{\s*"/.test(line)) return 'jsonl';
    if (/^\{:process \d+, :type :\w+, :f :\w+, :key "/.test(line)) return 'porcupine-kv';
    if (line.startsWith('[') || line.startsWith('{:') || line.startsWith('(')) return 'edn';
    if (/^\d{4}-\d\d-\d\d.*jepsen\.util/.test(line) || /jepsen\.util\s+-\s+\d+\s+:/.test(line)) return 'porcupine-etcd';
    return null;
  }
  // An empty file is an empty history, whatever its format.
  return 'jsonl';
}

/** Parses a history held in memory. */
export function parseHistory(input: string, options: ReadOptions & { file?: string } = {}): ParsedHistory {
  const file = options.file;
  const text = stripBom(input);
  let format = options.format ?? 'auto';
  if (format === 'auto') {
    const sniffed = sniffFormat(text);
    if (sniffed === null) {
      throw new HistoryError(
        `cannot tell the history format from its first line; name it with --format (${HISTORY_FORMATS.join(', ')})`,
        { file },
      );
    }
    format = sniffed;
  }
  const maxEvents = options.maxEvents ?? DEFAULT_MAX_EVENTS;
  let parsed: ParsedHistory;
  switch (format) {
    case 'jsonl':
      return { ...parseJsonl(text, file, { maxEvents, tolerateTornTail: options.tolerateTornTail ?? false }), format: 'jsonl' };
    case 'edn':
      parsed = parseEdn(text, file);
      break;
    case 'porcupine-etcd':
      parsed = parsePorcupineEtcd(text, file);
      break;
    case 'porcupine-kv':
      parsed = parsePorcupineKv(text, file);
      break;
    default:
      throw new HistoryError(`unknown history format "${String(format)}" (known: ${HISTORY_FORMATS.join(', ')})`, { file });
  }
  parsed.format = format;
  if (parsed.events.length > maxEvents) {
    throw new HistoryError(`more than ${maxEvents} events (raise the limit to check a longer history)`, { file });
  }
  return parsed;
}

/** Reads a history file. JSONL is streamed; the other formats are read whole (they are small). */
export async function readHistory(path: string, options: ReadOptions = {}): Promise<ParsedHistory> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new HistoryError('not a file', { file: path });
    size = st.size;
  } catch (err) {
    if (err instanceof HistoryError) throw err;
    throw new HistoryError(`cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { file: path });
  }
  let format = options.format ?? 'auto';
  if (format === 'auto' && /\.jsonl$/i.test(path)) format = 'jsonl';
  if (format === 'jsonl') {
    const jsonlOptions = { maxEvents: options.maxEvents ?? DEFAULT_MAX_EVENTS, tolerateTornTail: options.tolerateTornTail ?? false };
    return { ...(await readJsonlFile(path, jsonlOptions)), format: 'jsonl' };
  }
  if (size > MAX_WHOLE_FILE_BYTES) {
    throw new HistoryError(`file larger than ${MAX_WHOLE_FILE_BYTES} bytes; convert it to JSONL, which is streamed`, { file: path });
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new HistoryError(`cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { file: path });
  }
  return parseHistory(text, { ...options, format, file: path });
}
