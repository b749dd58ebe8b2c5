/**
 * Deterministic simulation of an mvcctx cluster: the real core (core/mvcc.ts) on the shared
 * simulator of systems/lib/sim, each node reading its own simulated wall clock (virtual time plus
 * a skew the nemesis redraws), with random list-append or rw-register transactions over a few
 * keys and optional kills and partitions. The history goes to the transactional checker in the
 * tests; a seed replays exactly.
 */
import { SimClients } from '../lib/sim/clients.js';
import type { SimEvent } from '../lib/sim/history.js';
import { type SimHost, Simulator } from '../lib/sim/simulator.js';
import { type ClientOp, DEFAULT_PARAMS, type MvccParams, MvccInvariantError, MvccNode, type PeerMessage, type Record_, type Variant } from './core/mvcc.js';
import type { BatchCoreReady } from '../lib/batch-core.js';

type Ready = BatchCoreReady<PeerMessage, Record_>;

export interface SimOptions {
  seed: number;
  variant?: Variant;
  workload?: 'list-append' | 'rw-register';
  nodes?: number;
  clients?: number;
  keys?: number;
  durationMs?: number;
  crash?: boolean;
  partition?: boolean;
  /** Skews each node's wall clock by up to this many ms either way, redrawn by the nemesis. */
  skewMs?: number;
  params?: Partial<MvccParams>;
}

export interface SimResult {
  history: SimEvent[];
  violations: string[];
  ok: number;
}

/** Random transactions for `durationMs` of virtual time, with the faults asked for. */
export function simulate(o: SimOptions): SimResult {
  const ids = Array.from({ length: o.nodes ?? 3 }, (_, i) => `n${i + 1}`);
  const violations: string[] = [];
  const skew = new Map<string, number>();
  const writeF = o.workload === 'rw-register' ? 'w' : 'append';
  const params: MvccParams = { ...DEFAULT_PARAMS, maxOffsetMs: 200, txnTimeoutTicks: 50, ...(o.params ?? {}) };
  const clients = new SimClients<ClientOp[]>({
    clients: o.clients ?? 5,
    durationMs: o.durationMs ?? 5000,
    keys: o.keys ?? 4,
    readOnly: () => false,
    completeValue: (_f, _v, body) => body.txn,
    draw: (rand, _key, nextValue) => {
      const n = rand.int(1, 3);
      const value: ClientOp[] = [];
      for (let i = 0; i < n; i++) {
        const k = `k${rand.int(1, o.keys ?? 4)}`;
        value.push(rand.chance(0.5) ? ['r', k, null] : [writeF, k, nextValue()]);
      }
      return { f: 'txn', value, req: value };
    },
  });
  const host: SimHost<PeerMessage, Ready, Record_[], MvccNode> = {
    boot: (id, disk) => new MvccNode({ id, nodes: ids, variant: o.variant ?? 'correct', params, wallMs: () => 1_000_000 + sim.now + (skew.get(id) ?? 0), restore: disk, log: (line) => violations.push(`${id}: ${line}`) }),
    persist: (_id, rd, disk) => {
      if (rd.persist.length > 0) disk.write((d) => [...d, ...rd.persist]);
    },
    beforeSync: (id, rd) => {
      for (const r of rd.replies) clients.onReply(id, r.reqId, r.body);
    },
    isFatal: (e) => e instanceof MvccInvariantError,
    fatal: (id, e) => violations.push(`${id}: ${(e as Error).message}`),
  };
  const sim: Simulator<PeerMessage, Ready, Record_[], MvccNode> = new Simulator({ seed: o.seed, host, network: { delayMaxMs: 5 }, cloneState: (d) => [...d] });
  for (const id of ids) sim.addNode(id, []);
  for (const id of ids) sim.boot(id);
  for (const id of ids) sim.startTicking(id, sim.rand.int(1, 10), 10);
  const skewMs = o.skewMs ?? 0;
  clients.start(sim, ids, (node, reqId, req) => sim.input(node, (c) => c.request(reqId, req)), {
    ...(o.crash === true ? { crash: true } : {}),
    ...(o.partition === true ? { partition: true } : {}),
    ...(skewMs > 0 ? { step: () => ids.forEach((id) => skew.set(id, sim.rand.int(-skewMs, skewMs))) } : {}),
  });
  sim.run((o.durationMs ?? 5000) + 3000, 2_000_000);
  clients.finish();
  return { history: clients.history, violations, ok: clients.ok };
}
