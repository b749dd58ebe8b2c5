/**
 * A simulated in-memory transactional store, seeded, that runs list-append or rw-register
 * transactions from concurrent clients at a chosen isolation level and records the history.
 *
 * It exists to produce histories whose correct verdict is known by construction, for the
 * checker's tests and benchmark:
 *   serializable        each transaction runs atomically at its commit step (strict serializable);
 *   snapshot-isolation  reads from a snapshot taken at the first step, first committer wins
 *                       (write skew, G2-item, is possible; G-single is not);
 *   read-committed      each read sees the latest committed state (and its own writes); writes
 *                       take a lock held to the end and are applied at commit (read skew,
 *                       G-single, and worse; a lock wait that lasts too long aborts);
 *   lost-commit         serializable, but some acknowledged commits are rolled back a little
 *                       later, after others may have read them (lost writes).
 * Client steps interleave at random; invocation is recorded at a transaction's first step and
 * completion after its commit, so real-time order is meaningful.
 */
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import type { HistoryEvent } from '../../checkers/history/types.js';
import { TxnGenerator } from '../../workloads/txn-gen.js';
import type { TxnGenOptions, TxnOp } from '../../workloads/txn-gen.js';

export type SimIsolation = 'serializable' | 'snapshot-isolation' | 'read-committed' | 'lost-commit';

export interface SimOptions {
  seed: number;
  workload: 'list-append' | 'rw-register';
  isolation: SimIsolation;
  /** Transactions to run. */
  txns: number;
  /** Concurrent clients. Default 10. */
  concurrency?: number;
  gen?: TxnGenOptions;
  /** Probability that a completion is recorded `info` (the commit itself happens half the time). Default 0. */
  infoRate?: number;
  /** Probability that a transaction aborts on its own (recorded `fail`). Default 0. */
  failRate?: number;
  /** lost-commit: probability that a commit is later rolled back. Default 0.05. */
  lossRate?: number;
}

type Val = unknown; // number[] for lists, number | null for registers

interface Version {
  ts: number;
  value: Val;
}

interface Client {
  process: number;
  ops: TxnOp[] | null;
  done: TxnOp[];
  next: number;
  snapshotTs: number;
  local: Map<number, Val>;
  /** Values this transaction appended per key (read-committed applies them at commit). */
  appended: Map<number, number[]>;
  /** read-committed: steps spent waiting for a write lock. */
  waited: number;
}

