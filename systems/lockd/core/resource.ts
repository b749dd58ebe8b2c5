/**
 * The fenced resource: the protected storage a lock holder writes to, which accepts a write only
 * with a fencing token at least as new as the newest it has accepted for that lock (Kleppmann's
 * fencing, the book's Lease chapter). A holder that lost its lease while paused, and writes after
 * the next holder did, is refused here however sure it is that it still holds the lock.
 *
 * The `no-fencing-token` variant accepts every write, whatever its token.
 *
 * Pure: the resource process (../resource-main.ts) and the simulator wrap it.
 */

/** An accepted write, in acceptance order. */
export interface AcceptedWrite {
  seq: number;
  lock: string;
  token: number;
  value: unknown;
}

/** Most accepted writes kept for `log` (the checker reads them at the end of a run). */
export const RESOURCE_LOG_MAX = 200_000;

export class FencedResource {
  private readonly newest = new Map<string, number>();
  private readonly accepted: AcceptedWrite[] = [];
  private seq = 0;

  constructor(private readonly checkTokens: boolean) {}

  /** A write with `token`: accepted (with its place in acceptance order) or refused. */
  write(lock: string, token: number, value: unknown): { accepted: true; seq: number } | { accepted: false; newest: number } {
    const newest = this.newest.get(lock) ?? 0;
    if (this.checkTokens && token < newest) return { accepted: false, newest };
    this.newest.set(lock, Math.max(newest, token));
    this.seq++;
    if (this.accepted.length < RESOURCE_LOG_MAX) this.accepted.push({ seq: this.seq, lock, token, value });
    return { accepted: true, seq: this.seq };
  }

  /** Every accepted write so far, in order (up to RESOURCE_LOG_MAX). */
  log(): readonly AcceptedWrite[] {
    return this.accepted;
  }
}
