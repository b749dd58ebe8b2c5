/**
 * The pure protocol core of paxoskv: one register per key, each changed by rounds of single-decree
 * Paxos that apply a change function to the adopted value (CASPaxos, Rystsov 2018). No sockets,
 * timers, disk or clock: inputs (`step`, `tick`, `request`) change memory, `ready()` says what to
 * write and send, `advance()` says it was done (etcd raft's Ready/Advance model, so the shared
 * simulator of systems/lib/sim drives the same code as the real process).
 *
 * - Proposer: a request takes a ballot from the Generation Clock (counter, node id), sends Prepare
 *   to every acceptor (itself included), adopts the accepted value of the highest ballot among a
 *   majority of Promises, applies the change, sends Accept, and answers once a majority accepted.
 *   A rejection carries the acceptor's promise: the proposer's clock jumps past it and retries
 *   after a seeded, jittered backoff (dueling proposers). One round per key at a time per node.
 * - Acceptor: promises a ballot not lower than its promise, accepts one not lower than its
 *   promise. Its state changes are WAL records in `ready().persist`; its replies leave in
 *   `ready().messages`, after the records are durable. The proposer's own acceptor answers it in
 *   `advance()`, also after the write.
 */
import { BatchReadyCore } from '../../lib/batch-core.js';

export type Variant = 'correct' | 'ignore-accepted-value' | 'non-unique-ballot' | 'volatile-acceptor' | 'single-phase' | 'read-without-noop';

export const PAXOSKV_VARIANTS: readonly Variant[] = ['correct', 'ignore-accepted-value', 'non-unique-ballot', 'volatile-acceptor', 'single-phase', 'read-without-noop'];

/** Variants that exist in Multi-Paxos mode only (a CAS round has no leader and no no-op). */
export const MULTI_ONLY_VARIANTS: readonly Variant[] = ['read-without-noop'];

/** A ballot: Generation Clock counter, made unique by the proposer's id. */
export interface Ballot {
  c: number;
  n: string;
}

/** An acceptor's durable state for one key. */
export interface AcceptorSlot {
  promised: Ballot | null;
  accepted: { b: Ballot; v: unknown } | null;
}

/** One WAL record: the new state of one key's acceptor. */
export interface AcceptorRecord {
  k: string;
  s: AcceptorSlot;
}

export type PeerMessage =
  | { type: 'Prepare'; from: string; to: string; key: string; b: Ballot; rid: number }
  | { type: 'Promise'; from: string; to: string; key: string; b: Ballot; rid: number; ok: boolean; promised: Ballot | null; accepted: AcceptorSlot['accepted'] }
  | { type: 'Accept'; from: string; to: string; key: string; b: Ballot; v: unknown; rid: number }
  | { type: 'Accepted'; from: string; to: string; key: string; b: Ballot; rid: number; ok: boolean; promised: Ballot | null };

export const MESSAGE_TYPES = ['Prepare', 'Promise', 'Accept', 'Accepted'] as const;

export type ClientRequest =
  | { type: 'read'; key: string }
  | { type: 'write'; key: string; value: unknown }
  | { type: 'cas'; key: string; from: unknown; to: unknown };

export type ReplyBody = { type: string; [field: string]: unknown };

export interface Reply {
  reqId: number;
  body: ReplyBody;
}

export interface Ready {
  /** Messages that promise nothing about this node's disk (Prepare, Accept; a volatile acceptor's replies). */
  early: PeerMessage[];
  /** Acceptor replies: they leave only once `persist` is durable. */
  messages: PeerMessage[];
  persist: AcceptorRecord[];
  replies: Reply[];
}

export interface PaxosParams {
  /** Ticks a round waits for a majority before it starts again with a higher ballot. */
  roundTimeoutTicks: number;
  /** Most ticks of the random backoff before a retry (at least 1). */
  backoffMaxTicks: number;
  /** Ticks after which a request is answered with a timeout (indefinite). */
  requestTimeoutTicks: number;
  /** Most requests queued at a node. */
  maxPendingRequests: number;
}

export const DEFAULT_PARAMS: PaxosParams = { roundTimeoutTicks: 20, backoffMaxTicks: 6, requestTimeoutTicks: 150, maxPendingRequests: 10_000 };

