/**
 * The generator interpreter: the one place where ops are waited for, sent and recorded.
 *
 * It asks the (pure) generator for the next op with the current time and free workers; sleeps
 * until the op is due or until a completion changes the picture; sends the op on its worker's
 * connection; records the invocation and the completion in the history; and feeds both back to
 * the generator. A worker whose op ended in `info` is retired: its process id is replaced by a
 * new one (old + worker count, as in Jepsen), and its connection is reopened, so that no process
 * ever has two ops open at once.
 *
 * A worker whose op could not be sent (its node is down or cut off) waits before it is free again,
 * NOT_SENT_BACKOFF_MS doubling from its least to its most while its node stays unreachable: a
 * refused connection fails in a millisecond, and without the wait the workers bound to a dead
 * node would take most of the run's ops while the nodes that work get few.
 */
import type { Completion, WorkloadClient } from '../../workloads/types.js';
import { NdjsonConnection } from '../client/connection.js';
import { completionOf } from '../client/complete.js';
import type { FreeWorker, GenContext, GenEvent, Generator, Op } from '../generator/index.js';
import type { RunHistory } from './history.js';

/** One client thread: bound to a node, playing one process id at a time. */
export interface Worker {
  index: number;
  process: number;
  node: string;
  busy: boolean;
  conn: NdjsonConnection | null;
  /** How long the worker waited after its last op that could not be sent (ms); 0 after one that was. */
  backoffMs?: number;
}

/** The wait of a worker after an op that could not be sent: doubles from `min` to `max` (ms). */
export const NOT_SENT_BACKOFF_MS = { min: 50, max: 250 } as const;

/** The next wait after an op that could not be sent, given the last one. */
export function nextBackoffMs(lastMs: number): number {
  return Math.min(NOT_SENT_BACKOFF_MS.max, Math.max(NOT_SENT_BACKOFF_MS.min, lastMs * 2));
}

/** Options of `interpret`. */
export interface InterpretOptions {
  workers: Worker[];
  history: RunHistory;
  client: WorkloadClient;
  /** Where each node is reached. */
  address(node: string): { host: string; port: number };
  opTimeoutMs: number;
  /** Shorter timeouts of some functions (`Workload.opTimeoutCapsMs`): an op waits the lesser. */
  opTimeoutCapsMs?: Readonly<Record<string, number>>;
  /** Stop issuing ops when true (SIGINT, history full); ops in flight still complete. */
  shouldStop(): boolean;
  /** Called after each completion (progress counters). */
  onCompletion?(c: Completion): void;
}

/** A promise that one can resolve from outside. */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Makes workers 0..count-1, worker w bound to node w mod N. */
export function makeWorkers(count: number, nodes: readonly string[]): Worker[] {
  return Array.from({ length: count }, (_, i) => ({ index: i, process: i, node: nodes[i % nodes.length] as string, busy: false, conn: null }));
}

/** Closes every worker's connection. */
export function closeWorkers(workers: Worker[]): void {
  for (const w of workers) {
    w.conn?.close();
    w.conn = null;
  }
}

/** Runs a generator to its end against the cluster; resolves when every op has completed. */
export async function interpret(gen: Generator, opts: InterpretOptions): Promise<void> {
  const { workers, history } = opts;
  let g = gen;
  let wake = signal();
  let inFlight = 0;
  // The free workers change only when an op is sent or completes: list them again only then,
  // not at each of the three looks a generator takes per op.
  let free: FreeWorker[] | null = null;
  const ctx = (): GenContext => {
    free ??= workers.filter((w) => !w.busy).map((w): FreeWorker => ({ worker: w.index, process: w.process }));
    return { timeNs: history.nowNs(), free, workerCount: workers.length };
  };

  const perform = async (op: Op, w: Worker): Promise<void> => {
    const body = { f: op.f, value: op.value };
    const process = w.process;
    history.append({ type: 'invoke', process, f: op.f, value: op.value });
    const invokeEv: GenEvent = { type: 'invoke', worker: w.index, process, f: op.f, value: op.value };
    g = g.update(ctx(), invokeEv);
    let completion: Completion;
    let sent = true;
    // An op that names another node than the worker's goes over a connection of its own.
    const node = op.node ?? w.node;
    let own: NdjsonConnection | null = null;
    try {
      let conn: NdjsonConnection;
      if (node !== w.node) {
        const { host, port } = opts.address(node);
        conn = own = await NdjsonConnection.connect(host, port, Math.min(opts.opTimeoutMs, 1000));
      } else {
        if (!w.conn || !w.conn.open) {
          w.conn?.close();
          w.conn = null;
          const { host, port } = opts.address(w.node);
          w.conn = await NdjsonConnection.connect(host, port, Math.min(opts.opTimeoutMs, 1000));
        }
        conn = w.conn;
      }
      const cap = opts.opTimeoutCapsMs !== undefined && Object.hasOwn(opts.opTimeoutCapsMs, op.f) ? opts.opTimeoutCapsMs[op.f]! : Number.POSITIVE_INFINITY;
      const outcome = await conn.request(opts.client.request(body), Math.min(opts.opTimeoutMs, cap));
      completion = completionOf(opts.client, body, outcome);
      sent = outcome.kind !== 'unsent';
    } catch (err) {
      sent = false;
      // No connection: the request never left, so the op certainly did not happen.
      completion = { type: 'fail', value: op.value, error: `not-sent: ${(err as Error).message}` };
    }
    own?.close();
    history.append({
      type: completion.type,
      process,
      f: op.f,
      value: completion.value,
      node,
      ...(completion.error !== undefined ? { error: completion.error } : {}),
    });
    if (completion.type === 'info') {
      w.process += workers.length;
      w.conn?.close();
      w.conn = null;
    }
    w.backoffMs = sent ? 0 : nextBackoffMs(w.backoffMs ?? 0);
    if (!sent && !opts.shouldStop()) await new Promise((res) => setTimeout(res, w.backoffMs));
    w.busy = false;
    free = null;
    g = g.update(ctx(), { type: completion.type, worker: w.index, process, f: op.f, value: completion.value });
    opts.onCompletion?.(completion);
  };

  for (;;) {
    if (opts.shouldStop()) break;
    const c = ctx();
    const r = g.op(c);
    if (r === null) break;
    if (r === 'pending') {
      if (inFlight === 0) {
        // Nothing can change the generator's mind but time: look again shortly.
        await new Promise((res) => setTimeout(res, 10));
      } else {
        await wake.promise;
      }
      continue;
    }
    const dueNs = r.op.timeNs ?? c.timeNs;
    if (dueNs > c.timeNs) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((res) => (timer = setTimeout(res, Math.ceil((dueNs - c.timeNs) / 1e6)))), wake.promise]);
      clearTimeout(timer);
      continue; // Ask again: a completion may have changed what comes next.
    }
    const w = workers[r.op.worker];
    if (!w || w.busy) throw new Error(`generator chose worker ${r.op.worker}, which is not free`);
    g = r.next;
    w.busy = true;
    free = null;
    inFlight++;
    void perform(r.op, w).finally(() => {
      inFlight--;
      const old = wake;
      wake = signal();
      old.resolve();
    });
  }
  while (inFlight > 0) await wake.promise;
}
