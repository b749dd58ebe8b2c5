/**
 * The register operations of a `kv` history (read `[k, null] -> [k, v]`, write `[k, v]`) by key
 * and by process, in program order: what the sequential-consistency and session checkers read.
 *
 * Failed operations had no effect and are dropped; crashed reads saw nothing and are dropped;
 * crashed writes stay (`ok: false`), since they may have happened. A `cas` makes its key
 * undecidable here (`casKeys`), since these checkers model plain registers.
 */
import { HistoryError } from '../history/errors.js';
import { pairOperations, type Operation } from '../history/pair.js';
import type { HistoryEvent } from '../history/types.js';
import { keyLabel, show } from '../linearizable/models.js';

/** One register operation. */
export interface RegOp {
  op: Operation;
  key: string;
  kind: 'read' | 'write';
  /** The value written, or the value read (JSON text; "null" for the initial state). */
  value: string;
  /** False for a crashed write. */
  ok: boolean;
}

/** The register operations of a history. */
export interface RegisterOps {
  /** By key, then by process: each process's ops on the key in program order. */
  byKey: Map<string, Map<number, RegOp[]>>;
  /** By process, every key, in program order. */
  byProcess: Map<number, RegOp[]>;
  /** Keys with a cas, which these checkers leave out. */
  casKeys: Set<string>;
  operationCount: number;
}

function split(value: unknown, op: Operation, what: string): [string, unknown] {
  if (!Array.isArray(value) || value.length !== 2) throw new HistoryError(`event ${op.invoke.index}: ${what} of ${op.f} must be [key, value], found ${show(value)}`);
  return [keyLabel(value[0]), value[1]];
}

/** Groups a kv history's reads and writes; anything but read, write and cas is bad input. */
export function registerOps(history: readonly HistoryEvent[]): RegisterOps {
  const { operations } = pairOperations(history);
  const byKey = new Map<string, Map<number, RegOp[]>>();
  const byProcess = new Map<number, RegOp[]>();
  const casKeys = new Set<string>();
  for (const op of operations) {
    if (op.f !== 'read' && op.f !== 'write' && op.f !== 'cas') throw new HistoryError(`event ${op.invoke.index}: unknown operation "${op.f}" (expected read, write or cas)`);
    const [key, payload] = split(op.input, op, 'the value');
    if (op.f === 'cas') {
      casKeys.add(key);
      continue;
    }
    if (op.status === 'fail' || (op.f === 'read' && op.status !== 'ok')) continue;
    let value: string;
    if (op.f === 'read') value = JSON.stringify(split(op.output, op, 'the completed value')[1] ?? null);
    else value = JSON.stringify(payload ?? null);
    const r: RegOp = { op, key, kind: op.f, value, ok: op.status === 'ok' };
    let perKey = byKey.get(key);
    if (!perKey) byKey.set(key, (perKey = new Map()));
    let list = perKey.get(op.process);
    if (!list) perKey.set(op.process, (list = []));
    list.push(r);
    let all = byProcess.get(op.process);
    if (!all) byProcess.set(op.process, (all = []));
    all.push(r);
  }
  return { byKey, byProcess, casKeys, operationCount: operations.length };
}
