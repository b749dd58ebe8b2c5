/**
 * Jepsen/Knossos EDN histories: import (with the `edn-data` parser) and export.
 *
 * A history file is either one vector `[{...} {...}]` of operation maps or a bare sequence of maps
 * (both are what `knossos.cli/read-history` accepts); `;` comments are allowed. Keywords become
 * strings (`:invoke` -> "invoke", `[:read :x nil]` -> ["read","x",null]), `nil` becomes null, and
 * `:process :nemesis` becomes "nemesis". Events are numbered by their position; an `:index` the
 * file carries is kept as `sourceIndex`.
 */
import { parseEDNString } from 'edn-data';
import { scanEdn } from './edn-scan.js';
import { HistoryError } from './errors.js';
import type { ParsedHistory } from './jsonl.js';
import { stripBom } from './limits.js';
import { validateEvent } from './schema.js';
import { isHarnessEvent, type HistoryEvent } from './types.js';

const PARSE_OPTIONS = {
  mapAs: 'object',
  keywordAs: 'string',
  listAs: 'array',
  setAs: 'array',
  symbolAs: 'string',
  charAs: 'string',
  objectKeysAs: 'string',
} as const;

/** True when the first form of the text (after blanks and `;` comments) is a map, not a vector. */
function isBareSequence(text: string): boolean {
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === ';') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ',') {
      i++;
    } else {
      return c === '{';
    }
  }
  return false;
}

/** Parses EDN text into history events. */
export function parseEdn(input: string, file?: string): ParsedHistory {
  const text = stripBom(input);
  let data: unknown;
  const bare = isBareSequence(text);
  const wrapped = bare ? `[${text}\n]` : text;
  if (wrapped.trim() === '') return { events: [], lines: [], file };
  // Structure first, with line:column, since the parser itself says nothing of where it went wrong.
  const opLines = scanEdn(text, bare, file);
  try {
    data = parseEDNString(wrapped, PARSE_OPTIONS);
  } catch (err) {
    throw new HistoryError(`not valid EDN (${(err as Error).message})`, { file });
  }
  if (!Array.isArray(data)) {
    throw new HistoryError('expected a vector of operation maps or a sequence of maps', { file, line: 1 });
  }
  const events: HistoryEvent[] = [];
  const lines = data.map((_, i) => opLines[i] ?? 0);
  const anonymous = new AnonymousProcesses(data);
  for (let i = 0; i < data.length; i++) {
    events.push(ednOpToEvent(anonymous.fill(data[i]), i, file, lines[i]!));
  }
  return { events, lines, file };
}

/**
 * Some published histories (the Elle paper's example among them) leave out `:process` and `:f`.
 * Such records are read as one client per operation: an invocation with no `:process` gets a fresh
 * process id above every id the file uses, and a completion with no `:process` completes the oldest
 * such invocation still open (the records come in invoke/complete order). A missing `:f` on a value
 * that is a vector of micro-ops is `:txn`, the only function such a value can belong to.
 */
class AnonymousProcesses {
  private next: number;
  private readonly open: number[] = [];

  constructor(ops: unknown[]) {
    let max = -1;
    for (const op of ops) {
      const p = op !== null && typeof op === 'object' ? (op as Record<string, unknown>).process : undefined;
      const n = typeof p === 'bigint' ? Number(p) : p;
      if (typeof n === 'number' && Number.isInteger(n) && n > max) max = n;
    }
    this.next = max + 1;
  }

  fill(op: unknown): unknown {
    if (op === null || typeof op !== 'object' || Array.isArray(op)) return op;
    const m = op as Record<string, unknown>;
    if (m.process !== undefined && m.f !== undefined) return op;
    const out: Record<string, unknown> = { ...m };
    if (out.f === undefined && Array.isArray(out.value) && out.value.every((x) => Array.isArray(x))) out.f = 'txn';
    if (out.process === undefined) {
      if (out.type === 'invoke') {
        out.process = this.next;
        this.open.push(this.next++);
      } else if (this.open.length > 0) {
        out.process = this.open.shift();
      }
    }
    return out;
  }
}

function ednOpToEvent(op: unknown, position: number, file: string | undefined, line: number): HistoryEvent {
  const where = `operation ${position + 1}`;
  const at = { file, line: line > 0 ? line : undefined };
  if (typeof op !== 'object' || op === null || Array.isArray(op)) {
    throw new HistoryError(`${where}: expected a map, found ${describe(op)}`, at);
  }
  const { index, process, time, ...rest } = op as Record<string, unknown>;
  const raw: Record<string, unknown> = { ...rest, index: position };
  if (index !== undefined) raw.sourceIndex = index;
  if (typeof process === 'string' && isHarnessEvent({ process })) raw.process = process;
  else if (typeof process === 'bigint') raw.process = Number(process);
  else raw.process = process;
  if (time !== undefined && time !== null) raw.time = typeof time === 'bigint' ? Number(time) : time;
  const v = validateEvent(normalize(raw));
  if ('reason' in v) throw new HistoryError(`${where}: ${v.reason.replace(/field "(\w+)"/, ':$1')}`, at);
  return v.event;
}

/** Turns bigints into numbers (histories carry ordinary integers) and leaves the rest as parsed. */
function normalize(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(normalize);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = normalize(x);
    return out;
  }
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'nil';
  if (Array.isArray(v)) return 'a vector';
  return typeof v === 'string' ? `"${v}"` : typeof v;
}

const KEYWORD_RE = /^[A-Za-z*+!_?<>=-][A-Za-z0-9*+!_?<>=.\/-]*$/;

/** Writes one value as EDN. Strings stay strings, except where `asKeyword` says otherwise. */
function toEdn(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'nil';
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(toEdn).join(' ')}]`;
  if (typeof v === 'object') {
    const parts = Object.entries(v as Record<string, unknown>).map(
      ([k, x]) => `${KEYWORD_RE.test(k) ? ':' + k : JSON.stringify(k)} ${toEdn(x)}`,
    );
    return `{${parts.join(', ')}}`;
  }
  return JSON.stringify(String(v));
}

function keyword(s: string): string {
  return KEYWORD_RE.test(s) ? ':' + s : JSON.stringify(s);
}

/**
 * Exports events as a Jepsen EDN history: a vector of op maps, one per line, with `:type`, `:f`
 * and a nemesis `:process` as keywords, so Knossos and Elle read it directly.
 */
export function toJepsenEdn(events: readonly HistoryEvent[]): string {
  const lines = events.map((e) => {
    const { index, time, type, process, f, value, node, error, ...rest } = e as HistoryEvent & Record<string, unknown>;
    const parts = [
      `:index ${index}`,
      ...(time !== undefined ? [`:time ${time}`] : []),
      `:type :${type}`,
      `:process ${isHarnessEvent({ process }) ? `:${process}` : process}`,
      `:f ${keyword(f)}`,
      `:value ${toEdn(value)}`,
    ];
    if (node !== undefined) parts.push(`:node ${toEdn(node)}`);
    if (error !== undefined) parts.push(`:error ${typeof error === 'string' ? keyword(error) : toEdn(error)}`);
    for (const [k, x] of Object.entries(rest)) parts.push(`${KEYWORD_RE.test(k) ? ':' + k : JSON.stringify(k)} ${toEdn(x)}`);
    return `{${parts.join(', ')}}`;
  });
  return `[${lines.join('\n ')}]\n`;
}
