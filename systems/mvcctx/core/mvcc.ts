/**
 * The pure protocol core of mvcctx: MVCC transactions over keys spread across the nodes, ordered
 * by Hybrid Clock timestamps (core/hlc.ts), with Clock-Bound Wait. No sockets, timers, disk or
 * clock of its own: the wall clock is injected (`wallMs`), inputs (`step`, `tick`, `request`)
 * change memory, `ready()` says what to write and send, `advance()` says it was done.
 *
 * - Versioned Value: each key keeps its committed versions by commit timestamp; a read at
 *   timestamp s sees the versions at or below s. Versions below the low-water mark (the newest
 *   timestamp seen minus `gcWindowMs`) are folded into one; a read below the mark is refused.
 * - Placement: each key lives on one node, by hash of its JSON text (`ownerOf`).
 * - A transaction: the node the client reached coordinates it. It takes a start timestamp s, reads
 *   every key it reads at s from the owners, applies its own writes locally, and, when it writes,
 *   prepares at every owner of a key it read or wrote: the owner checks that no other transaction
 *   holds an intent on those keys and that no version of a read key committed after s (read-set
 *   validation), writes intents, and proposes a timestamp past its clock, past every read of the
 *   written keys and past their newest version. The commit timestamp is the largest proposal; the
 *   decision is fsynced, then the commit goes to the owners, which apply the versions.
 * - Clock-Bound Wait, mode `uncertainty-restart`: a read that meets a version in (s, s + maxOffset]
 *   cannot tell whether it committed before the read began, so the transaction restarts at that
 *   version's timestamp. Mode `commit-wait`: reads have no window, but a commit is acknowledged
 *   only once the coordinator's wall clock passed the commit timestamp plus maxOffset.
 *
 * Variants: `wallclock-ts` (timestamps are the coordinator's wall clock; commits are not pushed
 * past what the owners saw), `no-uncertainty-restart` (no window, no wait), `small-max-offset`
 * (the window is a few ms), `si-only` (no read-set validation: snapshot isolation).
 */
import { BatchReadyCore } from '../../lib/batch-core.js';
import { compareTs, HybridClock, maxTs, nextTs, type Ts, ZERO_TS } from './hlc.js';
import { ErrorCode } from '../../lib/errors.js';
import { fnv1a } from '../../lib/hash.js';

export type Variant = 'correct' | 'wallclock-ts' | 'no-uncertainty-restart' | 'small-max-offset' | 'si-only';
export const MVCCTX_VARIANTS: readonly Variant[] = ['correct', 'wallclock-ts', 'no-uncertainty-restart', 'small-max-offset', 'si-only'];

export type WaitMode = 'uncertainty-restart' | 'commit-wait';

export interface MvccParams {
  maxOffsetMs: number;
  mode: WaitMode;
  /** Ticks before a transaction still preparing or reading is aborted. */
  txnTimeoutTicks: number;
  /** Most restarts of one transaction (uncertain reads) before it is refused. */
  maxRestarts: number;
  gcWindowMs: number;
  /** Ticks between resends of a commit that an owner did not acknowledge. */
  resendTicks: number;
  /**
   * Ticks an owner holds a prepared transaction before it asks the coordinator for the outcome,
   * and between asks: the coordinator may have died or its abort may have been lost.
   */
  queryTicks: number;
  /**
   * Ticks a read that meets another transaction's write intent inside its window waits for that
   * transaction's commit or abort before it is refused: most intents resolve within a round trip.
   */
  intentWaitTicks: number;
}

export const DEFAULT_PARAMS: MvccParams = { maxOffsetMs: 10_000, mode: 'uncertainty-restart', txnTimeoutTicks: 200, maxRestarts: 20, gcWindowMs: 20_000, resendTicks: 20, queryTicks: 100, intentWaitTicks: 30 };

/** The window of small-max-offset, ms: far below the skews within the bound the manifest claims. */
export const SMALL_MAX_OFFSET_MS = 2;

