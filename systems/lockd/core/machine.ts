/**
 * lockd's replicated state machine: leases, locks with fencing tokens, and keys, plus the bounded
 * history of key changes that State Watch serves. Every node applies the same committed ops in
 * log order (the Raft core of systems/raftkv/core/raft.ts drives it through the `StateMachine`
 * contract), so every node agrees on who holds what, and when a lease ended: a lease ends only by
 * a `revoke` in the log, which the leader proposes when it measures the lease expired
 * (leases.ts), never by a node's own clock.
 *
 * - Lease: `grant` (id `L<index>`, with its TTL), `keepalive`, `revoke`; revoking releases the
 *   lease's locks and deletes the keys attached to it.
 * - Fencing token: an `acquire` of a free lock returns the log index of its entry, which is larger
 *   than every token returned before it.
 * - State Watch: `put` and `delete` of keys (and the deletions a revoke causes) append events;
 *   the newest `watchHistoryMax` are kept and snapshotted with the state, so a watch can resume
 *   from any index after `compactedTo` and gets an error, never a silent gap, before it.
 */
import { ErrorCode } from '../../../workloads/wire/errors.js';
import { SessionTable, type SessionsState } from '../../lib/idempotent-receiver.js';
import type { ApplyResult, Command, StateMachine } from '../../lib/state-machine.js';
import type { LockOp, WatchEvent } from './types.js';

/** A lease as the log knows it. */
export interface LeaseRecord {
  ttlMs: number;
  /** The proposer's wall clock at the last grant or keepalive, plus the TTL. */
  wallExpiryMs: number;
}

interface KeyRecord {
  value: unknown;
  index: number;
  lease: string | null;
}

/** The whole state, as a snapshot holds it. */
export interface LockdState {
  leases: [id: string, lease: LeaseRecord][];
  locks: [lock: string, holder: { lease: string; token: number }][];
  keys: [key: string, rec: KeyRecord][];
  tombstones: [key: string, index: number][];
  events: WatchEvent[];
  compactedTo: number;
  sessions: SessionsState<ApplyResult>;
}

/** The answer to a watch poll from the events held. */
export type WatchAnswer = { ok: true; events: WatchEvent[]; upTo: number } | { ok: false; compactedTo: number };

export class LockdMachine implements StateMachine {
  private readonly leases = new Map<string, LeaseRecord>();
  private readonly locks = new Map<string, { lease: string; token: number }>();
  private readonly keys = new Map<string, KeyRecord>();
  /** The index at which each deleted key was deleted, so its next event names it as the previous change. */
  private readonly tombstones = new Map<string, number>();
  private events: WatchEvent[] = [];
  /** Events at or below this index are no longer held. */
  private compactedTo = 0;
  private appliedIndex = 0;
  private readonly sessions = new SessionTable<ApplyResult>();

  /** @param watchHistoryMax most events held for watches. */
  constructor(private readonly watchHistoryMax: number) {}

  get size(): number {
    return this.keys.size;
  }

  /** The value of a key, or null. */
  read(key: string): unknown {
    return this.keys.get(key)?.value ?? null;
  }

  /** The index of the last applied entry that changed anything here (for watch replies). */
  get applied(): number {
    return this.appliedIndex;
  }

  /** Every lease and its record (the leader measures their expiry). */
  leaseTable(): ReadonlyMap<string, LeaseRecord> {
    return this.leases;
  }

  /** Who holds `lock`, or undefined. */
  holder(lock: string): { lease: string; token: number } | undefined {
    return this.locks.get(lock);
  }

  snapshot(): LockdState {
    return {
      leases: [...this.leases].map(([id, l]) => [id, { ...l }]),
      locks: [...this.locks].map(([k, h]) => [k, { ...h }]),
      keys: [...this.keys].map(([k, r]) => [k, { ...r }]),
      tombstones: [...this.tombstones],
      events: this.events.slice(),
      compactedTo: this.compactedTo,
      sessions: this.sessions.snapshot(),
    };
  }

  restore(snapshot: unknown): void {
    const s = snapshot as LockdState;
    this.leases.clear();
    this.locks.clear();
    this.keys.clear();
    for (const [id, l] of s.leases) this.leases.set(id, { ...l });
    for (const [k, h] of s.locks) this.locks.set(k, { ...h });
    for (const [k, r] of s.keys) this.keys.set(k, { ...r });
    this.tombstones.clear();
    for (const [k, i] of s.tombstones) this.tombstones.set(k, i);
    this.events = s.events.slice();
    this.compactedTo = s.compactedTo;
    this.sessions.restore(s.sessions);
    this.appliedIndex = Math.max(this.compactedTo, this.events.at(-1)?.index ?? 0);
  }

