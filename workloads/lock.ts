/**
 * Workload `lock`: clients take turns holding locks of a lock service (lockd). Each op is one
 * holder's whole turn, run by the client library inside the node it is sent to (so a pause or a
 * skew of that node is one of the holder): grant a lease, acquire the lock, then a few times check
 * the lease, work, and write to the fenced resource with the fencing token; release. A turn that
 * finds the lock held fails (error 22, definite). After the faults heal, one `resource_log` reads
 * every write the fenced resource accepted.
 *
 * Beside the holders, two workers in six run the `watch` workload's ops (a watcher and a key
 * writer), so that a run of the lock service's default workload exercises its State Watch
 * too: the lease, lock and watch patterns of one system are judged by one default invocation.
 *
 * Checkers (checkers/lock/): `mutex` (the turns as acquire/release against the mutex model),
 * `fenced-register` (the resource's tokens never go down), `lease-safety` (no two holders of a
 * lock at the same real time), and `watch-streams` on the watch ops.
 *
 *   request  {"type":"lock","lock":"L0","value":17,"msg_id":3}
 *   reply    {"type":"lock_ok","token":812,"acquired_ms":9,"held_until_ms":321,"done_ms":480,"writes":[...],...}
 *
 *   faultline run --system lockd --workload lock --time-limit 30
 */
import { z } from 'zod';
import { checkFencedRegister, checkLeaseSafety, checkMutex, type LockCheck } from '../checkers/lock/lock.js';
import { isHarnessEvent, type HistoryEvent } from '../checkers/history/types.js';
import { firstAnomalyOf, SplitWorkers } from './coordination.js';
import { each, type GenContext, type GenResult, type Generator, type PureRng } from './generator.js';
import { WATCH_PREFIX, watchClient, WatchGen, watchOptions } from './watch.js';
import { checkWatchStreams } from '../checkers/lock/watch.js';
import type { CheckOptions, CheckOutcome, Completion, Workload, WorkloadClient, WorkloadGeneratorOptions, WorkloadOptionsSpec } from './types.js';

type Op = { f: string; value: unknown };

/** The lock workload's options. */
export type LockOptions = {
  /** How many locks the turns spread over. */
  locks: number;
};

export const lockOptions: WorkloadOptionsSpec<LockOptions> = {
  schema: z.object({ locks: z.number().int().min(1).max(100).optional() }).strict(),
  defaults: { locks: 3 },
};

/** Turns on random locks, one per free worker; values count up. */
class LockGen implements Generator {
  constructor(
    private readonly rng: PureRng,
    private readonly locks: number,
    private readonly n: number,
  ) {}

  op(ctx: GenContext): GenResult {
    const w = ctx.free[0];
    if (!w) return 'pending';
    const [k, rng] = this.rng.int(0, this.locks - 1);
    return { op: { worker: w.worker, f: 'lock', value: { lock: `L${k}`, value: this.n } }, next: new LockGen(rng, this.locks, this.n + 1) };
  }

  update(): Generator {
    return this;
  }
}

/**
 * Workers that run watch ops instead of lock turns: 0 (a watcher) and 4 (a key writer) of every
 * six, which the harness sends to different nodes (worker i talks to node i mod n), so a fault
 * that cuts the watcher off leaves the writer writing.
 */
const watchWorker = (worker: number): boolean => worker % 6 === 0 || worker % 6 === 4;

export const lockClient: WorkloadClient = {
  request(op: Op): Record<string, unknown> {
    if (op.f === 'watch' || op.f === 'write') return watchClient.request(op);
    if (op.f === 'lock') {
      const v = op.value as { lock: string; value: unknown };
      return { type: 'lock', lock: v.lock, value: v.value };
    }
    if (op.f === 'resource_log') return { type: 'resource_log' };
    throw new RangeError(`lock has no op "${op.f}"`);
  },
  complete(op: Op, reply: Record<string, unknown>): Completion {
    if (op.f === 'watch' || op.f === 'write') return watchClient.complete(op, reply);
    if (op.f === 'resource_log') {
      if (reply.type !== 'resource_log_ok' || !Array.isArray(reply.writes)) throw new Error(`expected resource_log_ok with writes, got ${String(reply.type)}`);
      return { type: 'ok', value: reply.writes };
    }
    if (reply.type !== 'lock_ok') throw new Error(`expected lock_ok, got ${String(reply.type)}`);
    const { type: _t, in_reply_to: _r, ...result } = reply;
    return { type: 'ok', value: { ...(op.value as object), result } };
  },
  readOnly(op: Op): boolean {
    return op.f === 'resource_log' || watchClient.readOnly(op);
  },
};

/** Runs the three checkers; the first anomaly is the earliest event any of them names. */
export function checkLockHistory(history: readonly HistoryEvent[], opts: CheckOptions): CheckOutcome {
  const checks: Record<string, LockCheck> = {
    mutex: checkMutex(history, opts.timeLimitMs),
    'fenced-register': checkFencedRegister(history),
    'lease-safety': checkLeaseSafety(history),
    'watch-streams': checkWatchStreams(history),
  };
  return { checkers: checks, firstAnomaly: firstAnomalyOf(history, checks) };
}

export const lock: Workload = {
  name: 'lock',
  description: 'holders take turns on locks (lease, acquire, fenced writes, release); checked by the mutex model, the fenced register and lease safety',
  options: lockOptions,
  opTimeoutMs: 10_000,
  // A watch poll or a key write answers in milliseconds when the node is up; a watcher reconnects
  // after 2 s, as a client library would, instead of waiting out a holder's 10 s.
  opTimeoutCapsMs: { watch: 2000, write: 2000 },
  generator(opts: WorkloadGeneratorOptions): Generator {
    const locks = (opts.workloadOptions as Partial<LockOptions> | undefined)?.locks ?? lockOptions.defaults.locks;
    // On the watch side, workers 0, 6... watch (watcherEvery 6) and 4, 10... write.
    const watchSide = new WatchGen(opts.rng, { ...watchOptions.defaults, watcherEvery: 6 }, 1, new Map());
    return new SplitWorkers(new LockGen(opts.rng, locks, 1), watchSide, (w) => !watchWorker(w));
  },
  client: lockClient,
  finalGenerator(): Generator {
    return each([{ f: 'resource_log', value: null }, { f: 'watch', value: { stream: -1, prefix: WATCH_PREFIX, from: 1, resume: false } }]);
  },
  observedWrites(history: readonly HistoryEvent[]): number {
    // A turn whose write the resource accepted could have shown a late or doubled holder.
    let n = 0;
    for (const e of history) {
      if (isHarnessEvent(e) || e.f !== 'lock' || e.type !== 'ok') continue;
      const writes = (e.value as { result?: { writes?: { accepted?: unknown }[] } } | null)?.result?.writes ?? [];
      if (writes.some((w) => w.accepted === true)) n++;
    }
    return n;
  },
  checker(history: readonly HistoryEvent[], opts: CheckOptions): Promise<CheckOutcome> {
    return Promise.resolve(checkLockHistory(history, opts));
  },
};
