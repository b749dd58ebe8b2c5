/**
 * A txkv data node's core: Two-Phase Commit over Fixed Partitions, as a pure Ready/Advance state
 * machine (no sockets, timers, disk or clock), run by the process shell (../main.ts) and by the
 * deterministic simulator (../sim.ts).
 *
 * Every data node plays both parts of the protocol:
 *
 * - **Coordinator** of the transactions its clients send: it splits a transaction by the owner of
 *   each key's partition (its copy of the partition map, which the shell refreshes from the
 *   Consistent Core), sends each participant its part (`Prepare`), and once every vote is yes
 *   writes its decision to its log, fsyncs it, and only then tells the participants (`Decide`)
 *   and the client. A no vote (a lock conflict, a partition it does not own) or a missing vote
 *   aborts; a conflict is retried under a new transaction id a few times.
 * - **Participant** for its own partitions: at `Prepare` it refuses keys it does not own at the
 *   map version it holds, takes the locks (strict two-phase locking, shared for reads, exclusive
 *   for writes, no-wait: a conflict votes no at once, so no transaction ever waits for another and
 *   no deadlock can form), computes its reads and writes, writes a prepare record, fsyncs it, and
 *   only then votes yes. It holds the locks until the decision. A participant prepared for too
 *   long, or restarted prepared, asks the coordinator (`Query`); a coordinator with no record of
 *   the transaction answers abort (presumed abort: it never decided commit, or it would have the
 *   record).
 *
 * Messages a node sends itself (a coordinator that is also a participant) never touch the
 * network: `ready()` lists them apart (`local`) and `advance()` steps them, so they too leave only
 * after the writes they depend on are durable.
 *
 * Variants: `no-prepare-locks` takes no locks (two transactions compute from the same state: lost
 * updates, G2); `coordinator-no-log` sends its decision without writing it (a coordinator killed
 * between telling some participants and the rest answers abort after its restart: a partial
 * commit); `volatile-prepare` votes without writing the prepare record (a participant killed
 * after its vote forgets it and its writes: atomicity broken).
 */
import { ErrorCode } from '../../../workloads/wire/errors.js';
import type { ReplyBody } from '../../lib/client-listener.js';
import type { Rng } from '../../lib/rng.js';
import type { BatchReady, CoreReply } from '../../lib/shell.js';
import {
  DEFAULT_TXKV_PARAMS, initialMap, type MicroOp, partitionOf, type PartitionMap,
  type TxkvMessage, type TxkvParams, type TxkvRecord, type TxkvVariant,
} from './types.js';

/** A client transaction as the shell decodes it: each op's key as given and as JSON text. */
export interface TxnRequest {
  ops: [MicroOp[0], unknown, unknown][];
}

export interface TxkvOptions {
  id: string;
  /** Every data node, this one included. */
  dataNodes: readonly string[];
  variant: TxkvVariant;
  params?: Partial<TxkvParams>;
  rng: Rng;
  /** Unique to this process (transaction ids are `<id>/<sessionId>/<n>`). */
  sessionId: string;
  /** The log's record batches, in order, from a restart. */
  restore?: readonly (readonly TxkvRecord[])[];
  map?: PartitionMap;
}

export interface TxkvReady extends BatchReady {
  early: TxkvMessage[];
  messages: TxkvMessage[];
  persist: TxkvRecord[];
  replies: CoreReply[];
  /** Messages to this node itself, stepped by `advance` (after the writes are durable). */
  local: TxkvMessage[];
}

type Vote = Extract<TxkvMessage, { type: 'Vote' }>;

/** A transaction this node coordinates and has not decided. */
interface Coordinated {
  reqId: number;
  request: TxnRequest;
  attempt: number;
  txn: string;
  parts: Map<string, { ops: MicroOp[]; idx: number[] }>;
  votes: Map<string, Vote>;
  deadlineTick: number;
  /** While above the current tick, the next attempt waits (a random backoff after a conflict). */
  retryAtTick: number;
}

