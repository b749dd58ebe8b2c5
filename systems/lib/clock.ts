/**
 * The node's clocks. `wallMs()` is the wall clock as the node sees it: the machine's clock plus an
 * offset that the harness's clock nemesis sets with the `clock-offset` admin message (so a skewed
 * node really reads a wrong time). `monoMs()` is a monotonic clock that no offset touches, for
 * timeouts and leases done right. Systems read time only through a Clock, so a variant that wrongly
 * trusts the wall clock is exposed by the skew fault.
 */

/** Wall clock with a settable offset, beside a monotonic clock. */
export class Clock {
  private offsetMs = 0;

  /** Wall-clock milliseconds since the epoch, including the nemesis offset. */
  wallMs(): number {
    return Date.now() + this.offsetMs;
  }

  /** Unskewed wall-clock microseconds since the epoch (for the peer-message log only). */
  trueWallUs(): number {
    return Math.round((performance.timeOrigin + performance.now()) * 1000);
  }

  /** Monotonic milliseconds since an arbitrary origin; never jumps, never skewed. */
  monoMs(): number {
    return performance.now();
  }

  /** Sets the offset: from now on `wallMs()` reads `ms` ahead (negative: behind) of the machine. */
  setOffsetMs(ms: number): void {
    if (!Number.isFinite(ms) || Math.abs(ms) > 10 * 365 * 24 * 3600 * 1000) {
      throw new RangeError('clock offset must be a finite number of ms within 10 years');
    }
    this.offsetMs = ms;
  }

  /** The current offset in ms. */
  getOffsetMs(): number {
    return this.offsetMs;
  }
}
