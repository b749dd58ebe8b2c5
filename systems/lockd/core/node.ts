/**
 * A lockd node's core: the Raft core (systems/raftkv/core/raft.ts) with lockd's state machine
 * plugged in (a Consistent Core), plus what a node does outside the log:
 *
 * - the leader's lease expiry (leases.ts), which proposes a `revoke` for every lease it measures
 *   expired, so the end of a lease is an entry every node applies at the same point;
 * - watch polls, answered from this node's applied state once it has applied the Raft core's read
 *   index (a follower answers too, as for a read: its events are a prefix of the leader's, in the
 *   same order, and reach at least every change committed before the poll arrived);
 * - key reads (`get`), through the Raft core's read index.
 *
 * Driven like the Raft core (`step`, `tick`, `request`, then `ready`/`advance`), so the same code
 * runs in the process shell (../main.ts) and in the deterministic simulator (../sim.ts).
 */
import { ErrorCode } from '../../../workloads/wire/errors.js';
import type { ApplyResult } from '../../lib/state-machine.js';
import { RaftNode, type RaftOptions } from '../../raftkv/core/raft.js';
import type { PeerMessage, Ready } from '../../raftkv/core/types.js';
import { LeaseExpiry } from './leases.js';
import { LockdMachine } from './machine.js';
import { DEFAULT_LOCKD_PARAMS, type LockdParams, type LockdVariant, type LockOp } from './types.js';

/** A client request as lockd's shell decodes it (keys are strings here). */
export type LockdRequest =
  | { type: 'grant'; ttlMs: number }
  | { type: 'keepalive'; lease: string }
  | { type: 'revoke'; lease: string }
  | { type: 'acquire'; lock: string; lease: string }
  | { type: 'release'; lock: string; lease: string; token: number }
  | { type: 'put'; key: string; value: unknown; lease: string | null }
  | { type: 'delete'; key: string }
  | { type: 'get'; key: string }
  | { type: 'watch'; prefix: string; from: number; resume: boolean };

/** How a lockd node is built: the Raft core's options without its state machine, and lockd's own. */
export interface LockdOptions extends Omit<RaftOptions, 'stateMachine' | 'opOf' | 'variant'> {
  lockdVariant: LockdVariant;
  lockdParams?: Partial<LockdParams>;
}

type Body = Record<string, unknown> & { type: string };
type WatchRequest = Extract<LockdRequest, { type: 'watch' }>;

export class LockdNode {
  readonly raft: RaftNode;
  readonly machine: LockdMachine;
  readonly variant: LockdVariant;
  readonly params: LockdParams;
  private readonly expiry: LeaseExpiry;
  private readonly clock: RaftOptions['clock'];
  /** Replies made here (watches, refusals), handed out with the core's in the next ready. */
  private replies: { reqId: number; body: Body }[] = [];
  /** Request ids of this node's own proposals (revokes of expired leases) and reads: below zero. */
  private nextInternal = -1;
  /** Watch polls waiting for their read index, by the id of the read. */
  private readonly watchReads = new Map<number, { reqId: number; req: WatchRequest }>();
  /** Leases revoked for expiry so far (for status and tests). */
  revokedExpired = 0;

  constructor(o: LockdOptions) {
    this.variant = o.lockdVariant;
    this.params = { ...DEFAULT_LOCKD_PARAMS, ...(o.lockdParams ?? {}) };
    this.machine = new LockdMachine(this.params.watchHistoryMax);
    this.clock = o.clock;
    this.raft = new RaftNode({ ...o, variant: 'correct', stateMachine: this.machine });
    this.expiry = new LeaseExpiry(o.clock, this.variant === 'lease-expiry-wallclock', this.params.revokeRetryMs);
  }

  get id(): string {
    return this.raft.id;
  }

  step(m: PeerMessage): void {
    this.raft.step(m);
  }

  tick(): void {
    this.raft.tick();
    for (const lease of this.expiry.due(this.raft.currentRole === 'leader', this.machine.leaseTable())) {
      this.revokedExpired++;
      this.propose(this.nextInternal--, { f: 'revoke', lease, expired: true });
    }
  }