  /**
   * Applies a committed op. Commands reach it only through lockd's peer decoder, which admits
   * `LockOp`s alone; a retried command is applied once (Idempotent Receiver).
   */
  apply(cmd: Command, index: number): ApplyResult {
    this.appliedIndex = index;
    return this.sessions.apply(cmd, () => this.execute(cmd.op as LockOp, index));
  }

  /**
   * The events of keys starting with `prefix` after index `from - 1`, at most `max`, and the
   * index they are complete up to; or the compaction point when `from` is at or below it.
   */
  watch(prefix: string, from: number, max: number): WatchAnswer {
    if (from <= this.compactedTo) return { ok: false, compactedTo: this.compactedTo };
    const out: WatchEvent[] = [];
    // Events are in index order: find the first at or after `from` by binary search.
    let lo = 0;
    let hi = this.events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.events[mid]!.index < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.events.length; i++) {
      const e = this.events[i]!;
      if (!e.key.startsWith(prefix)) continue;
      if (out.length === max) return { ok: true, events: out, upTo: e.index - 1 };
      out.push(e);
    }
    return { ok: true, events: out, upTo: this.appliedIndex };
  }

  private execute(op: LockOp, index: number): ApplyResult {
    switch (op.f) {
      case 'grant': {
        const id = `L${index}`;
        this.leases.set(id, { ttlMs: op.ttlMs, wallExpiryMs: op.wallMs + op.ttlMs });
        return { type: 'grant_ok', lease: id, ttl_ms: op.ttlMs, index };
      }
      case 'keepalive': {
        const l = this.leases.get(op.lease);
        if (l === undefined) return noLease(op.lease);
        l.wallExpiryMs = Math.max(l.wallExpiryMs, op.wallMs + l.ttlMs);
        return { type: 'keepalive_ok', lease: op.lease, ttl_ms: l.ttlMs, index };
      }
      case 'revoke': {
        if (!this.leases.has(op.lease)) return noLease(op.lease);
        this.leases.delete(op.lease);
        for (const [lock, h] of this.locks) if (h.lease === op.lease) this.locks.delete(lock);
        for (const [key, r] of this.keys) if (r.lease === op.lease) this.change(key, null, index);
        return { type: 'revoke_ok', lease: op.lease, index };
      }
      case 'acquire': {
        if (!this.leases.has(op.lease)) return noLease(op.lease);
        const h = this.locks.get(op.lock);
        if (h !== undefined) {
          if (h.lease === op.lease) return { type: 'acquire_ok', lock: op.lock, token: h.token, index };
          return { type: 'error', code: ErrorCode.preconditionFailed, text: `lock ${op.lock} is held (token ${h.token})`, held: true };
        }
        this.locks.set(op.lock, { lease: op.lease, token: index });
        return { type: 'acquire_ok', lock: op.lock, token: index, index };
      }
      case 'release': {
        const h = this.locks.get(op.lock);
        if (h === undefined || h.lease !== op.lease || h.token !== op.token) {
          return { type: 'error', code: ErrorCode.preconditionFailed, text: `lock ${op.lock} is not held with token ${op.token}` };
        }
        this.locks.delete(op.lock);
        return { type: 'release_ok', lock: op.lock, index };
      }
      case 'put': {
        if (op.lease !== null && !this.leases.has(op.lease)) return noLease(op.lease);
        this.change(op.key, op.value, index, op.lease);
        return { type: 'put_ok', index };
      }
      case 'delete': {
        if (this.keys.has(op.key)) this.change(op.key, null, index);
        return { type: 'delete_ok', index };
      }
    }
  }

  /** Sets (value not null) or deletes a key at `index` and records the event. */
  private change(key: string, value: unknown, index: number, lease: string | null = null): void {
    const prevIndex = this.keys.get(key)?.index ?? this.tombstones.get(key) ?? 0;
    if (value === null) {
      this.keys.delete(key);
      this.tombstones.set(key, index);
    } else {
      this.keys.set(key, { value, index, lease });
      this.tombstones.delete(key);
    }
    this.events.push({ index, key, value, prevIndex });
    if (this.events.length > this.watchHistoryMax) {
      const dropped = this.events.splice(0, this.events.length - this.watchHistoryMax);
      this.compactedTo = dropped.at(-1)!.index;
    }
  }
}

function noLease(lease: string): ApplyResult {
  return { type: 'error', code: ErrorCode.keyDoesNotExist, text: `lease ${lease} does not exist (expired or revoked)`, lease_gone: true };
}
