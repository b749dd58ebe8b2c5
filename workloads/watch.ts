/**
 * Workload `watch`: writers change keys under one prefix, watchers follow the changes with State
 * Watch polls. A watcher asks for the changes from the index after the last one it got; after a
 * poll that failed or timed out it asks again from the same index, marked `resume` (a reconnect).
 * After the faults heal, one final watch from index 1 reads the whole retained history.
 *
 *   request  {"type":"watch","prefix":"w/","from":42,"resume":false,"msg_id":9}
 *   reply    {"type":"watch_ok","from":42,"events":[{"index":43,"key":"w/1","value":7,"prevIndex":30}],"up_to":47}
 *   request  {"type":"write","key":"w/1","value":8,"msg_id":10}
 *   reply    {"type":"write_ok","index":48}
 *
 * Checker (checkers/lock/watch.ts): each poll a gap-free, in-order run of the log that holds
 * every acknowledged write it covers; the final watch ends at the final state.
 *
 *   faultline run --system lockd --workload watch --time-limit 30
 */
import { z } from 'zod';
import { checkWatchStreams } from '../checkers/lock/watch.js';
import { isHarnessEvent, type HistoryEvent } from '../checkers/history/types.js';
import { each, type GenContext, type GenEvent, type GenResult, type Generator, type PureRng } from './generator.js';
import { firstAnomalyOf } from './coordination.js';
import type { CheckOutcome, Completion, Workload, WorkloadClient, WorkloadGeneratorOptions, WorkloadOptionsSpec } from './types.js';

type Op = { f: string; value: unknown };

/** The prefix every key of the workload has. */
export const WATCH_PREFIX = 'w/';

export type WatchOptions = {
  /** Keys written (under the prefix). */
  keys: number;
  /** One worker in this many is a watcher (at least one). */
  watcherEvery: number;
};

export const watchOptions: WorkloadOptionsSpec<WatchOptions> = {
  schema: z.object({ keys: z.number().int().min(1).max(1000).optional(), watcherEvery: z.number().int().min(1).max(100).optional() }).strict(),
  defaults: { keys: 5, watcherEvery: 3 },
};

interface Stream {
  from: number;
  resume: boolean;
  /** When its last poll was issued (ns). */
  lastNs: number;
}

/** Least time between two polls of one watcher. */
const WATCH_POLL_MS = 50;

/** Writers write unique counting values; watchers poll from where their stream is. */
export class WatchGen implements Generator {
  constructor(
    private readonly rng: PureRng,
    private readonly o: WatchOptions,
    private readonly n: number,
    private readonly streams: ReadonlyMap<number, Stream>,
  ) {}

  private isWatcher(worker: number): boolean {
    return worker % this.o.watcherEvery === 0;
  }

  op(ctx: GenContext): GenResult {
    // Writers first: a watcher's next poll may be due later, and must not hold them up.
    const w = ctx.free.find((x) => !this.isWatcher(x.worker)) ?? ctx.free[0];
    if (!w) return 'pending';
    if (this.isWatcher(w.worker)) {
      const s = this.streams.get(w.worker) ?? { from: 1, resume: false, lastNs: -Infinity };
      // A watcher polls every WATCH_POLL_MS, leaving the rate to the writers.
      const op = { worker: w.worker, f: 'watch', value: { stream: w.worker, prefix: WATCH_PREFIX, from: s.from, resume: s.resume }, timeNs: Math.max(ctx.timeNs, s.lastNs + WATCH_POLL_MS * 1e6) };
      const streams = new Map(this.streams);
      streams.set(w.worker, { ...s, lastNs: op.timeNs });
      return { op, next: new WatchGen(this.rng, this.o, this.n, streams) };
    }
    const [k, rng] = this.rng.int(0, this.o.keys - 1);
    return { op: { worker: w.worker, f: 'write', value: [`${WATCH_PREFIX}${k}`, this.n] }, next: new WatchGen(rng, this.o, this.n + 1, this.streams) };
  }

  update(_ctx: GenContext, e: GenEvent): Generator {
    if (e.f !== 'watch' || e.type === 'invoke') return this;
    const s = this.streams.get(e.worker) ?? { from: 1, resume: false, lastNs: -Infinity };
    let next: Stream;
    if (e.type === 'ok') {
      const upTo = (e.value as { up_to?: unknown } | null)?.up_to;
      next = { ...s, from: typeof upTo === 'number' && upTo >= s.from ? upTo + 1 : s.from, resume: false };
    } else {
      next = { ...s, resume: true };
    }
    const streams = new Map(this.streams);
    streams.set(e.worker, next);
    return new WatchGen(this.rng, this.o, this.n, streams);
  }
}

export const watchClient: WorkloadClient = {
  request(op: Op): Record<string, unknown> {
    if (op.f === 'watch') {
      const v = op.value as { prefix: string; from: number; resume: boolean };
      return { type: 'watch', prefix: v.prefix, from: v.from, resume: v.resume };
    }
    if (op.f === 'write') {
      const [key, value] = op.value as [string, unknown];
      return { type: 'write', key, value };
    }
    throw new RangeError(`watch has no op "${op.f}"`);
  },
  complete(op: Op, reply: Record<string, unknown>): Completion {
    if (op.f === 'watch') {
      if (reply.type !== 'watch_ok' || !Array.isArray(reply.events) || typeof reply.up_to !== 'number') throw new Error(`expected watch_ok with events and up_to, got ${String(reply.type)}`);
      return { type: 'ok', value: { from: reply.from, events: reply.events, up_to: reply.up_to } };
    }
    if (reply.type !== 'write_ok') throw new Error(`expected write_ok, got ${String(reply.type)}`);
    const [key, value] = op.value as [string, unknown];
    return { type: 'ok', value: [key, value, reply.index] };
  },
  readOnly(op: Op): boolean {
    return op.f === 'watch';
  },
};

export const watch: Workload = {
  name: 'watch',
  description: 'writers change keys, watchers follow them with State Watch polls that resume after failures; checked for gap-free, in-order streams that end at the final state',
  options: watchOptions,
  generator(opts: WorkloadGeneratorOptions): Generator {
    const o = { ...watchOptions.defaults, ...((opts.workloadOptions ?? {}) as Partial<WatchOptions>) };
    return new WatchGen(opts.rng, o, 1, new Map());
  },
  client: watchClient,
  finalGenerator(): Generator {
    return each([{ f: 'watch', value: { stream: -1, prefix: WATCH_PREFIX, from: 1, resume: false } }]);
  },
  observedWrites(history: readonly HistoryEvent[]): number {
    let n = 0;
    for (const e of history) {
      if (!isHarnessEvent(e) && e.f === 'watch' && e.type === 'ok') n += ((e.value as { events?: unknown[] } | null)?.events ?? []).length;
    }
    return n;
  },
  checker(history: readonly HistoryEvent[]): Promise<CheckOutcome> {
    const checks = { 'watch-streams': checkWatchStreams(history) };
    return Promise.resolve({ checkers: checks, firstAnomaly: firstAnomalyOf(history, checks) });
  },
};
