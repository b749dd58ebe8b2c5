/**
 * What the coordination workloads (`lock`, `watch`) share: running two generators side by side on
 * separate workers, and naming the run's first anomaly from their checkers' verdicts.
 */
import type { LockCheck } from '../checkers/lock/lock.js';
import type { HistoryEvent } from '../checkers/history/types.js';
import type { GenContext, GenEvent, GenResult, Generator } from './generator.js';
import type { Anomaly } from './types.js';

/**
 * Two generators side by side, each with its own workers (`isA` picks the first's): asked for an
 * op, the first offers one to its free workers, then the second to theirs; events go to the
 * generator whose worker they are.
 */
export class SplitWorkers implements Generator {
  constructor(
    private readonly a: Generator,
    private readonly b: Generator,
    private readonly isA: (worker: number) => boolean,
  ) {}

  op(ctx: GenContext): GenResult {
    const freeA = ctx.free.filter((w) => this.isA(w.worker));
    const freeB = ctx.free.filter((w) => !this.isA(w.worker));
    const ra = freeA.length > 0 ? this.a.op({ ...ctx, free: freeA }) : 'pending';
    if (ra !== null && ra !== 'pending') return { op: ra.op, next: new SplitWorkers(ra.next, this.b, this.isA) };
    const rb = freeB.length > 0 ? this.b.op({ ...ctx, free: freeB }) : 'pending';
    if (rb !== null && rb !== 'pending') return { op: rb.op, next: new SplitWorkers(this.a, rb.next, this.isA) };
    return ra === null && rb === null ? null : 'pending';
  }

  update(ctx: GenContext, e: GenEvent): Generator {
    return this.isA(e.worker) ? new SplitWorkers(this.a.update(ctx, e), this.b, this.isA) : new SplitWorkers(this.a, this.b.update(ctx, e), this.isA);
  }
}

/** The earliest event a failing check names, as the run's first anomaly. */
export function firstAnomalyOf(history: readonly HistoryEvent[], checks: Record<string, LockCheck>): Anomaly | null {
  let best: Anomaly | null = null;
  for (const [name, c] of Object.entries(checks)) {
    if (c.valid !== false || c.firstIndex === null) continue;
    if (best !== null && best.index <= c.firstIndex) continue;
    const e = history.find((x) => x.index === c.firstIndex);
    best = { index: c.firstIndex, timeNs: e?.time ?? null, summary: `${name}: ${c.explanation}` };
  }
  return best;
}

