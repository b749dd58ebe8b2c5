/**
 * Fixture `txn-kv`: a transactional key-value store for the list-append and rw-register workloads
 * (and the single-key register workload), with named variants that each carry one realistic
 * isolation or durability bug, so that the transactional checker has something real to catch.
 *
 * Node n1 holds the data and writes every committed transaction as one line of an fsynced
 * append-only log in its data dir, so a kill -9 loses nothing that was acknowledged. Every other
 * node forwards each client request to n1 over its peer link, i.e. through the harness's proxy for
 * that link, and relays the answer: partitions and latency on the links reach the clients. n1
 * reports `role: "leader"` in its status, so faults aimed at the leader hit the node that matters.
 *
 * Variants (the `variant` of the node config):
 *   - `correct`: each transaction runs in one step on n1, nothing else in between: strict
 *     serializable.
 *   - `read-committed`: a transaction runs one micro-operation per step, other transactions run
 *     between the steps. Reads see the latest committed state (and the transaction's own writes);
 *     a write takes a lock on its key until the commit (a key locked by another transaction aborts
 *     the writer with txn-conflict, code 30), and the writes are applied together at commit.
 *     Non-repeatable reads, read skew and lost updates follow: G-single and G2-item cycles.
 *   - `snapshot-isolation`: reads come from a snapshot taken when the transaction starts, writes are
 *     applied at commit unless another transaction committed a write to one of the same keys since
 *     the snapshot (first committer wins; the loser gets txn-conflict, code 30). Conflicts on keys
 *     that were only read go unnoticed: write skew (G2-item), but no G-single.
 *   - `lost-commit`: transactions are applied and acknowledged at once, but written to the log only
 *     every `flushIntervalMs` (default 500): a kill -9 of n1 loses what was acknowledged since the
 *     last flush (lost appends, incompatible orders of a list, G1-class anomalies).
 *
 * Single-key requests (the register workload's read, write and cas) run in one step in every
 * variant; under `lost-commit` their log writes are delayed too.
 *
 * Node params (`params` of the node config): `stepDelayMs` (default 2), the pause between the steps
 * of a transaction in the stepwise variants; `flushIntervalMs` (default 500) for `lost-commit`.
 *
 *   node dist/systems/_fixtures/txn-kv/main.js --config node.json
 */
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { RPCS, type RequestOf } from '../../../workloads/wire/rpc.js';
import type { ReplyBody } from '../../lib/client-listener.js';
import { numberParam } from '../../lib/config.js';
import { ErrorCode } from '../../lib/errors.js';
import { createNode, withConfigErrors } from '../../lib/node.js';
import { isOwnerNode, serveOwnerOrForward } from '../owner.js';

/** Requests n1 runs at once in the stepwise variants; beyond that it answers temporarily-unavailable. */
const MAX_ACTIVE_TXNS = 256;

/** The variants of the fixture, as named in its manifest. */
const VARIANTS = ['correct', 'read-committed', 'snapshot-isolation', 'lost-commit'] as const;
type Variant = (typeof VARIANTS)[number];

type Reply = ReplyBody;
/** A micro-operation: `["r", k, null]`, `["append", k, v]` or `["w", k, v]`. */
type MicroOp = [f: string, key: unknown, value: unknown];
/** One write of a committed transaction, as kept in the log. */
type Write = [f: 'append' | 'w', key: string, value: unknown];

/** A definite error reply (the operation did not happen). */
function error(code: number, text: string): Reply {
  return { type: 'error', code, text };
}

/** A key's value after a write: appends make a new list (stored lists are never changed in place). */
function applyWrite(cur: unknown, f: 'append' | 'w', value: unknown): unknown {
  if (f === 'w') return value;
  return Array.isArray(cur) ? [...(cur as unknown[]), value] : [value];
}

