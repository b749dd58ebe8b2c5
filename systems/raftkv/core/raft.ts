/**
 * The raftkv protocol core: Raft (Ongaro & Ousterhout, "In Search of an Understandable Consensus
 * Algorithm", 2014) as a pure state machine, plus the client-facing patterns around it.
 *
 * Driving it (etcd raft's Ready/advance loop):
 *
 *     node.step(msg) | node.tick() | node.request(reqId, body)   // inputs, in any order
 *     while (node.hasReady()) {
 *       const rd = node.ready();
 *       send(rd.early); reply(rd.replies);           // promise nothing about this node's disk
 *       persist(rd.persist); fsync();                // BEFORE votes and acks leave the node
 *       send(rd.messages);
 *       node.advance();
 *     }
 *
 * No sockets, timers, Date.now() or Math.random() in here: time comes as ticks (and an injected
 * clock for leases), randomness from an injected seeded rng. The same code runs in the process
 * shell (../main.ts) and in the deterministic simulation (../sim.ts).
 *
 * Patterns and where they are:
 * - Leader and Followers, HeartBeat: `campaign`, `becomeLeader`, `tick`, `broadcastHeartbeat`.
 * - Generation Clock: every message carries `term`; `step` rejects or steps down on it.
 * - Majority Quorum: `quorum`, votes in `onVoteResp`, commit in `maybeCommit` (`ProgressTracker`
 *   in progress.ts: per-follower match/next, probe and pipeline state, quorum match and round).
 * - Replicated Log, High-Water Mark: `onAppend` (log matching, truncation), `commitIndex`,
 *   entries are applied (and visible to reads) only up to it, in `applyCommitted`.
 * - Request Batch, Request Pipeline: `sendAppends` sends every new entry in one message per
 *   follower and keeps up to a window of entries in flight without waiting for acks.
 * - Singular Update Queue: the core is single-threaded by construction; the shell feeds it one
 *   event at a time.
 * - Request Waiting List: `pending` (commands by seq) and the read queues (`ReadPaths` in
 *   reads.ts), with retry and timeout.
 * - Idempotent Receiver: commands carry `client`+`seq` (the state machine caches results:
 *   systems/lib/kv-state-machine.ts for raftkv).
 * - Consistent Core: the state machine is plugged in (`RaftOptions.stateMachine`, the contract of
 *   systems/lib/state-machine.ts); the core orders and applies opaque commands, so another system
 *   (lockd) runs its own state machine on this same code.
 * - Follower Reads: read-index (`ReadIndex` messages) and read-your-writes (`consistency: 'ryw'`
 *   with `minIndex`), in `ReadPaths` (reads.ts); the heartbeat rounds that confirm a read index
 *   are counted in `onRoundAcked`.
 * - Lease: `Lease` (lease.ts) on the monotonic clock and the heartbeat rounds acked by a quorum;
 *   `ReadPaths.leaderRead` serves a read under it.
 * - Log compaction (Raft §7), Low-Water Mark: `maybeSnapshot` snapshots the applied state every
 *   `snapshotEveryEntries` entries and drops the log prefix it covers; `sendSnapshot` and
 *   `onInstallSnapshot` bring a follower that needs compacted entries up with the snapshot.
 *   The log, its snapshot offset and what of it is not durable yet are `RaftLog` (log.ts).
 *
 * Variants are switches read in the places they break (search for `this.variant`).
 */
import type { LogOp, StateMachine } from '../../lib/state-machine.js';
import { InvariantError } from './errors.js';
import { Lease } from './lease.js';
import { RaftLog } from './log.js';
import { type Progress, ProgressTracker } from './progress.js';
import { ReadPaths } from './reads.js';
import type {
  ClientReply,
  ClientRequest,
  Command,
  CoreClock,
  CoreRng,
  DurableImage,
  Entry,
  HardState,
  PeerMessage,
  RaftParams,
  Ready,
  Snapshot,
  Variant,
} from './types.js';
import { DEFAULT_PARAMS, ERR } from './types.js';

/** How a node is built. */
export interface RaftOptions {
  id: string;
  /** Ids of every other node of the cluster. */
  peers: string[];
  variant?: Variant;
  params?: Partial<RaftParams>;
  clock: CoreClock;
  rng: CoreRng;
  /**
   * The session name under which this node submits its clients' commands; must differ between
   * incarnations of the node (a restart is a new session), e.g. `n1@<start time>`.
   */
  sessionId: string;
  /** What was on disk at start (after a restart): term and vote, newest snapshot, log after it. */
  restore?: { hardState: HardState; entries: Entry[]; snapshot?: Snapshot | null };
  /**
   * The replicated state machine, empty: the core applies committed commands to it, snapshots
   * and restores it, and serves reads from it (raftkv's is `raftkvStateMachine(variant)`).
   */
  stateMachine: StateMachine;
  /**
   * The op a client write request is logged as (raftkv's `kvOpOf`); null refuses the request
   * with error 10. Absent: only `propose` logs commands.
   */
  opOf?: (req: Exclude<ClientRequest, { type: 'read' }>) => LogOp | null;
}

/**
 * The role of a node in its current term. A `pre-candidate` is a follower that lost its leader and
 * asks whether it could win an election before it raises its term (Pre-Vote).
 */
export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

export { InvariantError };

interface Waiter {
  reqId: number;
  cmd: Command;
  startTick: number;
  lastSentTick: number;
  lastSentTo: string | null;
}