/** A participant's prepared part of a transaction. */
interface Prepared {
  coord: string;
  writes: [string, unknown][];
  readKeys: string[];
  reads: [number, unknown][];
  lastQueryTick: number;
}

interface LockState {
  x: string | null;
  s: Set<string>;
}

export class TxkvNode {
  readonly id: string;
  readonly variant: TxkvVariant;
  readonly params: TxkvParams;
  map: PartitionMap;
  /** Committed values by key (JSON text). */
  readonly store = new Map<string, unknown>();
  private readonly locks = new Map<string, LockState>();
  readonly prepared = new Map<string, Prepared>();
  /** Transactions this participant finished, and whether they committed (oldest first). */
  private readonly finished = new Map<string, boolean>();
  private readonly active = new Map<string, Coordinated>();
  private readonly retrying: Coordinated[] = [];
  /** Commit decisions whose participants have not all acknowledged: the ones still to hear. */
  readonly decisions = new Map<string, { pending: Set<string>; lastSendTick: number }>();
  private readonly rng: Rng;
  private readonly sessionId: string;
  private nextTxn = 1;
  private tickCount = 0;
  private out: TxkvReady = emptyReady();
  /** Replies that may leave only once this ready's writes are durable. */
  private afterPersist: CoreReply[] = [];
  /** Counters for status and tests. */
  readonly stats = { committed: 0, aborted: 0, conflicts: 0, queries: 0, presumedAborts: 0 };

  constructor(o: TxkvOptions) {
    this.id = o.id;
    this.variant = o.variant;
    this.params = { ...DEFAULT_TXKV_PARAMS, ...(o.params ?? {}) };
    this.rng = o.rng;
    this.sessionId = o.sessionId;
    this.map = o.map ?? initialMap(o.dataNodes);
    for (const batch of o.restore ?? []) for (const r of batch) this.replay(r);
  }

  // ------------------------------------------------------------------ inputs

  /** A newer partition map from the Consistent Core; an older or equal one changes nothing. */
  setMap(m: PartitionMap): void {
    if (m.version > this.map.version) this.map = { version: m.version, owners: [...m.owners] };
  }

  /** A client transaction; its reply comes in a later `ready().replies` under `reqId`. */
  request(reqId: number, req: TxnRequest): void {
    if (req.ops.length === 0) {
      this.out.replies.push({ reqId, body: { type: 'txn_ok', txn: [] } });
      return;
    }
    if (this.active.size + this.retrying.length >= this.params.maxActive) {
      this.reply(reqId, { type: 'error', code: ErrorCode.temporarilyUnavailable, text: `this node coordinates ${this.params.maxActive} transactions already` });
      return;
    }
    this.begin({ reqId, request: req, attempt: 1, txn: '', parts: new Map(), votes: new Map(), deadlineTick: 0, retryAtTick: 0 });
  }

  step(m: TxkvMessage): void {
    switch (m.type) {
      case 'Prepare':
        this.onPrepare(m);
        return;
      case 'Vote':
        this.onVote(m);
        return;
      case 'Decide':
        this.onDecide(m);
        return;
      case 'Ack': {
        const d = this.decisions.get(m.txn);
        d?.pending.delete(m.from);
        if (d !== undefined && d.pending.size === 0) this.decisions.delete(m.txn);
        return;
      }
      case 'Query':
        this.onQuery(m);
        return;
    }
  }

