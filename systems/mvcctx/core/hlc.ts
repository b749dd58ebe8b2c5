/**
 * Hybrid Clock (Kulkarni et al. 2014; the book's Hybrid Clock): a timestamp is (wall ms, logical
 * counter). `now()` never goes back, even when the wall clock does, and `update(ts)` moves the
 * clock past every timestamp a received message carries, so causality is never reversed. The
 * `wallclock` mode (variant wallclock-ts) is the wall clock alone: it follows every jump back and
 * ignores what messages carry.
 */

/** A timestamp: [wall ms, logical]. */
export type Ts = readonly [number, number];

export const ZERO_TS: Ts = [0, 0];

/** Orders two timestamps: negative, zero or positive. */
export function compareTs(a: Ts, b: Ts): number {
  return a[0] !== b[0] ? a[0] - b[0] : a[1] - b[1];
}

export function maxTs(a: Ts, b: Ts): Ts {
  return compareTs(a, b) >= 0 ? a : b;
}

/** The timestamp just after `t`. */
export function nextTs(t: Ts): Ts {
  return [t[0], t[1] + 1];
}

export function tsText(t: Ts): string {
  return `${t[0]}.${t[1]}`;
}

export class HybridClock {
  private last: Ts = ZERO_TS;

  constructor(
    private readonly wallMs: () => number,
    private readonly wallOnly: boolean,
  ) {}

  /** A timestamp for a local event: after every timestamp this clock gave or received. */
  now(): Ts {
    const w = Math.floor(this.wallMs());
    if (this.wallOnly) {
      this.last = w === this.last[0] ? [w, this.last[1] + 1] : [w, 0];
      return this.last;
    }
    this.last = w > this.last[0] ? [w, 0] : [this.last[0], this.last[1] + 1];
    return this.last;
  }

  /** A message carried `t`: the clock moves past it (not in wall-clock mode). */
  update(t: Ts): void {
    if (this.wallOnly) return;
    if (compareTs(t, this.last) > 0) this.last = t;
  }

  /** The latest timestamp, without ticking. */
  peek(): Ts {
    return this.last;
  }
}