export function variantParams(v: Variant, p: MvccParams): MvccParams {
  if (v === 'small-max-offset') return { ...p, maxOffsetMs: SMALL_MAX_OFFSET_MS, mode: 'uncertainty-restart' };
  return p;
}

/** A micro-operation: ['r', key, null] | ['append', key, v] | ['w', key, v]; keys as JSON text. */
export type MicroOp = [string, string, unknown];

/** A micro-operation as the client gave it (and as the reply gives it back, reads filled in). */
export type ClientOp = [string, unknown, unknown];

export interface Version {
  ts: Ts;
  /** 'a': elements appended; 'w': a register value. */
  kind: 'a' | 'w';
  v: unknown;
}

export interface Write {
  key: string;
  kind: 'a' | 'w';
  v: unknown;
}

type Clk = { clk: Ts };
export type PeerMessage =
  | ({ type: 'Read'; from: string; to: string; txn: string; attempt: number; s: Ts; limit: Ts; keys: string[] } & Clk)
  | ({ type: 'ReadOk'; from: string; to: string; txn: string; attempt: number; vals: [string, unknown][] } & Clk)
  | ({ type: 'ReadUncertain'; from: string; to: string; txn: string; attempt: number; at: Ts } & Clk)
  | ({ type: 'ReadRefused'; from: string; to: string; txn: string; attempt: number; why: string } & Clk)
  | ({ type: 'Prepare'; from: string; to: string; txn: string; s: Ts; proposed: Ts | null; reads: string[]; writes: Write[] } & Clk)
  | ({ type: 'PrepareOk'; from: string; to: string; txn: string; p: Ts } & Clk)
  | ({ type: 'PrepareNo'; from: string; to: string; txn: string; why: string } & Clk)
  | ({ type: 'Commit'; from: string; to: string; txn: string; c: Ts } & Clk)
  | ({ type: 'CommitAck'; from: string; to: string; txn: string } & Clk)
  | ({ type: 'Abort'; from: string; to: string; txn: string } & Clk)
  | ({ type: 'Query'; from: string; to: string; txn: string } & Clk);

export const MESSAGE_TYPES = ['Read', 'ReadOk', 'ReadUncertain', 'ReadRefused', 'Prepare', 'PrepareOk', 'PrepareNo', 'Commit', 'CommitAck', 'Abort', 'Query'] as const;

/** One WAL record. */
export type Record_ =
  | { boot: number }
  | { prep: string; coord: string; s: Ts; p: Ts; reads: string[]; writes: Write[] }
  | { commit: string; c: Ts }
  | { abort: string }
  | { decide: string; c: Ts; owners: string[] };

export type ReplyBody = { type: string; [field: string]: unknown };

/** Error codes of the client protocol: the wire kit's one table. */
export const ERR = ErrorCode;

/** The node that owns a key: a fixed assignment by hash over the sorted ids. */
export function ownerOf(key: string, nodes: readonly string[]): string {
  const ring = [...nodes].sort();
  return ring[fnv1a(key) % ring.length]!;
}

/** What a read at `s` sees of a key's versions: a list when it was appended to, else a register. */
export function readAt(versions: readonly Version[], s: Ts): unknown {
  const seen = versions.filter((v) => compareTs(v.ts, s) <= 0);
  if (seen.some((v) => v.kind === 'a')) return seen.flatMap((v) => (v.kind === 'a' ? (v.v as unknown[]) : []));
  const last = seen[seen.length - 1];
  return last === undefined ? null : last.v;
}

interface Intent {
  txn: string;
  coord: string;
  p: Ts;
  write: boolean;
}

interface Prepared {
  coord: string;
  s: Ts;
  p: Ts;
  reads: string[];
  writes: Write[];
  /** The tick at which this node last heard of the transaction (prepared it or asked about it). */
  heardAt: number;
}

interface Txn {
  reqId: number;
  id: string;
  ops: MicroOp[];
  /** The keys as the client gave them, by position in `ops`: the reply names them so. */
  keys: unknown[];
  s: Ts;
  limit: Ts;
  attempt: number;
  phase: 'read' | 'prepare' | 'wait';
  readOwners: Set<string>;
  vals: Map<string, unknown>;
  owners: string[];
  proposals: Map<string, Ts>;
  proposed: Ts | null;
  deadline: number;
  c: Ts | null;
  result: ClientOp[] | null;
}

