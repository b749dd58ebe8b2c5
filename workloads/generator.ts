/**
 * The generator protocol: operations as pure values, after jepsen.generator.
 *
 * A generator is an immutable value with two methods:
 * - `op(ctx)` returns the next operation and the generator that follows it (`{ op, next }`),
 *   `'pending'` when it has nothing to emit right now (e.g. no free worker for the key it wants),
 *   or `null` when it is exhausted;
 * - `update(ctx, event)` returns the generator after an invocation or completion was recorded.
 *
 * Neither method sleeps, awaits, or touches the history: only the interpreter in `harness/run`
 * does. Randomness comes from a `PureRng` held in the generator's state, so the same seed gives
 * the same op sequence. Workloads build their generators from these types; the harness adds
 * rate limits, time limits and phases (harness/generator).
 */

/** An immutable random stream (implemented by harness/random.ts's `Rng`). */
export interface PureRng {
  int(min: number, max: number): [number, PureRng];
}

/** One free worker: a client thread, and the process id it currently plays. */
export interface FreeWorker {
  worker: number;
  process: number;
}

/** What a generator sees when asked for an op. */
export interface GenContext {
  /** Nanoseconds since the run started. */
  timeNs: number;
  /** Workers with no op in flight, in worker order. */
  free: readonly FreeWorker[];
  /** How many workers there are (--concurrency). */
  workerCount: number;
}

/** An operation to invoke. */
export interface Op {
  /** The worker (client thread) that performs it; its process id is the worker's current one. */
  worker: number;
  f: string;
  value: unknown;
  /** Not before this time (ns since the run started); absent means now. */
  timeNs?: number;
  /**
   * The node to send it to; absent: the worker's own node. A final phase that must hear from
   * every node (a gossip cluster's state, node by node) names them, whatever the concurrency.
   */
  node?: string;
}

/** An event the interpreter recorded: an invocation or a completion. */
export interface GenEvent {
  type: 'invoke' | 'ok' | 'fail' | 'info';
  worker: number;
  process: number;
  f: string;
  value: unknown;
}

/** The result of `op`. */
export type GenResult = { op: Op; next: Generator } | 'pending' | null;

/** A pure generator of operations. */
export interface Generator {
  op(ctx: GenContext): GenResult;
  update(ctx: GenContext, event: GenEvent): Generator;
}

/** Draws one operation (function and value) for a key; `n`: the ops drawn on this key before it (0, 1, ...). */
export type KeyedOpDraw = (key: number, rng: PureRng, n: number) => [{ f: string; value: unknown }, PureRng];

/** Options of `independentKeys`. */
export interface IndependentKeysOptions {
  rng: PureRng;
  /** Workers sharing one key at a time (Jepsen's per-key process limit). */
  perKey: number;
  /** Ops issued on one key before its group of workers moves on to a fresh key. */
  opsPerKey: number;
  draw: KeyedOpDraw;
}

interface IndependentState {
  rng: PureRng;
  groupKey: readonly number[];
  groupOps: readonly number[];
  nextKey: number;
}

/**
 * Jepsen's independent concurrent generator: the workers are split into groups of `perKey`; each
 * group works on its own key and takes a fresh key after `opsPerKey` ops. Each key's history
 * then stays small enough for the linearizability checker, however long the run.
 */
export function independentKeys(opts: IndependentKeysOptions): Generator {
  return new IndependentKeys(opts, null);
}

class IndependentKeys implements Generator {
  constructor(
    private readonly opts: IndependentKeysOptions,
    private readonly state: IndependentState | null,
  ) {}

  private init(workerCount: number): IndependentState {
    if (this.state) return this.state;
    const groups = Math.max(1, Math.ceil(workerCount / this.opts.perKey));
    return {
      rng: this.opts.rng,
      groupKey: Array.from({ length: groups }, (_, g) => g),
      groupOps: Array.from({ length: groups }, () => 0),
      nextKey: groups,
    };
  }

  op(ctx: GenContext): GenResult {
    if (ctx.free.length === 0) return 'pending';
    const s = this.init(ctx.workerCount);
    const [pickIndex, rng1] = s.rng.int(0, ctx.free.length - 1);
    const worker = (ctx.free[pickIndex] as FreeWorker).worker;
    const g = Math.floor(worker / this.opts.perKey);
    const key = s.groupKey[g] as number;
    const [{ f, value }, rng2] = this.opts.draw(key, rng1, s.groupOps[g] as number);
    const groupKey = s.groupKey.slice();
    const groupOps = s.groupOps.slice();
    let nextKey = s.nextKey;
    groupOps[g] = (groupOps[g] as number) + 1;
    if ((groupOps[g] as number) >= this.opts.opsPerKey) {
      groupKey[g] = nextKey++;
      groupOps[g] = 0;
    }
    return { op: { worker, f, value }, next: new IndependentKeys(this.opts, { rng: rng2, groupKey, groupOps, nextKey }) };
  }

  update(): Generator {
    return this;
  }
}

/** Emits the given ops once each, on any free worker, then is exhausted. */
export function each(ops: ReadonlyArray<{ f: string; value: unknown }>): Generator {
  return new Each(ops, 0);
}

class Each implements Generator {
  constructor(
    private readonly ops: ReadonlyArray<{ f: string; value: unknown }>,
    private readonly i: number,
  ) {}

  op(ctx: GenContext): GenResult {
    if (this.i >= this.ops.length) return null;
    const w = ctx.free[0];
    if (!w) return 'pending';
    const o = this.ops[this.i] as { f: string; value: unknown };
    return { op: { worker: w.worker, f: o.f, value: o.value }, next: new Each(this.ops, this.i + 1) };
  }

  update(): Generator {
    return this;
  }
}