  tick(): void {
    this.tickCount++;
    const now = this.tickCount;
    for (const c of [...this.active.values()]) {
      if (now >= c.deadlineTick) this.abort(c, { type: 'error', code: ErrorCode.temporarilyUnavailable, text: `not every participant voted within ${this.params.voteTimeoutTicks} ticks; aborted` });
    }
    for (let i = this.retrying.length - 1; i >= 0; i--) {
      const c = this.retrying[i]!;
      if (now >= c.retryAtTick) {
        this.retrying.splice(i, 1);
        this.begin(c);
      }
    }
    for (const [txn, p] of this.prepared) {
      if (now - p.lastQueryTick >= this.params.queryTicks) {
        p.lastQueryTick = now;
        this.stats.queries++;
        this.send({ type: 'Query', from: this.id, to: p.coord, txn }, false);
      }
    }
    for (const [txn, d] of this.decisions) {
      if (now - d.lastSendTick >= this.params.resendTicks) {
        d.lastSendTick = now;
        for (const to of d.pending) this.send({ type: 'Decide', from: this.id, to, txn, commit: true }, false);
      }
    }
  }

  // ------------------------------------------------------------------ ready / advance

  hasReady(): boolean {
    const o = this.out;
    return o.early.length + o.messages.length + o.persist.length + o.replies.length + o.local.length + this.afterPersist.length > 0;
  }

  ready(): TxkvReady {
    const rd = this.out;
    this.out = emptyReady();
    return rd;
  }

  advance(rd: TxkvReady): void {
    // Replies that promised durable state leave in the next ready, after this one's fsync.
    this.out.replies.push(...this.afterPersist);
    this.afterPersist = [];
    for (const m of rd.local) this.step(m);
  }

  status(): Record<string, unknown> {
    return {
      mapVersion: this.map.version, keys: this.store.size, prepared: this.prepared.size, active: this.active.size,
      undelivered: this.decisions.size, ...this.stats,
    };
  }

  // ------------------------------------------------------------------ coordinator

  /** Starts an attempt: a fresh transaction id, each participant's part, the vote deadline. */
  private begin(c: Coordinated): void {
    c.txn = `${this.id}/${this.sessionId}/${this.nextTxn++}`;
    c.parts = new Map();
    c.votes = new Map();
    c.deadlineTick = this.tickCount + this.params.voteTimeoutTicks;
    c.request.ops.forEach(([f, key, value], i) => {
      const k = JSON.stringify(key);
      const owner = this.map.owners[partitionOf(k)]!;
      let part = c.parts.get(owner);
      if (part === undefined) c.parts.set(owner, (part = { ops: [], idx: [] }));
      part.ops.push([f, k, value]);
      part.idx.push(i);
    });
    this.active.set(c.txn, c);
    for (const [to, part] of c.parts) {
      this.send({ type: 'Prepare', from: this.id, to, txn: c.txn, mapVersion: this.map.version, ops: part.ops, idx: part.idx }, false);
    }
  }

  private onVote(v: Vote): void {
    const c = this.active.get(v.txn);
    if (c === undefined || !c.parts.has(v.from)) return;
    if (!v.yes) {
      if (v.why === 'conflict' && c.attempt <= this.params.conflictRetries) {
        this.stats.conflicts++;
        this.abort(c, null);
        c.attempt++;
        c.retryAtTick = this.tickCount + this.rng.int(1, 2 * c.attempt);
        this.retrying.push(c);
        return;
      }
      const text = v.why === 'not-owner'
        ? `${v.from} does not own a partition of this transaction at map version ${v.mapVersion} (this node routed by version ${this.map.version}); retry`
        : `a lock conflict at ${v.from} aborted the transaction ${c.attempt} times`;
      this.abort(c, { type: 'error', code: v.why === 'not-owner' ? ErrorCode.temporarilyUnavailable : ErrorCode.txnConflict, text });
      return;
    }
    c.votes.set(v.from, v);
    if (c.votes.size < c.parts.size) return;
    this.commit(c);
  }