export interface MvccOptions {
  id: string;
  nodes: readonly string[];
  variant: Variant;
  params: MvccParams;
  wallMs: () => number;
  /** The records recovered from the WAL, in order. */
  restore: readonly Record_[];
  /** Where the node says what it dropped (a peer message that fits no state it knows). */
  log?: (line: string) => void;
}

export class MvccInvariantError extends Error {}

export class MvccNode extends BatchReadyCore<PeerMessage, Record_> {
  readonly id: string;
  readonly params: MvccParams;
  readonly variant: Variant;
  readonly clock: HybridClock;
  private readonly nodes: readonly string[];
  private readonly wallMs: () => number;
  private readonly log: (line: string) => void;
  readonly versions = new Map<string, Version[]>();
  private readonly maxRead = new Map<string, Ts>();
  private readFloor: Ts = ZERO_TS;
  private readonly intents = new Map<string, Intent[]>();
  private readonly prepared = new Map<string, Prepared>();
  private readonly committed = new Set<string>();
  private readonly txns = new Map<string, Txn>();
  /** Decisions to commit whose owners have not all acknowledged. */
  private readonly decided = new Map<string, { c: Ts; waiting: Set<string> }>();
  /** Messages from this node to itself, delivered at once. */
  private local: PeerMessage[] = [];
  /** Client replies that may go only once this Ready is durable. */
  private afterSync: { reqId: number; body: ReplyBody }[] = [];
  private handedReplies: { reqId: number; body: ReplyBody }[] = [];
  private waiting: Txn[] = [];
  /** Reads waiting for intents on their keys to resolve, each until a tick. */
  private parked: { m: Extract<PeerMessage, { type: 'Read' }>; until: number }[] = [];
  private ticks = 0;
  private seq = 0;
  private boot: number;
  private gcMark: Ts = ZERO_TS;
  readonly stats = { txns: 0, committed: 0, restarts: 0, conflicts: 0, queries: 0, presumedAborts: 0, dropped: 0 };

  constructor(o: MvccOptions) {
    super();
    this.id = o.id;
    this.nodes = [...o.nodes];
    this.variant = o.variant;
    this.params = variantParams(o.variant, o.params);
    this.wallMs = o.wallMs;
    this.log = o.log ?? (() => {});
    this.clock = new HybridClock(o.wallMs, o.variant === 'wallclock-ts');
    let boots = 0;
    let seen: Ts = ZERO_TS;
    for (const r of o.restore) {
      if ('boot' in r) boots = Math.max(boots, r.boot);
      else if ('prep' in r) {
        this.prepared.set(r.prep, { coord: r.coord, s: r.s, p: r.p, reads: r.reads, writes: r.writes, heardAt: 0 });
        seen = maxTs(seen, r.p);
      } else if ('commit' in r) {
        this.applyCommit(r.commit, r.c);
        seen = maxTs(seen, r.c);
      } else if ('abort' in r) this.prepared.delete(r.abort);
      else if ('decide' in r) {
        this.decided.set(r.decide, { c: r.c, waiting: new Set(r.owners) });
        seen = maxTs(seen, r.c);
      }
    }
    for (const [txn, p] of this.prepared) this.placeIntents(txn, p);
    this.clock.update(seen);
    // Reads this node answered before it restarted are forgotten: no write may go below any of
    // them, so every write now goes past the newest time a reader within the bound could hold.
    this.readFloor = [maxTs(seen, this.clock.now())[0] + this.params.maxOffsetMs, 0];
    this.boot = boots + 1;
    this.rd.persist.push({ boot: this.boot });
    for (const [txn, d] of this.decided) for (const to of d.waiting) this.out({ type: 'Commit', from: this.id, to, txn, c: d.c, clk: this.clock.now() }, false);
  }

