/**
 * paxoskv's Multi-Paxos mode: a replicated log of commands, one slot per command, decided by
 * Paxos with one distinguished proposer (the leader). The same Ready/Advance shape as the
 * CASPaxos core (core/paxos.ts), so the shell and the shared simulator drive either.
 *
 * - Election: a node that hears no HeartBeat for a randomized number of ticks takes a ballot
 *   higher than any it has seen (Generation Clock) and runs phase 1 once for every slot from the
 *   first it does not know chosen (`MPrepare.fromSlot`). Each Promise carries the acceptor's
 *   accepted values at those slots, and its applied state when it is past `fromSlot` (its log
 *   below was compacted).
 * - Taking over: with a majority of Promises the new leader re-proposes, at its own ballot, the
 *   highest-ballot value accepted at each slot it did not know chosen, fills the gaps with no-ops,
 *   and proposes one more no-op; it serves reads only once that no-op is applied, since only then
 *   does its state hold every command an earlier leader had chosen.
 * - Then only phase 2: one MAccept per slot, chosen once a majority accepted. Reads go through the
 *   log too, so a leader that lost its majority cannot answer one from a stale state. The leader
 *   sends HeartBeats carrying its applied index; a follower marks chosen the slots up to it whose
 *   value it accepted at the leader's ballot, and asks (in its HeartbeatAck) for the rest, which
 *   come in a Learn. A leader that has no acks from a majority within an election timeout steps
 *   down.
 * - Followers forward client requests to the leader and relay its answer. The network may deliver
 *   a Forward twice (a copy that crossed its answer): the receiver remembers the Forwards it got
 *   for `forwardMemoryTicks` and drops a copy, since proposing it again would apply the command a
 *   second time, after commands acknowledged since (a write coming back over a newer one). A
 *   Forward's id is unique across the sender's restarts (`fidBase`), so neither a new request nor
 *   its answer is taken for an old one.
 * - Acceptor state (one promise for all slots, the accepted value of each slot) is persisted in
 *   `ready().persist` before the replies that depend on it leave (`ready().messages`). Every
 *   `snapshotEvery` applied slots, `ready().image` is the whole durable state (promise, accepted
 *   values above the applied index, and the applied state): the shell saves it as the WAL's
 *   snapshot and drops the records below it (Low-Water Mark).
 *
 * Variants: `read-without-noop` answers reads at once from the leader's state, before its no-op is
 * applied and without confirming it still leads (and never steps down for want of acks);
 * `ignore-accepted-value` fills every slot it does not know chosen with a no-op at take-over;
 * `non-unique-ballot` drops the node id from ballots; `volatile-acceptor` persists nothing;
 * `single-phase` skips phase 1 at take-over: it re-proposes only what its own acceptor holds and
 * goes on from its own log end.
 */
import { type KvResult as ApplyResult, type KvState, KvStateMachine, type MicroOp } from '../../lib/kv-state-machine.js';
import type { Command } from '../../lib/state-machine.js';
import { type Ballot, ballotText, compareBallots, type CoreRng, ERR, type ReplyBody, type Reply, type Variant } from './paxos.js';

export type { ReplyBody };

/** A command in the log: a client's operation (reads too), or null for a no-op. */
export type LogOp =
  | { f: 'read'; key: string }
  | { f: 'write'; key: string; value: unknown }
  | { f: 'cas'; key: string; from: unknown; to: unknown }
  | { f: 'txn'; ops: MicroOp[] };

export type SlotValue = LogOp | null;

/** An accepted value as an acceptor holds and reports it: [slot, ballot, value]. */
export type AcceptedEntry = [number, Ballot, SlotValue];

/** The applied state up to a slot: what a snapshot holds and what a Promise or Learn may carry. */
export interface AppliedState {
  upTo: number;
  state: KvState;
}