/** Runs the simulation and returns the history. */
export function simulate(opts: SimOptions): HistoryEvent[] {
  const rng = xoroshiro128plus(opts.seed ^ 0x5eed);
  const int = (min: number, max: number): number => unsafeUniformIntDistribution(min, max, rng);
  const chance = (p: number): boolean => p > 0 && int(0, 999_999) < p * 1_000_000;
  const isList = opts.workload === 'list-append';
  const gen = new TxnGenerator(opts.seed, isList ? 'append' : 'w', opts.gen);
  const concurrency = opts.concurrency ?? 10;
  const infoRate = opts.infoRate ?? 0;
  const failRate = opts.failRate ?? 0;
  const lossRate = opts.lossRate ?? 0.05;
  const store = new Map<number, Version[]>();
  let clock = 1;
  const history: HistoryEvent[] = [];
  const rollbacks: { atStep: number; writes: Map<number, Val[]> }[] = [];
  const initial: Val = isList ? [] : null;

  const latest = (k: number): Val => {
    const vs = store.get(k);
    return vs && vs.length ? vs[vs.length - 1]!.value : initial;
  };
  const at = (k: number, ts: number): Val => {
    const vs = store.get(k);
    if (!vs) return initial;
    for (let i = vs.length - 1; i >= 0; i--) if (vs[i]!.ts <= ts) return vs[i]!.value;
    return initial;
  };
  const latestTs = (k: number): number => {
    const vs = store.get(k);
    return vs && vs.length ? vs[vs.length - 1]!.ts : 0;
  };
  const install = (k: number, value: Val): void => {
    let vs = store.get(k);
    if (!vs) store.set(k, (vs = []));
    vs.push({ ts: clock, value });
  };
  const apply = (cur: Val, op: TxnOp): Val => (isList ? [...(cur as number[]), op[2] as number] : op[2]);

  const clients: Client[] = Array.from({ length: concurrency }, (_, i) => ({
    process: i,
    ops: null,
    done: [],
    next: 0,
    snapshotTs: 0,
    local: new Map(),
    appended: new Map(),
    waited: 0,
  }));
  // read-committed: write locks, held from a transaction's first write of a key to its end.
  const locks = new Map<number, Client>();
  const release = (c: Client): void => {
    for (const k of c.local.keys()) if (locks.get(k) === c) locks.delete(k);
  };
  let started = 0;
  let finished = 0;
  let step = 0;
  const emit = (type: HistoryEvent['type'], process: number, value: TxnOp[] | unknown[]): void => {
    history.push({ index: history.length, time: history.length * 1000, type, process, f: 'txn', value });
  };

  while (finished < opts.txns) {
    step++;
    // Due rollbacks of lost commits: remove their writes from the current state.
    for (let i = rollbacks.length - 1; i >= 0; i--) {
      const rb = rollbacks[i]!;
      if (rb.atStep > step) continue;
      rollbacks.splice(i, 1);
      clock++;
      for (const [k, vals] of rb.writes) {
        const cur = latest(k);
        if (isList) install(k, (cur as number[]).filter((x) => !vals.includes(x)));
        else if (vals.includes(cur)) {
          // The register goes back to the value before the lost write.
          const vs = store.get(k)!;
          let i = vs.length - 1;
          while (i >= 0 && vals.includes(vs[i]!.value)) i--;
          install(k, i >= 0 ? vs[i]!.value : initial);
        }
      }
    }
    const c = clients[int(0, concurrency - 1)]!;
    if (c.ops === null) {
      if (started >= opts.txns) continue;
      started++;
      c.ops = gen.next();
      c.done = [];
      c.next = 0;
      c.local = new Map();
      c.appended = new Map();
      c.waited = 0;
      c.snapshotTs = clock;
      emit('invoke', c.process, c.ops.map((o) => [...o]));
      continue;
    }
    if (c.next < c.ops.length && opts.isolation !== 'serializable' && opts.isolation !== 'lost-commit') {
      // One micro-operation of an interleaved transaction.
      const op = c.ops[c.next]!;
      const k = op[1];
      if (opts.isolation === 'read-committed' && op[0] !== 'r') {
        const holder = locks.get(k);
        if (holder && holder !== c) {
          // Blocked; give up after a while (a deadlock, most likely) and abort.
          if (++c.waited > 50 * concurrency) {
            release(c);
            emit('fail', c.process, c.ops.map((o) => [...o]));
            c.ops = null;
            finished++;
          }
          continue;
        }
        locks.set(k, c);
      }
      c.next++;
      if (op[0] === 'r') {
        let v: Val;
        if (opts.isolation === 'snapshot-isolation') v = c.local.has(k) ? c.local.get(k) : at(k, c.snapshotTs);
        else {
          const own = c.appended.get(k);
          v = isList ? [...(latest(k) as number[]), ...(own ?? [])] : c.local.has(k) ? c.local.get(k) : latest(k);
        }
        c.done.push(['r', k, v as number]);
      } else {
        const base = c.local.has(k) ? c.local.get(k) : opts.isolation === 'snapshot-isolation' ? at(k, c.snapshotTs) : latest(k);
        c.local.set(k, apply(base, op));
        if (isList) {
          const a = c.appended.get(k) ?? [];
          a.push(op[2] as number);
          c.appended.set(k, a);
        }
        c.done.push([...op]);
      }
      continue;
    }
    // Commit step.
    let outcome: 'ok' | 'fail' | 'info' = 'ok';
    let commit = true;
    if (chance(failRate)) {
      outcome = 'fail';
      commit = false;
    }
    if (opts.isolation === 'serializable' || opts.isolation === 'lost-commit') {
      const local = new Map<number, Val>();
      c.done = c.ops.map((op): TxnOp => {
        const k = op[1];
        const cur = local.has(k) ? local.get(k) : latest(k);
        if (op[0] === 'r') return ['r', k, cur as number];
        local.set(k, apply(cur, op));
        return [...op];
      });
      c.local = local;
    } else if (opts.isolation === 'snapshot-isolation' && commit) {
      for (const k of c.local.keys()) if (latestTs(k) > c.snapshotTs) commit = false;
      if (!commit) outcome = 'fail';
    }
    if (outcome === 'ok' && chance(infoRate)) {
      outcome = 'info';
      commit = chance(0.5);
    }
    if (commit) {
      clock++;
      const lost = opts.isolation === 'lost-commit' && chance(lossRate);
      const writes = new Map<number, Val[]>();
      for (const [k, v] of c.local) {
        if (opts.isolation === 'read-committed' && isList) install(k, [...(latest(k) as number[]), ...(c.appended.get(k) ?? [])]);
        else install(k, v);
        if (lost) writes.set(k, isList ? c.ops.filter((o) => o[1] === k && o[0] !== 'r').map((o) => o[2]) : [v]);
      }
      if (lost) rollbacks.push({ atStep: step + int(1, 4 * concurrency), writes });
    }
    release(c);
    emit(outcome, c.process, outcome === 'ok' ? c.done : c.ops.map((o) => [...o]));
    if (outcome === 'info') c.process += concurrency; // an indeterminate client gets a new identity
    c.ops = null;
    finished++;
  }
  return history;
}
