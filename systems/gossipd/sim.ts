/**
 * Deterministic simulation of a gossipd cluster: the real core (core/gossip.ts) on the shared
 * simulator of systems/lib/sim, with its disk holding the same records the shell writes (replayed
 * by the same records.ts), simulated clients writing and reading at random nodes, and a nemesis of
 * partitions, kill -9 and pauses. After the heal the final phase reads every node's state round
 * after round, then every node's claims, exactly as the harness's final phase does, so the history
 * goes to the metadata workload's checkers (checkers/gossip). A seed replays exactly.
 *
 *     const r = simulate({ seed: 3, variant: 'no-quorum-check', partition: true });
 */
import type { SimDisk } from '../lib/sim/disk.js';
import { recordSimEvent, type SimEvent } from '../lib/sim/history.js';
import { type SimHost, Simulator, type SimRunOptions } from '../lib/sim/simulator.js';
import { Rng } from '../lib/rng.js';
import { type ClientRequest, DEFAULT_PARAMS, GossipInvariantError, GossipNode, type GossipParams, type PeerMessage, type Ready, type ReplyBody, type Variant } from './core/gossip.js';
import { clientKey, joinOrder, replayRecords, type WalRecord } from './records.js';

/** A node's disk: the JSON text of each WAL record, as the shell writes them. */
export type Disk = string[];

/** Milliseconds of virtual time per tick, as the shell's default `tickMs`. */
export const SIM_TICK_MS = 50;

export type GossipSimulator = Simulator<PeerMessage, Ready, Disk, GossipNode>;

/** Builds the simulator: `ids` in join order, none booted yet. */
export function buildSim(seed: number, ids: string[], variant: Variant, params: Partial<GossipParams> = {}, onReply?: (id: string, reqId: number, body: ReplyBody) => void, network: { delayMaxMs?: number; dropRate?: number } = { delayMaxMs: 5 }, violations: string[] = []): GossipSimulator {
  const seeds = new Rng(seed ^ 0x6b6b);
  const members = joinOrder(ids);
  // Gossip's invariant, per observer incarnation: what a node holds of a member only moves
  // forward (a generation never goes back; within one, the highest version never does).
  const held = new Map<string, [gen: number, maxVer: number]>();
  const host: SimHost<PeerMessage, Ready, Disk, GossipNode> = {
    boot: (id, disk) =>
      new GossipNode({
        id,
        members,
        variant,
        params: { ...DEFAULT_PARAMS, ...params },
        rng: new Rng(seeds.int(0, 2 ** 30)),
        restored: replayRecords(disk),
        nowMs: () => sim.now,
        wallUs: () => sim.now * 1000,
      }),
    persist: (_id, rd, disk: SimDisk<Disk>) => {
      if (rd.persist.length === 0) return;
      const text = JSON.stringify(rd.persist);
      disk.write((d) => [...d, text]);
    },
    // Replies leave once the ready's records are durable, as the shell sends them.
    afterSync: (id, rd) => {
      for (const r of rd.replies) onReply?.(id, r.reqId, r.body);
    },
    isFatal: (e) => e instanceof GossipInvariantError,
    settled: (id, core) => {
      const inc = sim.node(id).incarnation;
      for (const m of members) {
        const sec = core.section(m);
        if (sec === undefined) continue;
        const k = `${id}#${inc}/${m}`;
        const was = held.get(k);
        if (was !== undefined && (sec.gen < was[0] || (sec.gen === was[0] && sec.maxVer < was[1]))) violations.push(`${id} went back on ${m}: from generation ${was[0]} version ${was[1]} to ${sec.gen} version ${sec.maxVer}`);
        held.set(k, [sec.gen, sec.maxVer]);
      }
    },
  };
  const sim: GossipSimulator = new Simulator({ seed, host, network, cloneState: (d) => [...d] });
  for (const id of members) sim.addNode(id, []);
  return sim;
}

/**
 * Boots (or restarts) a node as the shell does: the core takes its generation from the disk, and
 * the new generation is synced before the node does anything else.
 */
