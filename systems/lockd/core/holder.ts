/**
 * A lock holder, as a client library runs it for one `lock` request: grant a lease, acquire the
 * lock (its fencing token comes back), then a few times check the lease, work, and write to the
 * fenced resource with the token, keeping the lease alive meanwhile; then release and revoke.
 *
 * Pure and step-driven, like the cores: the shell (../main.ts) and the simulator (../sim.ts) run
 * its actions (`call` the core, `write` the resource, set a `timer`) and hand back what came of
 * them. Time comes from the injected clocks.
 *
 * The check before each write is where the lease's safety margin acts (client-lease.ts): a holder
 * whose lease may have ended stops. The work between the check and the write is where a pause
 * strikes that no check can see; the fencing token is what then keeps the late write out.
 */
import { ClientLease, type HolderClocks } from './client-lease.js';
import type { LockdRequest } from './node.js';

/** What the holder asks its driver to do. */
export type HolderAction =
  | { kind: 'call'; tag: string; req: LockdRequest }
  | { kind: 'write'; tag: string; lock: string; token: number; value: unknown }
  | { kind: 'timer'; tag: string; ms: number }
  | { kind: 'done'; result: HolderResult };

/** One write to the resource as the holder saw it. */
export interface HolderWrite {
  token: number;
  accepted: boolean | null;
  seq?: number;
}

/**
 * How a lock request ended. Times are ms on the holder's monotonic clock since the request
 * arrived: `acquiredMs` when the acquire's answer came, `heldUntilMs` the end of its use of the
 * lock (the latest moment it acted as holder: a passed lease check, or the start of a write,
 * but never past the lease's end as it believed it at the check before), `doneMs` when it
 * answered.
 */
export interface HolderResult {
  outcome: 'ok' | 'held' | 'failed' | 'unknown';
  lease: string | null;
  token: number | null;
  acquiredMs: number | null;
  heldUntilMs: number | null;
  doneMs: number;
  /** The holder stopped early: its lease may have ended (or the leader said it had). */
  lost: boolean;
  writes: HolderWrite[];
  released: boolean;
  error?: { code: number; text: string };
}

export interface HolderOptions {
  lock: string;
  /** The value written (each write adds its number). */
  value: unknown;
  ttlMs: number;
  marginMs: number;
  writes: number;
  workMs: number;
  trustsTtl: boolean;
  clock: HolderClocks;
}

type Reply = Record<string, unknown> & { type: string };

export class Holder {
  private readonly lease: ClientLease;
  private readonly t0: number;
  private leaseId: string | null = null;
  private token: number | null = null;
  private acquiredMs: number | null = null;
  private heldUntilMs: number | null = null;
  private lost = false;
  private readonly writes: HolderWrite[] = [];
  private released = false;
  private keepaliveSentMs: number | null = null;
  private finished = false;
  private phase: 'grant' | 'acquire' | 'work' | 'release' | 'revoke' = 'grant';
  private grantSentMs = 0;
  /** The end of the lease as the holder believed it at its last check (monotonic ms). */
  private believedUntilMs = 0;

  constructor(private readonly o: HolderOptions) {
    this.lease = new ClientLease(o.clock, o.ttlMs, o.marginMs, o.trustsTtl);
    this.t0 = o.clock.monoMs();
  }

  get done(): boolean {
    return this.finished;
  }

  start(): HolderAction[] {
    this.grantSentMs = this.o.clock.monoMs();
    return [{ kind: 'call', tag: 'grant', req: { type: 'grant', ttlMs: this.o.ttlMs } }];
  }

