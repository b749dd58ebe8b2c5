/**
 * Sequential consistency of registers (Lamport 1979), key by key: some single order of all
 * operations on a key, keeping each process's own operations in their program order but ignoring
 * real time between processes, explains every read. Linearizability adds real time; a history
 * that passes this check and fails the linearizability checker is "sequentially consistent, not
 * linearizable", the verdict the book's no-read-repair scenario expects (DDIA §9).
 *
 *   const r = checkSequential(events);
 *   r.valid; r.keys.find((k) => k.valid === false)?.explanation;
 *
 * The search is a depth-first search over (how far each process got, the register's value), with
 * every visited state remembered. A read that matches the current value is taken at once (reads
 * change nothing, so taking one early never closes a path); writes branch. A crashed write may be
 * placed anywhere after its process's earlier operations, or never. Keys are judged on their own
 * (sequential consistency is not compositional, so this is the per-key property: tickloom and
 * Jepsen check it the same way). Each key has a budget of visited states; past it, unknown.
 */
import { registerOps, type RegOp } from './registers.js';
import type { HistoryEvent } from '../history/types.js';

/** Visited states per key before the key is unknown. */
export const SEQUENTIAL_STATES_MAX = 200_000;

/** The verdict of one key. */
export interface SequentialKey {
  key: string;
  valid: boolean | 'unknown';
  explanation: string;
  /** Operations of the deepest partial order found (when invalid: how far an explanation got). */
  placed: number;
  operations: number;
  /** The read no order could place next, at the deepest point (history index of its completion). */
  stuckIndex: number | null;
}

/** The sequential-consistency verdict of a history. */
export interface SequentialResult {
  valid: boolean | 'unknown';
  explanation: string;
  keys: SequentialKey[];
  firstAnomaly: { index: number; timeNs: number | null; summary: string } | null;
  operationCount: number;
}

function checkKey(key: string, perProcess: Map<number, RegOp[]>, statesMax: number): SequentialKey {
  const lists = [...perProcess.values()];
  const total = lists.reduce((n, l) => n + l.length, 0);
  const idx = lists.map(() => 0);
  const seen = new Set<string>();
  let best = { placed: -1, stuck: null as RegOp | null };
  let exhausted = false;
  const placedCount = () => idx.reduce((a, b) => a + b, 0);
  const dfs = (value: string): boolean => {
    // Reads that match: taken at once, undone on the way back.
    const taken: number[] = [];
    for (let again = true; again; ) {
      again = false;
      for (let p = 0; p < lists.length; p++) {
        const o = lists[p]![idx[p]!];
        if (o !== undefined && o.kind === 'read' && o.value === value) {
          idx[p]!++;
          taken.push(p);
          again = true;
        }
      }
    }
    const undo = () => {
      for (const p of taken) idx[p]!--;
    };
    const n = placedCount();
    if (n === total) return true;
    const state = `${value}|${idx.join(',')}`;
    if (seen.has(state)) {
      undo();
      return false;
    }
    if (seen.size >= statesMax) {
      exhausted = true;
      undo();
      return false;
    }
    seen.add(state);
    if (n > best.placed) {
      const stuck = lists.map((l, p) => l[idx[p]!]).find((o) => o !== undefined && o.kind === 'read') ?? null;
      best = { placed: n, stuck };
    }
    for (let p = 0; p < lists.length && !exhausted; p++) {
      const o = lists[p]![idx[p]!];
      if (o === undefined || o.kind !== 'write') continue;
      idx[p]!++;
      if (dfs(o.value)) return true;
      // A crashed write may never have happened.
      if (!o.ok && dfs(value)) return true;
      idx[p]!--;
    }
    undo();
    return false;
  };
  const ok = dfs('null');
  if (ok) return { key, valid: true, explanation: `key ${key}: sequentially consistent (${total} operations)`, placed: total, operations: total, stuckIndex: null };
  if (exhausted) return { key, valid: 'unknown', explanation: `key ${key}: gave up after ${statesMax} states`, placed: best.placed, operations: total, stuckIndex: null };
  const stuck = best.stuck;
  const stuckIndex = stuck ? (stuck.op.complete?.index ?? stuck.op.invoke.index) : null;
  const explanation = stuck
    ? `key ${key}: no order of the processes' operations explains process ${stuck.op.process}'s read of ${stuck.value} (event ${stuckIndex}); the longest explained order holds ${best.placed} of ${total} operations`
    : `key ${key}: no order of the processes' operations explains the reads`;
  return { key, valid: false, explanation, placed: best.placed, operations: total, stuckIndex };
}

/** Checks each key of a kv register history for sequential consistency. Throws HistoryError on bad input. */
export function checkSequential(history: readonly HistoryEvent[], options: { statesMax?: number } = {}): SequentialResult {
  const ops = registerOps(history);
  const keys: SequentialKey[] = [];
  for (const [key, perProcess] of ops.byKey) {
    if (ops.casKeys.has(key)) {
      keys.push({ key, valid: 'unknown', explanation: `key ${key}: has cas, which this check does not model`, placed: 0, operations: 0, stuckIndex: null });
      continue;
    }
    keys.push(checkKey(key, perProcess, options.statesMax ?? SEQUENTIAL_STATES_MAX));
  }
  const bad = keys.filter((k) => k.valid === false);
  const unknown = keys.filter((k) => k.valid === 'unknown');
  const valid: boolean | 'unknown' = bad.length > 0 ? false : unknown.length > 0 || keys.length === 0 ? 'unknown' : true;
  const first = bad.map((k) => ({ k, index: k.stuckIndex ?? Infinity })).sort((a, b) => a.index - b.index)[0];
  const event = first && Number.isFinite(first.index) ? history.find((e) => e.index === first.index) : undefined;
  const explanation =
    valid === true
      ? `Sequentially consistent: every key's reads are explained by an order of its operations that keeps each process's order (${keys.length} keys).`
      : valid === false
        ? `Not sequentially consistent: ${first!.k.explanation}.`
        : keys.length === 0
          ? 'No register operations to check.'
          : `Unknown: ${unknown[0]!.explanation}.`;
  return {
    valid,
    explanation,
    keys,
    firstAnomaly: first && Number.isFinite(first.index) ? { index: first.index, timeNs: event?.time ?? null, summary: first.k.explanation } : null,
    operationCount: ops.operationCount,
  };
}
