/**
 * Helpers to write transactional histories in tests.
 *
 * - `txn("ax1 ry12")`: Elle's compact notation for micro-ops: `ax1` appends 1 to key x,
 *   `ry12` reads key x as [1, 2], `ry` reads nil (in an invocation) or [] (in a completion),
 *   `wx3` writes 3 to register x, `rx3` reads 3 from it, `rx_` reads nil.
 * - `history([...])`: invoke/complete pairs, one process per transaction unless given.
 * - `readEdnHistory(path)`: an EDN file with one op map per line, for the corpus file whose records
 *   lack the :process and :f that the history importer (checkers/history) requires.
 */
import { readFileSync } from 'node:fs';
import { parseEDNString } from 'edn-data';
import type { HistoryEvent } from '../../checkers/history/types.js';
import type { MicroOp } from '../../checkers/transactional/types.js';

/** Parses compact micro-ops; `mode` says whether `rx1` is a list read (append) or a register read. */
export function txn(s: string, mode: 'append' | 'register' = 'append'): MicroOp[] {
  return s
    .trim()
    .split(/\s+/)
    .filter((x) => x.length > 0)
    .map((tok): MicroOp => {
      const f = tok[0];
      const k = tok[1]!;
      const rest = tok.slice(2);
      if (f === 'a') return ['append', k, Number(rest)];
      if (f === 'w') return ['w', k, Number(rest)];
      if (f === 'r') {
        if (mode === 'register') return ['r', k, rest === '_' || rest === '' ? null : Number(rest)];
        return ['r', k, rest === '' ? null : rest === '_' ? [] : rest.split('').map(Number)];
      }
      throw new Error(`bad micro-op ${tok}`);
    });
}

export interface TxnSpec {
  ops: string | MicroOp[];
  type?: 'ok' | 'info' | 'fail';
  process?: number;
}

/**
 * Builds a history where each transaction is invoked and completed before the next starts,
 * unless `concurrent` is set, in which case all are invoked first and completed in order.
 */
export function history(specs: (TxnSpec | string)[], opts: { mode?: 'append' | 'register'; concurrent?: boolean } = {}): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  const norm = specs.map((s, i) => {
    const spec: TxnSpec = typeof s === 'string' ? { ops: s } : s;
    const ops = typeof spec.ops === 'string' ? txn(spec.ops, opts.mode) : spec.ops;
    return { ops, type: spec.type ?? 'ok', process: spec.process ?? i };
  });
  const invoke = (s: (typeof norm)[number]): void => {
    const value = s.ops.map((m): MicroOp => (m[0] === 'r' ? ['r', m[1], null] : m));
    out.push({ index: out.length, time: out.length, type: 'invoke', process: s.process, f: 'txn', value });
  };
  const complete = (s: (typeof norm)[number]): void => {
    out.push({ index: out.length, time: out.length, type: s.type, process: s.process, f: 'txn', value: s.ops });
  };
  if (opts.concurrent) {
    norm.forEach(invoke);
    norm.forEach(complete);
  } else {
    for (const s of norm) {
      invoke(s);
      complete(s);
    }
  }
  return out;
}

function convert(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(convert);
  if (x && typeof x === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) o[k] = convert(v);
    return o;
  }
  return x;
}

/** Reads an EDN history with one op map per line; `;` comment lines and blank lines are skipped. */
export function readEdnHistory(path: string): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const l = line.trim();
    if (l === '' || l.startsWith(';')) continue;
    const op = convert(parseEDNString(l, { mapAs: 'object', keywordAs: 'string', listAs: 'array' })) as Record<string, unknown>;
    out.push(op as unknown as HistoryEvent);
  }
  return out;
}