/** The data on n1: the committed state, its log, and the transactions in flight. */
class Store {
  /** Committed value per key (JSON text of the key). */
  private readonly data = new Map<string, unknown>();
  /** Commit number of the last committed write per key (snapshot-isolation's conflict check). */
  private readonly versions = new Map<string, number>();
  private commitSeq = 0;
  private active = 0;
  private nextTxnId = 1;
  /** Write locks of read-committed: key -> transaction holding it until its commit. */
  private readonly locks = new Map<string, number>();
  /** Committed writes not yet in the log (lost-commit only). */
  private unflushed: string[] = [];
  private readonly logFile: string;
  private readonly fd: number;

  constructor(
    dataDir: string,
    private readonly variant: Variant,
    private readonly stepDelayMs: number,
    flushIntervalMs: number,
  ) {
    mkdirSync(dataDir, { recursive: true });
    this.logFile = join(dataDir, 'txn.log');
    if (existsSync(this.logFile)) this.replay();
    this.fd = openSync(this.logFile, 'a');
    if (variant === 'lost-commit') setInterval(() => this.flush(), flushIntervalMs).unref();
  }

  /** Rebuilds the state from the log; each line is one committed transaction's writes. */
  private replay(): void {
    const text = readFileSync(this.logFile, 'utf8');
    // A torn last line (kill -9 in the middle of an append) was never acknowledged: cut it, so the
    // next append starts on a line of its own.
    const end = text.lastIndexOf('\n') + 1;
    if (end < text.length) truncateSync(this.logFile, Buffer.byteLength(text.slice(0, end)));
    for (const line of text.slice(0, end).split('\n')) {
      if (line === '') continue;
      let writes: Write[];
      try {
        writes = JSON.parse(line) as Write[];
      } catch {
        continue;
      }
      this.commitSeq++;
      for (const [f, k, v] of writes) {
        this.data.set(k, applyWrite(this.data.get(k), f, v));
        this.versions.set(k, this.commitSeq);
      }
    }
  }

  /** Makes a commit durable: at once (fsync before the answer), or at the next flush (lost-commit). */
  private persist(writes: Write[]): void {
    if (writes.length === 0) return;
    const line = `${JSON.stringify(writes)}\n`;
    if (this.variant === 'lost-commit') {
      this.unflushed.push(line);
      return;
    }
    appendFileSync(this.fd, line);
    fsyncSync(this.fd);
  }

  private flush(): void {
    if (this.unflushed.length === 0) return;
    const lines = this.unflushed.join('');
    this.unflushed = [];
    appendFileSync(this.fd, lines);
    fsyncSync(this.fd);
  }

  /** Applies writes as one commit, in one step. */
  private commit(writes: Write[]): void {
    this.commitSeq++;
    for (const [f, k, v] of writes) {
      this.data.set(k, applyWrite(this.data.get(k), f, v));
      this.versions.set(k, this.commitSeq);
    }
    this.persist(writes);
  }

  /** Answers one client request (a txn, or a single-key read, write or cas), decoded by the registry. */
  async apply(req: RequestOf<typeof RPCS>): Promise<Reply> {
    switch (req.type) {
      case 'txn': {
        const ops: MicroOp[] = req.txn;
        if (this.variant === 'read-committed' || this.variant === 'snapshot-isolation') return this.stepwise(ops);
        return this.atomic(ops);
      }
      case 'read': {
        const key = JSON.stringify(req.key);
        return { type: 'read_ok', value: this.data.has(key) ? this.data.get(key) : null };
      }
      case 'write':
        this.commit([['w', JSON.stringify(req.key), req.value]]);
        return { type: 'write_ok' };
      case 'cas': {
        const key = JSON.stringify(req.key);
        if (!this.data.has(key)) return error(ErrorCode.keyDoesNotExist, 'key does not exist');
        const cur = this.data.get(key);
        if (JSON.stringify(cur) !== JSON.stringify(req.from)) {
          return error(ErrorCode.preconditionFailed, `expected ${JSON.stringify(req.from)}, found ${JSON.stringify(cur)}`);
        }
        this.commit([['w', key, req.to]]);
        return { type: 'cas_ok' };
      }
    }
  }

