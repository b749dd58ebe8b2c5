/**
 * Lease expiry, as only the leader measures it. The log says which leases exist; the leader
 * keeps, beside it, a deadline per lease on its own monotonic clock: a grant or keepalive applied
 * while it leads sets the deadline to now + TTL, and when it becomes leader every lease gets a
 * full TTL from then (it cannot know when the old leader last heard from the holder, and a fresh
 * TTL only errs on the side of the holder). A lease past its deadline is revoked through the log,
 * so every node agrees on when it ended, and a holder that keeps its lease alive within its TTL
 * is never revoked.
 *
 * The `lease-expiry-wallclock` variant instead compares the leader's wall clock with the expiry
 * the log recorded from the proposer's wall clock (`LeaseRecord.wallExpiryMs`): a skewed clock,
 * on the leader or on the node that proposed the keepalive, ends a lease that is still kept
 * alive, and its lock goes to a second holder while the first still uses it.
 */
import type { LeaseRecord } from './machine.js';

/** The clocks the core may read (the shell's `Clock`, or the simulator's). */
export interface LeaseClocks {
  monoMs(): number;
  wallMs(): number;
}

export class LeaseExpiry {
  /** Monotonic deadline of each lease, while this node leads. */
  private readonly deadlines = new Map<string, number>();
  /** Revokes proposed and not yet applied: lease -> when proposed (monotonic ms). */
  private readonly revoking = new Map<string, number>();
  private leading = false;

  constructor(
    private readonly clock: LeaseClocks,
    private readonly wallclock: boolean,
    private readonly revokeRetryMs: number,
  ) {}

  /** A grant or keepalive of `lease` was applied: its TTL starts again now, on the leader. */
  renewed(lease: string, ttlMs: number): void {
    if (this.leading) this.deadlines.set(lease, this.clock.monoMs() + ttlMs);
  }

  /** A revoke was applied (or the lease is gone): forget it. */
  ended(lease: string): void {
    this.deadlines.delete(lease);
    this.revoking.delete(lease);
  }

  /**
   * The leases to revoke now. `leading` says whether this node leads; `leases` is the log's table.
   * Called on every tick.
   */
  due(leading: boolean, leases: ReadonlyMap<string, LeaseRecord>): string[] {
    const now = this.clock.monoMs();
    if (!leading) {
      this.leading = false;
      this.deadlines.clear();
      this.revoking.clear();
      return [];
    }
    if (!this.leading) {
      // New leader: every lease gets a full TTL from now.
      this.leading = true;
      for (const [id, l] of leases) this.deadlines.set(id, now + l.ttlMs);
    }
    const out: string[] = [];
    for (const [id, l] of leases) {
      let deadline = this.deadlines.get(id);
      if (deadline === undefined) {
        deadline = now + l.ttlMs;
        this.deadlines.set(id, deadline);
      }
      const expired = this.wallclock ? this.clock.wallMs() >= l.wallExpiryMs : now >= deadline;
      if (!expired) continue;
      const proposed = this.revoking.get(id);
      if (proposed !== undefined && now - proposed < this.revokeRetryMs) continue;
      this.revoking.set(id, now);
      out.push(id);
    }
    for (const id of this.deadlines.keys()) if (!leases.has(id)) this.ended(id);
    return out;
  }
}