export type MultiMessage =
  | { type: 'MPrepare'; from: string; to: string; b: Ballot; fromSlot: number }
  | { type: 'MPromise'; from: string; to: string; b: Ballot; ok: boolean; promised: Ballot | null; entries: AcceptedEntry[]; snap: AppliedState | null }
  | { type: 'MAccept'; from: string; to: string; b: Ballot; slot: number; v: SlotValue; commit: number }
  | { type: 'MAccepted'; from: string; to: string; b: Ballot; slot: number; ok: boolean; promised: Ballot | null }
  | { type: 'Heartbeat'; from: string; to: string; b: Ballot; commit: number }
  | { type: 'HeartbeatAck'; from: string; to: string; b: Ballot; ok: boolean; promised: Ballot | null; applied: number }
  | { type: 'Learn'; from: string; to: string; b: Ballot; entries: [number, SlotValue][]; snap: AppliedState | null }
  | { type: 'Forward'; from: string; to: string; fid: number; op: LogOp }
  | { type: 'ForwardReply'; from: string; to: string; fid: number; body: ReplyBody };

export const MULTI_MESSAGE_TYPES = ['MPrepare', 'MPromise', 'MAccept', 'MAccepted', 'Heartbeat', 'HeartbeatAck', 'Learn', 'Forward', 'ForwardReply'] as const;

/** One WAL record's worth of acceptor changes. */
export interface MultiRecord {
  p?: Ballot;
  a?: AcceptedEntry[];
}

/** The whole durable state of a node (a snapshot image, and what boots a node). */
export interface MultiDurable {
  promised: Ballot | null;
  accepted: AcceptedEntry[];
  snap: AppliedState | null;
}

export interface MultiReady {
  early: MultiMessage[];
  messages: MultiMessage[];
  persist: MultiRecord[];
  /** When set: the whole durable state, to be saved as a snapshot (supersedes `persist`). */
  image: MultiDurable | null;
  replies: Reply[];
  /** Slots applied by this Ready, in order (for the simulator's invariants). */
  applied: [number, SlotValue][];
}

export interface MultiParams {
  heartbeatTicks: number;
  electionTicksMin: number;
  electionTicksMax: number;
  /** Ticks before an unanswered MAccept is sent again. */
  retryTicks: number;
  requestTimeoutTicks: number;
  maxPendingRequests: number;
  /** Applied slots between snapshots. */
  snapshotEvery: number;
  /** Most entries in one Learn. */
  maxLearnEntries: number;
  /** Ticks a node remembers a Forward it received, to drop a copy the network delivers again. */
  forwardMemoryTicks: number;
}

export const DEFAULT_MULTI_PARAMS: MultiParams = {
  heartbeatTicks: 5,
  // A narrow range: followers that lost the leader time out within a tick or two of each other, so
  // concurrent candidacies (and, without node ids in ballots, two candidates at one ballot) come
  // up in every run that loses a leader, not once in many.
  electionTicksMin: 30,
  electionTicksMax: 32,
  retryTicks: 10,
  requestTimeoutTicks: 150,
  maxPendingRequests: 10_000,
  snapshotEvery: 1000,
  maxLearnEntries: 200,
  forwardMemoryTicks: 3000,
};

export interface MultiOptions {
  id: string;
  peers: readonly string[];
  variant: Variant;
  params: MultiParams;
  rng: CoreRng;
  restore: MultiDurable;
  /**
   * The first Forward id less one: different for each start of a node (the shell draws it at
   * random, the simulator counts boots), so a Forward or ForwardReply of an earlier incarnation
   * still in the network never matches one of this one. 0 unless set.
   */
  fidBase?: number;
}

/** Who is waiting for a slot's result: a local request, or a follower's forwarded one. */
interface Origin {
  node: string;
  id: number;
}

interface Proposal {
  v: SlotValue;
  accepts: Set<string>;
  sentTick: number;
}

export type Role = 'follower' | 'candidate' | 'leader';

export function emptyDurable(): MultiDurable {
  return { promised: null, accepted: [], snap: null };
}

export class MultiPaxosNode {
  readonly id: string;
  private readonly peers: readonly string[];
  private readonly variant: Variant;
  private readonly params: MultiParams;
  private readonly rng: CoreRng;