  /** The whole transaction in one synchronous step: no other transaction can see it half done. */
  private atomic(ops: MicroOp[]): Reply {
    const writes: Write[] = [];
    const out: MicroOp[] = [];
    for (const [f, key, value] of ops) {
      const k = JSON.stringify(key);
      if (f === 'r') {
        out.push([f, key, this.data.has(k) ? this.data.get(k) : null]);
      } else {
        const w: Write = [f as 'append' | 'w', k, value];
        this.data.set(k, applyWrite(this.data.get(k), w[0], value));
        writes.push(w);
        out.push([f, key, value]);
      }
    }
    this.commitSeq++;
    for (const [, k] of writes) this.versions.set(k, this.commitSeq);
    this.persist(writes);
    return { type: 'txn_ok', txn: out };
  }

  /**
   * One micro-operation per step, with other transactions running in between. Reads see the
   * committed state (read-committed) or the snapshot taken at the start (snapshot-isolation),
   * overlaid with the transaction's own buffered writes; the writes are applied at commit.
   */
  private async stepwise(ops: MicroOp[]): Promise<Reply> {
    if (this.active >= MAX_ACTIVE_TXNS) return error(ErrorCode.temporarilyUnavailable, 'too many transactions in flight');
    this.active++;
    try {
      const snapshot = this.variant === 'snapshot-isolation' ? new Map(this.data) : null;
      const startSeq = this.commitSeq;
      const me = this.nextTxnId++;
      const writes: Write[] = [];
      const out: MicroOp[] = [];
      for (const [f, key, value] of ops) {
        await new Promise((r) => setTimeout(r, this.stepDelayMs));
        const k = JSON.stringify(key);
        if (f === 'r') {
          // The state as of now (or as of the snapshot), with this transaction's own writes on top.
          const from = snapshot ?? this.data;
          let seen = from.has(k) ? from.get(k) : null;
          for (const [wf, wk, wv] of writes) if (wk === k) seen = applyWrite(seen, wf, wv);
          out.push([f, key, seen]);
        } else {
          if (this.variant === 'read-committed') {
            // A write lock held to the commit, as databases do at read committed: no dirty writes,
            // and an append keeps its place in the list. No waiting (so no deadlocks): a key
            // another transaction has locked aborts this one.
            const holder = this.locks.get(k);
            if (holder !== undefined && holder !== me) {
              this.unlock(me, writes);
              return error(ErrorCode.txnConflict, `conflict on key ${k}: locked by a concurrent transaction`);
            }
            this.locks.set(k, me);
          }
          writes.push([f as 'append' | 'w', k, value]);
          out.push([f, key, value]);
        }
      }
      await new Promise((r) => setTimeout(r, this.stepDelayMs));
      if (snapshot) {
        // First committer wins, on the written keys only: a key this transaction merely read may
        // have changed since the snapshot, and nothing checks it (hence write skew).
        for (const [, k] of writes) {
          if ((this.versions.get(k) ?? 0) > startSeq) return error(ErrorCode.txnConflict, `conflict on key ${k}: written by a transaction that committed since this one started`);
        }
      }
      this.commit(writes);
      this.unlock(me, writes);
      return { type: 'txn_ok', txn: out };
    } finally {
      this.active--;
    }
  }

  private unlock(me: number, writes: Write[]): void {
    for (const [, k] of writes) if (this.locks.get(k) === me) this.locks.delete(k);
  }

  close(): void {
    // A clean exit (stdin closed) still loses what lost-commit has not flushed: as a crash would.
    closeSync(this.fd);
  }
}

const rt = createNode(VARIANTS);
const variant = rt.config.variant as Variant;
const [stepDelayMs, flushIntervalMs] = withConfigErrors(() => [
  numberParam(rt.config, 'stepDelayMs', 2, 0, 60_000),
  numberParam(rt.config, 'flushIntervalMs', 500, 1, 3_600_000),
]);
const store = isOwnerNode(rt) ? new Store(rt.config.dataDir, variant, stepDelayMs, flushIntervalMs) : null;
await serveOwnerOrForward(rt, RPCS, store, { role: 'leader', facts: () => ({ variant }), describe: `variant ${variant}` });