  /** The answer to a `call` (an `error` body for an error or a timeout). */
  onReply(tag: string, body: Reply): HolderAction[] {
    if (this.finished) return [];
    const err = body.type === 'error' ? { code: Number(body.code), text: String(body.text ?? '') } : null;
    if (tag === 'keepalive') {
      const sent = this.keepaliveSentMs;
      this.keepaliveSentMs = null;
      if (err === null && sent !== null) this.lease.renewed(sent);
      else if (err !== null && body.lease_gone === true) this.lease.lost();
      return this.phase === 'work' ? [{ kind: 'timer', tag: 'keepalive', ms: this.keepaliveMs() }] : [];
    }
    switch (tag) {
      case 'grant':
        if (err !== null) return this.finish('failed', err);
        this.leaseId = String(body.lease);
        this.lease.renewed(this.grantSentMs);
        this.phase = 'acquire';
        return [{ kind: 'call', tag: 'acquire', req: { type: 'acquire', lock: this.o.lock, lease: this.leaseId } }];
      case 'acquire':
        if (err !== null) {
          // Held by another lease: a definite refusal. Otherwise the acquire may have happened.
          const outcome = body.held === true ? 'held' : err.code === 0 ? 'unknown' : 'failed';
          return this.revokeThen(outcome, err);
        }
        this.token = Number(body.token);
        this.acquiredMs = this.rel();
        this.phase = 'work';
        return [...this.check(), { kind: 'timer', tag: 'keepalive', ms: this.keepaliveMs() }];
      case 'release':
        this.released = err === null;
        return this.revokeThen('ok');
      case 'revoke':
        return this.finish(this.pendingOutcome, this.pendingError);
      default:
        return [];
    }
  }

  /** What came of a `write` to the resource (null: no answer). */
  onWrite(_tag: string, r: { accepted: boolean; seq?: number } | null): HolderAction[] {
    if (this.finished) return [];
    const w = this.writes.at(-1);
    if (w !== undefined) {
      w.accepted = r === null ? null : r.accepted;
      if (r?.seq !== undefined) w.seq = r.seq;
    }
    if (this.writes.length >= this.o.writes) return this.release();
    return this.check();
  }

  onTimer(tag: string): HolderAction[] {
    if (this.finished) return [];
    this.lease.timerFired(tag === 'keepalive' ? this.keepaliveMs() : this.o.workMs);
    if (tag === 'keepalive') {
      if (this.phase !== 'work' || this.leaseId === null || this.keepaliveSentMs !== null) return [];
      this.keepaliveSentMs = this.o.clock.monoMs();
      return [{ kind: 'call', tag: 'keepalive', req: { type: 'keepalive', lease: this.leaseId } }];
    }
    if (tag === 'work') {
      // The write is a use of the lock, up to where the holder believed its lease ended.
      this.heldUntilMs = Math.max(this.heldUntilMs ?? 0, Math.min(this.o.clock.monoMs(), this.believedUntilMs) - this.t0);
      this.writes.push({ token: this.token!, accepted: null });
      return [{ kind: 'write', tag: 'write', lock: this.o.lock, token: this.token!, value: [this.o.value, this.writes.length] }];
    }
    return [];
  }

  /** Checks the lease before a write: go on (work, then write) or stop and release. */
  private check(): HolderAction[] {
    if (!this.lease.valid()) {
      this.lost = true;
      return this.release();
    }
    this.heldUntilMs = this.rel();
    this.believedUntilMs = this.o.clock.monoMs() + this.lease.remainingMs();
    return [{ kind: 'timer', tag: 'work', ms: this.o.workMs }];
  }

  private keepaliveMs(): number {
    return Math.max(1, Math.floor(this.o.ttlMs / 3));
  }

  private release(): HolderAction[] {
    this.phase = 'release';
    return [{ kind: 'call', tag: 'release', req: { type: 'release', lock: this.o.lock, lease: this.leaseId!, token: this.token! } }];
  }

  private pendingOutcome: HolderResult['outcome'] = 'ok';
  private pendingError: HolderResult['error'] | undefined;

  private revokeThen(outcome: HolderResult['outcome'], error?: HolderResult['error']): HolderAction[] {
    this.phase = 'revoke';
    this.pendingOutcome = outcome;
    this.pendingError = error;
    return [{ kind: 'call', tag: 'revoke', req: { type: 'revoke', lease: this.leaseId! } }];
  }

  private finish(outcome: HolderResult['outcome'], error?: HolderResult['error']): HolderAction[] {
    this.finished = true;
    const result: HolderResult = {
      outcome, lease: this.leaseId, token: this.token, acquiredMs: this.acquiredMs, heldUntilMs: this.heldUntilMs,
      doneMs: this.rel(), lost: this.lost, writes: this.writes, released: this.released,
      ...(error !== undefined ? { error } : {}),
    };
    return [{ kind: 'done', result }];
  }

  private rel(): number {
    return this.o.clock.monoMs() - this.t0;
  }
}