  // Acceptor (durable).
  private promised: Ballot | null;
  private readonly acc = new Map<number, { b: Ballot; v: SlotValue }>();
  // Learner and state machine.
  private readonly chosen = new Map<number, SlotValue>();
  private readonly kv = new KvStateMachine(false);
  private applied = 0;
  private snapIndex = 0;
  /** Chosen values are held for the slots above this one only. */
  private logBase = 0;

  // Proposer.
  private clock = 0;
  private ticks = 0;
  role: Role = 'follower';
  private ballot: Ballot | null = null;
  leader: string | null = null;
  private electionAt = 0;
  private promises = new Map<string, MultiMessage & { type: 'MPromise' }>();
  private readonly proposals = new Map<number, Proposal>();
  private nextSlot = 1;
  private noopSlot = 0;
  private lastHeartbeat = 0;
  private readonly lastAck = new Map<string, number>();
  private leaderSince = 0;

  // Requests.
  private readonly origins = new Map<number, Origin>();
  /** Local requests not answered yet, with their deadline. */
  private readonly local = new Map<number, number>();
  /** Requests waiting for a leader to be known. */
  private queued: { origin: Origin; op: LogOp }[] = [];
  private nextFid = 1;
  /** Requests this follower forwarded: fid → local reqId. */
  private readonly forwarded = new Map<number, number>();
  /** Forwards received (`from fid`) → the tick they came, oldest first: a copy is dropped. */
  private readonly forwardsSeen = new Map<string, number>();

  private rd: MultiReady = MultiPaxosNode.emptyReady();
  private selfReplies: MultiMessage[] = [];
  private handed: MultiMessage[] | null = null;
  readonly stats = { elections: 0, chosen: 0, snapshots: 0, stepDowns: 0 };

  private static emptyReady(): MultiReady {
    return { early: [], messages: [], persist: [], image: null, replies: [], applied: [] };
  }

  constructor(o: MultiOptions) {
    this.id = o.id;
    this.peers = o.peers.filter((p) => p !== o.id);
    this.variant = o.variant;
    this.params = o.params;
    this.rng = o.rng;
    this.nextFid = (o.fidBase ?? 0) + 1;
    this.promised = o.restore.promised;
    if (o.restore.snap !== null) {
      this.kv.restore(o.restore.snap.state);
      this.applied = this.snapIndex = this.logBase = o.restore.snap.upTo;
    }
    for (const [s, b, v] of o.restore.accepted) if (s > this.applied) this.acc.set(s, { b, v });
    this.clock = this.promised?.c ?? 0;
    for (const a of this.acc.values()) this.clock = Math.max(this.clock, a.b.c);
    this.resetElection();
  }

  private get quorum(): number {
    return Math.floor((this.peers.length + 1) / 2) + 1;
  }

  status(): Record<string, unknown> {
    const b = this.role === 'leader' || this.role === 'candidate' ? this.ballot : this.promised;
    return {
      role: this.role,
      mode: 'multi',
      term: b?.c ?? 0,
      ballot: ballotText(b),
      leader: this.role === 'leader' ? this.id : this.leader,
      applied: this.applied,
      snapshotIndex: this.snapIndex,
      acceptedSlots: this.acc.size,
      readable: this.role === 'leader' && this.applied >= this.noopSlot,
      ...this.stats,
    };
  }

  /** The value applied at each slot from `from` on that this node still holds (tests). */
  appliedIndex(): number {
    return this.applied;
  }

  /** A key's value in the applied state (tests and scenarios). */
  read(key: string): unknown {
    return this.kv.read(key);
  }

  /** The acceptor's accepted value at a slot (scenarios). */
  acceptedAt(slot: number): { b: Ballot; v: SlotValue } | null {
    return this.acc.get(slot) ?? null;
  }

  get promise(): Ballot | null {
    return this.promised;
  }

  // ------------------------------------------------------------------ inputs

