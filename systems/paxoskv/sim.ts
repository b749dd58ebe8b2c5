/**
 * Deterministic simulation of a paxoskv cluster: the real core (core/paxos.ts) on the shared
 * simulator of systems/lib/sim, with clients on independent keys and an optional crash/partition
 * nemesis. It asserts Paxos's invariants as it goes: at one ballot of one key no two acceptors
 * accept different values, and an acceptor's durable promise never goes backwards (across
 * restarts too). The history goes to the harness's linearizability checker.
 */
import type { SimDisk } from '../lib/sim/disk.js';
import { recordSimEvent, type SimEvent } from '../lib/sim/history.js';
import type { NetworkOptions } from '../lib/sim/network.js';
import { type Buggify, type SimHost, Simulator } from '../lib/sim/simulator.js';
import { Rng } from '../lib/rng.js';
import type { LogOp } from './core/multipaxos.js';
import { type AcceptorSlot, ballotText, type ClientRequest, compareBallots, DEFAULT_PARAMS, PaxosNode, type PeerMessage, type Ready, type ReplyBody, type Variant } from './core/paxos.js';
import type { MultiMessage } from './core/multipaxos.js';
import { buildMultiSim, type MultiSimulator } from './multisim.js';

/** A register request as the log carries it. */
export function toLogOp(req: ClientRequest): LogOp {
  switch (req.type) {
    case 'read':
      return { f: 'read', key: req.key };
    case 'write':
      return { f: 'write', key: req.key, value: req.value };
    case 'cas':
      return { f: 'cas', key: req.key, from: req.from, to: req.to };
  }
}

export type Disk = Map<string, AcceptorSlot>;

export interface SimOptions {
  seed: number;
  /** `cas` (per-key rounds, core/paxos.ts) or `multi` (the replicated log, core/multipaxos.ts). */
  mode?: 'cas' | 'multi';
  variant?: Variant;
  nodes?: number;
  clients?: number;
  keys?: number;
  durationMs?: number;
  crash?: boolean;
  partition?: boolean;
  maxEvents?: number;
  /** The network's behaviour (drops, delays, duplicates, reordering); 1-5 ms FIFO links unless set. */
  network?: NetworkOptions;
  buggify?: Buggify;
  /** Multi-Paxos mode: every delivered peer message (traces). */
  trace?: (m: MultiMessage, nowMs: number) => void;
}

export interface SimResult {
  history: SimEvent[];
  violations: string[];
  ok: number;
}

export type PaxosSimulator = Simulator<PeerMessage, Ready, Disk, PaxosNode>;

/** What a caller of `buildSim` may hook into. */
export interface SimHooks {
  onReply?: (id: string, reqId: number, body: ReplyBody) => void;
  /** Every peer message as it is delivered (traces, scenario scripts). */
  delivered?: (m: PeerMessage) => void;
  /** The network's behaviour; 1-5 ms FIFO links unless set. */
  network?: NetworkOptions;
  buggify?: Buggify;
}

/** Builds the simulator with one node per id, booted, and an invariant checker on every durable write. */
export function buildSim(seed: number, ids: string[], variant: Variant, violations: string[], hooks: SimHooks = {}): PaxosSimulator {
  const seeds = new Rng(seed ^ 0x5a5a);
  const acceptedAt = new Map<string, string>();
  const lastPromise = new Map<string, AcceptorSlot['promised']>();
  const host: SimHost<PeerMessage, Ready, Disk, PaxosNode> = {
    boot: (id, disk) =>
      new PaxosNode({ id, peers: ids, variant, params: DEFAULT_PARAMS, rng: new Rng(seeds.int(0, 2 ** 30)), restore: disk }),
    persist: (_id, rd, disk: SimDisk<Disk>) => {
      if (rd.persist.length === 0) return;
      disk.write((d) => {
        for (const r of rd.persist) d.set(r.k, r.s);
        return d;
      });
    },
    beforeSync: (id, rd) => {
      for (const r of rd.replies) hooks.onReply?.(id, r.reqId, r.body);
    },
    ...(hooks.delivered !== undefined ? { delivered: hooks.delivered } : {}),
    afterSync: (id) => {
      const core = sim.core(id);
      if (core === null) return;
      for (const k of core.keys) {
        const s = core.slot(k);
        const prev = lastPromise.get(`${id}/${k}`) ?? null;
        if (compareBallots(s.promised, prev) < 0) violations.push(`${id} key ${k}: promise went back from ${ballotText(prev)} to ${ballotText(s.promised)}`);
        lastPromise.set(`${id}/${k}`, s.promised);
        if (s.accepted !== null) {
          const at = `${k}@${ballotText(s.accepted.b)}`;
          const v = JSON.stringify(s.accepted.v);
          const had = acceptedAt.get(at);
          if (had !== undefined && had !== v) violations.push(`key ${k} ballot ${ballotText(s.accepted.b)}: two values accepted (${had} and ${v})`);
          acceptedAt.set(at, v);
        }
      }
    },
  };
  const sim: PaxosSimulator = new Simulator({ seed, host, network: hooks.network ?? { delayMaxMs: 5 }, cloneState: (d) => new Map(d), ...(hooks.buggify !== undefined ? { buggify: hooks.buggify } : {}) });
  for (const id of ids) sim.addNode(id, new Map());
  for (const id of ids) sim.boot(id);
  return sim;
}

