/**
 * Deterministic simulation of a dynamokv cluster: the real core (core/dynamo.ts) on the shared
 * simulator of systems/lib/sim, with random clients of one workload (register, set or counter) on
 * a few keys and an optional nemesis of kills, partitions, slow links and skewed wall clocks.
 *
 * It asserts the invariants of the copies as it goes: a replica's durable copy of a key never
 * goes back (a register's version only grows; a set's elements are never dropped, except by the
 * last-writer-wins rule the lww-set variant uses), and no two siblings of a version-vector set
 * cover each other. The history goes to the workload's checker in the tests.
 */
import { SimClients } from '../lib/sim/clients.js';
import type { SimEvent } from '../lib/sim/history.js';
import type { SimDisk } from '../lib/sim/disk.js';
import type { NetworkOptions } from '../lib/sim/network.js';
import { type SimHost, Simulator } from '../lib/sim/simulator.js';
import { type ClientRequest, DEFAULT_PARAMS, type DynamoParams, DynamoInvariantError, DynamoNode, type PeerMessage, type Ready, type ReplyBody, type Variant } from './core/dynamo.js';
import { compareVersions, covers, elementsOf, type Stored } from './core/versions.js';

/** A node's disk: its copies and how many times it booted. */
export interface Disk {
  copies: Map<string, Stored>;
  boots: number;
}

export const emptyDisk = (): Disk => ({ copies: new Map(), boots: 0 });
export const cloneDisk = (d: Disk): Disk => ({ copies: new Map(d.copies), boots: d.boots });

/** Writes a ready's records to a node's simulated disk (what main.ts appends to the WAL). */
export function persistReady(rd: Ready, disk: SimDisk<Disk>): void {
  if (rd.persist.length === 0) return;
  disk.write((d) => {
    for (const r of rd.persist) {
      if ('boot' in r) d.boots = Math.max(d.boots, r.boot);
      else d.copies.set(r.k, r.s);
    }
    return d;
  });
}

/** What goes wrong when a durable copy changes from `prev` to `next`, or null. */
export function copyRegression(prev: Stored | undefined, next: Stored, setConflict: DynamoParams['setConflict']): string | null {
  if (prev === undefined) return null;
  if (next.kind === 'reg' && prev.kind === 'reg' && compareVersions(next.ver, prev.ver) < 0) return 'a register version went back';
  if (next.kind === 'vv') {
    for (const a of next.sibs) for (const b of next.sibs) if (covers(b.vv, a.dot)) return `sibling ${a.dot.join(':')} is covered by sibling ${b.dot.join(':')}`;
  }
  if (setConflict === 'version-vector' && prev.kind !== 'reg') {
    const now = new Set(elementsOf(next).map((e) => JSON.stringify(e)));
    const gone = elementsOf(prev).find((e) => !now.has(JSON.stringify(e)));
    if (gone !== undefined) return `element ${JSON.stringify(gone)} left the set`;
  }
  return null;
}

export type Workload = 'register' | 'set' | 'counter';

export interface SimOptions {
  seed: number;
  variant?: Variant;
  workload?: Workload;
  nodes?: number;
  clients?: number;
  keys?: number;
  durationMs?: number;
  crash?: boolean;
  partition?: boolean;
  /** Skews wall clocks by up to this many ms (each node its own, redrawn by the nemesis). */
  skewMs?: number;
  /** Most network delay in ms (default 5). */
  delayMaxMs?: number;
  /** Probability that the network loses a message (default 0). */
  dropRate?: number;
  params?: Partial<DynamoParams>;
  maxEvents?: number;
}

export interface SimResult {
  history: SimEvent[];
  violations: string[];
  ok: number;
}

export type DynamoSimulator = Simulator<PeerMessage, Ready, Disk, DynamoNode>;