export function bootNode(sim: GossipSimulator, id: string, violations: string[] = []): void {
  const lastGen = replayRecords(sim.node(id).disk.durable()).lastGen;
  sim.boot(id);
  const core = sim.core(id)!;
  // The Generation Clock: every incarnation's generation is above every earlier one's.
  if (core.gen <= lastGen) violations.push(`${id} restarted at generation ${core.gen}, not above its last, ${lastGen}`);
  if (core.gen !== lastGen) {
    const rec: WalRecord[] = [{ t: 'gen', gen: core.gen }];
    sim.node(id).disk.write((d) => [...d, JSON.stringify(rec)]);
    sim.node(id).disk.sync();
  }
}

/** A gossipd simulation run: the faults it takes, its bound on convergence and the core's params. */
export interface SimOptions extends SimRunOptions<Variant> {
  crash?: boolean;
  partition?: boolean;
  pause?: boolean;
  /** How long after the heal the final phase polls for convergence. */
  convergeWithinMs?: number;
  params?: Partial<GossipParams>;
}

export interface SimResult {
  history: SimEvent[];
  /** Invariants the run broke: a generation not above the last, an observer going back on a member. */
  violations: string[];
  ok: number;
  /** Peer messages handed to the network. */
  messages: number;
}

/** Random clients for `durationMs` of virtual time under the faults asked for, then the final phase. */
export function simulate(o: SimOptions): SimResult {
  const ids = Array.from({ length: o.nodes ?? 3 }, (_, i) => `n${i + 1}`);
  const history: SimEvent[] = [];
  const record = (e: Omit<SimEvent, 'index' | 'time'>): void => recordSimEvent(history, sim.now, e);
  const inflight = new Map<number, { slot: number; process: number; f: string; value: unknown; node: string }>();
  let ok = 0;
  const onReply = (id: string, reqId: number, body: ReplyBody): void => {
    const op = inflight.get(reqId);
    if (op === undefined) return;
    inflight.delete(reqId);
    if (body.type === 'error') record({ process: op.process, type: 'fail', f: op.f, value: op.value, node: id });
    else {
      ok++;
      const value = op.f === 'read' ? [(op.value as unknown[])[0], body.value ?? null] : op.f === 'state' ? { ...(op.value as object), state: body.state } : op.f === 'claims' ? { ...(op.value as object), claims: body.claims } : op.value;
      record({ process: op.process, type: 'ok', f: op.f, value, node: id });
    }
    if (op.slot >= 0) schedule(op.slot);
  };
  const violations: string[] = [];
  const sim = buildSim(o.seed, ids, o.variant ?? 'correct', o.params, onReply, undefined, violations);
  const boot = (id: string): void => bootNode(sim, id, violations);
  const rand = sim.rand;
  const duration = o.durationMs ?? 10_000;
  const clients = o.clients ?? 4;
  const procs = Array.from({ length: clients }, (_, i) => i);
  let nextProcess = clients;
  let nextReq = 1;
  let nextValue = 1;
  const submit = (slot: number, process: number, node: string, f: string, value: unknown, req: ClientRequest): void => {
    const reqId = nextReq++;
    inflight.set(reqId, { slot, process, f, value, node });
    record({ process, type: 'invoke', f, value });
    sim.input(node, (c) => c.request(reqId, req));
  };
  function schedule(slot: number): void {
    sim.at(sim.now + rand.int(5, 40), () => invoke(slot));
  }
  function invoke(slot: number): void {
    if (sim.now >= duration) return;
    const node = ids[rand.int(0, ids.length - 1)]!;
    if (sim.core(node) === null || sim.isPaused(node)) return schedule(slot);
    const key = rand.int(0, (o.keys ?? 4) - 1);
    if (rand.chance(0.5)) submit(slot, procs[slot]!, node, 'read', [key, null], { type: 'read', key: clientKey(key) });
    else {
      const v = nextValue++;
      submit(slot, procs[slot]!, node, 'write', [key, v], { type: 'write', key: clientKey(key), value: v });
    }
  }
  for (const id of ids) boot(id);
  for (const id of ids) sim.startTicking(id, rand.int(1, SIM_TICK_MS), SIM_TICK_MS);
  for (let i = 0; i < clients; i++) sim.at(rand.int(1, 100), () => invoke(i));
  const retire = (victim: string): void => {
    // Ops in flight at a killed node: indefinite (a read certainly changed nothing).
    for (const [reqId, op] of inflight) {
      if (op.node !== victim || op.slot < 0) continue;
      inflight.delete(reqId);
      record({ process: op.process, type: op.f === 'read' ? 'fail' : 'info', f: op.f, value: op.value, node: victim });
      if (op.f !== 'read') procs[op.slot] = nextProcess++;
      schedule(op.slot);
    }
  };
  if (o.crash === true || o.partition === true || o.pause === true) {
    const kinds = [...(o.crash ? ['crash'] : []), ...(o.partition ? ['partition'] : []), ...(o.pause ? ['pause'] : [])];
    const step = (): void => {
      if (sim.now >= duration - 500) return;
      for (const id of ids) if (sim.core(id) === null) boot(id);
      if (sim.net.partitioned !== null) sim.net.partition(null);
      else {
        const kind = kinds[rand.int(0, kinds.length - 1)]!;
        const victim = ids[rand.int(0, ids.length - 1)]!;
        record({ process: 'nemesis', type: 'info', f: `start-${kind}`, value: victim });
        if (kind === 'crash') {
          sim.crash(victim, 'kill');
          retire(victim);
        } else if (kind === 'partition') {
          sim.net.partition([[victim], ids.filter((x) => x !== victim)]);
        } else sim.pause(victim, sim.now + rand.int(500, 4000));
      }
      sim.at(sim.now + rand.int(500, 4000), step);
    };
    sim.at(500, step);
  }
  sim.run(duration, o.maxEvents ?? 2_000_000);
  // The heal: every fault ends, every node runs, and the harness waits a second before reading.
  sim.net.partition(null);
  for (const id of ids) {
    sim.pause(id, 0);
    if (sim.core(id) === null) boot(id);
  }
  record({ process: 'nemesis', type: 'info', f: 'heal', value: null });
  for (const op of inflight.values()) if (op.slot >= 0) record({ process: op.process, type: op.f === 'read' ? 'fail' : 'info', f: op.f, value: op.value });
  inflight.clear();
  sim.run(sim.now + 1000, o.maxEvents ?? 2_000_000);
  finalPhase(sim, ids, o.convergeWithinMs ?? 10_000, (node, f, value, req) => submit(-1, nextProcess++, node, f, value, req));
  return { history, violations, ok, messages: sim.net.sent };
}

/** The final phase, as workloads/metadata.ts runs it: state rounds until one agrees or the bound passes, then claims. */
function finalPhase(sim: GossipSimulator, ids: string[], boundMs: number, submit: (node: string, f: string, value: unknown, req: ClientRequest) => void): void {
  const start = sim.now;
  for (let round = 0; ; round++) {
    const views = new Set<string>();
    for (const node of ids) {
      submit(node, 'state', { round, node }, { type: 'state' });
      views.add(JSON.stringify(comparableOf(sim.core(node)!)));
    }
    if (views.size === 1 || sim.now - start >= boundMs) break;
    sim.run(sim.now + 250, 2_000_000);
  }
  for (const node of ids) submit(node, 'claims', { node }, { type: 'claims' });
}

/** A node's sections without heartbeats: what convergence compares. */
export function comparableOf(core: GossipNode): unknown {
  const v = core.stateView() as { sections: Record<string, { gen: number; data: unknown; sys: Record<string, unknown> }> };
  return Object.keys(v.sections)
    .sort()
    .map((m) => {
      const s = v.sections[m]!;
      const sorted = (r: object) => Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1));
      return [m, s.gen, sorted(s.sys).filter(([k]) => k !== '_hb'), sorted(s.data as object)];
    });
}