/** Random clients on a few keys for `durationMs` of virtual time, with the faults asked for. */
export function simulate(o: SimOptions): SimResult {
  const ids = Array.from({ length: o.nodes ?? 3 }, (_, i) => `n${i + 1}`);
  const violations: string[] = [];
  const history: SimEvent[] = [];
  const inflight = new Map<number, { slot: number; process: number; f: string; value: unknown; key: string; node: string }>();
  let ok = 0;
  const record = (e: Omit<SimEvent, 'index' | 'time'>): void => {
    recordSimEvent(history, sim.now, e);
  };
  const onReply = (id: string, reqId: number, body: ReplyBody): void => {
    const op = inflight.get(reqId);
    if (op === undefined) return;
    inflight.delete(reqId);
    if (body.type === 'error') {
      const code = body.code as number;
      record({ process: op.process, type: code === 0 && op.f !== 'read' ? 'info' : 'fail', f: op.f, value: op.value, node: id });
      if (code === 0 && op.f !== 'read') procs[op.slot] = nextProcess++;
    } else {
      ok++;
      record({ process: op.process, type: 'ok', f: op.f, value: op.f === 'read' ? [op.key, body.value ?? null] : op.value, node: id });
    }
    schedule(op.slot);
  };
  const multi = o.mode === 'multi';
  const net = { ...(o.network !== undefined ? { network: o.network } : {}), ...(o.buggify !== undefined ? { buggify: o.buggify } : {}) };
  const sim: PaxosSimulator | MultiSimulator = multi
    ? // Elections shorter than the nemesis's windows (150-600 ms), so leaders change inside them.
      buildMultiSim(o.seed, ids, o.variant ?? 'correct', violations, { onReply, ...net, ...(o.trace !== undefined ? { delivered: (m: MultiMessage) => o.trace!(m, sim.now) } : {}), params: { heartbeatTicks: 2, electionTicksMin: 8, electionTicksMax: 16, retryTicks: 5, requestTimeoutTicks: 30 } })
    : buildSim(o.seed, ids, o.variant ?? 'correct', violations, { onReply, ...net });
  const submit = (node: string, reqId: number, req: ClientRequest): void => {
    if (multi) (sim as MultiSimulator).input(node, (c) => c.request(reqId, toLogOp(req)));
    else (sim as PaxosSimulator).input(node, (c) => c.request(reqId, req));
  };
  const rand = sim.rand;
  const duration = o.durationMs ?? 5000;
  const clients = o.clients ?? 4;
  const procs = Array.from({ length: clients }, (_, i) => i);
  let nextProcess = clients;
  let nextReq = 1;
  let nextValue = 1;
  const busy = new Set<number>();
  function schedule(slot: number): void {
    busy.delete(slot);
    sim.at(sim.now + rand.int(1, 10), () => invoke(slot));
  }
  function invoke(slot: number): void {
    if (sim.now >= duration || busy.has(slot)) return;
    const node = ids[rand.int(0, ids.length - 1)]!;
    if (sim.core(node) === null) return schedule(slot);
    busy.add(slot);
    const key = `k${rand.int(1, o.keys ?? 2)}`;
    const kind = rand.int(0, 2);
    const reqId = nextReq++;
    const process = procs[slot]!;
    let f: string, value: unknown, req: ClientRequest;
    if (kind === 0) [f, value, req] = ['read', [key, null], { type: 'read', key }];
    else if (kind === 1) {
      const v = nextValue++;
      [f, value, req] = ['write', [key, v], { type: 'write', key, value: v }];
    } else {
      const from = rand.int(1, Math.max(1, nextValue - 1));
      const to = nextValue++;
      [f, value, req] = ['cas', [key, [from, to]], { type: 'cas', key, from, to }];
    }
    inflight.set(reqId, { slot, process, f, value, key, node });
    record({ process, type: 'invoke', f, value, node });
    submit(node, reqId, req);
  }
  for (const id of ids) sim.startTicking(id, rand.int(1, 10), 10);
  for (let i = 0; i < clients; i++) sim.at(rand.int(1, 50), () => invoke(i));
  if (o.crash === true || o.partition === true) {
    const step = (): void => {
      if (sim.now >= duration - 1000) {
        sim.net.partition(null);
        for (const id of ids) if (sim.core(id) === null) sim.boot(id);
        return;
      }
      const down = ids.filter((id) => sim.core(id) === null);
      if (down.length > 0) for (const id of down) sim.boot(id);
      else if (o.crash === true && (o.partition !== true || rand.chance(0.5))) {
        const victim = ids[rand.int(0, ids.length - 1)]!;
        sim.crash(victim, 'kill');
        // The ops in flight at the killed node: indefinite, and their processes retire.
        for (const [reqId, op] of inflight) {
          if (op.node !== victim) continue;
          inflight.delete(reqId);
          record({ process: op.process, type: op.f === 'read' ? 'fail' : 'info', f: op.f, value: op.value, node: victim });
          procs[op.slot] = nextProcess++;
          schedule(op.slot);
        }
      } else if (sim.net.partitioned !== null) sim.net.partition(null);
      else {
        const lone = ids[rand.int(0, ids.length - 1)]!;
        sim.net.partition([[lone], ids.filter((x) => x !== lone)]);
      }
      sim.at(sim.now + rand.int(150, 600), step);
    };
    sim.at(300, step);
  }
  sim.run(duration + 3000, o.maxEvents ?? 1_000_000);
  // Ops a crash cut off, or still open at the end: indefinite.
  for (const op of inflight.values()) record({ process: op.process, type: op.f === 'read' ? 'fail' : 'info', f: op.f, value: op.value });
  return { history, violations, ok };
}