  status(): Record<string, unknown> {
    return { role: 'node', variant: this.variant, mode: this.params.mode, maxOffsetMs: this.params.maxOffsetMs, hlc: this.clock.peek(), keys: this.versions.size, inflight: this.txns.size, prepared: this.prepared.size, ...this.stats };
  }

  // ------------------------------------------------------------------ inputs

  /**
   * A client transaction: micro-operations `[f, key, value]` with keys as any JSON value (their
   * JSON text is the key inside, so 1 and "1" stay apart).
   */
  request(reqId: number, ops: readonly (readonly [string, unknown, unknown])[]): void {
    this.stats.txns++;
    const s = this.clock.now();
    const id = `${this.id}.${this.boot}.${++this.seq}`;
    const t: Txn = {
      reqId, id, ops: ops.map(([f, k, v]): MicroOp => [f, JSON.stringify(k), v]), keys: ops.map(([, k]) => k), s, limit: this.uncertaintyLimit(s), attempt: 0, phase: 'read', readOwners: new Set(), vals: new Map(),
      owners: [], proposals: new Map(), proposed: null, deadline: this.ticks + this.params.txnTimeoutTicks, c: null, result: null,
    };
    this.txns.set(id, t);
    this.startReads(t);
    this.pump();
  }

  tick(): void {
    this.ticks++;
    for (const t of [...this.txns.values()]) {
      if (t.phase !== 'wait' && this.ticks >= t.deadline) this.abort(t, ERR.temporarilyUnavailable, `no answer from ${t.phase === 'read' ? 'the owners of its reads' : 'every owner it prepared at'} in time`);
    }
    // Commit-wait: a decided transaction is acknowledged once the wall clock passed c + maxOffset.
    const still: Txn[] = [];
    for (const t of this.waiting) {
      if (this.wallMs() > t.c![0] + this.params.maxOffsetMs) this.rd.replies.push({ reqId: t.reqId, body: { type: 'txn_ok', txn: t.result } });
      else still.push(t);
    }
    this.waiting = still;
    // A read whose wait for an intent ran out is refused; the others keep waiting.
    if (this.parked.some((r) => this.ticks >= r.until)) this.retryParked();
    // Durable: a decision taken in this same Ready is not on disk yet.
    if (this.ticks % this.params.resendTicks === 0) {
      for (const [txn, d] of this.decided) for (const to of d.waiting) this.out({ type: 'Commit', from: this.id, to, txn, c: d.c, clk: this.clock.now() }, true);
    }
    // An intent outlives its transaction when the coordinator died before it decided, or when its
    // abort was lost: the owner asks the coordinator, which answers with its decision or, having
    // none and no such transaction running, with an abort, so reads are never blocked for good.
    for (const [txn, p] of this.prepared) {
      if (this.ticks - p.heardAt < this.params.queryTicks) continue;
      p.heardAt = this.ticks;
      this.stats.queries++;
      this.out({ type: 'Query', from: this.id, to: p.coord, txn, clk: this.clock.now() }, false);
    }
    this.pump();
  }

  step(m: PeerMessage): void {
    this.clock.update(m.clk);
    this.onMessage(m);
    this.pump();
  }

  override ready() {
    const rd = super.ready();
    this.handedReplies = this.afterSync;
    this.afterSync = [];
    return rd;
  }

  override advance(rd?: Parameters<BatchReadyCore<PeerMessage, Record_>['advance']>[0]): void {
    // The replies that waited for this Ready's records go out with the next Ready.
    this.rd.replies.push(...this.handedReplies);
    this.handedReplies = [];
    super.advance(rd);
  }

  override hasReady(): boolean {
    return super.hasReady() || this.afterSync.length > 0 || this.handedReplies.length > 0;
  }

  // ------------------------------------------------------------------ coordinator

  private uncertaintyLimit(s: Ts): Ts {
    if (this.params.mode === 'commit-wait' || this.variant === 'no-uncertainty-restart') return s;
    return [s[0] + this.params.maxOffsetMs, Number.MAX_SAFE_INTEGER];
  }

