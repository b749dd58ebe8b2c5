/**
 * Types of the raftkv protocol core: the replicated log's entries, the key-value commands they
 * carry, the messages nodes exchange, the client requests and replies, and the `Ready` batch of
 * effects that the core hands to its shell (etcd raft's `Ready`).
 *
 * The core (raft.ts) is a pure state machine: the process shell (../main.ts) and the in-process
 * simulation (../sim.ts) both drive it through these types and nothing else.
 */
import { ErrorCode } from '../../../workloads/wire/errors.js';

/** The names of the variants: `correct` and one switch per pattern that is left out. */
export const RAFTKV_VARIANTS = [
  'correct',
  'no-generation-check',
  'commit-before-quorum',
  'follower-reads-stale',
  'leader-local-reads',
  'lease-wallclock',
  'no-idempotent-receiver',
] as const;

/** One of {@link RAFTKV_VARIANTS}. */
export type Variant = (typeof RAFTKV_VARIANTS)[number];

/** Whether `s` names a variant. */
export function isVariant(s: string): s is Variant {
  return (RAFTKV_VARIANTS as readonly string[]).includes(s);
}

// The key-value state machine's types live with it in systems/lib (paxoskv and lockd use the
// same core kit); they are re-exported here under the names raftkv's files use.
export type { KvOp, KvResult as ApplyResult, KvState, MicroOp } from '../../lib/kv-state-machine.js';
export type { Command } from '../../lib/state-machine.js';
import type { MicroOp } from '../../lib/kv-state-machine.js';
import type { Command } from '../../lib/state-machine.js';

/** A log entry. A `null` command is the no-op a new leader appends to commit in its own term. */
export interface Entry {
  index: number;
  term: number;
  cmd: Command | null;
}

/** Term and vote: what must be on disk before any message that depends on it is sent. */
export interface HardState {
  term: number;
  votedFor: string | null;
}

/** Messages between nodes. Every message carries the sender's term (its generation). */
export type PeerMessage =
  /** A vote request; with `pre` a Pre-Vote question for `term`, which the sender has not entered yet. */
  | { type: 'RequestVote'; from: string; to: string; term: number; lastLogIndex: number; lastLogTerm: number; pre?: boolean }
  | { type: 'RequestVoteResp'; from: string; to: string; term: number; granted: boolean; pre?: boolean }
  | {
      type: 'AppendEntries';
      from: string;
      to: string;
      term: number;
      prevLogIndex: number;
      prevLogTerm: number;
      entries: Entry[];
      leaderCommit: number;
      /** Heartbeat round this message belongs to (leases and read-index confirm leadership with it). */
      round: number;
    }
  | {
      type: 'AppendEntriesResp';
      from: string;
      to: string;
      term: number;
      success: boolean;
      /** On success the last index known to match; on failure a hint where to retry from. */
      matchIndex: number;
      round: number;
    }
  /** A follower forwards client commands to the leader it knows (Request Batch: many per message). */
  | { type: 'Forward'; from: string; to: string; term: number; cmds: Command[] }
  /**
   * The leader sends its latest snapshot to a follower that needs entries the leader has
   * compacted away (Raft §7). Sent whole, as one message: the peer transport takes lines of up to
   * 16 MiB, which bounds the key-value state a cluster can hand to a lagging follower.
   */
  | { type: 'InstallSnapshot'; from: string; to: string; term: number; snapshot: Snapshot; round: number }
  /** The follower's answer, sent once the snapshot is durable: the index its log now matches to. */
  | { type: 'InstallSnapshotResp'; from: string; to: string; term: number; matchIndex: number; round: number }
  /** A follower asks the leader for a read index (Follower Reads). */
  | { type: 'ReadIndex'; from: string; to: string; term: number; ctx: number }
  | { type: 'ReadIndexResp'; from: string; to: string; term: number; ctx: number; index: number; ok: boolean };

/** A snapshot (Raft §7): the state after applying every entry up to `lastIncludedIndex`. */
export interface Snapshot {
  lastIncludedIndex: number;
  lastIncludedTerm: number;
  /** The state machine's `snapshot()`: the core keeps and ships it without looking inside. */
  state: unknown;
}

/**
 * Everything a node keeps on disk, as one value: written whole when a snapshot is persisted (it
 * replaces the log prefix the snapshot covers) and read back at start.
 */
export interface DurableImage {
  hardState: HardState;
  /** The newest snapshot, or null before the first one. */
  snapshot: Snapshot | null;
  /** The log entries after the snapshot (after index 0 without one), in index order. */
  entries: Entry[];
}

