/**
 * The read paths of a node (etcd raft's readOnly, plus what raft.go decides around it): single-key
 * reads are not logged, so each is served from the applied state once that state is known to be
 * recent enough.
 * - At the leader, lease or read index: with a valid lease (lease.ts) the commit index is the read
 *   index at once; otherwise it is taken now and holds once a quorum acknowledges the next
 *   heartbeat round. A new leader waits for its no-op entry to commit first (Raft §6.4).
 * - Follower Reads: a follower batches its clients' reads into one `ReadIndex` request to the
 *   leader and serves them when it has applied the index the leader answers; read-your-writes
 *   (`consistency: 'ryw'`) needs no leader, only the client's `minIndex` applied.
 * - Request Waiting List: reads wait here with their start tick, and time out or are asked again.
 */
import type { Lease } from './lease.js';
import type { ClientRequest, PeerMessage, RaftParams, Variant } from './types.js';
import { ERR } from './types.js';

/** What the read paths see of the node that owns them (its state changes under them). */
export interface ReadHost {
  readonly id: string;
  readonly variant: Variant;
  readonly params: RaftParams;
  readonly lease: Lease;
  ticks(): number;
  isLeader(): boolean;
  leaderId(): string | null;
  term(): number;
  commitIndex(): number;
  appliedIndex(): number;
  /** Whether the entry at the commit index is of the current term (the no-op committed). */
  committedInTerm(): boolean;
  /** The heartbeat round sent last. */
  round(): number;
  send(m: PeerMessage): void;
  reply(reqId: number, body: Record<string, unknown> & { type: string }): void;
  readValue(key: string): unknown;
}

interface ReadWaiter {
  reqId: number;
  key: string;
  index: number;
  startTick: number;
}

/** A read whose read index is not known yet: local (a client of this node) or a follower's. */
type ReadIndexReq =
  | { kind: 'local'; reqId: number; key: string; startTick: number }
  | { kind: 'remote'; from: string; ctx: number };

type QueuedRead = { reqId: number; key: string; startTick: number };

interface FollowerReadBatch {
  ctx: number;
  reads: QueuedRead[];
  sentTick: number;
  sentTo: string | null;
}

/** The reads of one node, at every stage from request to reply. */
export class ReadPaths {
  // Leader side.
  private readIndexReqs: { round: number; index: number; req: ReadIndexReq }[] = [];
  private readsAwaitingNoop: ReadIndexReq[] = [];
  /** A read index waits for a heartbeat round that has not left yet. */
  private roundRequested = false;

  // Request Waiting List.
  private readWaiters: ReadWaiter[] = [];
  private nextReadCtx = 1;
  private followerReadQueue: QueuedRead[] = [];
  private followerReadBatches = new Map<number, FollowerReadBatch>();

  constructor(private readonly host: ReadHost) {}

  /** Reads that know their index and wait for it to be applied (they count as pending requests). */
  get waiting(): number {
    return this.readWaiters.length;
  }

  /** Whether the next `ready()` has reads to send or to start at this leader. */
  hasQueued(): boolean {
    return this.followerReadQueue.length > 0;
  }

  /** Whether a heartbeat round was asked for; clears the request. */
  takeRoundRequest(): boolean {
    const r = this.roundRequested;
    this.roundRequested = false;
    return r;
  }

  /** Whether a heartbeat round was asked for and has not left yet. */
  get roundPending(): boolean {
    return this.roundRequested;
  }

  onClientRead(reqId: number, req: Extract<ClientRequest, { type: 'read' }>): void {
    const h = this.host;
    if (req.consistency === 'ryw') {
      // Read-your-writes: any node may answer once it has applied the client's last write.
      this.readWaiters.push({ reqId, key: req.key, index: req.minIndex ?? 0, startTick: h.ticks() });
      return;
    }
    if (h.isLeader()) {
      this.leaderRead({ kind: 'local', reqId, key: req.key, startTick: h.ticks() });
      return;
    }
    if (h.variant === 'follower-reads-stale') {
      // The broken variant answers from whatever this follower has applied.
      this.serveRead(reqId, req.key);
      return;
    }
    this.followerReadQueue.push({ reqId, key: req.key, startTick: h.ticks() });
  }

  /** Times out reads that waited `requestTimeoutTicks`, and asks again for stalled read indexes. */
  tick(): void {
    const h = this.host;
    const p = h.params;
    const now = h.ticks();
    this.readWaiters = this.readWaiters.filter((r) => {
      if (now - r.startTick < p.requestTimeoutTicks) return true;
      h.reply(r.reqId, { type: 'error', code: ERR.timeout, text: 'read index not applied in time' });
      return false;
    });
    for (const [ctx, b] of this.followerReadBatches) {
      const live = b.reads.filter((r) => {
        if (now - r.startTick < p.requestTimeoutTicks) return true;
        h.reply(r.reqId, { type: 'error', code: ERR.temporarilyUnavailable, text: 'no read index from a leader' });
        return false;
      });
      if (live.length === 0) {
        this.followerReadBatches.delete(ctx);
      } else if (now - b.sentTick >= p.retryTicks || (b.sentTo !== h.leaderId() && h.leaderId() !== null)) {
        // Ask again (possibly another leader) under a new ctx.
        this.followerReadBatches.delete(ctx);
        this.followerReadQueue.push(...live);
      }
    }
    if (h.isLeader()) {
      this.readIndexReqs = this.readIndexReqs.filter((r) => {
        if (r.req.kind === 'local' && now - r.req.startTick >= p.requestTimeoutTicks) {
          this.failReadIndex(r.req);
          return false;
        }
        return true;
      });
      this.readsAwaitingNoop = this.readsAwaitingNoop.filter((r) => {
        if (r.kind === 'local' && now - r.startTick >= p.requestTimeoutTicks) {
          this.failReadIndex(r);
          return false;
        }
        return true;
      });
    }
  }