  private startReads(t: Txn): void {
    t.phase = 'read';
    t.vals.clear();
    const byOwner = new Map<string, string[]>();
    for (const [f, k] of t.ops) {
      // A read after the transaction's own append still needs the list it appends to.
      if (f === 'r') {
        const o = ownerOf(k, this.nodes);
        const ks = byOwner.get(o) ?? [];
        if (!ks.includes(k)) ks.push(k);
        byOwner.set(o, ks);
      }
    }
    t.readOwners = new Set(byOwner.keys());
    for (const [to, keys] of byOwner) this.out({ type: 'Read', from: this.id, to, txn: t.id, attempt: t.attempt, s: t.s, limit: t.limit, keys, clk: this.clock.now() }, false);
    if (byOwner.size === 0) this.readsDone(t);
  }

  private readsDone(t: Txn): void {
    const local = new Map<string, unknown>();
    const writes = new Map<string, Write>();
    const result: ClientOp[] = [];
    for (const [i, [f, k, v]] of t.ops.entries()) {
      const key = t.keys[i];
      if (f === 'r') {
        result.push(['r', key, local.has(k) ? local.get(k) : (t.vals.get(k) ?? null)]);
        continue;
      }
      if (f === 'append') {
        const base = local.has(k) ? local.get(k) : t.vals.has(k) ? t.vals.get(k) : null;
        local.set(k, [...(Array.isArray(base) ? base : []), v]);
        const w = writes.get(k);
        writes.set(k, { key: k, kind: 'a', v: [...(w !== undefined && Array.isArray(w.v) ? w.v : []), v] });
      } else {
        local.set(k, v);
        writes.set(k, { key: k, kind: 'w', v });
      }
      result.push([f, key, v]);
    }
    t.result = result;
    if (writes.size === 0) {
      // Read-only: it is serialized at s, where every read was taken.
      this.finishOk(t, false);
      return;
    }
    const reads = new Map<string, string[]>();
    for (const k of t.vals.keys()) if (this.variant !== 'si-only' || writes.has(k)) push(reads, ownerOf(k, this.nodes), k);
    const ws = new Map<string, Write[]>();
    for (const w of writes.values()) push(ws, ownerOf(w.key, this.nodes), w);
    t.owners = [...new Set([...reads.keys(), ...ws.keys()])].sort();
    t.phase = 'prepare';
    t.proposals.clear();
    // wallclock-ts: the coordinator's clock alone names the commit time.
    t.proposed = this.variant === 'wallclock-ts' ? maxTs(nextTs(t.s), this.clock.now()) : null;
    for (const to of t.owners) {
      this.out({ type: 'Prepare', from: this.id, to, txn: t.id, s: t.s, proposed: t.proposed, reads: reads.get(to) ?? [], writes: ws.get(to) ?? [], clk: this.clock.now() }, false);
    }
  }

  private onCoordinator(m: PeerMessage): void {
    const t = this.txns.get(m.txn);
    if (t === undefined) return;
    switch (m.type) {
      case 'ReadOk': {
        if (t.phase !== 'read' || m.attempt !== t.attempt || !t.readOwners.delete(m.from)) return;
        for (const [k, v] of m.vals) t.vals.set(k, v);
        if (t.readOwners.size === 0) this.readsDone(t);
        return;
      }
      case 'ReadUncertain': {
        if (t.phase !== 'read' || m.attempt !== t.attempt) return;
        if (t.attempt >= this.params.maxRestarts) return this.abort(t, ERR.txnConflict, `restarted ${t.attempt} times on uncertain reads`);
        // Uncertainty restart: read again at the uncertain version's time, the window unchanged.
        this.stats.restarts++;
        t.attempt++;
        t.s = maxTs(t.s, m.at);
        this.clock.update(t.s);
        return this.startReads(t);
      }
      case 'ReadRefused':
        if (t.phase !== 'read' || m.attempt !== t.attempt) return;
        return this.abort(t, ERR.txnConflict, m.why);
      case 'PrepareOk': {
        if (t.phase !== 'prepare' || !t.owners.includes(m.from)) return;
        t.proposals.set(m.from, m.p);
        if (t.proposals.size < t.owners.length) return;
        let c = t.proposed ?? nextTs(t.s);
        if (t.proposed === null) for (const p of t.proposals.values()) c = maxTs(c, p);
        this.clock.update(c);
        t.c = c;
        t.phase = 'wait';
        this.rd.persist.push({ decide: t.id, c, owners: t.owners });
        this.decided.set(t.id, { c, waiting: new Set(t.owners) });
        for (const to of t.owners) this.out({ type: 'Commit', from: this.id, to, txn: t.id, c, clk: this.clock.now() }, true);
        return this.finishOk(t, true);
      }
      case 'PrepareNo':
        if (t.phase !== 'prepare') return;
        return this.abort(t, ERR.txnConflict, m.why);
      case 'CommitAck': {
        const d = this.decided.get(m.txn);
        d?.waiting.delete(m.from);
        if (d !== undefined && d.waiting.size === 0) this.decided.delete(m.txn);
        return;
      }
      default:
        return;
    }
  }