/** A client request body as it comes off the wire (register, list-append, rw-register), already validated. */
export type ClientRequest =
  | { type: 'read'; key: string; consistency?: 'linearizable' | 'ryw'; minIndex?: number }
  | { type: 'write'; key: string; value: unknown }
  | { type: 'cas'; key: string; from: unknown; to: unknown }
  | { type: 'txn'; ops: MicroOp[] };

/** A reply to a client request, addressed by the shell's request id. */
export interface ClientReply {
  reqId: number;
  body: Record<string, unknown> & { type: string };
}

/**
 * What the shell must persist, in this order: truncate, append, hard state; then fsync. When
 * `image` is set (a snapshot was taken or installed) it is the node's whole durable state after
 * this batch and supersedes the other fields: the shell writes it instead, so that what the
 * snapshot covers can be dropped from the disk (Low-Water Mark).
 */
export interface PersistBatch {
  /** Drop every stored entry with index >= truncateFrom (a follower's log conflicted with the leader). */
  truncateFrom: number | null;
  entries: Entry[];
  hardState: HardState | null;
  /** A new snapshot with the hard state and the log after it; null when there is none to persist. */
  image: DurableImage | null;
}

/**
 * Everything the core wants done since the last `advance()`. The shell may send `early` and
 * `replies` at once, then persists `persist` (with fsync), and only then sends `messages`: a vote
 * or an acknowledgement must never leave the node before the state it promises is durable.
 *
 * Why `early` and `replies` need not wait (Raft §10.2.1): `early` holds what promises nothing
 * about this node's disk: a leader's AppendEntries (the leader counts its own copy only once it is
 * persisted, in `advance`), forwarded commands and read-index requests. Every reply reports state
 * that is committed, so already durable on a majority, or is an error or a read. Sending them while
 * the disk works takes one fsync off every request's latency.
 */
export interface Ready {
  persist: PersistBatch;
  /** Messages that may leave before the persist is durable. */
  early: PeerMessage[];
  /** Messages that must wait for the persist (votes, acknowledgements, read-index answers). */
  messages: PeerMessage[];
  replies: ClientReply[];
  /** Entries applied to the key-value state since the last ready (for logs and invariants). */
  applied: Entry[];
}

/** The clocks the core may read; injected so that simulation time and real time look alike. */
export interface CoreClock {
  /** Monotonic milliseconds (never jumps; unaffected by clock-skew faults). */
  monoMs(): number;
  /** Wall-clock milliseconds as this node sees them (moved by the clock-skew fault). */
  wallMs(): number;
}

/** The injected random source (seeded by the shell or the simulation). */
export interface CoreRng {
  /** A uniform integer in [minInclusive, maxInclusive]. */
  int(minInclusive: number, maxInclusive: number): number;
}

/** Timing and size parameters of the protocol, in ticks unless the name says otherwise. */
export interface RaftParams {
  /** Ticks between heartbeats sent by a leader. */
  heartbeatTicks: number;
  /** A follower's election timeout is drawn uniformly from [min, max) ticks. */
  electionTicksMin: number;
  electionTicksMax: number;
  /** Duration of a tick in ms; converts the election timeout into a lease duration. */
  tickMs: number;
  /** The lease is this fraction of the minimum election timeout (< 1 leaves room for clock drift). */
  leaseFraction: number;
  /** Most entries in one AppendEntries message (Request Batch). */
  maxEntriesPerMessage: number;
  /** Most AppendEntries in flight to one follower (Request Pipeline). */
  maxInflightPerPeer: number;
  /** A waiting client request is retried to the current leader after this many ticks. */
  retryTicks: number;
  /** A waiting client request is answered with an indefinite timeout after this many ticks. */
  requestTimeoutTicks: number;
  /** Most client requests waiting at one node; beyond it requests get error 11 at once. */
  maxPendingRequests: number;
  /**
   * A node snapshots its state machine and drops the log prefix once this many entries were
   * applied since its last snapshot (log compaction, Raft §7).
   */
  snapshotEveryEntries: number;
  /** Ask for pre-votes before raising the term (Raft thesis §9.6). */
  preVote: boolean;
}

/** Defaults suited to a shell ticking every 20 ms on a shared, noisy machine. */
export const DEFAULT_PARAMS: RaftParams = {
  heartbeatTicks: 2,
  electionTicksMin: 15,
  electionTicksMax: 30,
  tickMs: 20,
  leaseFraction: 0.7,
  maxEntriesPerMessage: 512,
  maxInflightPerPeer: 8,
  retryTicks: 20,
  requestTimeoutTicks: 100,
  maxPendingRequests: 20_000,
  snapshotEveryEntries: 10_000,
  preVote: true,
};

/** Error codes of the wire protocol: the wire kit's one table, under the name the core uses. */
export const ERR = ErrorCode;