/** Error codes of the client protocol used here (workloads/wire/errors.ts). */
export const ERR = { timeout: 0, temporarilyUnavailable: 11, preconditionFailed: 22, keyDoesNotExist: 20 } as const;

/** Seeded randomness the core draws from (systems/lib/rng.ts satisfies it). */
export interface CoreRng {
  int(min: number, max: number): number;
}

export function compareBallots(a: Ballot | null, b: Ballot | null): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : -1) : 1;
  if (a.c !== b.c) return a.c - b.c;
  return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
}

export function ballotText(b: Ballot | null): string {
  return b === null ? '-' : `${b.c}.${b.n || '?'}`;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

interface Pending {
  reqId: number;
  req: ClientRequest;
  deadline: number;
}

interface Round {
  rid: number;
  key: string;
  p: Pending;
  b: Ballot;
  phase: 'prepare' | 'accept';
  promises: Map<string, AcceptorSlot['accepted']>;
  accepts: Set<string>;
  /** The value proposed in phase 2, and what the client is answered once it is chosen. */
  value: unknown;
  answer: ReplyBody | null;
  startedTick: number;
}

export interface PaxosOptions {
  id: string;
  peers: readonly string[];
  variant: Variant;
  params: PaxosParams;
  rng: CoreRng;
  /** The acceptor state recovered from the WAL. */
  restore: Map<string, AcceptorSlot>;
}

export class PaxosNode extends BatchReadyCore<PeerMessage, AcceptorRecord> {
  readonly id: string;
  private readonly peers: readonly string[];
  private readonly variant: Variant;
  private readonly params: PaxosParams;
  private readonly rng: CoreRng;
  private readonly acceptor: Map<string, AcceptorSlot>;
  /** Generation Clock: the highest ballot counter this node has seen. */
  private clock = 0;
  private ticks = 0;
  private nextRid = 1;
  private readonly queues = new Map<string, Pending[]>();
  private readonly rounds = new Map<string, Round>();
  /** Keys whose next round waits for a backoff to end (tick number). */
  private readonly backoff = new Map<string, number>();
  /** single-phase: keys on which this node already ran a full round, and the last value it saw. */
  private readonly seen = new Map<string, unknown>();
  private pendingCount = 0;
  readonly stats = { rounds: 0, chosen: 0, conflicts: 0, timeouts: 0 };

  constructor(o: PaxosOptions) {
    super();
    this.id = o.id;
    this.peers = o.peers.filter((p) => p !== o.id);
    this.variant = o.variant;
    this.params = o.params;
    this.rng = o.rng;
    this.acceptor = o.restore;
    for (const s of this.acceptor.values()) this.clock = Math.max(this.clock, s.promised?.c ?? 0, s.accepted?.b.c ?? 0);
  }

  private get quorum(): number {
    return Math.floor((this.peers.length + 1) / 2) + 1;
  }

  /** The acceptor's state of `key` (a copy). */
  slot(key: string): AcceptorSlot {
    const s = this.acceptor.get(key);
    return s === undefined ? { promised: null, accepted: null } : { promised: s.promised, accepted: s.accepted };
  }

  get keys(): string[] {
    return [...this.acceptor.keys()];
  }

  status(): Record<string, unknown> {
    return { role: 'proposer', mode: 'cas', clock: this.clock, keys: this.acceptor.size, inflight: this.rounds.size, pending: this.pendingCount, ...this.stats };
  }

  // ------------------------------------------------------------------ inputs

  request(reqId: number, req: ClientRequest): void {
    if (this.pendingCount >= this.params.maxPendingRequests) {
      this.rd.replies.push({ reqId, body: { type: 'error', code: ERR.temporarilyUnavailable, text: 'too many requests queued' } });
      return;
    }
    const q = this.queues.get(req.key) ?? [];
    q.push({ reqId, req, deadline: this.ticks + this.params.requestTimeoutTicks });
    this.queues.set(req.key, q);
    this.pendingCount++;
    this.startNext(req.key);
  }

  tick(): void {
    this.ticks++;
    for (const r of [...this.rounds.values()]) {
      if (this.ticks >= r.p.deadline) {
        this.finish(r, { type: 'error', code: ERR.timeout, text: 'no majority in time' });
        this.stats.timeouts++;
      } else if (this.ticks - r.startedTick >= this.params.roundTimeoutTicks) {
        this.retry(r, null);
      }
    }
    for (const [key, until] of [...this.backoff]) {
      if (this.ticks >= until) {
        this.backoff.delete(key);
        this.startNext(key);
      }
    }
    for (const [key, q] of this.queues) {
      // Requests still queued past their deadline: answered with a timeout (a retried one may
      // have had a value accepted by some acceptors, so the outcome is indefinite).
      const keep = q.filter((p) => this.ticks < p.deadline);
      for (const p of q) if (this.ticks >= p.deadline) this.rd.replies.push({ reqId: p.reqId, body: { type: 'error', code: ERR.timeout, text: 'no majority in time' } });
      this.pendingCount -= q.length - keep.length;
      if (keep.length === 0) this.queues.delete(key);
      else this.queues.set(key, keep);
    }
  }

  step(m: PeerMessage): void {
    switch (m.type) {
      case 'Prepare':
        return this.onPrepare(m);
      case 'Accept':
        return this.onAccept(m);
      case 'Promise':
        return this.onPromise(m);
      case 'Accepted':
        return this.onAccepted(m);
    }
  }

  // ------------------------------------------------------------------ proposer

  private newBallot(): Ballot {
    this.clock++;
    return { c: this.clock, n: this.variant === 'non-unique-ballot' ? '' : this.id };
  }

  private startNext(key: string): void {
    if (this.rounds.has(key) || this.backoff.has(key)) return;
    const q = this.queues.get(key);
    if (q === undefined || q.length === 0) return;
    const p = q.shift()!;
    if (q.length === 0) this.queues.delete(key);
    const r: Round = {
      rid: this.nextRid++, key, p, b: this.newBallot(), phase: 'prepare', promises: new Map(), accepts: new Set(),
      value: null, answer: null, startedTick: this.ticks,
    };
    this.rounds.set(key, r);
    this.stats.rounds++;
    if (this.variant === 'single-phase' && this.seen.has(key)) {
      // The broken shortcut: a fresh ballot straight to phase 2, from what this node saw last.
      this.propose(r, this.seen.get(key));
      return;
    }
    // The Prepares leave once this node's own promise of the ballot is durable: a node killed
    // before that restarts with a counter below the ballot and could draw it again for another
    // round (two rounds of one proposer at one ballot may get different values accepted).
    this.broadcast(r, (to) => ({ type: 'Prepare', from: this.id, to, key, b: r.b, rid: r.rid }), 'after-sync');
  }

  private broadcast(r: Round, make: (to: string) => PeerMessage, when: 'now' | 'after-sync' = 'now'): void {
    const out = when === 'now' || this.variant === 'volatile-acceptor' ? this.rd.early : this.rd.messages;
    for (const to of this.peers) out.push(make(to));
    // The proposer's own acceptor: its answer is counted once its write is durable (advance).
    this.step(make(this.id));
  }

  /** Applies the request's change function to the adopted value and sends Accept. */
  private propose(r: Round, current: unknown): void {
    const req = r.p.req;
    let value: unknown = current ?? null;
    let answer: ReplyBody;
    switch (req.type) {
      case 'read':
        answer = { type: 'read_ok', value };
        break;
      case 'write':
        value = req.value;
        answer = { type: 'write_ok' };
        break;
      case 'cas':
        if (value === null) answer = { type: 'error', code: ERR.keyDoesNotExist, text: 'key does not exist' };
        else if (!sameValue(value, req.from)) answer = { type: 'error', code: ERR.preconditionFailed, text: `expected ${JSON.stringify(req.from)}, have ${JSON.stringify(value)}` };
        else {
          value = req.to;
          answer = { type: 'cas_ok' };
        }
        break;
    }
    r.phase = 'accept';
    r.value = value;
    r.answer = answer;
    this.broadcast(r, (to) => ({ type: 'Accept', from: this.id, to, key: r.key, b: r.b, v: value, rid: r.rid }));
  }

  private onPromise(m: Extract<PeerMessage, { type: 'Promise' }>): void {
    if (m.promised !== null) this.clock = Math.max(this.clock, m.promised.c);
    const r = this.rounds.get(m.key);
    if (r === undefined || r.rid !== m.rid || compareBallots(r.b, m.b) !== 0 || m.to !== this.id || r.phase !== 'prepare') return;
    if (!m.ok) return this.retry(r, m.promised);
    r.promises.set(m.from, m.accepted);
    if (r.promises.size < this.quorum) return;
    let best: AcceptorSlot['accepted'] = null;
    for (const a of r.promises.values()) if (a !== null && (best === null || compareBallots(a.b, best.b) > 0)) best = a;
    // ignore-accepted-value: the promises' values are dropped and the node's own view is used.
    const current = this.variant === 'ignore-accepted-value' ? this.seen.get(r.key) ?? null : best?.v ?? null;
    this.propose(r, current);
  }

  private onAccepted(m: Extract<PeerMessage, { type: 'Accepted' }>): void {
    if (m.promised !== null) this.clock = Math.max(this.clock, m.promised.c);
    const r = this.rounds.get(m.key);
    if (r === undefined || r.rid !== m.rid || compareBallots(r.b, m.b) !== 0 || m.to !== this.id || r.phase !== 'accept') return;
    if (!m.ok) return this.retry(r, m.promised);
    r.accepts.add(m.from);
    if (r.accepts.size < this.quorum) return;
    this.stats.chosen++;
    this.seen.set(r.key, r.value);
    this.finish(r, r.answer!);
  }

  private finish(r: Round, body: ReplyBody): void {
    this.rounds.delete(r.key);
    this.pendingCount--;
    this.rd.replies.push({ reqId: r.p.reqId, body });
    this.startNext(r.key);
  }

  /** The round lost to a higher ballot (or timed out): back off with jitter, then start it again. */
  private retry(r: Round, promised: Ballot | null): void {
    if (promised !== null) this.clock = Math.max(this.clock, promised.c);
    this.stats.conflicts++;
    if (r.phase === 'accept' && r.p.req.type !== 'read') {
      // Some acceptors may hold the value, and a later round may adopt it: the change may yet
      // take effect, so running it again could apply it twice. The outcome is indefinite.
      this.seen.delete(r.key);
      this.backoff.set(r.key, this.ticks + this.rng.int(1, Math.max(1, this.params.backoffMaxTicks)));
      this.finish(r, { type: 'error', code: ERR.timeout, text: 'lost the accept phase to a higher ballot; the change may have taken effect' });
      return;
    }
    this.rounds.delete(r.key);
    this.seen.delete(r.key);
    const q = this.queues.get(r.key) ?? [];
    q.unshift(r.p);
    this.queues.set(r.key, q);
    this.backoff.set(r.key, this.ticks + this.rng.int(1, Math.max(1, this.params.backoffMaxTicks)));
  }

  // ------------------------------------------------------------------ acceptor

  private write(key: string, s: AcceptorSlot): void {
    this.acceptor.set(key, s);
    if (this.variant !== 'volatile-acceptor') this.rd.persist.push({ k: key, s });
  }

  private reply(m: PeerMessage): void {
    if (m.to === this.id) this.selfReplies.push(m);
    else if (this.variant === 'volatile-acceptor') this.rd.early.push(m);
    else this.rd.messages.push(m);
  }

  private onPrepare(m: Extract<PeerMessage, { type: 'Prepare' }>): void {
    const s = this.slot(m.key);
    this.clock = Math.max(this.clock, m.b.c);
    const ok = compareBallots(m.b, s.promised) >= 0 && compareBallots(m.b, s.accepted?.b ?? null) >= 0;
    if (ok && compareBallots(m.b, s.promised) > 0) this.write(m.key, { promised: m.b, accepted: s.accepted });
    this.reply({ type: 'Promise', from: this.id, to: m.from, key: m.key, b: m.b, rid: m.rid, ok, promised: ok ? m.b : s.promised, accepted: s.accepted });
  }

  private onAccept(m: Extract<PeerMessage, { type: 'Accept' }>): void {
    const s = this.slot(m.key);
    this.clock = Math.max(this.clock, m.b.c);
    const ok = compareBallots(m.b, s.promised) >= 0;
    if (ok) this.write(m.key, { promised: m.b, accepted: { b: m.b, v: m.v } });
    this.reply({ type: 'Accepted', from: this.id, to: m.from, key: m.key, b: m.b, rid: m.rid, ok, promised: ok ? m.b : s.promised });
  }
}