  /** Answers a transaction that committed (at s when read-only, else at its commit timestamp). */
  private finishOk(t: Txn, durable: boolean): void {
    if (t.c === null) t.c = t.s;
    this.stats.committed++;
    this.txns.delete(t.id);
    if (this.params.mode === 'commit-wait' && t.result !== null && durable) {
      this.waiting.push(t);
      return;
    }
    const reply = { reqId: t.reqId, body: { type: 'txn_ok', txn: t.result } };
    if (durable) this.afterSync.push(reply);
    else this.rd.replies.push(reply);
  }

  private abort(t: Txn, code: number, why: string): void {
    this.stats.conflicts++;
    this.txns.delete(t.id);
    if (t.phase === 'prepare') for (const to of t.owners) this.out({ type: 'Abort', from: this.id, to, txn: t.id, clk: this.clock.now() }, false);
    this.rd.replies.push({ reqId: t.reqId, body: { type: 'error', code, text: why } });
  }

  // ------------------------------------------------------------------ owner

  private onMessage(m: PeerMessage): void {
    switch (m.type) {
      case 'Read':
        return this.onRead(m);
      case 'Prepare':
        return this.onPrepare(m);
      case 'Commit': {
        const p = this.prepared.get(m.txn);
        if (p !== undefined) {
          this.rd.persist.push({ commit: m.txn, c: m.c });
          this.applyCommit(m.txn, m.c);
        } else if (!this.committed.has(m.txn)) {
          // A coordinator commits only what every owner prepared, and an owner forgets a
          // prepared transaction only by its commit or abort: this one is forged or misrouted.
          this.stats.dropped++;
          return this.log(`dropped a commit of ${m.txn} from ${m.from}, which ${this.id} never prepared`);
        }
        return this.out({ type: 'CommitAck', from: this.id, to: m.from, txn: m.txn, clk: this.clock.now() }, true);
      }
      case 'Query':
        return this.onQuery(m);
      case 'Abort':
        if (this.prepared.has(m.txn)) {
          this.rd.persist.push({ abort: m.txn });
          this.dropIntents(m.txn);
          this.prepared.delete(m.txn);
        }
        return;
      default:
        return this.onCoordinator(m);
    }
  }

