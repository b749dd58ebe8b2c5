/**
 * The pure protocol core of dynamokv: leaderless replication over quorums (Dynamo, DeCandia et
 * al. 2007; the book's Majority Quorum, Versioned Value, Version Vector and Lamport Clock). No
 * sockets, timers, disk or clock: inputs (`step`, `tick`, `request`) change memory, `ready()`
 * says what to write and send, `advance()` says it was done (etcd raft's Ready/Advance model, so
 * the shared simulator of systems/lib/sim drives the same code as the real process).
 *
 * - Placement: every key lives on N replicas, the N nodes that follow the key's hash on the ring
 *   of node ids (`replicasOf`). Any node coordinates any request.
 * - Write (register): Get from the N replicas, wait for R replies, take the Lamport time past the
 *   newest version seen, Put the new Versioned Value to all N, answer after W acks. The `wallclock`
 *   rule skips the Get and stamps the coordinator's wall clock (lww-wallclock).
 * - Read: Get from the N replicas, wait for R replies, pick the newest copy; when the replies
 *   differ, write it back (Put to all N, wait for W acks) before answering: read repair, which
 *   with R + W > N is the ABD construction (Attiya, Bar-Noy and Dolev 1995) and makes reads and
 *   writes linearizable. `readRepair: false` answers the newest reply at once.
 * - Set add (and counter add, an add of a unique `[id, delta]`): Get R replies, merge their
 *   siblings, Put a new sibling holding every element seen plus the new one, with the merged
 *   version vector and a fresh dot; answer after W acks. Replicas keep the siblings no vector
 *   covers, so concurrent adds survive as siblings and a read unions them.
 * - Replica: merges every Put into its copy (`reconcile`), records the new copy in
 *   `ready().persist`, and answers Gets and Puts in `ready().messages`, which leave only after the
 *   write is durable. Its own coordinator hears its answers in `advance()`, also after the write.
 */
import { BatchReadyCore } from '../../lib/batch-core.js';
import { compareVersions, elementsOf, joinVectors, maxTime, mergeSiblings, reconcile, sameCopy, type Sibling, type Stored, type Version } from './versions.js';
import { ErrorCode } from '../../lib/errors.js';
import { fnv1a } from '../../lib/hash.js';

export type Variant = 'correct' | 'lww-wallclock' | 'no-read-repair' | 'r1w1' | 'lww-set';

export const DYNAMOKV_VARIANTS: readonly Variant[] = ['correct', 'lww-wallclock', 'no-read-repair', 'r1w1', 'lww-set'];

/** How a register's concurrent writes are ordered. */
export type RegisterConflict = 'lamport' | 'wallclock';
/** How a set's concurrent adds are reconciled. */
export type SetConflict = 'version-vector' | 'lamport';

/** The protocol's parameters (manifest `params`; a variant overrides the one it is about). */
export interface DynamoParams {
  n: number;
  r: number;
  w: number;
  conflict: RegisterConflict;
  setConflict: SetConflict;
  readRepair: boolean;
  /** Ticks after which a request is answered with a timeout (indefinite for writes). */
  requestTimeoutTicks: number;
  /** Most requests in flight at a coordinator. */
  maxPendingRequests: number;
}

export const DEFAULT_PARAMS: DynamoParams = { n: 3, r: 2, w: 2, conflict: 'lamport', setConflict: 'version-vector', readRepair: true, requestTimeoutTicks: 50, maxPendingRequests: 10_000 };

/** The parameters a variant runs with. */
export function variantParams(variant: Variant, base: DynamoParams): DynamoParams {
  switch (variant) {
    case 'lww-wallclock':
      return { ...base, conflict: 'wallclock' };
    case 'no-read-repair':
      return { ...base, readRepair: false };
    case 'r1w1':
      return { ...base, r: 1, w: 1 };
    case 'lww-set':
      return { ...base, setConflict: 'lamport' };
    default:
      return base;
  }
}