/** Builds the simulator with one node per id, booted, and the copy invariants checked on every durable write. */
export function buildSim(
  seed: number,
  ids: string[],
  variant: Variant,
  params: DynamoParams,
  violations: string[],
  onReply?: (id: string, reqId: number, body: ReplyBody) => void,
  network: NetworkOptions = { delayMaxMs: 5 },
): DynamoSimulator {
  const last = new Map<string, Stored>();
  const host: SimHost<PeerMessage, Ready, Disk, DynamoNode> = {
    boot: (id, disk) => new DynamoNode({ id, nodes: ids, variant, params, restore: disk.copies, boots: disk.boots }),
    persist: (_id, rd, disk) => persistReady(rd, disk),
    beforeSync: (id, rd) => {
      for (const r of rd.replies) onReply?.(id, r.reqId, r.body);
    },
    afterSync: (id, rd) => {
      const core = sim.core(id);
      if (core === null) return;
      for (const r of rd.persist) {
        if ('boot' in r) continue;
        const why = copyRegression(last.get(`${id}/${r.k}`), r.s, core.params.setConflict);
        if (why !== null) violations.push(`${id} key ${r.k}: ${why}`);
        last.set(`${id}/${r.k}`, r.s);
      }
    },
    isFatal: (e) => e instanceof DynamoInvariantError,
    fatal: (id, e) => violations.push(`${id}: ${(e as Error).message}`),
  };
  const sim: DynamoSimulator = new Simulator({ seed, host, network, cloneState: cloneDisk });
  for (const id of ids) sim.addNode(id, emptyDisk());
  for (const id of ids) sim.boot(id);
  return sim;
}

/** Random clients of one workload for `durationMs` of virtual time, with the faults asked for. */
export function simulate(o: SimOptions): SimResult {
  const ids = Array.from({ length: o.nodes ?? 3 }, (_, i) => `n${i + 1}`);
  const workload = o.workload ?? 'register';
  const violations: string[] = [];
  const skew = new Map<string, number>();
  const clients = new SimClients<ClientRequest>({
    clients: o.clients ?? 4,
    durationMs: o.durationMs ?? 5000,
    keys: o.keys ?? 2,
    readOnly: (f) => f === 'read',
    draw: (rand, key, nextValue) => {
      const ikey = JSON.stringify(key);
      if (rand.int(0, 1) === 0) {
        return { f: 'read', value: [key, null], req: { type: workload === 'register' ? 'read' : workload === 'set' ? 'set_read' : 'counter_read', key: ikey } };
      }
      if (workload === 'register') {
        const v = nextValue();
        return { f: 'write', value: [key, v], req: { type: 'write', key: ikey, value: v } };
      }
      if (workload === 'set') {
        const v = nextValue();
        return { f: 'add', value: [key, v], req: { type: 'set_add', key: ikey, element: v } };
      }
      const d = rand.int(-2, 4) || 1;
      return { f: 'add', value: [key, d], req: { type: 'counter_add', key: ikey, delta: d } };
    },
  });
  const params: DynamoParams = { ...DEFAULT_PARAMS, requestTimeoutTicks: 30, ...(o.params ?? {}) };
  const sim = buildSim(o.seed, ids, o.variant ?? 'correct', params, violations, clients.onReply, { delayMaxMs: o.delayMaxMs ?? 5, dropRate: o.dropRate ?? 0 });
  for (const id of ids) sim.startTicking(id, sim.rand.int(1, 10), 10);
  const skewMs = o.skewMs ?? 0;
  clients.start(sim, ids, (node, reqId, req) => sim.input(node, (c) => c.request(reqId, req, sim.now + (skew.get(node) ?? 0))), {
    ...(o.crash === true ? { crash: true } : {}),
    ...(o.partition === true ? { partition: true } : {}),
    ...(skewMs > 0 ? { step: () => ids.forEach((id) => skew.set(id, sim.rand.int(-skewMs, skewMs))) } : {}),
  });
  sim.run((o.durationMs ?? 5000) + 3000, o.maxEvents ?? 1_000_000);
  clients.finish();
  return { history: clients.history, violations, ok: clients.ok };
}
