/**
 * Idempotent Receiver for a replicated state machine: the session table that remembers, per
 * submitter (`Command.client`), the result of each seq it applied, so a command submitted twice
 * (its submitter retried after a leader change while the first copy was still in a log) changes
 * the state once and answers with the cached result. Bounded: a submitter's `minPending` releases
 * the results below it (and such a seq is never applied again), and the least recently used
 * sessions are dropped beyond `MAX_SESSIONS`.
 *
 * Used by the key-value machine (kv-state-machine.ts) and lockd's machine; deterministic given
 * the sequence of applies, and snapshotted as plain arrays in the map's iteration order.
 */
import { ErrorCode } from '../../workloads/wire/errors.js';
import type { ApplyResult, Command } from './state-machine.js';

/** Most sessions remembered; the least recently used one is dropped beyond it. */
const MAX_SESSIONS = 10_000;
/** Most cached results per session (a submitter never has more requests in flight than this). */
const MAX_RESULTS_PER_SESSION = 50_000;

interface Session<R> {
  /** Seqs below this were answered or abandoned by the submitter: never apply them again. */
  minPending: number;
  results: Map<number, R>;
}

/** A session table as a snapshot holds it: per submitter, the lowest seq pending and the cached results. */
export type SessionsState<R> = [client: string, minPending: number, results: [seq: number, result: R][]][];

/** The session table. */
export class SessionTable<R extends ApplyResult> {
  private readonly sessions = new Map<string, Session<R>>();

  /**
   * Runs `execute` for `cmd` unless its seq was applied before: then the cached result (or a
   * `timeout` error for a seq its submitter abandoned) comes back and nothing runs.
   */
  apply(cmd: Command, execute: () => R): R | { type: 'error'; code: number; text: string } {
    let s = this.sessions.get(cmd.client);
    if (s === undefined) {
      s = { minPending: 0, results: new Map() };
      this.sessions.set(cmd.client, s);
      if (this.sessions.size > MAX_SESSIONS) {
        const oldest = this.sessions.keys().next().value;
        if (oldest !== undefined) this.sessions.delete(oldest);
      }
    } else {
      // Map iteration order is insertion order: re-insert to keep the LRU order.
      this.sessions.delete(cmd.client);
      this.sessions.set(cmd.client, s);
    }
    const cached = s.results.get(cmd.seq);
    if (cached !== undefined) return cached;
    if (cmd.seq < s.minPending) {
      // The submitter gave up on this seq (its client saw a timeout) or already saw its result,
      // whose cache entry was released: applying it now would be a second execution.
      return { type: 'error', code: ErrorCode.timeout, text: 'duplicate of an abandoned request' };
    }
    const result = execute();
    s.results.set(cmd.seq, result);
    if (cmd.minPending > s.minPending) {
      s.minPending = cmd.minPending;
      for (const seq of s.results.keys()) if (seq < s.minPending) s.results.delete(seq);
    }
    if (s.results.size > MAX_RESULTS_PER_SESSION) {
      const first = s.results.keys().next().value;
      if (first !== undefined) s.results.delete(first);
    }
    return result;
  }

  /** The table as plain arrays (cached results are never changed in place, so they are shared). */
  snapshot(): SessionsState<R> {
    return [...this.sessions].map(([client, s]) => [client, s.minPending, [...s.results]]);
  }

  /** Replaces the table with a snapshot's. */
  restore(state: SessionsState<R>): void {
    this.sessions.clear();
    for (const [client, minPending, results] of state) this.sessions.set(client, { minPending, results: new Map(results) });
  }
}