/** Internal keys: the data type, then the key's JSON text, so a register and a set never share a copy. */
export type KeyKind = 'r' | 's' | 'c';

export type ClientRequest =
  | { type: 'read'; key: string }
  | { type: 'write'; key: string; value: unknown }
  | { type: 'set_add'; key: string; element: unknown }
  | { type: 'set_read'; key: string }
  | { type: 'counter_add'; key: string; delta: number }
  | { type: 'counter_read'; key: string };

export type PeerMessage =
  | { type: 'Get'; from: string; to: string; key: string; rid: number }
  | { type: 'GetReply'; from: string; to: string; key: string; rid: number; val: Stored | null }
  | { type: 'Put'; from: string; to: string; key: string; rid: number; val: Stored }
  | { type: 'PutAck'; from: string; to: string; key: string; rid: number };

export const MESSAGE_TYPES = ['Get', 'GetReply', 'Put', 'PutAck'] as const;

export type ReplyBody = { type: string; [field: string]: unknown };

export interface Reply {
  reqId: number;
  body: ReplyBody;
}

/** One WAL record: the new copy of one key, or the start of an incarnation. */
export type StoreRecord = { k: string; s: Stored } | { boot: number };

export interface Ready {
  /** Requests to replicas: they promise nothing about this node's disk. */
  early: PeerMessage[];
  /** Replica answers: they leave only once `persist` is durable. */
  messages: PeerMessage[];
  persist: StoreRecord[];
  replies: Reply[];
}

/** Error codes of the client protocol: the wire kit's one table. */
export const ERR = ErrorCode;

/** The N replicas of a key: the nodes after its hash on the ring of sorted ids. */
export function replicasOf(key: string, nodes: readonly string[], n: number): string[] {
  const ring = [...nodes].sort();
  const start = fnv1a(key) % ring.length;
  const count = Math.min(n, ring.length);
  return Array.from({ length: count }, (_, i) => ring[(start + i) % ring.length]!);
}

interface Op {
  reqId: number;
  rid: number;
  req: ClientRequest;
  ikey: string;
  replicas: string[];
  phase: 'get' | 'put';
  replies: Map<string, Stored | null>;
  acks: Set<string>;
  /** What the Put phase writes, and the answer once W replicas hold it. */
  put: Stored | null;
  answer: ReplyBody | null;
  deadline: number;
}

export interface DynamoOptions {
  id: string;
  nodes: readonly string[];
  variant: Variant;
  params: DynamoParams;
  /** The copies recovered from the WAL. */
  restore: Map<string, Stored>;
  /** Incarnations before this one (boot records in the WAL): dots of this one never repeat theirs. */
  boots: number;
}

/** A broken invariant of the core: the node crashes (the simulator records it). */
export class DynamoInvariantError extends Error {}

export class DynamoNode extends BatchReadyCore<PeerMessage, StoreRecord> {
  readonly id: string;
  readonly params: DynamoParams;
  private readonly nodes: readonly string[];
  private readonly store: Map<string, Stored>;
  /** Lamport Clock: past every version this node has seen or made. */
  private clock = 0;
  /** This incarnation's actor name in version vectors. */
  private readonly actor: string;
  private ticks = 0;
  private nextRid = 1;
  private readonly ops = new Map<number, Op>();
  readonly stats = { requests: 0, repairs: 0, timeouts: 0 };

  constructor(o: DynamoOptions) {
    super();
    this.id = o.id;
    this.nodes = [...o.nodes];
    this.params = variantParams(o.variant, o.params);
    if (this.params.r < 1 || this.params.w < 1 || this.params.r > this.params.n || this.params.w > this.params.n) {
      throw new DynamoInvariantError(`R (${this.params.r}) and W (${this.params.w}) must be between 1 and N (${this.params.n})`);
    }
    this.store = o.restore;
    for (const s of this.store.values()) this.clock = Math.max(this.clock, maxTime(s));
    this.actor = `${o.id}.${o.boots + 1}`;
    this.rd.persist.push({ boot: o.boots + 1 });
  }

