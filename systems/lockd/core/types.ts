/**
 * Types of lockd's core: the variants, the ops its state machine logs, the watch events, and the
 * parameters of leases and watches. lockd is a Consistent Core: the Raft core of
 * systems/raftkv/core replicates these ops through the `StateMachine` contract of
 * systems/lib/state-machine.ts (machine.ts), and node.ts adds what only the leader does (lease
 * expiry) and what a node answers without the log (watches, key reads).
 */

/** The names of the variants: `correct` and one switch per pattern (or step of one) left out. */
export const LOCKD_VARIANTS = [
  'correct',
  'lease-expiry-wallclock',
  'no-fencing-token',
  'watch-no-resume-index',
  'client-trusts-ttl',
] as const;

/** One of {@link LOCKD_VARIANTS}. */
export type LockdVariant = (typeof LOCKD_VARIANTS)[number];

/**
 * An op of lockd's log. Lease ids are the log index of their grant (`L<index>`), fencing tokens
 * the log index of the acquire that returned them, so both grow with every grant and acquisition.
 * `wallMs` is the proposing node's wall clock at proposal: kept only for the
 * `lease-expiry-wallclock` variant, which (wrongly) measures expiry against it.
 */
export type LockOp =
  | { f: 'grant'; ttlMs: number; wallMs: number }
  | { f: 'keepalive'; lease: string; wallMs: number }
  | { f: 'revoke'; lease: string; expired: boolean }
  | { f: 'acquire'; lock: string; lease: string }
  | { f: 'release'; lock: string; lease: string; token: number }
  | { f: 'put'; key: string; value: unknown; lease: string | null }
  | { f: 'delete'; key: string };

/** One change of a key as a watch reports it: at log index `index`; `value` null when deleted. */
export interface WatchEvent {
  index: number;
  key: string;
  value: unknown;
  /** Index of the key's previous change (0 when it had none): a watcher sees a gap by it. */
  prevIndex: number;
}

/** Timing and size parameters of lockd, on top of the Raft core's. */
export interface LockdParams {
  /** Shortest and longest TTL a client may ask for. */
  ttlMsMin: number;
  ttlMsMax: number;
  /** Most watch events kept for watches to resume from; older ones are compacted away. */
  watchHistoryMax: number;
  /** Most events in one watch reply (the watcher polls again from the next index). */
  watchBatchMax: number;
  /** A revoke of an expired lease that did not commit is proposed again after this many ms. */
  revokeRetryMs: number;
}

export const DEFAULT_LOCKD_PARAMS: LockdParams = {
  ttlMsMin: 100,
  ttlMsMax: 60_000,
  watchHistoryMax: 10_000,
  watchBatchMax: 500,
  revokeRetryMs: 400,
};

/**
 * A holder's lease and turn (the `lock` request's client library, holder.ts), as the node's
 * params `ttlMs`, `leaseMarginMs`, `holdWrites` and `workMs` give them. The lease is short enough
 * that a pause, a partition or a clock step of the default nemesis (half a second and more)
 * outlasts it, so the lease ends and the lock passes on while the fault is in force; a turn holds
 * the lock over several fenced writes (5 x 80 ms, as long as the lease), so the fault meets a
 * holder mid-turn and the next holder's turn overlaps the moment the faulted one resumes.
 */
export const DEFAULT_HOLDER_PARAMS = { ttlMs: 400, marginMs: 100, writes: 5, workMs: 80 } as const;
