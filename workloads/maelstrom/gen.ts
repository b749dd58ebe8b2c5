/**
 * Generators the Maelstrom workloads share: an op for any free worker, drawn from a counter and
 * the seeded stream; and one op on every worker (each worker is bound to one node, so with at
 * least as many workers as nodes every node is asked), for final reads.
 */
import type { GenContext, GenResult, Generator, PureRng } from '../generator.js';

/** Draws the n-th op (n = 0, 1, ...) for `worker`. */
export type CountedDraw = (n: number, rng: PureRng, worker: number) => [{ f: string; value: unknown }, PureRng];

/** Endless ops on whichever worker is free, each from `draw`. */
export function onAnyFree(rng: PureRng, draw: CountedDraw): Generator {
  return new OnAnyFree(rng, draw, 0);
}

class OnAnyFree implements Generator {
  constructor(
    private readonly rng: PureRng,
    private readonly draw: CountedDraw,
    private readonly n: number,
  ) {}

  op(ctx: GenContext): GenResult {
    if (ctx.free.length === 0) return 'pending';
    const [i, rng1] = this.rng.int(0, ctx.free.length - 1);
    const worker = ctx.free[i]!.worker;
    const [{ f, value }, rng2] = this.draw(this.n, rng1, worker);
    return { op: { worker, f, value }, next: new OnAnyFree(rng2, this.draw, this.n + 1) };
  }

  update(): Generator {
    return this;
  }
}

/** The same op once on every worker, then exhausted. */
export function onEveryWorker(op: { f: string; value: unknown }): Generator {
  return new OnEveryWorker(op, new Set());
}

class OnEveryWorker implements Generator {
  constructor(
    private readonly o: { f: string; value: unknown },
    private readonly done: ReadonlySet<number>,
  ) {}

  op(ctx: GenContext): GenResult {
    if (this.done.size >= ctx.workerCount) return null;
    const w = ctx.free.find((x) => !this.done.has(x.worker));
    if (!w) return 'pending';
    return { op: { worker: w.worker, f: this.o.f, value: this.o.value }, next: new OnEveryWorker(this.o, new Set([...this.done, w.worker])) };
  }

  update(): Generator {
    return this;
  }
}