  /**
   * A read at the owner. One that meets another transaction's write intent at or below its limit
   * cannot know the value until that transaction ends: it waits (Request Waiting List), bounded
   * by `until`, and is taken again whenever an intent goes; past `until` it is refused.
   */
  private onRead(m: Extract<PeerMessage, { type: 'Read' }>, until = this.ticks + this.params.intentWaitTicks): void {
    const reply = { from: this.id, to: m.from, txn: m.txn, attempt: m.attempt };
    if (compareTs(m.s, this.gcMark) < 0) return this.out({ ...reply, type: 'ReadRefused', why: 'read below the low-water mark', clk: this.clock.now() }, false);
    let uncertain: Ts | null = null;
    for (const k of m.keys) {
      const blocker = (this.intents.get(k) ?? []).find((i) => i.write && i.txn !== m.txn && compareTs(i.p, m.limit) <= 0);
      if (blocker !== undefined && this.ticks < until) {
        this.parked.push({ m, until });
        return;
      }
      if (blocker !== undefined) return this.out({ ...reply, type: 'ReadRefused', why: `key ${k} has an intent of ${blocker.txn}`, clk: this.clock.now() }, false);
      for (const v of this.versions.get(k) ?? []) {
        if (compareTs(v.ts, m.s) > 0 && compareTs(v.ts, m.limit) <= 0) uncertain = uncertain === null ? v.ts : maxTs(uncertain, v.ts);
      }
    }
    if (uncertain !== null) return this.out({ ...reply, type: 'ReadUncertain', at: uncertain, clk: this.clock.now() }, false);
    for (const k of m.keys) this.maxRead.set(k, maxTs(this.maxRead.get(k) ?? ZERO_TS, m.s));
    const vals = m.keys.map((k): [string, unknown] => [k, readAt(this.versions.get(k) ?? [], m.s)]);
    this.out({ ...reply, type: 'ReadOk', vals, clk: this.clock.now() }, false);
  }

  /**
   * An owner asks about a transaction this node coordinates: its decision if it has one; nothing
   * while it still runs (it ends in a commit or an abort of its own); else an abort. A transaction
   * neither running nor decided never will be: decisions are logged before any owner hears them,
   * running ones are all in memory, and one of an earlier start of this node ended with it.
   */
  private onQuery(m: Extract<PeerMessage, { type: 'Query' }>): void {
    const d = this.decided.get(m.txn);
    // Durable, as the decision may have been taken in this same Ready.
    if (d !== undefined) return this.out({ type: 'Commit', from: this.id, to: m.from, txn: m.txn, c: d.c, clk: this.clock.now() }, true);
    if (this.txns.has(m.txn)) return;
    this.stats.presumedAborts++;
    this.out({ type: 'Abort', from: this.id, to: m.from, txn: m.txn, clk: this.clock.now() }, false);
  }

  private onPrepare(m: Extract<PeerMessage, { type: 'Prepare' }>): void {
    const no = (why: string) => this.out({ type: 'PrepareNo', from: this.id, to: m.from, txn: m.txn, why, clk: this.clock.now() }, false);
    // A prepare that arrives again after its commit (delayed, resent): the coordinator is past it.
    if (this.committed.has(m.txn)) return;
    if (this.prepared.has(m.txn)) return this.out({ type: 'PrepareOk', from: this.id, to: m.from, txn: m.txn, p: this.prepared.get(m.txn)!.p, clk: this.clock.now() }, true);
    const wkeys = m.writes.map((w) => w.key);
    for (const k of [...m.reads, ...wkeys]) {
      const other = (this.intents.get(k) ?? []).find((i) => i.txn !== m.txn && (i.write || wkeys.includes(k)));
      if (other !== undefined) return no(`key ${k} has an intent of ${other.txn}`);
    }
    // Read-set validation: nothing the transaction read may have changed since its start.
    for (const k of m.reads) {
      const newer = (this.versions.get(k) ?? []).find((v) => compareTs(v.ts, m.s) > 0);
      if (newer !== undefined && (this.variant !== 'si-only' || wkeys.includes(k))) return no(`key ${k} changed after the transaction read it`);
    }
    let p: Ts;
    if (m.proposed !== null) {
      // wallclock-ts: the coordinator's time stands unless it would hide the write from a reader.
      for (const k of wkeys) {
        if (compareTs(m.proposed, maxTs(this.maxRead.get(k) ?? ZERO_TS, this.readFloor)) <= 0) return no(`key ${k} was read after the proposed time`);
        if ((this.versions.get(k) ?? []).some((v) => compareTs(v.ts, m.proposed!) === 0)) return no(`key ${k} has a version at the proposed time`);
      }
      p = m.proposed;
    } else {
      p = maxTs(this.clock.now(), nextTs(m.s));
      for (const k of wkeys) {
        p = maxTs(p, nextTs(maxTs(this.maxRead.get(k) ?? ZERO_TS, this.readFloor)));
        const vs = this.versions.get(k) ?? [];
        if (vs.length > 0) p = maxTs(p, nextTs(vs[vs.length - 1]!.ts));
      }
      this.clock.update(p);
    }
    const prep: Prepared = { coord: m.from, s: m.s, p, reads: m.reads, writes: m.writes, heardAt: this.ticks };
    this.prepared.set(m.txn, prep);
    this.placeIntents(m.txn, prep);
    this.rd.persist.push({ prep: m.txn, coord: m.from, s: m.s, p, reads: m.reads, writes: m.writes });
    this.out({ type: 'PrepareOk', from: this.id, to: m.from, txn: m.txn, p, clk: this.clock.now() }, true);
  }

