/**
 * The Multi-Paxos core (core/multipaxos.ts) on the shared simulator of systems/lib/sim: how a node
 * boots from its disk, how a Ready maps onto the disk (records, or a snapshot image that replaces
 * them), and the invariants asserted as it runs:
 *
 * - agreement: no two nodes apply different commands at one slot;
 * - one value per ballot: no two acceptors accept different values at one slot and ballot;
 * - an acceptor's promise never goes backwards, across restarts too.
 *
 * sim.ts drives clients and faults over it (`simulate({ mode: 'multi' })`); sim-script.ts drives
 * it by hand for the scenario files in testdata/.
 */
import { Rng } from '../lib/rng.js';
import type { SimDisk } from '../lib/sim/disk.js';
import type { NetworkOptions } from '../lib/sim/network.js';
import { type Buggify, type SimHost, Simulator } from '../lib/sim/simulator.js';
import { ballotText, compareBallots, type Variant } from './core/paxos.js';
import {
  DEFAULT_MULTI_PARAMS,
  type MultiDurable,
  type MultiMessage,
  type MultiParams,
  MultiPaxosNode,
  type MultiReady,
  type ReplyBody,
} from './core/multipaxos.js';

/** Forward ids one start of a simulated node may use before the next start's begin. */
const FIDS_PER_BOOT = 1_000_000;

export type MultiSimulator = Simulator<MultiMessage, MultiReady, MultiDurable, MultiPaxosNode>;

export interface MultiSimHooks {
  onReply?: (id: string, reqId: number, body: ReplyBody) => void;
  drops?: (m: MultiMessage) => boolean;
  delivered?: (m: MultiMessage) => void;
  params?: Partial<MultiParams>;
  /** The network's behaviour; 1-5 ms FIFO links unless set. */
  network?: NetworkOptions;
  buggify?: Buggify;
}

function cloneDurable(d: MultiDurable): MultiDurable {
  return { promised: d.promised, accepted: [...d.accepted], snap: d.snap };
}

/** Applies one Ready's writes to a durable image (what the shell's WAL replay rebuilds). */
export function applyToDurable(d: MultiDurable, rd: Pick<MultiReady, 'image' | 'persist'>): MultiDurable {
  let out = d;
  if (rd.image !== null) out = cloneDurable(rd.image);
  if (rd.persist.length === 0) return out;
  const acc = new Map(out.accepted.map((e) => [e[0], e]));
  let promised = out.promised;
  for (const r of rd.persist) {
    if (r.p !== undefined && compareBallots(r.p, promised) > 0) promised = r.p;
    for (const e of r.a ?? []) acc.set(e[0], e);
  }
  return { promised, accepted: [...acc.values()], snap: out.snap };
}

/** Builds the simulator with one node per id, booted, and the invariant checks on every Ready. */
export function buildMultiSim(seed: number, ids: string[], variant: Variant, violations: string[], hooks: MultiSimHooks = {}): MultiSimulator {
  const seeds = new Rng(seed ^ 0x3c3c);
  const params: MultiParams = { ...DEFAULT_MULTI_PARAMS, ...(hooks.params ?? {}) };
  const appliedAt = new Map<number, { v: string; by: string }>();
  const acceptedAt = new Map<string, string>();
  const lastPromise = new Map<string, MultiDurable['promised']>();
  const boots = new Map<string, number>();
  const host: SimHost<MultiMessage, MultiReady, MultiDurable, MultiPaxosNode> = {
    boot: (id, disk) => {
      // Each start of a node numbers its Forwards afresh (the shell draws a random base).
      const n = boots.get(id) ?? 0;
      boots.set(id, n + 1);
      return new MultiPaxosNode({ id, peers: ids, variant, params, rng: new Rng(seeds.int(0, 2 ** 30)), restore: disk, fidBase: n * FIDS_PER_BOOT });
    },
    persist: (_id, rd, disk: SimDisk<MultiDurable>) => {
      if (rd.image === null && rd.persist.length === 0) return;
      disk.write((d) => applyToDurable(d, rd));
    },
    beforeSync: (id, rd) => {
      for (const r of rd.replies) hooks.onReply?.(id, r.reqId, r.body);
    },
    afterSync: (id, rd) => {
      const core = sim.core(id);
      if (core === null) return;
      const prev = lastPromise.get(id) ?? null;
      if (compareBallots(core.promise, prev) < 0) violations.push(`${id}: promise went back from ${ballotText(prev)} to ${ballotText(core.promise)}`);
      lastPromise.set(id, core.promise);
      for (const r of rd.persist) {
        for (const [slot, b, v] of r.a ?? []) {
          const at = `${slot}@${ballotText(b)}`;
          const text = JSON.stringify(v);
          const had = acceptedAt.get(at);
          if (had !== undefined && had !== text) violations.push(`slot ${slot} ballot ${ballotText(b)}: two values accepted (${had} and ${text})`);
          acceptedAt.set(at, text);
        }
      }
      for (const [slot, v] of rd.applied) {
        const text = JSON.stringify(v);
        const had = appliedAt.get(slot);
        if (had === undefined) appliedAt.set(slot, { v: text, by: id });
        else if (had.v !== text) violations.push(`slot ${slot}: ${had.by} applied ${had.v}, ${id} applied ${text}`);
      }
    },
    ...(hooks.drops !== undefined ? { drops: hooks.drops } : {}),
    ...(hooks.delivered !== undefined ? { delivered: hooks.delivered } : {}),
  };
  const sim: MultiSimulator = new Simulator({ seed, host, network: hooks.network ?? { delayMaxMs: 5 }, cloneState: cloneDurable, ...(hooks.buggify !== undefined ? { buggify: hooks.buggify } : {}) });
  for (const id of ids) sim.addNode(id, { promised: null, accepted: [], snap: null });
  for (const id of ids) sim.boot(id);
  return sim;
}