  request(reqId: number, op: LogOp): void {
    if (this.local.size >= this.params.maxPendingRequests) {
      this.rd.replies.push({ reqId, body: { type: 'error', code: ERR.temporarilyUnavailable, text: 'too many requests queued' } });
      return;
    }
    if (this.variant === 'read-without-noop' && op.f === 'read' && this.role === 'leader') {
      // The broken shortcut: the leader's state may lack what an earlier leader chose, and this
      // node may no longer lead at all.
      this.rd.replies.push({ reqId, body: { type: 'read_ok', value: this.kv.read(op.key) } });
      return;
    }
    this.local.set(reqId, this.ticks + this.params.requestTimeoutTicks);
    this.route({ node: this.id, id: reqId }, op);
  }

  /** Forces an election now (scenarios). */
  campaign(): void {
    this.startElection();
  }

  tick(): void {
    this.ticks++;
    for (const [reqId, deadline] of [...this.local]) {
      if (this.ticks < deadline) continue;
      this.local.delete(reqId);
      this.rd.replies.push({ reqId, body: { type: 'error', code: ERR.timeout, text: 'no answer in time; the command may have been chosen' } });
    }
    this.queued = this.queued.filter((q) => q.origin.node !== this.id || this.local.has(q.origin.id));
    for (const [fid, reqId] of [...this.forwarded]) if (!this.local.has(reqId)) this.forwarded.delete(fid);
    for (const [k, at] of this.forwardsSeen) {
      if (this.ticks - at < this.params.forwardMemoryTicks) break;
      this.forwardsSeen.delete(k);
    }
    if (this.role === 'leader') {
      if (this.ticks - this.lastHeartbeat >= this.params.heartbeatTicks) this.heartbeat();
      for (const [slot, p] of this.proposals) if (this.ticks - p.sentTick >= this.params.retryTicks) this.sendAccept(slot, p, true);
      const acks = [...this.lastAck.values()].filter((t) => this.ticks - t < this.params.electionTicksMin).length;
      if (this.variant !== 'read-without-noop' && this.ticks - this.leaderSince >= this.params.electionTicksMin && acks + 1 < this.quorum) {
        this.stepDown(null, 'no majority acknowledged the heartbeats');
      }
    } else if (this.ticks >= this.electionAt) {
      this.startElection();
    }
  }

  step(m: MultiMessage): void {
    switch (m.type) {
      case 'MPrepare':
        return this.onPrepare(m);
      case 'MPromise':
        return this.onPromise(m);
      case 'MAccept':
        return this.onAccept(m);
      case 'MAccepted':
        return this.onAccepted(m);
      case 'Heartbeat':
        return this.onHeartbeat(m);
      case 'HeartbeatAck':
        return this.onHeartbeatAck(m);
      case 'Learn':
        return this.onLearn(m);
      case 'Forward':
        return this.onForward(m);
      case 'ForwardReply':
        return this.onForwardReply(m);
    }
  }

  hasReady(): boolean {
    const r = this.rd;
    return r.early.length + r.messages.length + r.persist.length + r.replies.length + this.selfReplies.length > 0 || r.image !== null;
  }

  ready(): MultiReady {
    const out = this.rd;
    this.handed = this.selfReplies;
    this.selfReplies = [];
    this.rd = MultiPaxosNode.emptyReady();
    return out;
  }

  advance(_rd?: MultiReady): void {
    const self = this.handed ?? [];
    this.handed = null;
    for (const m of self) this.step(m);
  }

  // ------------------------------------------------------------------ requests

  private route(origin: Origin, op: LogOp): void {
    if (this.role === 'leader') return this.propose(op, origin);
    if (this.leader !== null && this.leader !== this.id && origin.node === this.id) {
      const fid = this.nextFid++;
      this.forwarded.set(fid, origin.id);
      this.rd.early.push({ type: 'Forward', from: this.id, to: this.leader, fid, op });
      return;
    }
    if (origin.node !== this.id) {
      this.sendForwardReply(origin, { type: 'error', code: ERR.temporarilyUnavailable, text: 'not the leader' });
      return;
    }
    this.queued.push({ origin, op });
  }

