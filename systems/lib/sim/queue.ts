/**
 * The simulator's event queue: a binary min-heap ordered by (time, insertion order), so that
 * events due at the same virtual time always run in the order they were scheduled.
 */

interface Ev {
  at: number;
  seq: number;
  run: () => void;
}

function less(a: Ev, b: Ev): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Callbacks due at virtual times; ties replay in one order. */
export class EventQueue {
  private h: Ev[] = [];
  private seq = 0;

  get size(): number {
    return this.h.length;
  }

  /** The time of the earliest event, or undefined when the queue is empty. */
  get nextAt(): number | undefined {
    return this.h[0]?.at;
  }

  push(at: number, run: () => void): void {
    const e = { at, seq: this.seq++, run };
    const h = this.h;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, e)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  /** The earliest event, removed from the queue; undefined when empty. */
  pop(): { at: number; run: () => void } | undefined {
    const h = this.h;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && less(h[r]!, h[l]!) ? r : l;
      if (less(last, h[c]!)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}
