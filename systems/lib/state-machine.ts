/**
 * The contract between a replicated log (the Raft core of systems/raftkv/core/raft.ts) and the
 * state machine it drives: the log orders commands, every node applies the committed ones in log
 * order, and the state machine turns each into a result. The log never looks inside an op; the
 * state machine never sees terms, votes or messages.
 *
 * Implementations: `KvStateMachine` (kv-state-machine.ts: raftkv, paxoskv's Multi-Paxos mode) and
 * lockd's leases, locks and keys (systems/lockd/core/machine.ts). A Consistent Core is the Raft
 * core with one of these plugged in.
 */

/** An op as the log carries it: the state machine's own shape, told apart by `f`. */
export interface LogOp {
  f: string;
}

/**
 * A client command in the log. `client` + `seq` identify it for the Idempotent Receiver (every
 * retry of one request keeps its seq); `minPending` is the lowest seq the submitting node still
 * waits for, so the state machine can forget cached results below it (and must never apply a seq
 * below it again).
 */
export interface Command<Op extends LogOp = LogOp> {
  client: string;
  seq: number;
  /** Which submission of this seq this copy is (1 for the first, +1 per retry). */
  attempt: number;
  minPending: number;
  op: Op;
}

/** What applying a command answers: the reply body without `in_reply_to`. */
export type ApplyResult = Record<string, unknown> & { type: string };

/** A deterministic state machine: the same applies in the same order give the same state and results. */
export interface StateMachine {
  /** Applies the committed command at log position `index`; returns the submitter's reply. */
  apply(cmd: Command, index: number): ApplyResult;
  /** The whole state as plain JSON-able data (a snapshot), to be given back to `restore`. */
  snapshot(): unknown;
  /** Replaces the whole state with a snapshot's (a follower installing one, or a restart). */
  restore(state: unknown): void;
  /** The value of `key` for a read served outside the log (read index, lease), or null. */
  read(key: string): unknown;
  /** How many keys the state holds (for status). */
  readonly size: number;
}