  /** Every vote is yes: the decision is commit. */
  private commit(c: Coordinated): void {
    this.active.delete(c.txn);
    this.stats.committed++;
    const reads = new Map<number, unknown>();
    for (const v of c.votes.values()) for (const [i, val] of v.reads) reads.set(i, val);
    const txn = c.request.ops.map(([f, key, value], i) => [f, key, f === 'r' ? (reads.get(i) ?? null) : value]);
    const parts = [...c.parts.keys()];
    this.decisions.set(c.txn, { pending: new Set(parts), lastSendTick: this.tickCount });
    const durable = this.variant !== 'coordinator-no-log';
    if (durable) this.out.persist.push({ k: 'decision', txn: c.txn, commit: true, parts });
    for (const to of parts) this.send({ type: 'Decide', from: this.id, to, txn: c.txn, commit: true }, durable);
    const reply = { reqId: c.reqId, body: { type: 'txn_ok', txn } };
    if (durable) this.afterPersist.push(reply);
    else this.out.replies.push(reply);
  }

  /**
   * Aborts an attempt: nothing is written (presumed abort), every participant is told, and the
   * client gets `error` unless it is null (the attempt is retried).
   */
  private abort(c: Coordinated, error: ReplyBody | null): void {
    this.active.delete(c.txn);
    for (const to of c.parts.keys()) this.send({ type: 'Decide', from: this.id, to, txn: c.txn, commit: false }, false);
    if (error !== null) {
      this.stats.aborted++;
      this.reply(c.reqId, error);
    }
  }

  private onQuery(q: Extract<TxkvMessage, { type: 'Query' }>): void {
    const c = this.active.get(q.txn);
    if (c !== undefined) {
      // Still voting: the question means a participant waits too long; abort rather than keep it locked.
      this.abort(c, { type: 'error', code: ErrorCode.temporarilyUnavailable, text: 'a participant gave up waiting for the decision; aborted' });
      return;
    }
    const commit = this.decisions.has(q.txn);
    if (!commit) this.stats.presumedAborts++;
    this.send({ type: 'Decide', from: this.id, to: q.from, txn: q.txn, commit }, false);
  }

  // ------------------------------------------------------------------ participant

  private onPrepare(m: Extract<TxkvMessage, { type: 'Prepare' }>): void {
    const vote = (yes: boolean, why: Vote['why'], reads: [number, unknown][], durable: boolean): void =>
      this.send({ type: 'Vote', from: this.id, to: m.from, txn: m.txn, yes, why, reads, mapVersion: this.map.version }, durable);
    const again = this.prepared.get(m.txn);
    if (again !== undefined) {
      vote(true, 'ok', again.reads, false);
      return;
    }
    if (this.finished.has(m.txn)) {
      vote(false, 'finished', [], false);
      return;
    }
    if (m.ops.some(([, k]) => this.map.owners[partitionOf(k)] !== this.id)) {
      vote(false, 'not-owner', [], false);
      return;
    }
    const written = new Set(m.ops.filter(([f]) => f !== 'r').map(([, k]) => k));
    const readOnly = [...new Set(m.ops.map(([, k]) => k))].filter((k) => !written.has(k));
    const locking = this.variant !== 'no-prepare-locks';
    if (locking && !this.canLock(m.txn, written, readOnly)) {
      vote(false, 'conflict', [], false);
      return;
    }
    // The transaction's view of this participant's keys: committed values, then its own writes.
    const overlay = new Map<string, unknown>();
    const valueOf = (k: string): unknown => (overlay.has(k) ? overlay.get(k) : (this.store.get(k) ?? null));
    const reads: [number, unknown][] = [];
    m.ops.forEach(([f, k, v], j) => {
      if (f === 'r') reads.push([m.idx[j]!, valueOf(k)]);
      else if (f === 'w') overlay.set(k, v);
      else {
        const cur = valueOf(k);
        overlay.set(k, [...(Array.isArray(cur) ? cur : cur === null ? [] : [cur]), v]);
      }
    });
    const writes = [...overlay.entries()];
    if (locking) this.lock(m.txn, written, readOnly);
    this.prepared.set(m.txn, { coord: m.from, writes, readKeys: readOnly, reads, lastQueryTick: this.tickCount });
    const durable = this.variant !== 'volatile-prepare';
    if (durable) this.out.persist.push({ k: 'prepare', txn: m.txn, coord: m.from, writes, reads: readOnly });
    vote(true, 'ok', reads, durable);
  }

