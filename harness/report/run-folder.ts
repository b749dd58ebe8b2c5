/**
 * Reads the files of a run folder for the HTML report: run.json, history.jsonl, results.json and
 * nodes/*.log (docs/formats.md).
 *
 * A report must be writable for any run, including one that was killed half way, so this reader is
 * tolerant: a missing file is noted; the history is read by the run's own reader
 * (`readStoredHistory`), whose torn last line is left out and whose first bad line ends the history
 * shown, each noted with its `file:line`; and every size is bounded. Only a folder that does not exist (or has none of the
 * run files) is an error, reported as a `UsageError` (exit 254).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../cli/exit.js';
import type { HistoryEvent } from '../../checkers/history/types.js';
import { readStoredHistory } from '../run/history.js';

/** Limits that keep a report's inputs bounded. */
export interface RunFolderLimits {
  /** History events read at most; the rest are left out and a warning says so. */
  maxEvents: number;
  /** Largest run.json / results.json read, bytes. */
  maxJsonBytes: number;
  /** Largest history.jsonl read, bytes. */
  maxHistoryBytes: number;
  /** Largest node log read, bytes (the tail is kept: the end of a log is where a crash is). */
  maxLogBytes: number;
  /** `@msg` lines kept at most, over all nodes. */
  maxMessages: number;
}

/** The default limits: about a million events, a quarter gigabyte of history. */
export const DEFAULT_LIMITS: RunFolderLimits = {
  maxEvents: 2_000_000,
  maxJsonBytes: 256 * 1024 * 1024,
  maxHistoryBytes: 256 * 1024 * 1024,
  maxLogBytes: 64 * 1024 * 1024,
  maxMessages: 200_000,
};

/** One peer message seen in a node log (wire-protocol.md, "@msg" lines). */
export interface PeerMessage {
  /** Wall-clock microseconds (unskewed) at which the node logged it. */
  t: number;
  dir: 'send' | 'recv';
  from: string;
  to: string;
  type: string;
  id: string | number;
  /** The node whose log held the line. */
  node: string;
}

/** Everything a report is built from, as read from the folder. */
export interface RunFolder {
  dir: string;
  /** run.json as parsed, or null when absent or unreadable. */
  run: Record<string, unknown> | null;
  /** results.json as parsed, or null when absent (a run still going, or killed). */
  results: Record<string, unknown> | null;
  events: HistoryEvent[];
  /** Node ids with a log file, sorted. */
  nodes: string[];
  messages: PeerMessage[];
  /** Things the reader skipped or could not read, one sentence each. */
  warnings: string[];
}

/** Reads a run folder; throws a UsageError only when `dir` is not a run folder at all. */
export function readRunFolder(dir: string, limits: RunFolderLimits = DEFAULT_LIMITS): RunFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`${dir}: no such run folder`);
  }
  const has = (name: string) => existsSync(join(dir, name));
  if (!has('run.json') && !has('history.jsonl') && !has('results.json')) {
    throw new UsageError(`${dir}: not a run folder (none of run.json, history.jsonl, results.json is there)`);
  }
  const warnings: string[] = [];
  const run = readJsonObject(join(dir, 'run.json'), limits.maxJsonBytes, warnings);
  const results = readJsonObject(join(dir, 'results.json'), limits.maxJsonBytes, warnings);
  const events = readHistory(join(dir, 'history.jsonl'), limits, warnings);
  const { nodes, messages } = readNodeLogs(join(dir, 'nodes'), limits, warnings);
  return { dir, run, results, events, nodes, messages, warnings };
}

function readJsonObject(path: string, maxBytes: number, warnings: string[]): Record<string, unknown> | null {
  if (!existsSync(path)) {
    warnings.push(`${path}: not there`);
    return null;
  }
  const size = statSync(path).size;
  if (size > maxBytes) {
    warnings.push(`${path}: ${size} bytes is over the limit of ${maxBytes}; left out`);
    return null;
  }
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    warnings.push(`${path}: not a JSON object; left out`);
  } catch (err) {
    warnings.push(`${path}: not valid JSON (${(err as Error).message}); left out`);
  }
  return null;
}

/** The run's history through the one reader of run histories, ending at a bad line rather than failing. */
function readHistory(path: string, limits: RunFolderLimits, warnings: string[]): HistoryEvent[] {
  if (!existsSync(path)) {
    warnings.push(`${path}: not there`);
    return [];
  }
  const h = readStoredHistory(path, { maxEvents: limits.maxEvents, maxBytes: limits.maxHistoryBytes, stopAtBadLine: true });
  if (h.cutFrom !== null) warnings.push(`${path}: ${h.cutFrom} bytes is over the limit of ${limits.maxHistoryBytes}; only the start is shown`);
  if (h.torn !== null && h.cutFrom === null) warnings.push(`${h.torn}; the last line was cut short (the run was interrupted), so it is left out`);
  if (h.stoppedBy !== null) warnings.push(`${h.stoppedBy}; the history is shown up to that line`);
  return h.events;
}

const MSG_PREFIX = '@msg ';

function readNodeLogs(dir: string, limits: RunFolderLimits, warnings: string[]): { nodes: string[]; messages: PeerMessage[] } {
  const nodes: string[] = [];
  const messages: PeerMessage[] = [];
  if (!existsSync(dir)) return { nodes, messages };
  const files = readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
  let dropped = 0;
  for (const file of files) {
    const node = file.slice(0, -'.log'.length);
    nodes.push(node);
    const path = join(dir, file);
    let text: string;
    try {
      const size = statSync(path).size;
      if (size > limits.maxLogBytes) {
        const buf = readFileSync(path);
        text = buf.subarray(buf.length - limits.maxLogBytes).toString('utf8');
        warnings.push(`${path}: only the last ${limits.maxLogBytes} bytes were read`);
      } else {
        text = readFileSync(path, 'utf8');
      }
    } catch (err) {
      warnings.push(`${path}: unreadable (${(err as Error).message})`);
      continue;
    }
    let pos = 0;
    while (true) {
      const at = text.indexOf(MSG_PREFIX, pos);
      if (at < 0) break;
      let nl = text.indexOf('\n', at);
      if (nl < 0) nl = text.length;
      pos = nl + 1;
      // Only whole lines that start with the marker count; the marker inside other text does not.
      if (at > 0 && text[at - 1] !== '\n') continue;
      const m = parseMessage(text.slice(at + MSG_PREFIX.length, nl), node);
      if (!m) continue;
      if (messages.length >= limits.maxMessages) {
        dropped++;
        continue;
      }
      messages.push(m);
    }
  }
  if (dropped > 0) warnings.push(`${dropped} peer messages over the limit of ${limits.maxMessages} were left out`);
  return { nodes, messages };
}

function parseMessage(json: string, node: string): PeerMessage | null {
  try {
    const o = JSON.parse(json) as Record<string, unknown>;
    if (!o || typeof o !== 'object') return null;
    if (typeof o.t !== 'number' || (o.dir !== 'send' && o.dir !== 'recv')) return null;
    if (typeof o.from !== 'string' || typeof o.to !== 'string') return null;
    const id = typeof o.id === 'number' || typeof o.id === 'string' ? o.id : '';
    return { t: o.t, dir: o.dir, from: o.from, to: o.to, type: String(o.type ?? ''), id, node };
  } catch {
    return null;
  }
}