  /** A client request; its reply comes in a later `ready().replies` under `reqId`. */
  request(reqId: number, req: LockdRequest): void {
    const wallMs = this.clock.wallMs();
    switch (req.type) {
      case 'grant':
        if (req.ttlMs < this.params.ttlMsMin || req.ttlMs > this.params.ttlMsMax) {
          this.reply(reqId, { type: 'error', code: ErrorCode.malformedRequest, text: `ttl_ms must be within ${this.params.ttlMsMin}..${this.params.ttlMsMax}` });
          return;
        }
        this.propose(reqId, { f: 'grant', ttlMs: req.ttlMs, wallMs });
        return;
      case 'keepalive':
        this.propose(reqId, { f: 'keepalive', lease: req.lease, wallMs });
        return;
      case 'revoke':
        this.propose(reqId, { f: 'revoke', lease: req.lease, expired: false });
        return;
      case 'acquire':
        this.propose(reqId, { f: 'acquire', lock: req.lock, lease: req.lease });
        return;
      case 'release':
        this.propose(reqId, { f: 'release', lock: req.lock, lease: req.lease, token: req.token });
        return;
      case 'put':
        this.propose(reqId, { f: 'put', key: req.key, value: req.value, lease: req.lease });
        return;
      case 'delete':
        this.propose(reqId, { f: 'delete', key: req.key });
        return;
      case 'get':
        this.raft.request(reqId, { type: 'read', key: req.key });
        return;
      case 'watch':
        this.watch(reqId, req);
        return;
    }
  }

  /**
   * A watch poll waits for the Raft core's read index (a read of the prefix, whose answer comes
   * once this node has applied every entry committed when the poll arrived), then answers from
   * the applied state (`answerWatch`). Answered at once, a node cut off from the leader would
   * serve an old state: its poll would be complete only up to an index the rest of the cluster
   * left behind, and a reconnect it answers would show nothing of what the watcher missed.
   */
  private watch(reqId: number, req: WatchRequest): void {
    const readId = this.nextInternal--;
    this.watchReads.set(readId, { reqId, req });
    this.raft.request(readId, { type: 'read', key: req.prefix });
  }

  /**
   * A watch poll: the events of the prefix from `from` on, from this node's applied state. A
   * reconnecting watch (`resume`) resumes from the index it asks for; the `watch-no-resume-index`
   * variant starts it from the newest state instead, as a watch opened without an index would,
   * and the events in between are lost to it.
   */
  private answerWatch(reqId: number, req: WatchRequest): void {
    const from = req.resume && this.variant === 'watch-no-resume-index' ? Math.max(req.from, this.machine.applied + 1) : req.from;
    const a = this.machine.watch(req.prefix, from, this.params.watchBatchMax);
    if (!a.ok) {
      this.reply(reqId, {
        type: 'error', code: ErrorCode.preconditionFailed, compacted_to: a.compactedTo,
        text: `watch from index ${req.from}: events up to ${a.compactedTo} were compacted; read the keys and watch from ${a.compactedTo + 1}`,
      });
      return;
    }
    this.reply(reqId, { type: 'watch_ok', from, events: a.events, up_to: a.upTo });
  }

  private propose(reqId: number, op: LockOp): void {
    this.raft.propose(reqId, op);
  }

  private reply(reqId: number, body: Body): void {
    this.replies.push({ reqId, body });
  }

  hasReady(): boolean {
    return this.replies.length > 0 || this.raft.hasReady();
  }

  ready(): Ready {
    const rd = this.raft.ready();
    for (const e of rd.applied) {
      if (e.cmd === null) continue;
      const op = e.cmd.op as LockOp;
      const l = op.f === 'grant' ? `L${e.index}` : op.f === 'keepalive' ? op.lease : null;
      const rec = l === null ? undefined : this.machine.leaseTable().get(l);
      if (l !== null && rec !== undefined) this.expiry.renewed(l, rec.ttlMs);
      if (op.f === 'revoke') this.expiry.ended(op.lease);
    }
    for (const r of rd.replies) {
      const w = this.watchReads.get(r.reqId);
      if (w === undefined) continue;
      this.watchReads.delete(r.reqId);
      // The read index is applied: the poll is answered from this state; a failed read fails it.
      if (r.body.type === 'read_ok') this.answerWatch(w.reqId, w.req);
      else this.reply(w.reqId, r.body);
    }
    rd.replies = [...rd.replies.filter((r) => r.reqId > 0), ...this.replies];
    this.replies = [];
    return rd;
  }

  advance(): void {
    this.raft.advance();
  }

  status(): Omit<ReturnType<RaftNode['status']>, 'variant'> & { variant: LockdVariant; leases: number; revokedExpired: number } {
    return { ...this.raft.status(), variant: this.variant, leases: this.machine.leaseTable().size, revokedExpired: this.revokedExpired };
  }
}

/** A reply body of the core, as the shell passes it on. */
export type LockdReply = ApplyResult;
