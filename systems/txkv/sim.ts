/**
 * Deterministic in-process simulation of txkv's data nodes: the same cores as the real processes
 * (core/node.ts) on the generic simulator of systems/lib/sim, with list-append clients that write
 * the harness's history format (so the transactional checker judges a simulated run as it judges
 * a real one) and a scripted nemesis. The partition map is the initial one: the Consistent Core is
 * not simulated, since these scenarios move no partition.
 *
 * Beside the history, the run checks Two-Phase Commit's own invariant from what every node wrote
 * to its disk: a transaction is applied by all of its participants or by none (`violations`).
 *
 * Faults (`SimFault`): crash and restart at a time, partition and heal, and the two crashes 2PC
 * is about, at the moment a commit decision travels: `crash-on-decide` with `side: "coordinator"`
 * loses the coordinator's first commit message to another node and kills the coordinator then
 * (it told some participants, not all); with `side: "participant"` it loses the first commit
 * message to that node and kills it (it voted yes and never heard the decision).
 *
 *     const r = simulateTxkv({ seed: 1, variant: 'coordinator-no-log', faults: [{ atMs: 2000, kind: 'crash-on-decide', node: 'n1', side: 'coordinator', restartAfterMs: 300 }] });
 */
import { Rng } from '../lib/rng.js';
import { recordSimEvent, type SimEvent } from '../lib/sim/history.js';
import { type SimHost, Simulator } from '../lib/sim/simulator.js';
import { TxkvNode, type TxkvReady, type TxnRequest } from './core/node.js';
import type { TxkvMessage, TxkvParams, TxkvRecord, TxkvVariant } from './core/types.js';

export type SimFault =
  | { atMs: number; kind: 'crash'; node: string; restartAfterMs: number }
  | { atMs: number; kind: 'partition'; groups: string[][] }
  | { atMs: number; kind: 'heal' }
  | { atMs: number; kind: 'crash-on-decide'; node: string; side: 'coordinator' | 'participant'; restartAfterMs: number };

export interface TxkvSimOptions {
  seed: number;
  variant?: TxkvVariant;
  nodes?: number;
  clients?: number;
  keys?: number;
  /** Virtual time the clients run; then every fault heals and the decisions settle. */
  durationMs?: number;
  /** Client requests not answered by then are indefinite (info). */
  opTimeoutMs?: number;
  faults?: SimFault[];
  params?: Partial<TxkvParams>;
  delayMaxMs?: number;
}

export interface TxkvSimResult {
  seed: number;
  history: SimEvent[];
  /** Broken atomicity, read from the nodes' disks: one sentence each. */
  violations: string[];
  stats: { ok: number; fail: number; info: number; crashes: number };
}

type Durable = TxkvRecord[][];
type TxkvSimulator = Simulator<TxkvMessage, TxkvReady, Durable, TxkvNode>;

const TICK_MS = 10;
/** Virtual time after the clients stop for decisions to reach every participant. */
const SETTLE_MS = 3000;