  /** A replica's copy of an internal key. */
  copy(ikey: string): Stored | null {
    return this.store.get(ikey) ?? null;
  }

  get keys(): string[] {
    return [...this.store.keys()];
  }

  status(): Record<string, unknown> {
    const p = this.params;
    return { role: 'replica', n: p.n, r: p.r, w: p.w, conflict: p.conflict, setConflict: p.setConflict, readRepair: p.readRepair, clock: this.clock, keys: this.store.size, inflight: this.ops.size, ...this.stats };
  }

  // ------------------------------------------------------------------ inputs

  /** A client request; `wallMs` is the node's wall clock now (read only by the wallclock rule). */
  request(reqId: number, req: ClientRequest, wallMs: number): void {
    if (this.ops.size >= this.params.maxPendingRequests) {
      this.rd.replies.push({ reqId, body: { type: 'error', code: ERR.temporarilyUnavailable, text: 'too many requests in flight' } });
      return;
    }
    this.stats.requests++;
    const kind: KeyKind = req.type === 'read' || req.type === 'write' ? 'r' : req.type.startsWith('set') ? 's' : 'c';
    const ikey = `${kind}:${req.key}`;
    const op: Op = {
      reqId, rid: this.nextRid++, req, ikey, replicas: replicasOf(ikey, this.nodes, this.params.n), phase: 'get',
      replies: new Map(), acks: new Set(), put: null, answer: null, deadline: this.ticks + this.params.requestTimeoutTicks,
    };
    this.ops.set(op.rid, op);
    if (req.type === 'write' && this.params.conflict === 'wallclock') {
      // Last writer wins by wall clock: no need to read first, the clock orders the writes.
      this.clock = Math.max(this.clock, wallMs);
      this.startPut(op, { kind: 'reg', ver: { t: wallMs, n: this.id }, v: req.value }, { type: 'write_ok' });
      return;
    }
    this.send(op, (to) => ({ type: 'Get', from: this.id, to, key: ikey, rid: op.rid }));
  }

  tick(): void {
    this.ticks++;
    for (const op of [...this.ops.values()]) {
      if (this.ticks < op.deadline) continue;
      this.stats.timeouts++;
      const got = op.phase === 'get' ? `${op.replies.size} of ${this.params.r} replies` : `${op.acks.size} of ${this.params.w} acks`;
      this.finish(op, { type: 'error', code: ERR.timeout, text: `no quorum in time (${got})` });
    }
  }

  step(m: PeerMessage): void {
    switch (m.type) {
      case 'Get':
        return this.reply({ type: 'GetReply', from: this.id, to: m.from, key: m.key, rid: m.rid, val: this.copy(m.key) });
      case 'Put': {
        const held = this.copy(m.key);
        const next = reconcile(held, m.val);
        if (!sameCopy(held, next)) {
          this.clock = Math.max(this.clock, maxTime(next));
          this.store.set(m.key, next);
          this.rd.persist.push({ k: m.key, s: next });
        }
        return this.reply({ type: 'PutAck', from: this.id, to: m.from, key: m.key, rid: m.rid });
      }
      case 'GetReply':
        return this.onGetReply(m);
      case 'PutAck':
        return this.onPutAck(m);
    }
  }

  // ------------------------------------------------------------------ coordinator

  private send(op: Op, make: (to: string) => PeerMessage): void {
    for (const to of op.replicas) {
      // This node's own replica answers through step() at once; its answer waits for the disk.
      if (to === this.id) this.step(make(to));
      else this.rd.early.push(make(to));
    }
  }

  private reply(m: PeerMessage): void {
    if (m.to === this.id) this.selfReplies.push(m);
    else this.rd.messages.push(m);
  }

  private startPut(op: Op, val: Stored, answer: ReplyBody): void {
    op.phase = 'put';
    op.put = val;
    op.answer = answer;
    op.acks.clear();
    this.send(op, (to) => ({ type: 'Put', from: this.id, to, key: op.ikey, rid: op.rid, val }));
  }

