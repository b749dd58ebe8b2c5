/**
 * Importers for the two line formats of Porcupine's test data, so that its corpus runs unchanged.
 *
 * `etcd_NNN.log` (Jepsen's `jepsen.util` log lines, one etcd register):
 *   INFO  jepsen.util - 2	:invoke	:cas	[3 0]
 *   INFO  jepsen.util - 1	:info	:write	:timed-out
 * Values are `nil`, integers or `[from to]`; `:timed-out` becomes the event's `error`. Lines that
 * are not `jepsen.util` op lines (other log output) are skipped, as Porcupine does; a `jepsen.util`
 * op line that cannot be read is an error.
 *
 * kv `cNN-{ok,bad}.txt` (one EDN map per line, keys "0".."9", string values):
 *   {:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}
 * becomes `{f:"append", value:["0","x 0 0 y"]}` (Jepsen's independent `[key, value]` tuple).
 */
import { HistoryError } from './errors.js';
import type { ParsedHistory } from './jsonl.js';
import { stripBom } from './limits.js';
import type { EventType, HistoryEvent } from './types.js';

const ETCD_LINE = /^INFO\s+jepsen\.util\s+-\s+(\d+)\s+:(invoke|ok|fail|info)\s+:([\w-]+)\s+(.*?)\s*$/;
const ETCD_PREFIX = /^INFO\s+jepsen\.util\s+-\s+\d+\s+:/;

function splitLines(text: string): string[] {
  return stripBom(text).split(/\r?\n/);
}

/**
 * Parses a Porcupine/Jepsen etcd log. Other log lines are skipped, but a file where they are the
 * majority (or where nothing is an operation) is not such a log, and is refused as bad input
 * naming the first skipped line: reading it as an empty history would pass anything.
 */
export function parsePorcupineEtcd(text: string, file?: string): ParsedHistory {
  const events: HistoryEvent[] = [];
  const lines: number[] = [];
  const all = splitLines(text);
  let skipped = 0;
  let firstSkipped = 0;
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!;
    const m = ETCD_LINE.exec(line);
    if (!m) {
      if (ETCD_PREFIX.test(line)) throw new HistoryError('cannot read this jepsen.util operation line', { file, line: i + 1 });
      if (line.trim() !== '') {
        skipped++;
        if (firstSkipped === 0) firstSkipped = i + 1;
      }
      continue;
    }
    const event: HistoryEvent = { index: events.length, type: m[2] as EventType, process: Number(m[1]), f: m[3]! };
    const v = m[4]!;
    if (v.startsWith(':')) {
      event.error = v.slice(1);
    } else {
      event.value = parseEtcdValue(v, file, i + 1);
    }
    events.push(event);
    lines.push(i + 1);
  }
  if (skipped > 0 && skipped >= events.length) {
    throw new HistoryError(
      `${skipped} of ${skipped + events.length} lines are not jepsen.util operation lines (this is the first); not a porcupine-etcd log`,
      { file, line: firstSkipped },
    );
  }
  return { events, lines, file };
}

function parseEtcdValue(v: string, file: string | undefined, line: number): unknown {
  if (v === 'nil') return null;
  if (/^-?\d+$/.test(v)) return Number(v);
  const pair = /^\[\s*(-?\d+|nil)\s+(-?\d+|nil)\s*\]$/.exec(v);
  if (pair) return [pair[1] === 'nil' ? null : Number(pair[1]), pair[2] === 'nil' ? null : Number(pair[2])];
  throw new HistoryError(`cannot read the value ${JSON.stringify(v)} (expected nil, an integer or [from to])`, { file, line });
}

const KV_LINE = /^\{:process (\d+), :type :(invoke|ok|fail|info), :f :([\w-]+), :key "((?:[^"\\]|\\.)*)", :value (nil|"((?:[^"\\]|\\.)*)")\}\s*$/;

/** Parses a Porcupine kv log (one EDN map per line). */
export function parsePorcupineKv(text: string, file?: string): ParsedHistory {
  const events: HistoryEvent[] = [];
  const lines: number[] = [];
  const all = splitLines(text);
  for (let i = 0; i < all.length; i++) {
    const line = all[i]!;
    if (line.trim() === '') continue;
    const m = KV_LINE.exec(line);
    if (!m) {
      throw new HistoryError(
        'expected {:process N, :type :invoke|:ok|:fail|:info, :f :get|:put|:append, :key "k", :value "v"|nil}',
        { file, line: i + 1 },
      );
    }
    const where = { file, line: i + 1 };
    const key = unescape(m[4]!, where);
    const value = m[5] === 'nil' ? null : unescape(m[6]!, where);
    events.push({ index: events.length, type: m[2] as EventType, process: Number(m[1]), f: m[3]!, value: [key, value] });
    lines.push(i + 1);
  }
  return { events, lines, file };
}

/** A quoted string's text with its escapes read; a bad escape is bad input at `where`. */
function unescape(s: string, where: { file: string | undefined; line: number }): string {
  if (!s.includes('\\')) return s;
  try {
    return JSON.parse(`"${s}"`) as string;
  } catch {
    throw new HistoryError(`bad escape in the string ${JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}...` : s)}`, where);
  }
}