  private flushQueued(): void {
    const q = this.queued;
    this.queued = [];
    for (const r of q) this.route(r.origin, r.op);
  }

  private onForward(m: MultiMessage & { type: 'Forward' }): void {
    // A copy of a Forward already received (whatever this node's role then or now): the first one
    // was proposed, or answered, and its sender relays one answer only.
    const seen = `${m.from} ${m.fid}`;
    if (this.forwardsSeen.has(seen)) return;
    this.forwardsSeen.set(seen, this.ticks);
    if (this.role !== 'leader') {
      this.sendForwardReply({ node: m.from, id: m.fid }, { type: 'error', code: ERR.temporarilyUnavailable, text: 'not the leader' });
      return;
    }
    if (this.variant === 'read-without-noop' && m.op.f === 'read') {
      this.sendForwardReply({ node: m.from, id: m.fid }, { type: 'read_ok', value: this.kv.read(m.op.key) });
      return;
    }
    this.propose(m.op, { node: m.from, id: m.fid });
  }

  private onForwardReply(m: MultiMessage & { type: 'ForwardReply' }): void {
    const reqId = this.forwarded.get(m.fid);
    if (reqId === undefined) return;
    this.forwarded.delete(m.fid);
    this.answer(reqId, m.body);
  }

  private answer(reqId: number, body: ReplyBody): void {
    if (!this.local.has(reqId)) return;
    this.local.delete(reqId);
    this.rd.replies.push({ reqId, body });
  }

  private sendForwardReply(o: Origin, body: ReplyBody): void {
    if (o.node === this.id) this.answer(o.id, body);
    else this.rd.early.push({ type: 'ForwardReply', from: this.id, to: o.node, fid: o.id, body });
  }

  // ------------------------------------------------------------------ proposer

  private resetElection(): void {
    this.electionAt = this.ticks + this.rng.int(this.params.electionTicksMin, this.params.electionTicksMax);
  }

  private newBallot(): Ballot {
    this.clock++;
    return { c: this.clock, n: this.variant === 'non-unique-ballot' ? '' : this.id };
  }

  private startElection(): void {
    this.stats.elections++;
    this.resetElection();
    this.leader = null;
    this.ballot = this.newBallot();
    this.proposals.clear();
    if (this.variant === 'single-phase') {
      // The broken shortcut: no phase 1, so nothing tells this node what the others accepted. It
      // re-proposes what its own acceptor holds (a no-op where it holds nothing) and goes on from
      // its own log end: a value a majority without it chose in a slot is overwritten.
      const top = Math.max(this.applied, ...this.acc.keys(), ...this.chosen.keys());
      const repropose: [number, SlotValue][] = [];
      for (let s = this.applied + 1; s <= top; s++) repropose.push([s, this.chosen.get(s) ?? this.acc.get(s)?.v ?? null]);
      this.becomeLeader(top + 1, repropose);
      return;
    }
    this.role = 'candidate';
    this.promises = new Map();
    const b = this.ballot;
    const fromSlot = this.applied + 1;
    // The Prepares leave only once this node's own promise of the ballot is durable: a restart
    // that forgot the ballot would take it again and propose other values under it.
    this.onPrepare({ type: 'MPrepare', from: this.id, to: this.id, b, fromSlot });
    for (const to of this.peers) this.rd.messages.push({ type: 'MPrepare', from: this.id, to, b, fromSlot });
  }

