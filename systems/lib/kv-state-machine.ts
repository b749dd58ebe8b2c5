/**
 * The replicated key-value state machine of raftkv and paxoskv's Multi-Paxos mode, with the
 * Idempotent Receiver, on the `StateMachine` contract of state-machine.ts.
 *
 * Every node applies the same committed commands in log order, so every node computes the same
 * results. A command carries its submitter's session (`client`) and sequence number (`seq`); the
 * state machine remembers the result of each seq it applied (per client, bounded by the client's
 * `minPending`), so a command that is submitted twice (the submitter retried after a leader change
 * while its first copy was still in a log) changes the state once and answers with the cached
 * result. The `no-idempotent-receiver` variant turns the check off and applies duplicates again.
 *
 * Transactions (list-append, rw-register) are one command each: their micro-operations run in
 * order when the entry is applied, reads seeing the state as of that point of the log.
 */
import { ErrorCode as ERR } from '../../workloads/wire/errors.js';
import { SessionTable } from './idempotent-receiver.js';
import type { Command, StateMachine } from './state-machine.js';

/**
 * A micro-operation of a transaction (list-append and rw-register workloads): read `r`, `append`
 * to a list, or write `w`; the key as it came off the wire (any JSON value), the value (null for a
 * read until it is executed).
 */
export type MicroOp = [f: 'r' | 'append' | 'w', key: unknown, value: unknown];

/**
 * A key-value operation as it is replicated. Single-key reads are not logged: they use read-index
 * or a lease. A transaction is logged whole, reads included, and executed at once when its entry
 * is applied, so every transaction takes effect at its place in the log (strict serializability).
 */
export type KvOp =
  | { f: 'write'; key: string; value: unknown }
  | { f: 'cas'; key: string; from: unknown; to: unknown }
  | { f: 'txn'; ops: MicroOp[] };

/** The outcome of applying a key-value command: the reply body without `in_reply_to`. */
export type KvResult =
  | { type: 'write_ok' }
  | { type: 'cas_ok' }
  | { type: 'txn_ok'; txn: MicroOp[] }
  | { type: 'error'; code: number; text: string };

/**
 * The key-value state machine's whole state: the data and the Idempotent Receiver's session table
 * (per submitter: the lowest seq still pending and the cached results), both in their maps'
 * iteration order, so that a restored state machine behaves exactly as the one it was taken from.
 */
export interface KvState {
  data: [key: string, value: unknown][];
  sessions: [client: string, minPending: number, results: [seq: number, result: KvResult][]][];
}

/** The key-value store plus the session table; deterministic given the sequence of applies. */
export class KvStateMachine implements StateMachine {
  private readonly data = new Map<string, unknown>();
  private readonly sessions = new SessionTable<KvResult>();

  /** @param dedupe whether to run the Idempotent Receiver check (false in `no-idempotent-receiver`). */
  constructor(private readonly dedupe: boolean) {}

  /** The current value of `key`, or null when absent. */
  read(key: string): unknown {
    return this.data.has(key) ? this.data.get(key) : null;
  }

  /** Number of keys held (for status). */
  get size(): number {
    return this.data.size;
  }

  /**
   * The whole state (data and session table) as plain arrays, for a snapshot. Stored values and
   * cached results are never changed in place, so sharing them with the snapshot is safe.
   */
  snapshot(): KvState {
    return { data: [...this.data], sessions: this.sessions.snapshot() };
  }

  /** Replaces the whole state with a snapshot's (a follower installing the leader's snapshot, or a restart). */
  restore(snapshot: unknown): void {
    const state = snapshot as KvState;
    this.data.clear();
    for (const [k, v] of state.data) this.data.set(k, v);
    this.sessions.restore(state.sessions);
  }

  /**
   * Applies one committed command and returns its result, or the cached result of its first
   * application when it is a duplicate (or a `timeout` error for a seq the client abandoned).
   * Commands reach it only through the systems' peer decoders, which admit `KvOp`s alone.
   */
  apply(cmd: Command): KvResult {
    return this.dedupe ? this.sessions.apply(cmd, () => this.execute(cmd)) : this.execute(cmd);
  }

  private execute(cmd: Command): KvResult {
    const op = cmd.op as KvOp;
    switch (op.f) {
      case 'write':
        this.data.set(op.key, op.value);
        return { type: 'write_ok' };
      case 'cas': {
        if (!this.data.has(op.key)) {
          return { type: 'error', code: ERR.keyDoesNotExist, text: `key ${op.key} does not exist` };
        }
        const cur = this.data.get(op.key);
        if (!jsonEqual(cur, op.from)) {
          return {
            type: 'error',
            code: ERR.preconditionFailed,
            text: `expected ${JSON.stringify(op.from)}, found ${JSON.stringify(cur)}`,
          };
        }
        this.data.set(op.key, op.to);
        return { type: 'cas_ok' };
      }
      case 'txn': {
        // Keys are held by their JSON text, as the register's are, so 1 and "1" stay apart.
        const out: MicroOp[] = [];
        for (const [f, key, value] of op.ops) {
          const k = JSON.stringify(key);
          if (f === 'r') {
            out.push([f, key, this.read(k)]);
          } else {
            const cur = this.data.get(k);
            // Stored lists are never changed in place: a cached result or a read keeps its value.
            this.data.set(k, f === 'w' ? value : Array.isArray(cur) ? [...(cur as unknown[]), value] : [value]);
            out.push([f, key, value]);
          }
        }
        return { type: 'txn_ok', txn: out };
      }
    }
  }
}

/** Structural equality of JSON values (values come off the wire as parsed JSON). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A key-value client request that changes state, as the systems decode it. */
export type KvWriteRequest =
  | { type: 'write'; key: string; value: unknown }
  | { type: 'cas'; key: string; from: unknown; to: unknown }
  | { type: 'txn'; ops: MicroOp[] };

/** The op a key-value write request is logged as. */
export function kvOpOf(req: KvWriteRequest): KvOp {
  switch (req.type) {
    case 'write':
      return { f: 'write', key: req.key, value: req.value };
    case 'cas':
      return { f: 'cas', key: req.key, from: req.from, to: req.to };
    case 'txn':
      return { f: 'txn', ops: req.ops };
  }
}