  private onGetReply(m: Extract<PeerMessage, { type: 'GetReply' }>): void {
    const op = this.ops.get(m.rid);
    if (op === undefined || op.phase !== 'get' || m.key !== op.ikey || !op.replicas.includes(m.from)) return;
    op.replies.set(m.from, m.val);
    this.clock = Math.max(this.clock, maxTime(m.val));
    if (op.replies.size < this.params.r) return;
    const copies = [...op.replies.values()];
    const newest = this.merge(copies);
    const req = op.req;
    switch (req.type) {
      case 'write':
        this.clock++;
        return this.startPut(op, { kind: 'reg', ver: { t: this.clock, n: this.id }, v: req.value }, { type: 'write_ok' });
      case 'set_add':
      case 'counter_add': {
        const element = req.type === 'set_add' ? req.element : [`${this.actor}:${op.rid}`, req.delta];
        return this.startPut(op, this.added(newest, element), { type: `${req.type}_ok` });
      }
      case 'read':
      case 'set_read':
      case 'counter_read': {
        const answer = this.readAnswer(req.type, newest);
        const differ = copies.some((c) => !sameCopy(c, newest));
        if (!this.params.readRepair || !differ || newest === null) return this.finish(op, answer);
        // Read repair: the newest copy goes back to a quorum before anyone is told about it.
        this.stats.repairs++;
        return this.startPut(op, newest, answer);
      }
    }
  }

  private onPutAck(m: Extract<PeerMessage, { type: 'PutAck' }>): void {
    const op = this.ops.get(m.rid);
    if (op === undefined || op.phase !== 'put' || m.key !== op.ikey || !op.replicas.includes(m.from)) return;
    op.acks.add(m.from);
    if (op.acks.size >= this.params.w) this.finish(op, op.answer!);
  }

  private finish(op: Op, body: ReplyBody): void {
    this.ops.delete(op.rid);
    this.rd.replies.push({ reqId: op.reqId, body });
  }

  /** The newest of several copies: by version, or every undominated sibling. */
  private merge(copies: readonly (Stored | null)[]): Stored | null {
    let out: Stored | null = null;
    for (const c of copies) if (c !== null) out = out === null ? c : reconcile(out, c);
    return out;
  }

  /** The copy after adding `element` to what the Get phase saw. */
  private added(seen: Stored | null, element: unknown): Stored {
    const els = [...elementsOf(seen), element];
    this.clock++;
    if (this.params.setConflict === 'lamport') return { kind: 'lww', ver: { t: this.clock, n: this.id }, els };
    const sibs: Sibling[] = seen !== null && seen.kind === 'vv' ? seen.sibs : [];
    const dot: [string, number] = [this.actor, this.clock];
    const sib: Sibling = { dot, vv: joinVectors(sibs), els };
    const merged = mergeSiblings(sibs, [sib]);
    if (!merged.some((s) => s.dot[0] === dot[0] && s.dot[1] === dot[1])) {
      throw new DynamoInvariantError(`the new sibling ${dot.join(':')} is covered by the vector it read`);
    }
    return { kind: 'vv', sibs: [sib] };
  }

  private readAnswer(type: 'read' | 'set_read' | 'counter_read', c: Stored | null): ReplyBody {
    if (type === 'read') return { type: 'read_ok', value: c !== null && c.kind === 'reg' ? c.v : null };
    const els = elementsOf(c);
    if (type === 'set_read') return { type: 'set_read_ok', value: els };
    let sum = 0;
    for (const e of els) sum += Array.isArray(e) && typeof e[1] === 'number' ? e[1] : 0;
    return { type: 'counter_read_ok', value: sum };
  }
}

/** A version's text, for logs and scenario output. */
export function versionText(v: Version | null): string {
  return v === null ? '-' : `${v.t}.${v.n}`;
}

export { compareVersions };
