/**
 * A lease as its holder sees it: how long the holder may go on using what the lease protects.
 *
 * The holder cannot see the leader's clock. What it knows is when it *sent* the grant or keepalive
 * that the leader answered: the leader measured the TTL from a later moment (when the command was
 * applied there), so the lease cannot end before sent + TTL by the leader's clock. The holder
 * measures that on its own monotonic clock and stops `marginMs` before it, the room it leaves
 * for its clock running at a different rate than the leader's and for the time between its check
 * and its use of the resource. A keepalive that did not answer does not extend anything.
 *
 * The `client-trusts-ttl` variant measures the full TTL from the moment the answer arrived, with
 * no margin, on its own clock: the time its own timers say has passed (a timer of 150 ms that
 * fired means 150 ms). A process that was paused sees one late timer where seconds went by, so
 * after a pause past the TTL it goes on using the lock the leader has revoked and given to
 * another holder.
 */

/** The holder's clocks. */
export interface HolderClocks {
  monoMs(): number;
  wallMs(): number;
}

export class ClientLease {
  /** Monotonic deadline (correct). */
  private deadlineMs = Number.NEGATIVE_INFINITY;
  /** `client-trusts-ttl`: the time its timers counted since the last answer, and whether it holds at all. */
  private ownElapsedMs = 0;
  private renewedOnce = false;

  constructor(
    private readonly clock: HolderClocks,
    private readonly ttlMs: number,
    private readonly marginMs: number,
    private readonly trustsTtl: boolean,
  ) {
    if (!trustsTtl && marginMs >= ttlMs) throw new RangeError(`the lease margin ${marginMs} ms must be below the TTL ${ttlMs} ms`);
  }

  /** The leader answered a grant or keepalive sent at `sentMonoMs` (the holder's monotonic clock then). */
  renewed(sentMonoMs: number): void {
    if (this.trustsTtl) {
      this.ownElapsedMs = 0;
      this.renewedOnce = true;
    } else {
      this.deadlineMs = Math.max(this.deadlineMs, sentMonoMs + this.ttlMs - this.marginMs);
    }
  }

  /** One of the holder's timers of `ms` fired (what `client-trusts-ttl` counts as time passing). */
  timerFired(ms: number): void {
    this.ownElapsedMs += ms;
  }

  /** How much longer the holder believes it may act on the lease, in ms (<= 0: not at all). */
  remainingMs(): number {
    if (this.trustsTtl) return this.renewedOnce ? this.ttlMs - this.ownElapsedMs : 0;
    return this.deadlineMs - this.clock.monoMs();
  }

  /** Whether the holder may still act on the lease now. */
  valid(): boolean {
    return this.remainingMs() > 0;
  }

  /** The lease is gone (revoked, or the leader said it does not exist). */
  lost(): void {
    this.deadlineMs = Number.NEGATIVE_INFINITY;
    this.renewedOnce = false;
  }
}