  private onDecide(m: Extract<TxkvMessage, { type: 'Decide' }>): void {
    const p = this.prepared.get(m.txn);
    if (p === undefined) {
      if (!this.finished.has(m.txn)) this.finish(m.txn, m.commit);
      if (m.commit) this.send({ type: 'Ack', from: this.id, to: m.from, txn: m.txn }, false);
      return;
    }
    this.settle(m.txn, p, m.commit);
    this.out.persist.push({ k: 'done', txn: m.txn, commit: m.commit });
    if (m.commit) this.send({ type: 'Ack', from: this.id, to: m.from, txn: m.txn }, true);
  }

  /** Applies (commit) or drops (abort) a prepared part and releases its locks. */
  private settle(txn: string, p: Prepared, commit: boolean): void {
    if (commit) for (const [k, v] of p.writes) this.store.set(k, v);
    for (const k of [...p.writes.map(([k]) => k), ...p.readKeys]) {
      const l = this.locks.get(k);
      if (l === undefined) continue;
      if (l.x === txn) l.x = null;
      l.s.delete(txn);
      if (l.x === null && l.s.size === 0) this.locks.delete(k);
    }
    this.prepared.delete(txn);
    this.finish(txn, commit);
  }

  private finish(txn: string, commit: boolean): void {
    this.finished.set(txn, commit);
    if (this.finished.size > this.params.finishedMax) this.finished.delete(this.finished.keys().next().value!);
  }

  private canLock(txn: string, written: ReadonlySet<string>, readOnly: readonly string[]): boolean {
    for (const k of written) {
      const l = this.locks.get(k);
      if (l !== undefined && ((l.x !== null && l.x !== txn) || [...l.s].some((t) => t !== txn))) return false;
    }
    for (const k of readOnly) {
      const l = this.locks.get(k);
      if (l !== undefined && l.x !== null && l.x !== txn) return false;
    }
    return true;
  }

  private lock(txn: string, written: Iterable<string>, readOnly: readonly string[]): void {
    const at = (k: string): LockState => {
      let l = this.locks.get(k);
      if (l === undefined) this.locks.set(k, (l = { x: null, s: new Set() }));
      return l;
    };
    for (const k of written) at(k).x = txn;
    for (const k of readOnly) at(k).s.add(txn);
  }

  // ------------------------------------------------------------------ log replay

  private replay(r: TxkvRecord): void {
    switch (r.k) {
      case 'prepare': {
        const written = new Set(r.writes.map(([k]) => k));
        if (this.variant !== 'no-prepare-locks') this.lock(r.txn, written, r.reads);
        // Reads are not kept: a prepare sent again after a restart is answered from the vote's
        // absence (the coordinator aborted it long ago or asks no more).
        this.prepared.set(r.txn, { coord: r.coord, writes: r.writes, readKeys: r.reads, reads: [], lastQueryTick: -Infinity });
        return;
      }
      case 'done': {
        const p = this.prepared.get(r.txn);
        if (p !== undefined) this.settle(r.txn, p, r.commit);
        else this.finish(r.txn, r.commit);
        return;
      }
      case 'decision':
        if (r.commit) this.decisions.set(r.txn, { pending: new Set(r.parts), lastSendTick: -Infinity });
        return;
    }
  }

  // ------------------------------------------------------------------ output

  /** Queues a message: to this node itself, locally; `durable` ones wait for this ready's fsync. */
  private send(m: TxkvMessage, durable: boolean): void {
    if (m.to === this.id) this.out.local.push(m);
    else (durable ? this.out.messages : this.out.early).push(m);
  }

  private reply(reqId: number, body: ReplyBody): void {
    this.out.replies.push({ reqId, body });
  }
}

function emptyReady(): TxkvReady {
  return { early: [], messages: [], persist: [], replies: [], local: [] };
}