  /** A read at the leader: lease, or read-index confirmed by a heartbeat round. */
  private leaderRead(r: ReadIndexReq): void {
    const h = this.host;
    if (h.variant === 'leader-local-reads') {
      // The broken variant trusts its own role: no lease, no quorum round.
      this.resolveReadIndex(r, h.commitIndex());
      return;
    }
    if (!h.committedInTerm()) {
      this.readsAwaitingNoop.push(r);
      return;
    }
    if (h.lease.valid()) {
      this.resolveReadIndex(r, h.commitIndex());
      return;
    }
    this.readIndexReqs.push({ round: h.round() + 1, index: h.commitIndex(), req: r });
    this.roundRequested = true;
  }

  /** A quorum acknowledged heartbeat round `q` (and with it this node's leadership up to then). */
  roundConfirmed(q: number): void {
    const still: typeof this.readIndexReqs = [];
    for (const r of this.readIndexReqs) {
      if (r.round <= q) this.resolveReadIndex(r.req, r.index);
      else still.push(r);
    }
    this.readIndexReqs = still;
  }

  /** The leader's no-op committed: the reads that waited for it take their read index now. */
  noopCommitted(): void {
    if (this.readsAwaitingNoop.length === 0) return;
    const rs = this.readsAwaitingNoop;
    this.readsAwaitingNoop = [];
    for (const r of rs) this.leaderRead(r);
  }

  /** Leadership lost: reads waiting for a confirmation it can no longer give fail (definite for a read). */
  leadershipLost(): void {
    for (const r of this.readIndexReqs) this.failReadIndex(r.req);
    for (const r of this.readsAwaitingNoop) this.failReadIndex(r);
    this.readIndexReqs = [];
    this.readsAwaitingNoop = [];
  }

  private resolveReadIndex(r: ReadIndexReq, index: number): void {
    const h = this.host;
    if (r.kind === 'local') {
      this.readWaiters.push({ reqId: r.reqId, key: r.key, index, startTick: r.startTick });
    } else {
      h.send({ type: 'ReadIndexResp', from: h.id, to: r.from, term: h.term(), ctx: r.ctx, index, ok: true });
    }
  }

  private failReadIndex(r: ReadIndexReq): void {
    const h = this.host;
    if (r.kind === 'local') {
      h.reply(r.reqId, { type: 'error', code: ERR.temporarilyUnavailable, text: 'leadership lost before the read' });
    } else {
      h.send({ type: 'ReadIndexResp', from: h.id, to: r.from, term: h.term(), ctx: r.ctx, index: 0, ok: false });
    }
  }

  /**
   * Sends the reads queued since the last Ready to the leader in one `ReadIndex`; at a leader
   * (it became one while they waited) they take their read index here.
   */
  flush(): void {
    if (this.followerReadQueue.length === 0) return;
    const h = this.host;
    if (h.isLeader()) {
      for (const r of this.followerReadQueue) this.leaderRead({ kind: 'local', ...r });
      this.followerReadQueue = [];
      return;
    }
    const ctx = this.nextReadCtx++;
    this.followerReadBatches.set(ctx, { ctx, reads: this.followerReadQueue, sentTick: h.ticks(), sentTo: h.leaderId() });
    this.followerReadQueue = [];
    const leader = h.leaderId();
    if (leader !== null) {
      h.send({ type: 'ReadIndex', from: h.id, to: leader, term: h.term(), ctx });
    }
  }

  onReadIndex(m: Extract<PeerMessage, { type: 'ReadIndex' }>): void {
    const h = this.host;
    if (!h.isLeader()) {
      h.send({ type: 'ReadIndexResp', from: h.id, to: m.from, term: h.term(), ctx: m.ctx, index: 0, ok: false });
      return;
    }
    this.leaderRead({ kind: 'remote', from: m.from, ctx: m.ctx });
  }

  onReadIndexResp(m: Extract<PeerMessage, { type: 'ReadIndexResp' }>): void {
    const b = this.followerReadBatches.get(m.ctx);
    if (b === undefined) return;
    this.followerReadBatches.delete(m.ctx);
    if (!m.ok) {
      // Retry at the next tick with whatever leader is known then.
      this.followerReadBatches.set(m.ctx, { ...b, sentTick: Number.NEGATIVE_INFINITY });
      return;
    }
    for (const r of b.reads) this.readWaiters.push({ reqId: r.reqId, key: r.key, index: m.index, startTick: r.startTick });
  }

  /** Serves the reads whose index is applied now. */
  serveApplied(): void {
    if (this.readWaiters.length === 0) return;
    const applied = this.host.appliedIndex();
    const still: ReadWaiter[] = [];
    for (const r of this.readWaiters) {
      if (r.index <= applied) this.serveRead(r.reqId, r.key);
      else still.push(r);
    }
    this.readWaiters = still;
  }

  private serveRead(reqId: number, key: string): void {
    this.host.reply(reqId, { type: 'read_ok', value: this.host.readValue(key), index: this.host.appliedIndex() });
  }
}