/** Runs one simulation to its end. */
export function simulateTxkv(o: TxkvSimOptions): TxkvSimResult {
  const variant = o.variant ?? 'correct';
  const ids = Array.from({ length: o.nodes ?? 3 }, (_, i) => `n${i + 1}`);
  const durationMs = o.durationMs ?? 5000;
  const opTimeoutMs = o.opTimeoutMs ?? 2000;
  const history: SimEvent[] = [];
  const stats = { ok: 0, fail: 0, info: 0, crashes: 0 };
  const rand = new Rng(o.seed ^ 0x5eed);
  /** Per transaction id: the participants it prepared at, and who applied or dropped it. */
  const parts = new Map<string, Set<string>>();
  const applied = new Map<string, Set<string>>();
  const dropped = new Map<string, Set<string>>();
  const inflight = new Map<number, { process: number; slot: number; node: string; value: unknown; timer: number }>();
  const armed: Extract<SimFault, { kind: 'crash-on-decide' }>[] = [];
  let sim: TxkvSimulator;

  const restartLater = (node: string, ms: number): void => sim.at(sim.now + ms, () => sim.core(node) === null && sim.boot(node));
  const crash = (node: string, why: string, restartAfterMs: number): void => {
    if (sim.core(node) === null) return;
    stats.crashes++;
    recordSimEvent(history, sim.now, { process: 'nemesis', type: 'info', f: 'kill', value: node });
    sim.crash(node, why);
    restartLater(node, restartAfterMs);
  };

  const host: SimHost<TxkvMessage, TxkvReady, Durable, TxkvNode> = {
    boot: (id, durable, incarnation) =>
      new TxkvNode({ id, dataNodes: ids, variant, params: o.params ?? {}, rng: new Rng(o.seed * 1000 + incarnation * 31 + Number(id.slice(1))), sessionId: `s${incarnation}`, restore: durable }),
    persist: (_id, rd, disk) => {
      if (rd.persist.length > 0) disk.write((s) => [...s, rd.persist]);
    },
    beforeSync: (id, rd) => {
      for (const r of rd.replies) complete(id, r.reqId, r.body);
      for (const m of [...rd.early, ...rd.messages, ...rd.local]) {
        if (m.type === 'Prepare') (parts.get(m.txn) ?? parts.set(m.txn, new Set()).get(m.txn)!).add(m.to);
      }
    },
    afterSync: (id, rd) => {
      for (const r of rd.persist) {
        if (r.k !== 'done') continue;
        const into = r.commit ? applied : dropped;
        (into.get(r.txn) ?? into.set(r.txn, new Set()).get(r.txn)!).add(id);
      }
    },
    drops: (m) => {
      // Only a transaction of two participants or more can be applied in part.
      if (m.type !== 'Decide' || !m.commit || (parts.get(m.txn)?.size ?? 0) < 2) return false;
      const i = armed.findIndex((f) => (f.side === 'coordinator' ? m.from === f.node : m.to === f.node));
      if (i < 0) return false;
      const f = armed.splice(i, 1)[0]!;
      // The message is lost with the process that was about to send or read it.
      sim.at(sim.now, () => crash(f.node, `crash-on-decide (${f.side})`, f.restartAfterMs));
      return true;
    },
  };
  sim = new Simulator({ seed: o.seed, host, network: { delayMaxMs: o.delayMaxMs ?? 5 }, cloneState: (s) => s.map((b) => [...b]) });
  for (const id of ids) {
    sim.addNode(id, []);
    sim.boot(id);
    sim.startTicking(id, 1 + (Number(id.slice(1)) % TICK_MS), TICK_MS);
  }

  // ------------------------------------------------------------------ clients

  let nextReq = 1;
  let nextValue = 1;
  const clients = o.clients ?? 6;
  const keys = o.keys ?? 6;
  const procs = Array.from({ length: clients }, (_, i) => i);
  let nextProcess = clients;

  function complete(node: string, reqId: number, body: { type: string; [field: string]: unknown }): void {
    const op = inflight.get(reqId);
    if (op === undefined) return;
    inflight.delete(reqId);
    if (body.type === 'txn_ok') {
      stats.ok++;
      recordSimEvent(history, sim.now, { process: op.process, type: 'ok', f: 'txn', value: body.txn, node });
    } else {
      // Every error this core answers is definite: the transaction was aborted.
      stats.fail++;
      recordSimEvent(history, sim.now, { process: op.process, type: 'fail', f: 'txn', value: op.value, node, error: [body.code, body.text] });
    }
    if (op.slot >= 0) sim.at(sim.now + rand.int(1, 10), () => invoke(op.slot));
  }

  function submit(slot: number, node: string, ops: TxnRequest['ops']): void {
    const reqId = nextReq++;
    const process = slot >= 0 ? procs[slot]! : nextProcess++;
    recordSimEvent(history, sim.now, { process, type: 'invoke', f: 'txn', value: ops, node });
    const timer = sim.now + opTimeoutMs;
    inflight.set(reqId, { process, slot, node, value: ops, timer });
    sim.at(timer, () => {
      const op = inflight.get(reqId);
      if (op === undefined) return;
      inflight.delete(reqId);
      stats.info++;
      recordSimEvent(history, sim.now, { process: op.process, type: 'info', f: 'txn', value: op.value, node });
      if (slot >= 0) {
        procs[slot] = nextProcess++;
        invoke(slot);
      }
    });
    sim.input(node, (c) => c.request(reqId, { ops }));
  }

  function invoke(slot: number): void {
    if (sim.now >= durationMs) return;
    const up = ids.filter((id) => sim.core(id) !== null);
    if (up.length === 0) return void sim.at(sim.now + 50, () => invoke(slot));
    const node = up[rand.int(0, up.length - 1)]!;
    const ops: TxnRequest['ops'] = Array.from({ length: rand.int(1, 4) }, () => {
      const key = `k${rand.int(1, keys)}`;
      return rand.chance(0.5) ? ['r', key, null] : ['append', key, nextValue++];
    });
    submit(slot, node, ops);
  }

  for (let i = 0; i < clients; i++) sim.at(rand.int(1, 50), () => invoke(i));
  for (const f of o.faults ?? []) {
    sim.at(f.atMs, () => {
      switch (f.kind) {
        case 'crash':
          return crash(f.node, 'kill', f.restartAfterMs);
        case 'partition':
          return sim.net.partition(f.groups);
        case 'heal':
          return sim.net.partition(null);
        case 'crash-on-decide':
          return void armed.push(f);
      }
    });
  }

  // The end: heal, restart every node, let decisions settle, then one read of every key.
  sim.at(durationMs, () => {
    armed.length = 0;
    sim.net.partition(null);
    for (const id of ids) if (sim.core(id) === null) sim.boot(id);
  });
  sim.at(durationMs + SETTLE_MS, () => submit(-1, ids[0]!, Array.from({ length: keys }, (_, i) => ['r', `k${i + 1}`, null] as ['r', string, null])));
  sim.run(durationMs + SETTLE_MS + opTimeoutMs + 100, 5_000_000);

  // ------------------------------------------------------------------ atomicity from the disks

  const violations: string[] = [];
  for (const [txn, by] of applied) {
    const all = parts.get(txn) ?? new Set();
    const missing = [...all].filter((p) => !by.has(p));
    if (missing.length === 0) continue;
    const why = missing.map((p) => `${p} ${dropped.get(txn)?.has(p) ? 'aborted it' : 'never applied it'}`).join(', ');
    violations.push(`transaction ${txn} committed at ${[...by].join(',')} but ${why}`);
  }
  return { seed: o.seed, history, violations, stats };
}