  private onPromise(m: MultiMessage & { type: 'MPromise' }): void {
    if (m.promised !== null) this.clock = Math.max(this.clock, m.promised.c);
    if (this.role !== 'candidate' || compareBallots(m.b, this.ballot) !== 0) return;
    if (!m.ok) {
      this.role = 'follower';
      this.resetElection();
      return;
    }
    this.promises.set(m.from, m);
    if (this.promises.size < this.quorum) return;
    // Phase 1 is won for every slot from fromSlot on. A promise past our applied index brings the
    // state that covers it; then every slot above is settled by the highest ballot accepted there.
    for (const p of this.promises.values()) if (p.snap !== null && p.snap.upTo > this.applied) this.install(p.snap);
    const best = new Map<number, { b: Ballot; v: SlotValue }>();
    for (const p of this.promises.values()) {
      for (const [s, b, v] of p.entries) {
        const had = best.get(s);
        if (s > this.applied && (had === undefined || compareBallots(b, had.b) > 0)) best.set(s, { b, v });
      }
    }
    const top = Math.max(this.applied, ...best.keys(), ...this.chosen.keys());
    const repropose: [number, SlotValue][] = [];
    for (let s = this.applied + 1; s <= top; s++) {
      if (this.chosen.has(s)) repropose.push([s, this.chosen.get(s)!]);
      // ignore-accepted-value: what the acceptors accepted is dropped, and the gap gets a no-op.
      else repropose.push([s, this.variant === 'ignore-accepted-value' ? null : (best.get(s)?.v ?? null)]);
    }
    this.becomeLeader(top + 1, repropose);
  }

  private becomeLeader(noopSlot: number, repropose: [number, SlotValue][]): void {
    this.role = 'leader';
    this.leader = this.id;
    this.leaderSince = this.ticks;
    this.lastAck.clear();
    // The slots are claimed before anything is proposed: proposing may apply and flush queued
    // requests, which must go after the no-op.
    this.noopSlot = noopSlot;
    this.nextSlot = noopSlot + 1;
    for (const [s, v] of repropose) this.addProposal(s, v);
    this.addProposal(noopSlot, null);
    this.heartbeat();
    this.flushQueued();
  }

  private propose(op: LogOp, origin: Origin): void {
    const slot = this.nextSlot++;
    this.origins.set(slot, origin);
    this.addProposal(slot, op);
  }

  private addProposal(slot: number, v: SlotValue): void {
    const p: Proposal = { v, accepts: new Set(), sentTick: this.ticks };
    this.proposals.set(slot, p);
    this.sendAccept(slot, p, false);
  }

  private sendAccept(slot: number, p: Proposal, again: boolean): void {
    const b = this.ballot!;
    p.sentTick = this.ticks;
    for (const to of this.peers) if (!p.accepts.has(to)) this.rd.early.push({ type: 'MAccept', from: this.id, to, b, slot, v: p.v, commit: this.applied });
    if (!again) this.onAccept({ type: 'MAccept', from: this.id, to: this.id, b, slot, v: p.v, commit: this.applied });
  }

  private onAccepted(m: MultiMessage & { type: 'MAccepted' }): void {
    if (m.promised !== null) this.clock = Math.max(this.clock, m.promised.c);
    if (this.role !== 'leader' || compareBallots(m.b, this.ballot) !== 0) return;
    if (!m.ok) return this.stepDown(null, `an acceptor promised ${ballotText(m.promised)}`);
    this.lastAck.set(m.from, this.ticks);
    const p = this.proposals.get(m.slot);
    if (p === undefined) return;
    p.accepts.add(m.from);
    if (p.accepts.size < this.quorum) return;
    this.proposals.delete(m.slot);
    this.stats.chosen++;
    this.learn(m.slot, p.v);
  }

  private heartbeat(): void {
    this.lastHeartbeat = this.ticks;
    for (const to of this.peers) this.rd.early.push({ type: 'Heartbeat', from: this.id, to, b: this.ballot!, commit: this.applied });
  }