/** Message types that promise nothing about the sender's disk (see `Ready`). */
const EARLY = new Set<PeerMessage['type']>(['AppendEntries', 'InstallSnapshot', 'Forward', 'ReadIndex']);

/** A Raft node with the state machine it replicates. */
export class RaftNode {
  readonly id: string;
  readonly peers: readonly string[];
  readonly variant: Variant;
  readonly params: RaftParams;
  private readonly clock: CoreClock;
  private readonly rng: CoreRng;
  private readonly sessionId: string;
  private readonly quorum: number;

  // Persistent state (Raft figure 2).
  private term = 0;
  private votedFor: string | null = null;
  /** The log behind the snapshot's offset, with what of it is not durable yet. */
  private readonly log = new RaftLog();

  // Volatile state.
  private role: Role = 'follower';
  private leaderId: string | null = null;
  private commitIndex = 0;
  private appliedIndex = 0;
  private readonly kv: StateMachine;
  private readonly opOf: RaftOptions['opOf'];
  private ticks = 0;
  private electionElapsed = 0;
  private electionTimeout = 0;
  private heartbeatElapsed = 0;
  /** Tick of the last message from a current leader (a restart counts as one: see the constructor). */
  private lastLeaderContactTick = 0;
  private votes = new Set<string>();

  // Leader state.
  private readonly progress: ProgressTracker;
  private round = 0;
  private readonly lease: Lease;
  private replicateDirty = false;

  // Persistence bookkeeping (the log's is in the log).
  private hardStateDirty = false;
  /** Snapshots installed from a leader since start (for status). */
  private snapshotsInstalled = 0;
  private inReady = false;

  // Outbox.
  private msgs: PeerMessage[] = [];
  private replies: ClientReply[] = [];
  private appliedSinceReady: Entry[] = [];

  // Request Waiting List.
  private nextSeq = 1;
  private pending = new Map<number, Waiter>();
  private forwardBuf: Command[] = [];
  /** Reads (lease, read index, follower reads) and their waiting lists. */
  private readonly reads: ReadPaths;

  constructor(opts: RaftOptions) {
    this.id = opts.id;
    this.peers = [...opts.peers];
    if (this.peers.includes(this.id)) throw new InvariantError(`node ${this.id} lists itself as a peer`);
    this.variant = opts.variant ?? 'correct';
    this.params = { ...DEFAULT_PARAMS, ...(opts.params ?? {}) };
    this.clock = opts.clock;
    this.rng = opts.rng;
    this.sessionId = opts.sessionId;
    this.quorum = Math.floor((this.peers.length + 1) / 2) + 1;
    this.progress = new ProgressTracker(this.quorum);
    const p = this.params;
    this.lease = new Lease(this.clock, p.electionTicksMin * p.tickMs * p.leaseFraction, this.variant === 'lease-wallclock');
    this.kv = opts.stateMachine;
    this.opOf = opts.opOf;
    this.reads = new ReadPaths({
      id: this.id,
      variant: this.variant,
      params: this.params,
      lease: this.lease,
      ticks: () => this.ticks,
      isLeader: () => this.role === 'leader',
      leaderId: () => this.leaderId,
      term: () => this.term,
      commitIndex: () => this.commitIndex,
      appliedIndex: () => this.appliedIndex,
      committedInTerm: () => this.log.termAt(this.commitIndex) === this.term,
      round: () => this.round,
      send: (m) => {
        this.msgs.push(m);
      },
      reply: (reqId, body) => this.reply(reqId, body),
      readValue: (key) => this.kv.read(key),
    });
    if (opts.restore) {
      this.term = opts.restore.hardState.term;
      this.votedFor = opts.restore.hardState.votedFor;
      const s = opts.restore.snapshot ?? null;
      if (s !== null) {
        // Everything in the snapshot was committed and applied before it was taken.
        this.kv.restore(s.state);
        this.commitIndex = s.lastIncludedIndex;
        this.appliedIndex = s.lastIncludedIndex;
      }
      this.log.restore(s, opts.restore.entries);
    }
    // A restarted node may have acknowledged a heartbeat round just before it died, and the leader
    // counts on that for its lease: it acts as if it had heard from a leader at start. A node
    // with no state has never acknowledged anything.
    this.lastLeaderContactTick = this.term > 0 ? 0 : -this.params.electionTicksMin;
    this.resetElectionTimeout();
  }

  // ---------------------------------------------------------------- inspection

