/**
 * Harness-side generator combinators: rate (`stagger`), time limits and phases, on top of the
 * pure generator protocol of workloads/generator.ts (re-exported here). Like every generator they
 * are immutable values; `harness/run/interpreter.ts` is the only code that waits or records.
 *
 *   timeLimit(deadlineNs, stagger(rate, rng, workload.generator({ rng, concurrency, nodes })))
 */
import type { GenContext, GenEvent, GenResult, Generator, Op, PureRng } from '../../workloads/generator.js';

export type { FreeWorker, GenContext, GenEvent, GenResult, Generator, Op, PureRng } from '../../workloads/generator.js';
export { each, independentKeys } from '../../workloads/generator.js';

/**
 * Spaces ops so that they come at `rateOpsPerSec` on average over all workers: each op is due a
 * uniformly random interval (0 to twice the mean) after the previous one, as Jepsen's stagger.
 */
export function stagger(rateOpsPerSec: number, rng: PureRng, inner: Generator): Generator {
  if (!(rateOpsPerSec > 0)) throw new RangeError('stagger needs a positive rate');
  return new Stagger(1e9 / rateOpsPerSec, rng, inner, null);
}

class Stagger implements Generator {
  constructor(
    private readonly meanNs: number,
    private readonly rng: PureRng,
    private readonly inner: Generator,
    private readonly dueNs: number | null,
  ) {}

  op(ctx: GenContext): GenResult {
    const r = this.inner.op(ctx);
    if (r === null || r === 'pending') return r;
    const due = Math.max(this.dueNs ?? ctx.timeNs, r.op.timeNs ?? 0);
    // Draw in microseconds: the distribution needs 32-bit bounds, and µs is precise enough.
    const [gapUs, rng] = this.rng.int(0, Math.max(1, Math.round((2 * this.meanNs) / 1000)));
    const op: Op = { ...r.op, timeNs: due };
    return { op, next: new Stagger(this.meanNs, rng, r.next, due + gapUs * 1000) };
  }

  update(ctx: GenContext, event: GenEvent): Generator {
    return new Stagger(this.meanNs, this.rng, this.inner.update(ctx, event), this.dueNs);
  }
}

/** Ends the inner generator at `deadlineNs` (ns since the run started): no op is due after it. */
export function timeLimit(deadlineNs: number, inner: Generator): Generator {
  return new TimeLimit(deadlineNs, inner);
}

class TimeLimit implements Generator {
  constructor(
    private readonly deadlineNs: number,
    private readonly inner: Generator,
  ) {}

  op(ctx: GenContext): GenResult {
    if (ctx.timeNs >= this.deadlineNs) return null;
    const r = this.inner.op(ctx);
    if (r === null || r === 'pending') return r;
    if ((r.op.timeNs ?? ctx.timeNs) >= this.deadlineNs) return null;
    return { op: r.op, next: new TimeLimit(this.deadlineNs, r.next) };
  }

  update(ctx: GenContext, event: GenEvent): Generator {
    return new TimeLimit(this.deadlineNs, this.inner.update(ctx, event));
  }
}

/** Stops after `count` ops (a bound on any generator, e.g. the history length). */
export function limit(count: number, inner: Generator): Generator {
  return new Limit(count, inner);
}

class Limit implements Generator {
  constructor(
    private readonly remaining: number,
    private readonly inner: Generator,
  ) {}

  op(ctx: GenContext): GenResult {
    if (this.remaining <= 0) return null;
    const r = this.inner.op(ctx);
    if (r === null || r === 'pending') return r;
    return { op: r.op, next: new Limit(this.remaining - 1, r.next) };
  }

  update(ctx: GenContext, event: GenEvent): Generator {
    return new Limit(this.remaining, this.inner.update(ctx, event));
  }
}

/**
 * Runs a generator with no system behind it: every op completes `ok` at once and time jumps to
 * each op's due time. Gives the op sequence a seed produces, for tests and for `--dry-run` views.
 */
export function simulate(gen: Generator, opts: { workerCount: number; maxOps: number }): Array<Op & { process: number }> {
  const out: Array<Op & { process: number }> = [];
  let g = gen;
  let timeNs = 0;
  const free = Array.from({ length: opts.workerCount }, (_, w) => ({ worker: w, process: w }));
  while (out.length < opts.maxOps) {
    const ctx: GenContext = { timeNs, free, workerCount: opts.workerCount };
    const r = g.op(ctx);
    if (r === null || r === 'pending') break;
    timeNs = Math.max(timeNs, r.op.timeNs ?? timeNs);
    const process = r.op.worker;
    out.push({ ...r.op, process });
    const ev = { worker: r.op.worker, process, f: r.op.f, value: r.op.value };
    g = r.next.update({ ...ctx, timeNs }, { ...ev, type: 'invoke' });
    g = g.update({ ...ctx, timeNs }, { ...ev, type: 'ok' });
  }
  return out;
}