  private onHeartbeatAck(m: MultiMessage & { type: 'HeartbeatAck' }): void {
    if (m.promised !== null) this.clock = Math.max(this.clock, m.promised.c);
    if (this.role !== 'leader' || compareBallots(m.b, this.ballot) !== 0) return;
    if (!m.ok) return this.stepDown(null, `an acceptor promised ${ballotText(m.promised)}`);
    this.lastAck.set(m.from, this.ticks);
    if (m.applied >= this.applied) return;
    // The follower is behind: the chosen values it lacks, or the applied state when they were compacted.
    const entries: [number, SlotValue][] = [];
    let snap: AppliedState | null = null;
    let from = m.applied + 1;
    if (from <= this.logBase) {
      snap = { upTo: this.applied, state: this.kv.snapshot() };
      from = this.applied + 1;
    }
    for (let s = from; s <= this.applied && entries.length < this.params.maxLearnEntries; s++) {
      if (this.chosen.has(s)) entries.push([s, this.chosen.get(s)!]);
    }
    this.rd.early.push({ type: 'Learn', from: this.id, to: m.from, b: this.ballot!, entries, snap });
  }

  private stepDown(leader: string | null, why: string): void {
    void why;
    if (this.role === 'leader') {
      this.stats.stepDowns++;
      // The proposals in flight may yet be chosen by the next leader: their outcome is unknown.
      for (const [slot, o] of this.origins) {
        if (slot <= this.applied) continue;
        this.sendForwardReply(o, { type: 'error', code: ERR.timeout, text: 'the leader changed; the command may have been chosen' });
      }
      this.origins.clear();
      this.proposals.clear();
    }
    this.role = 'follower';
    this.leader = leader;
    this.resetElection();
  }

  // ------------------------------------------------------------------ acceptor

  private persist(r: MultiRecord): void {
    if (this.variant !== 'volatile-acceptor') this.rd.persist.push(r);
  }

  private reply(m: MultiMessage): void {
    if (m.to === this.id) this.selfReplies.push(m);
    else if (this.variant === 'volatile-acceptor') this.rd.early.push(m);
    else this.rd.messages.push(m);
  }

  /** A message at ballot `b` from its proposer: follow it when the ballot is not below our promise. */
  /**
   * A peer's message at this candidate's or leader's own ballot. Ballots carry the node id, so
   * only non-unique-ballot's two proposers can share one: neither yields to the other (yielding
   * would hide the two leaders), and a higher ballot is what makes a node step down.
   */
  private atOwnBallot(b: Ballot): boolean {
    return this.role !== 'follower' && compareBallots(b, this.ballot) === 0;
  }

  private follow(b: Ballot, from: string): void {
    this.clock = Math.max(this.clock, b.c);
    if (from === this.id || this.atOwnBallot(b)) return;
    if (this.role !== 'follower' || this.leader !== from) this.stepDown(from, `ballot ${ballotText(b)} of ${from}`);
    this.leader = from;
    this.resetElection();
    this.flushQueued();
  }

  private onPrepare(m: MultiMessage & { type: 'MPrepare' }): void {
    this.clock = Math.max(this.clock, m.b.c);
    // Not below the promise: a proposer may send its Prepare again. Ballots are unique (they carry
    // the node id), so an equal one is the same proposer's; non-unique-ballot breaks exactly that.
    const ok = compareBallots(m.b, this.promised) >= 0;
    if (ok) {
      if (compareBallots(m.b, this.promised) > 0) this.persist({ p: m.b });
      this.promised = m.b;
      if (m.from !== this.id && !this.atOwnBallot(m.b)) {
        if (this.role !== 'follower') this.stepDown(null, `prepare at ${ballotText(m.b)}`);
        this.leader = null;
        this.resetElection();
      }
    }
    const entries: AcceptedEntry[] = [];
    if (ok) for (const [s, a] of this.acc) if (s >= m.fromSlot) entries.push([s, a.b, a.v]);
    const snap = ok && this.applied >= m.fromSlot ? { upTo: this.applied, state: this.kv.snapshot() } : null;
    this.reply({ type: 'MPromise', from: this.id, to: m.from, b: m.b, ok, promised: this.promised, entries, snap });
  }

  private onAccept(m: MultiMessage & { type: 'MAccept' }): void {
    const ok = compareBallots(m.b, this.promised) >= 0;
    if (ok) {
      if (compareBallots(m.b, this.promised) > 0) this.promised = m.b;
      this.follow(m.b, m.from);
      if (m.slot > this.applied) {
        this.acc.set(m.slot, { b: m.b, v: m.v });
        this.persist({ p: m.b, a: [[m.slot, m.b, m.v]] });
      }
      this.learnCommit(m.b, m.commit);
    }
    this.reply({ type: 'MAccepted', from: this.id, to: m.from, b: m.b, slot: m.slot, ok, promised: this.promised });
  }