  /** Facts for `admin status` and tests. */
  status(): {
    id: string;
    role: Role;
    term: number;
    leader: string | null;
    commitIndex: number;
    appliedIndex: number;
    lastIndex: number;
    pending: number;
    variant: Variant;
    keys: number;
    snapshotIndex: number;
    snapshotsInstalled: number;
  } {
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      leader: this.leaderId,
      commitIndex: this.commitIndex,
      appliedIndex: this.appliedIndex,
      lastIndex: this.lastIndex(),
      pending: this.pending.size,
      variant: this.variant,
      keys: this.kv.size,
      snapshotIndex: this.log.snapIndex(),
      snapshotsInstalled: this.snapshotsInstalled,
    };
  }

  /** The log entries still held from `from` (inclusive) on; for invariant checks. */
  entriesFrom(from: number): readonly Entry[] {
    return this.log.entriesFrom(from);
  }

  /** The entry at `index`, or undefined when it is past the end or compacted into the snapshot. */
  entryAt(index: number): Entry | undefined {
    return this.log.entry(index);
  }

  /** The newest snapshot, or null before the first one. */
  get latestSnapshot(): Snapshot | null {
    return this.log.snapshot;
  }

  /** Index of the first entry still in the log (1 before any compaction). */
  firstIndex(): number {
    return this.log.firstIndex();
  }

  get currentTerm(): number {
    return this.term;
  }

  get currentRole(): Role {
    return this.role;
  }

  get committed(): number {
    return this.commitIndex;
  }

  lastIndex(): number {
    return this.log.lastIndex();
  }

  // ---------------------------------------------------------------- inputs

  /** Advances logical time by one tick: election timeout, heartbeats, retries and timeouts. */
  tick(): void {
    this.assertNotInReady();
    this.ticks++;
    if (this.role === 'leader') {
      this.heartbeatElapsed++;
      this.electionElapsed++;
      if (this.electionElapsed >= this.params.electionTicksMin) {
        this.electionElapsed = 0;
        // Check quorum: a leader that has not heard from a majority for an election timeout
        // steps down, so a deposed leader in a minority stops serving. The variant that reads
        // locally at the leader trusts its role without this check.
        if (this.variant !== 'leader-local-reads') {
          // While its lease holds no other leader can exist, so it keeps the role until then.
          if (!this.progress.checkQuorumActive(this.id) && !this.lease.valid()) {
            this.becomeFollower(this.term, null);
          }
        }
      }
      if (this.role === 'leader' && this.heartbeatElapsed >= this.params.heartbeatTicks) {
        this.broadcastHeartbeat();
      }
      if (this.role === 'leader') this.resendStalled();
    } else {
      this.electionElapsed++;
      if (this.electionElapsed >= this.electionTimeout) {
        if (this.params.preVote) this.preCampaign();
        else this.startElection();
      }
    }
    this.tickWaiters();
    this.applyCommitted();
  }

  /** Handles one message from a peer. */
  step(m: PeerMessage): void {
    this.assertNotInReady();
    if (m.to !== this.id) return;
    const raftMsg =
      m.type === 'RequestVote' ||
      m.type === 'RequestVoteResp' ||
      m.type === 'AppendEntries' ||
      m.type === 'AppendEntriesResp' ||
      m.type === 'InstallSnapshot' ||
      m.type === 'InstallSnapshotResp';
    const replication = m.type === 'AppendEntries' || m.type === 'AppendEntriesResp' || m.type === 'InstallSnapshot' || m.type === 'InstallSnapshotResp';
    const fromLeader = m.type === 'AppendEntries' || m.type === 'InstallSnapshot';
    // Pre-Vote: a pre-vote request carries the term its sender would campaign in, and a granted
    // answer echoes it. Neither is a newer generation, so no term is adopted from them (a refusal
    // carries the refuser's own term, and a newer one is adopted as usual).
    const preVoteTerm = (m.type === 'RequestVote' && m.pre === true) || (m.type === 'RequestVoteResp' && m.pre === true && m.granted);
    if (raftMsg && m.term > this.term && !preVoteTerm) {
      if (m.type === 'RequestVote' && this.inLease()) {
        // Leader stickiness (Raft §6, etcd's checkQuorum): while this node has heard from a
        // leader within the minimum election timeout it ignores votes, neither adopting the term
        // nor answering. Leases depend on it.
        return;
      }
      if (replication && this.role === 'leader' && this.variant === 'no-generation-check') {
        // The broken variant does not compare generations on the replication path: a deposed
        // leader neither steps down when a newer leader appears nor when its followers answer
        // with a newer term, and keeps committing with their acknowledgements.
      } else {
        this.becomeFollower(m.term, fromLeader ? m.from : null);
      }
    }
    switch (m.type) {
      case 'RequestVote':
        this.onRequestVote(m);
        break;
      case 'RequestVoteResp':
        this.onVoteResp(m);
        break;
      case 'AppendEntries':
        this.onAppend(m);
        break;
      case 'AppendEntriesResp':
        this.onAppendResp(m);
        break;
      case 'InstallSnapshot':
        this.onInstallSnapshot(m);
        break;
      case 'InstallSnapshotResp':
        this.onInstallSnapshotResp(m);
        break;
      case 'Forward':
        this.onForward(m);
        break;
      case 'ReadIndex':
        this.reads.onReadIndex(m);
        break;
      case 'ReadIndexResp':
        this.reads.onReadIndexResp(m);
        break;
    }
    this.applyCommitted();
  }

  /**
   * A client request (register workload, or a transaction). The reply comes later in `ready().replies` under
   * `reqId`, the shell's handle for the connection and msg_id.
   */
  request(reqId: number, req: ClientRequest): void {
    this.assertNotInReady();
    if (this.refuseWhenFull(reqId)) return;
    if (req.type === 'read') {
      this.reads.onClientRead(reqId, req);
    } else {
      const op = this.opOf?.(req) ?? null;
      if (op === null) this.reply(reqId, { type: 'error', code: ERR.notSupported, text: `${req.type} is not served here` });
      else this.enqueue(reqId, op);
    }
    this.applyCommitted();
  }

  /**
   * Logs `op` as a command of this node's session; the state machine's result comes back in
   * `ready().replies` under `reqId` once the entry is applied (or error 0 after
   * `requestTimeoutTicks`). A Consistent Core's shell submits its own commands this way.
   */
  propose(reqId: number, op: LogOp): void {
    this.assertNotInReady();
    if (this.refuseWhenFull(reqId)) return;
    this.enqueue(reqId, op);
    this.applyCommitted();
  }

  /** Answers error 11 and returns true when the Request Waiting List is full. */
  private refuseWhenFull(reqId: number): boolean {
    if (this.pending.size + this.reads.waiting < this.params.maxPendingRequests) return false;
    this.reply(reqId, { type: 'error', code: ERR.temporarilyUnavailable, text: 'too many requests waiting' });
    return true;
  }

  private enqueue(reqId: number, op: LogOp): void {
    const cmd: Command = { client: this.sessionId, seq: this.nextSeq++, attempt: 0, minPending: 0, op };
    const w: Waiter = { reqId, cmd, startTick: this.ticks, lastSentTick: this.ticks, lastSentTo: null };
    this.pending.set(cmd.seq, w);
    this.submit(w);
  }

  /**
   * The election timeout elapses now (etcd raft's `Campaign`): a pre-vote round first when
   * `preVote` is on. Nothing when this node leads already.
   */
  campaign(): void {
    this.assertNotInReady();
    if (this.role === 'leader') return;
    if (this.params.preVote) this.preCampaign();
    else this.startElection();
    this.applyCommitted();
  }

  /**
   * Takes a snapshot of the applied state now and drops the log prefix it covers, as
   * `snapshotEveryEntries` does by itself. Returns the snapshot's index (nothing new when it is
   * the current snapshot's).
   */
  compact(): number {
    this.assertNotInReady();
    if (this.appliedIndex > this.log.snapIndex()) this.takeSnapshot();
    return this.log.snapIndex();
  }

  // ---------------------------------------------------------------- Ready / advance

  /** Whether `ready()` has anything to do. */
  hasReady(): boolean {
    return (
      this.msgs.length > 0 ||
      this.replies.length > 0 ||
      this.appliedSinceReady.length > 0 ||
      this.log.hasUnstable() ||
      this.hardStateDirty ||
      this.reads.roundPending ||
      this.forwardBuf.length > 0 ||
      this.reads.hasQueued() ||
      (this.role === 'leader' && this.replicateDirty)
    );
  }

  /**
   * Collects the effects since the last `advance()`. The caller must persist `persist` durably
   * before sending `messages` and `replies`, then call `advance()` before stepping the node again.
   */
  ready(): Ready {
    this.assertNotInReady();
    const roundRequested = this.reads.takeRoundRequest();
    if (this.role === 'leader') {
      if (roundRequested) this.broadcastHeartbeat();
      if (this.replicateDirty) this.sendAppends();
    }
    this.flushForwards();
    this.reads.flush();
    // Reads queued while this node followed take their read index here now that it leads.
    if (this.reads.takeRoundRequest()) this.broadcastHeartbeat();
    // A new snapshot is persisted as the whole durable state, which supersedes the batch.
    const image: DurableImage | null = this.log.snapshotDirty
      ? { hardState: { term: this.term, votedFor: this.votedFor }, snapshot: this.log.snapshot, entries: this.log.entriesFrom(this.log.firstIndex()) }
      : null;
    const rd: Ready = {
      persist: {
        truncateFrom: image === null ? this.log.truncateFrom : null,
        entries: image === null ? this.log.unstableEntries() : [],
        hardState: image === null && this.hardStateDirty ? { term: this.term, votedFor: this.votedFor } : null,
        image,
      },
      early: this.msgs.filter((m) => EARLY.has(m.type)),
      messages: this.msgs.filter((m) => !EARLY.has(m.type)),
      replies: this.replies,
      applied: this.appliedSinceReady,
    };
    this.msgs = [];
    this.replies = [];
    this.appliedSinceReady = [];
    this.inReady = true;
    return rd;
  }

  /** Acknowledges that the last `ready()` was persisted and its messages sent. */
  advance(): void {
    if (!this.inReady) throw new InvariantError('advance() without ready()');
    this.inReady = false;
    this.log.markStable();
    this.hardStateDirty = false;
    if (this.role === 'leader') this.maybeCommit();
    this.applyCommitted();
    this.maybeSnapshot();
  }

  // ---------------------------------------------------------------- log compaction

  /**
   * Takes a snapshot of the applied state once `snapshotEveryEntries` entries were applied since
   * the last one, and drops the log prefix it covers. Called only from `advance`, where every
   * entry of the log is durable: the snapshot then never covers an entry that is not on disk, so
   * the shell can write it after the records it supersedes and a crash in between loses nothing.
   */
  private maybeSnapshot(): void {
    if (this.appliedIndex - this.log.snapIndex() >= this.params.snapshotEveryEntries) this.takeSnapshot();
  }

  private takeSnapshot(): void {
    this.log.compact(this.appliedIndex, this.kv.snapshot());
  }

  private assertNotInReady(): void {
    if (this.inReady) throw new InvariantError('the node was stepped between ready() and advance()');
  }

  // ---------------------------------------------------------------- elections

  private resetElectionTimeout(): void {
    this.electionElapsed = 0;
    this.electionTimeout = this.rng.int(this.params.electionTicksMin, this.params.electionTicksMax - 1);
  }

  /** Whether this node heard from a live leader within the minimum election timeout. */
  private inLease(): boolean {
    if (this.role === 'leader') return true;
    if (this.role === 'candidate' || this.role === 'pre-candidate') return false;
    return this.ticks - this.lastLeaderContactTick < this.params.electionTicksMin;
  }

  private setHardState(term: number, votedFor: string | null): void {
    if (term !== this.term || votedFor !== this.votedFor) {
      if (term < this.term) throw new InvariantError(`term would go back from ${this.term} to ${term}`);
      this.term = term;
      this.votedFor = votedFor;
      this.hardStateDirty = true;
    }
  }

  private becomeFollower(term: number, leader: string | null): void {
    const wasLeader = this.role === 'leader';
    this.setHardState(term, term === this.term ? this.votedFor : null);
    this.role = 'follower';
    this.setLeader(leader);
    this.resetElectionTimeout();
    if (wasLeader) this.dropLeaderState();
  }

  private setLeader(leader: string | null): void {
    if (leader !== null) this.lastLeaderContactTick = this.ticks;
    if (leader === this.leaderId) return;
    this.leaderId = leader;
    if (leader !== null && leader !== this.id) {
      // A new leader: hand it every command still waiting, at once rather than at the next retry.
      for (const w of this.pending.values()) if (w.lastSentTo !== leader) this.submit(w);
    }
  }

  private dropLeaderState(): void {
    this.progress.clear();
    this.lease.reset();
    this.reads.leadershipLost();
    this.replicateDirty = false;
  }

  /**
   * Pre-Vote (Raft thesis §9.6): before raising its term, a node asks whether a majority would vote
   * for it at term + 1. Nodes that still hear from a leader ignore the question (leader
   * stickiness), so a node cut off from the leader alone (an asymmetric or partial partition)
   * never raises its term, and cannot depose a leader that a majority still follows when it comes
   * back. Nothing is persisted: a pre-vote promises nothing.
   */
  private preCampaign(): void {
    this.role = 'pre-candidate';
    if (this.solicitVotes(this.term + 1, true)) this.startElection();
  }

  private startElection(): void {
    this.setHardState(this.term + 1, this.id);
    this.role = 'candidate';
    if (this.solicitVotes(this.term, false)) this.becomeLeader();
  }

  /** Counts this node's own vote and asks every peer for theirs at `term`; true when its own is a majority. */
  private solicitVotes(term: number, pre: boolean): boolean {
    this.leaderId = null;
    this.votes = new Set([this.id]);
    this.resetElectionTimeout();
    if (this.votes.size >= this.quorum) return true;
    const lastLogIndex = this.lastIndex();
    const lastLogTerm = this.log.termAt(lastLogIndex);
    for (const p of this.peers) {
      this.msgs.push({ type: 'RequestVote', from: this.id, to: p, term, lastLogIndex, lastLogTerm, ...(pre ? { pre: true } : {}) });
    }
    return false;
  }

  private onRequestVote(m: Extract<PeerMessage, { type: 'RequestVote' }>): void {
    const lastTerm = this.log.termAt(this.lastIndex());
    const upToDate = m.lastLogTerm > lastTerm || (m.lastLogTerm === lastTerm && m.lastLogIndex >= this.lastIndex());
    if (m.pre === true) {
      // Would this node vote for the sender at the term it names? Only if that term is newer,
      // the sender's log is at least as up to date, and no leader is heard from (stickiness).
      // The answer changes nothing here: no term, no vote, no timer.
      const granted = m.term > this.term && upToDate && !this.inLease();
      this.msgs.push({ type: 'RequestVoteResp', from: this.id, to: m.from, term: granted ? m.term : this.term, granted, pre: true });
      return;
    }
    const canVote = this.votedFor === null || this.votedFor === m.from;
    const granted = m.term === this.term && canVote && upToDate && this.role !== 'leader';
    if (granted) {
      this.setHardState(this.term, m.from);
      this.resetElectionTimeout();
    }
    this.msgs.push({ type: 'RequestVoteResp', from: this.id, to: m.from, term: this.term, granted });
  }

  private onVoteResp(m: Extract<PeerMessage, { type: 'RequestVoteResp' }>): void {
    if (m.pre === true) {
      if (this.role !== 'pre-candidate' || m.term !== this.term + 1 || !m.granted) return;
      this.votes.add(m.from);
      if (this.votes.size >= this.quorum) this.startElection();
      return;
    }
    if (this.role !== 'candidate' || m.term !== this.term || !m.granted) return;
    this.votes.add(m.from);
    if (this.votes.size >= this.quorum) this.becomeLeader();
  }

  private becomeLeader(): void {
    this.role = 'leader';
    this.leaderId = this.id;
    this.lastLeaderContactTick = this.ticks;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.progress.reset(this.peers, this.lastIndex() + 1, this.ticks);
    this.round = 0;
    this.lease.reset();
    // A leader may only count replicas for entries of its own term (Raft §5.4.2): the no-op
    // entry commits everything before it and makes read-index safe.
    this.appendLocal(null);
    this.broadcastHeartbeat();
    // Our own commands waiting elsewhere: propose them here.
    for (const w of this.pending.values()) if (w.lastSentTo !== this.id) this.submit(w);
  }

  // ---------------------------------------------------------------- replication (leader)

  private appendLocal(cmd: Command | null): void {
    const e: Entry = { index: this.lastIndex() + 1, term: this.term, cmd };
    this.log.append(e);
    this.replicateDirty = true;
    if (this.variant === 'commit-before-quorum') {
      // The broken variant treats an entry as committed as soon as the leader has it.
      this.commitIndex = this.lastIndex();
    }
  }

  private broadcastHeartbeat(): void {
    this.heartbeatElapsed = 0;
    this.round++;
    this.lease.roundStarted(this.round);
    for (const p of this.peers) this.sendHeartbeat(p);
    this.onRoundAcked(); // a single-node cluster confirms its rounds by itself
  }

  /**
   * An empty AppendEntries at the peer's match index: never conflicts with a pipeline in flight.
   * When that index was compacted away it goes at the snapshot's index, whose term is known (a
   * follower that lacks it answers with a rejection, and gets the snapshot).
   */
  private sendHeartbeat(p: string): void {
    const pr = this.progress.get(p);
    if (pr === undefined) return;
    const leaderCommit = Math.min(this.commitIndex, pr.match);
    pr.sentCommit = Math.max(pr.sentCommit, leaderCommit);
    const prev = Math.max(pr.match, this.log.snapIndex());
    this.msgs.push({
      type: 'AppendEntries',
      from: this.id,
      to: p,
      term: this.term,
      prevLogIndex: prev,
      prevLogTerm: this.log.termAt(prev),
      entries: [],
      leaderCommit,
      round: this.round,
    });
  }

  /** Sends the new entries to each follower: one batch per message, a window of them in flight. */
  private sendAppends(): void {
    this.replicateDirty = false;
    const window = this.params.maxInflightPerPeer * this.params.maxEntriesPerMessage;
    for (const p of this.peers) {
      const pr = this.progress.get(p);
      if (pr === undefined) continue;
      if (pr.next <= this.log.snapIndex()) {
        // The entries the peer needs next were compacted away: it gets the snapshot instead.
        this.sendSnapshot(p, pr);
        if (Math.min(this.commitIndex, pr.match) > pr.sentCommit) this.sendHeartbeat(p);
        continue;
      }
      for (;;) {
        if (pr.next > this.lastIndex()) break;
        if (pr.probe && pr.probeSent) break;
        if (!pr.probe && pr.next - 1 - pr.match >= window) break;
        const from = pr.next;
        if (from === pr.match + 1) pr.progressTick = this.ticks; // nothing was outstanding
        const to = Math.min(this.lastIndex(), from + this.params.maxEntriesPerMessage - 1);
        this.msgs.push({
          type: 'AppendEntries',
          from: this.id,
          to: p,
          term: this.term,
          prevLogIndex: from - 1,
          prevLogTerm: this.log.termAt(from - 1),
          entries: this.log.slice(from, to),
          leaderCommit: this.commitIndex,
          round: this.round,
        });
        pr.sentCommit = Math.max(pr.sentCommit, Math.min(this.commitIndex, to));
        if (pr.probe) {
          pr.probeSent = true;
          break;
        }
        pr.next = to + 1;
      }
      // Nothing new to send, but a commit index the peer has not been told: an empty append.
      if (Math.min(this.commitIndex, pr.match) > pr.sentCommit) this.sendHeartbeat(p);
    }
  }

  /** Sends the latest snapshot to `p`, unless one is in flight and not yet due for a resend. */
  private sendSnapshot(p: string, pr: Progress): void {
    const snap = this.log.snapshot;
    if (snap === null) throw new InvariantError(`entries up to ${this.log.snapIndex()} compacted without a snapshot`);
    if (pr.snapshotIndex > 0 && this.ticks - pr.snapshotTick < this.params.retryTicks) return;
    pr.snapshotIndex = snap.lastIncludedIndex;
    pr.snapshotTick = this.ticks;
    this.msgs.push({ type: 'InstallSnapshot', from: this.id, to: p, term: this.term, snapshot: snap, round: this.round });
  }

  /**
   * The progress of the follower answering this leader with `m`, once its heartbeat round is
   * counted (leases and read-index rounds); undefined when the answer is not for this leader.
   */
  private answerFrom(m: { from: string; term: number; round: number }): Progress | undefined {
    if (this.role !== 'leader') return undefined;
    if (m.term !== this.term && this.variant !== 'no-generation-check') return undefined;
    const pr = this.progress.get(m.from);
    if (pr === undefined) return undefined;
    this.progress.markActive(m.from);
    if (m.term === this.term && m.round > pr.ackRound) {
      pr.ackRound = m.round;
      this.onRoundAcked();
    }
    return pr;
  }

  private onInstallSnapshotResp(m: Extract<PeerMessage, { type: 'InstallSnapshotResp' }>): void {
    const pr = this.answerFrom(m);
    if (pr === undefined) return;
    if (m.matchIndex > pr.match) {
      pr.match = m.matchIndex;
      pr.progressTick = this.ticks;
      this.maybeCommit();
    }
    if (pr.snapshotIndex > 0 && pr.match >= pr.snapshotIndex) {
      // Installed: the logs match at the snapshot's index, so the entries after it go pipelined.
      pr.snapshotIndex = 0;
      pr.next = Math.max(pr.next, pr.match + 1);
      pr.probe = false;
      pr.probeSent = false;
    }
    this.replicateDirty = true;
  }

  private onAppendResp(m: Extract<PeerMessage, { type: 'AppendEntriesResp' }>): void {
    const pr = this.answerFrom(m);
    if (pr === undefined) return;
    if (m.success) {
      if (m.matchIndex > pr.match) {
        pr.match = m.matchIndex;
        pr.progressTick = this.ticks;
        if (pr.probe) {
          pr.probe = false;
          pr.probeSent = false;
        }
        if (pr.next <= pr.match) pr.next = pr.match + 1;
        // Caught up past the snapshot by appends that were in flight: no need to wait for it.
        if (pr.snapshotIndex > 0 && pr.match >= pr.snapshotIndex) pr.snapshotIndex = 0;
        this.maybeCommit();
        // The peer may hold entries committed before it acked them: it is told at the next
        // ready (with new entries, or alone), so that its clients (forwarded writes, read-index
        // reads) need not wait for the next heartbeat.
        this.replicateDirty = true;
      } else if (pr.probe && pr.probeSent) {
        pr.probeSent = false;
      }
      if (pr.next <= this.lastIndex()) this.replicateDirty = true;
    } else {
      // Rejected: the follower's log does not match at prevLogIndex. Back off to its hint and
      // probe one batch at a time until a batch matches.
      const next = Math.max(pr.match + 1, Math.min(pr.next - 1, m.matchIndex + 1));
      pr.next = Math.max(1, next);
      pr.probe = true;
      pr.probeSent = false;
      this.replicateDirty = true;
    }
  }

  /**
   * Appends sent in a pipeline are not resent one by one: when a peer's match has not moved for
   * the retry interval while entries are outstanding, they were lost (a connection broke), so
   * replication restarts from the match index.
   */
  private resendStalled(): void {
    for (const pr of this.progress.values()) {
      if (pr.snapshotIndex > 0 && this.ticks - pr.snapshotTick >= this.params.retryTicks) this.replicateDirty = true;
      if (pr.next > pr.match + 1 && this.ticks - pr.progressTick >= this.params.retryTicks) {
        pr.next = pr.match + 1;
        pr.probe = true;
        pr.probeSent = false;
        pr.progressTick = this.ticks;
        this.replicateDirty = true;
      }
    }
  }

  /** Advances the High-Water Mark to the highest index stored on a majority, if of this term. */
  private maybeCommit(): void {
    if (this.role !== 'leader') return;
    const n = this.progress.quorumMatch(this.log.stableIndex);
    if (n > this.commitIndex && this.log.termAt(n) === this.term) {
      this.commitIndex = n;
      // Tell the followers at the next ready instead of at the next heartbeat: their clients wait.
      this.replicateDirty = true;
      this.reads.noopCommitted();
    }
  }

  // ---------------------------------------------------------------- replication (follower)

  /**
   * The Generation Clock check of a leader's AppendEntries or InstallSnapshot: false when it must
   * be refused (the sender leads an older term; the refusal tells it the newer one, and it steps
   * down). Otherwise this node follows the sender, and the message is taken. In
   * `no-generation-check` a follower takes an older term's messages as if they were current, and
   * a leader refuses another leader's, whatever its term (see `step`).
   */
  private fromCurrentLeader(m: { from: string; term: number }): boolean {
    if (this.variant === 'no-generation-check') {
      if (this.role === 'leader') return false;
      if (m.term < this.term) {
        this.electionElapsed = 0;
        return true;
      }
    } else if (m.term < this.term) {
      return false;
    }
    if (this.role !== 'follower') this.becomeFollower(m.term, m.from);
    this.setLeader(m.from);
    this.electionElapsed = 0;
    return true;
  }

  private onAppend(m: Extract<PeerMessage, { type: 'AppendEntries' }>): void {
    if (!this.fromCurrentLeader(m)) {
      this.msgs.push({
        type: 'AppendEntriesResp', from: this.id, to: m.from, term: this.term,
        success: false, matchIndex: this.lastIndex(), round: m.round,
      });
      return;
    }
    const reply = (success: boolean, matchIndex: number): void => {
      this.msgs.push({
        type: 'AppendEntriesResp', from: this.id, to: m.from, term: this.term,
        success, matchIndex, round: m.round,
      });
    };
    if (m.prevLogIndex > this.lastIndex()) {
      reply(false, this.lastIndex());
      return;
    }
    let prevLogIndex = m.prevLogIndex;
    let entries = m.entries;
    if (prevLogIndex < this.log.snapIndex()) {
      // The prefix up to the snapshot was committed, so it is the same in every leader's log
      // (Leader Completeness): check the rest from the snapshot on.
      const snapIndex = this.log.snapIndex();
      entries = entries.filter((e) => e.index > snapIndex);
      prevLogIndex = snapIndex;
    } else if (this.log.termAt(m.prevLogIndex) !== m.prevLogTerm) {
      // Hint: skip back over the whole conflicting term rather than one entry per round trip.
      const badTerm = this.log.termAt(m.prevLogIndex);
      let i = m.prevLogIndex - 1;
      while (i > this.commitIndex && this.log.termAt(i) === badTerm) i--;
      reply(false, Math.max(0, Math.min(i, m.prevLogIndex - 1)));
      return;
    }
    for (const e of entries) {
      if (e.index <= this.lastIndex()) {
        if (this.log.termAt(e.index) === e.term) continue;
        if (e.index <= this.commitIndex && this.variant !== 'no-generation-check' && this.variant !== 'commit-before-quorum') {
          throw new InvariantError(`leader ${m.from} (term ${m.term}) would overwrite committed entry ${e.index}`);
        }
        this.truncate(e.index);
      }
      if (e.index !== this.lastIndex() + 1) throw new InvariantError(`entry ${e.index} leaves a gap after ${this.lastIndex()}`);
      this.log.append(e);
    }
    const lastNew = prevLogIndex + entries.length;
    const newCommit = Math.min(m.leaderCommit, lastNew);
    if (newCommit > this.commitIndex) this.commitIndex = newCommit;
    reply(true, lastNew);
  }

  private truncate(from: number): void {
    this.log.truncate(from);
    if (this.appliedIndex >= from) {
      // Only the broken variants get here (a committed, applied entry replaced).
      this.appliedIndex = from - 1;
    }
    if (this.commitIndex >= from) this.commitIndex = from - 1;
  }

  /**
   * InstallSnapshot (Raft §7, figure 13): generation checks as for AppendEntries; a snapshot newer
   * than this node's commit index replaces its state machine, and its log unless the log holds the
   * snapshot's last entry (then the entries after it stay). The answer waits for the snapshot to be
   * durable (it is a `messages` message) and reports the index the log now matches to.
   */
  private onInstallSnapshot(m: Extract<PeerMessage, { type: 'InstallSnapshot' }>): void {
    const answer = (matchIndex: number): void => {
      this.msgs.push({ type: 'InstallSnapshotResp', from: this.id, to: m.from, term: this.term, matchIndex, round: m.round });
    };
    if (!this.fromCurrentLeader(m)) {
      answer(0);
      return;
    }
    const s = m.snapshot;
    if (s.lastIncludedIndex <= this.commitIndex) {
      // Nothing new: this node has committed (and holds, or has snapshotted) all of it already.
      answer(this.commitIndex);
      return;
    }
    this.log.installSnapshot(s);
    this.kv.restore(s.state);
    this.commitIndex = s.lastIncludedIndex;
    this.appliedIndex = s.lastIncludedIndex;
    this.snapshotsInstalled++;
    answer(s.lastIncludedIndex);
  }

  // ---------------------------------------------------------------- client commands

  /** Hands a waiting command to the leader: appended here if leader, else forwarded (batched). */
  private submit(w: Waiter): void {
    if (this.role === 'leader') {
      w.cmd = { ...w.cmd, attempt: w.cmd.attempt + 1, minPending: this.minPending() };
      this.appendLocal(w.cmd);
      w.lastSentTo = this.id;
      w.lastSentTick = this.ticks;
    } else if (this.leaderId !== null) {
      w.cmd = { ...w.cmd, attempt: w.cmd.attempt + 1, minPending: this.minPending() };
      this.forwardBuf.push(w.cmd);
      w.lastSentTo = this.leaderId;
      w.lastSentTick = this.ticks;
    }
    // No known leader: the command waits; it is sent when a leader becomes known.
  }

  private minPending(): number {
    const first = this.pending.keys().next();
    return first.done === true ? this.nextSeq : first.value;
  }

  private flushForwards(): void {
    if (this.forwardBuf.length === 0) return;
    if (this.leaderId !== null && this.leaderId !== this.id) {
      for (let i = 0; i < this.forwardBuf.length; i += this.params.maxEntriesPerMessage) {
        this.msgs.push({
          type: 'Forward', from: this.id, to: this.leaderId, term: this.term,
          cmds: this.forwardBuf.slice(i, i + this.params.maxEntriesPerMessage),
        });
      }
    }
    this.forwardBuf = [];
  }

  private onForward(m: Extract<PeerMessage, { type: 'Forward' }>): void {
    // Not the leader (any more): drop; the submitter retries with the leader it learns of.
    if (this.role !== 'leader') return;
    for (const cmd of m.cmds) this.appendLocal(cmd);
  }

  private tickWaiters(): void {
    const p = this.params;
    for (const [seq, w] of this.pending) {
      if (this.ticks - w.startTick >= p.requestTimeoutTicks) {
        this.pending.delete(seq);
        this.reply(w.reqId, { type: 'error', code: ERR.timeout, text: 'not committed in time' });
      } else if (this.ticks - w.lastSentTick >= p.retryTicks || (w.lastSentTo === null && this.leaderId !== null)) {
        this.submit(w);
      }
    }
    this.reads.tick();
  }

  // ---------------------------------------------------------------- reads

  /** A quorum may have acknowledged a newer heartbeat round: the lease grows, read indexes hold. */
  private onRoundAcked(): void {
    if (this.role !== 'leader') return;
    const q = this.progress.quorumAckRound(this.round);
    if (!this.lease.confirm(q)) return;
    this.reads.roundConfirmed(q);
  }

  // ---------------------------------------------------------------- apply

  private applyCommitted(): void {
    // Followers apply up to the commit index; entries not yet durable here are durable on a
    // majority, so applying them early is safe, and replies leave only after the next persist.
    while (this.appliedIndex < this.commitIndex) {
      const e = this.log.entry(this.appliedIndex + 1);
      if (e === undefined) throw new InvariantError(`commit index ${this.commitIndex} beyond log end ${this.lastIndex()}`);
      this.appliedIndex++;
      this.appliedSinceReady.push(e);
      if (e.cmd === null) continue;
      const result = this.kv.apply(e.cmd, e.index);
      if (e.cmd.client === this.sessionId) {
        const w = this.pending.get(e.cmd.seq);
        // Every copy of a seq carries the same (cached) result, so the first one applied answers.
        // Without the Idempotent Receiver a retry is a new request, and its submitter waits for
        // the answer to its latest attempt, which may be the second execution's.
        const answers = this.variant !== 'no-idempotent-receiver' || (w !== undefined && e.cmd.attempt === w.cmd.attempt);
        if (w !== undefined && answers) {
          this.pending.delete(e.cmd.seq);
          this.reply(w.reqId, { ...result, index: e.index });
        }
      }
    }
    this.reads.serveApplied();
  }

  private reply(reqId: number, body: Record<string, unknown> & { type: string }): void {
    this.replies.push({ reqId, body });
  }
}
