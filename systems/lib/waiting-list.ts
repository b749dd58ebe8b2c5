/**
 * Request Waiting List: requests parked until something happens elsewhere (a quorum of replies,
 * the commit index passing their log index, an fsync), each with a timeout so that nothing waits
 * forever. Two shapes:
 *   - {@link RequestWaitingList}: keyed by a correlation id, completed or failed one by one;
 *   - {@link IndexWaiters}: keyed by a log index, all released at once when a watermark (commit
 *     index, synced index, High-Water Mark) reaches theirs.
 * Timers use the event loop, which runs on monotonic time, never the (skewable) wall clock.
 */

/** The error a waiter is rejected with when its time is up. */
export class WaitTimeoutError extends Error {
  constructor(what: string, timeoutMs: number) {
    super(`${what}: no outcome in ${timeoutMs} ms`);
    this.name = 'WaitTimeoutError';
  }
}

interface Waiter<T> {
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
  timer: NodeJS.Timeout | null;
}

/** Pending requests by correlation id, each with a timeout. */
export class RequestWaitingList<K, T> {
  private readonly pending = new Map<K, Waiter<T>>();

  /** @param maxPending most requests parked at once; `add` throws beyond it. */
  constructor(private readonly maxPending = 100_000) {}

  /**
   * Parks a request under `key` and returns the promise of its outcome. It rejects with
   * {@link WaitTimeoutError} after `timeoutMs` (0: no timeout). A key already pending is an error.
   */
  add(key: K, timeoutMs: number): Promise<T> {
    if (this.pending.has(key)) throw new Error(`request ${String(key)} is already waiting`);
    if (this.pending.size >= this.maxPending) throw new Error(`more than ${this.maxPending} requests waiting`);
    return new Promise<T>((resolve, reject) => {
      const w: Waiter<T> = { resolve, reject, timer: null };
      if (timeoutMs > 0) {
        w.timer = setTimeout(() => {
          this.pending.delete(key);
          reject(new WaitTimeoutError(`request ${String(key)}`, timeoutMs));
        }, timeoutMs);
      }
      this.pending.set(key, w);
    });
  }

  /** Completes the request `key`; returns false when it is not (or no longer) waiting. */
  complete(key: K, value: T): boolean {
    const w = this.take(key);
    if (!w) return false;
    w.resolve(value);
    return true;
  }

  /** Fails the request `key`; returns false when it is not waiting. */
  fail(key: K, error: unknown): boolean {
    const w = this.take(key);
    if (!w) return false;
    w.reject(error);
    return true;
  }

  /** Fails every waiting request (for example when a node loses leadership). */
  failAll(error: unknown): number {
    const keys = [...this.pending.keys()];
    for (const k of keys) this.fail(k, error);
    return keys.length;
  }

  /** Whether `key` is waiting. */
  has(key: K): boolean {
    return this.pending.has(key);
  }

  /** Number of waiting requests. */
  get size(): number {
    return this.pending.size;
  }

  private take(key: K): Waiter<T> | undefined {
    const w = this.pending.get(key);
    if (!w) return undefined;
    this.pending.delete(key);
    if (w.timer) clearTimeout(w.timer);
    return w;
  }
}

/** Waiters released when a monotonically rising watermark reaches their index. */
export class IndexWaiters {
  private mark = 0;
  // Sorted by index ascending; releases pop from the front.
  private waiters: Array<{ index: number; w: Waiter<number> }> = [];

  constructor(initialMark = 0, private readonly maxPending = 100_000) {
    this.mark = initialMark;
  }

  /** The current watermark. */
  get watermark(): number {
    return this.mark;
  }

  /** Resolves (with the watermark) once the watermark is >= `index`; rejects after `timeoutMs` (0: never). */
  waitFor(index: number, timeoutMs = 0): Promise<number> {
    if (index <= this.mark) return Promise.resolve(this.mark);
    if (this.waiters.length >= this.maxPending) return Promise.reject(new Error(`more than ${this.maxPending} waiters`));
    return new Promise<number>((resolve, reject) => {
      const entry = { index, w: { resolve, reject, timer: null as NodeJS.Timeout | null } };
      if (timeoutMs > 0) {
        entry.w.timer = setTimeout(() => {
          this.waiters = this.waiters.filter((e) => e !== entry);
          reject(new WaitTimeoutError(`index ${index}`, timeoutMs));
        }, timeoutMs);
      }
      // Insert in order; waits are nearly always for the newest index, so scan from the back.
      let i = this.waiters.length;
      while (i > 0 && this.waiters[i - 1]!.index > index) i--;
      this.waiters.splice(i, 0, entry);
    });
  }

  /** Raises the watermark (a lower value is ignored) and releases every waiter at or below it. */
  advance(mark: number): void {
    if (mark <= this.mark) return;
    this.mark = mark;
    let n = 0;
    while (n < this.waiters.length && this.waiters[n]!.index <= mark) n++;
    const released = this.waiters.splice(0, n);
    for (const { w } of released) {
      if (w.timer) clearTimeout(w.timer);
      w.resolve(mark);
    }
  }

  /** Rejects every waiter (for example when the log is truncated by a new leader). */
  failAll(error: unknown): number {
    const all = this.waiters;
    this.waiters = [];
    for (const { w } of all) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(error);
    }
    return all.length;
  }

  /** Number of waiters. */
  get size(): number {
    return this.waiters.length;
  }
}
