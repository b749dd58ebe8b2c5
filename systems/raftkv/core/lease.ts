/**
 * A leader's lease (Lease pattern; Raft thesis §6.4.1): once a majority acknowledged a heartbeat
 * round sent at time t, no other leader can be elected before t + the lease (a fraction of the
 * minimum election timeout), because those followers do not vote while they hear from a leader.
 * Until then the leader serves reads without a quorum round.
 *
 * Kept on the monotonic clock; the `lease-wallclock` variant reads the wall clock instead, which
 * the clock-skew fault moves.
 */
import type { CoreClock } from './types.js';

const NO_TIME = Number.NEGATIVE_INFINITY;

export class Lease {
  /** The highest heartbeat round a majority acknowledged. */
  private confirmedRound = 0;
  /** When each unconfirmed round was sent, on both clocks. */
  private readonly roundSent = new Map<number, { mono: number; wall: number }>();
  private untilMono = NO_TIME;
  private untilWall = NO_TIME;

  constructor(
    private readonly clock: CoreClock,
    private readonly leaseMs: number,
    private readonly onWallClock: boolean,
  ) {}

  /** No lease, no rounds: a new leader, or one that stepped down. */
  reset(): void {
    this.confirmedRound = 0;
    this.roundSent.clear();
    this.untilMono = NO_TIME;
    this.untilWall = NO_TIME;
  }

  /** A heartbeat round leaves now. */
  roundStarted(round: number): void {
    this.roundSent.set(round, { mono: this.clock.monoMs(), wall: this.clock.wallMs() });
  }

  /**
   * A majority acknowledged round `q`: the lease grows from the time it was sent. Returns false
   * when `q` confirms nothing new.
   */
  confirm(q: number): boolean {
    if (q <= this.confirmedRound) return false;
    this.confirmedRound = q;
    const sent = this.roundSent.get(q);
    if (sent !== undefined) {
      // A lease only ever grows. On the monotonic clock that is plain arithmetic; on the wall
      // clock (the broken variant) a lease taken while the clock was ahead outlives the clock's
      // correction, and a lease taken while it is set back reaches into the future.
      this.untilMono = Math.max(this.untilMono, sent.mono + this.leaseMs);
      this.untilWall = Math.max(this.untilWall, sent.wall + this.leaseMs);
    }
    for (const k of this.roundSent.keys()) if (k < q) this.roundSent.delete(k);
    return true;
  }

  /** Whether no other leader can exist now. */
  valid(): boolean {
    if (this.onWallClock) return this.clock.wallMs() < this.untilWall;
    return this.clock.monoMs() < this.untilMono;
  }
}