  private onHeartbeat(m: MultiMessage & { type: 'Heartbeat' }): void {
    const ok = compareBallots(m.b, this.promised) >= 0;
    if (ok) {
      this.follow(m.b, m.from);
      this.learnCommit(m.b, m.commit);
    } else {
      this.clock = Math.max(this.clock, m.b.c);
    }
    // An ack promises nothing about the disk: it may leave at once.
    this.rd.early.push({ type: 'HeartbeatAck', from: this.id, to: m.from, b: m.b, ok, promised: this.promised, applied: this.applied });
  }

  private onLearn(m: MultiMessage & { type: 'Learn' }): void {
    if (compareBallots(m.b, this.promised) < 0) return;
    if (m.snap !== null && m.snap.upTo > this.applied) this.install(m.snap);
    for (const [s, v] of m.entries) this.learn(s, v);
  }

  // ------------------------------------------------------------------ learner

  /** Slots up to `commit` are chosen; the value we accepted at the leader's ballot `b` is the one. */
  private learnCommit(b: Ballot, commit: number): void {
    for (const [s, a] of this.acc) if (s > this.applied && s <= commit && compareBallots(a.b, b) === 0 && !this.chosen.has(s)) this.chosen.set(s, a.v);
    this.applyChosen();
  }

  private learn(slot: number, v: SlotValue): void {
    if (slot <= this.applied) return;
    this.chosen.set(slot, v);
    this.applyChosen();
  }

  private install(snap: AppliedState): void {
    this.kv.restore(snap.state);
    for (let s = this.applied + 1; s <= snap.upTo; s++) {
      this.chosen.delete(s);
      this.answerSlot(s, { type: 'error', code: ERR.timeout, text: 'the slot was covered by a snapshot' });
    }
    this.applied = snap.upTo;
    // The chosen values below are no longer held here: a follower that lacks them gets the state.
    this.logBase = snap.upTo;
    this.applyChosen();
  }

  private applyChosen(): void {
    while (this.chosen.has(this.applied + 1)) {
      const s = ++this.applied;
      const v = this.chosen.get(s)!;
      this.rd.applied.push([s, v]);
      const result = v === null ? null : this.execute(v);
      if (result !== null) this.answerSlot(s, result);
    }
    if (this.role === 'leader' && this.applied >= this.noopSlot) this.flushQueued();
    if (this.applied - this.snapIndex >= this.params.snapshotEvery) this.snapshot();
  }

  private answerSlot(slot: number, body: ReplyBody): void {
    const o = this.origins.get(slot);
    if (o === undefined) return;
    this.origins.delete(slot);
    this.sendForwardReply(o, body);
  }

  private execute(op: LogOp): ReplyBody {
    if (op.f === 'read') return { type: 'read_ok', value: this.kv.read(op.key) };
    const cmd: Command = { client: '', seq: 0, attempt: 0, minPending: 0, op };
    const r: ApplyResult = this.kv.apply(cmd);
    return r as ReplyBody;
  }

  /** Low-Water Mark: the applied state replaces every slot up to the applied index. */
  private snapshot(): void {
    this.stats.snapshots++;
    this.snapIndex = this.logBase = this.applied;
    for (const s of [...this.acc.keys()]) if (s <= this.applied) this.acc.delete(s);
    for (const s of [...this.chosen.keys()]) if (s <= this.applied) this.chosen.delete(s);
    if (this.variant === 'volatile-acceptor') return;
    this.rd.image = {
      promised: this.promised,
      accepted: [...this.acc].map(([s, a]) => [s, a.b, a.v]),
      snap: { upTo: this.applied, state: this.kv.snapshot() },
    };
    this.rd.persist = [];
  }
}