  private placeIntents(txn: string, p: Prepared): void {
    for (const k of p.reads) push(this.intents, k, { txn, coord: p.coord, p: p.p, write: false });
    for (const w of p.writes) push(this.intents, w.key, { txn, coord: p.coord, p: p.p, write: true });
  }

  private dropIntents(txn: string): void {
    for (const [k, is] of this.intents) {
      const rest = is.filter((i) => i.txn !== txn);
      if (rest.length === 0) this.intents.delete(k);
      else this.intents.set(k, rest);
    }
    this.retryParked();
  }

  /** Takes every waiting read again: answered, refused past its wait, or parked once more. */
  private retryParked(): void {
    const parked = this.parked;
    this.parked = [];
    for (const r of parked) this.onRead(r.m, r.until);
  }

  /** Applies a prepared transaction's writes at `c` and releases its intents. */
  private applyCommit(txn: string, c: Ts): void {
    const p = this.prepared.get(txn);
    if (p === undefined) return;
    for (const w of p.writes) {
      const vs = this.versions.get(w.key) ?? [];
      const at = vs.findIndex((v) => compareTs(v.ts, c) > 0);
      if (at >= 0 && this.variant !== 'wallclock-ts') throw new MvccInvariantError(`${txn} commits ${w.key} at ${c.join('.')}, below a newer version`);
      vs.splice(at < 0 ? vs.length : at, 0, { ts: c, kind: w.kind, v: w.v });
      this.versions.set(w.key, vs);
    }
    // The reads stay valid up to c: no later write may go below it.
    for (const k of p.reads) this.maxRead.set(k, maxTs(this.maxRead.get(k) ?? ZERO_TS, c));
    this.dropIntents(txn);
    this.prepared.delete(txn);
    this.committed.add(txn);
    this.collect(c);
  }

  /** Folds versions below the low-water mark into one, so a key's history stays bounded. */
  private collect(newest: Ts): void {
    const mark: Ts = [newest[0] - this.params.gcWindowMs, 0];
    if (compareTs(mark, this.gcMark) <= 0) return;
    this.gcMark = mark;
    for (const [k, vs] of this.versions) {
      const old = vs.filter((v) => compareTs(v.ts, mark) <= 0);
      if (old.length < 2) continue;
      const last = old[old.length - 1]!;
      const base: Version = old.some((v) => v.kind === 'a') ? { ts: last.ts, kind: 'a', v: readAt(old, last.ts) } : last;
      this.versions.set(k, [base, ...vs.slice(old.length)]);
    }
  }

  // ------------------------------------------------------------------ sending

  /** Sends `m`; `durable`: only once this Ready's records are synced. To itself: at once. */
  private out(m: PeerMessage, durable: boolean): void {
    if (m.to === this.id) {
      if (durable) this.selfReplies.push(m);
      else this.local.push(m);
    } else if (durable) this.rd.messages.push(m);
    else this.rd.early.push(m);
  }

  private pump(): void {
    for (let i = 0; this.local.length > 0; i++) {
      if (i > 100_000) throw new MvccInvariantError('messages to itself do not settle');
      const m = this.local.shift()!;
      this.onMessage(m);
    }
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const l = m.get(k);
  if (l === undefined) m.set(k, [v]);
  else l.push(v);
}
