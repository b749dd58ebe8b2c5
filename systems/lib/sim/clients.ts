/**
 * Random clients and a simple nemesis for a system's simulation: client slots that each invoke one
 * op at a time on a random node and a random key, record invocations and completions as the
 * harness does (a timeout of an op that may change state is `info` and retires its process, as in
 * Jepsen), and, when asked, kill nodes and cut one node off, in windows of 150-600 ms, healing
 * everything a second before the end.
 *
 *     const clients = new SimClients({ clients: 4, durationMs: 5000, keys: 2, draw, readOnly });
 *     const sim = buildSim(..., clients.onReply);
 *     clients.start(sim, ids, (node, reqId, req) => sim.input(node, (c) => c.request(reqId, req)), { crash: true });
 *     sim.run(...); clients.finish();
 */
import type { Rng } from '../rng.js';
import { recordSimEvent, type SimEvent } from './history.js';

/** What a driven simulator offers the clients (the shared Simulator satisfies it). */
export interface DrivenSim {
  readonly rand: Rng;
  readonly now: number;
  readonly net: { partition(groups: readonly (readonly string[])[] | null): void; readonly partitioned: readonly (readonly string[])[] | null };
  at(atMs: number, run: () => void): void;
  core(id: string): unknown;
  boot(id: string): void;
  crash(id: string, why: string): void;
}

/** One op a client draws: its history function and value, and the request the core gets. */
export interface DrawnOp<Q> {
  f: string;
  value: unknown;
  req: Q;
}

export interface SimClientsOptions<Q> {
  clients: number;
  durationMs: number;
  keys: number;
  /** Draws an op on `key`; `nextValue()` gives values unique in the run. */
  draw: (rand: Rng, key: string, nextValue: () => number) => DrawnOp<Q>;
  /** Ops that change nothing: their timeouts are `fail`, not `info`. */
  readOnly: (f: string) => boolean;
  /** The value an ok completion records, from the reply (default: the invoked value; a read's reply value). */
  completeValue?: (f: string, value: unknown, body: { type: string; [field: string]: unknown }) => unknown;
}

/** The faults of the simple nemesis. */
export interface SimFaults {
  crash?: boolean;
  partition?: boolean;
  /** Called at every nemesis step, before it picks its fault (clock skews, for example). */
  step?: () => void;
}

interface Inflight {
  slot: number;
  process: number;
  f: string;
  value: unknown;
  key: string;
  node: string;
}

export class SimClients<Q> {
  readonly history: SimEvent[] = [];
  /** Ops that completed ok. */
  ok = 0;
  private readonly inflight = new Map<number, Inflight>();
  private readonly procs: number[];
  private nextProcess: number;
  private nextReq = 1;
  private nextValue = 1;
  private readonly busy = new Set<number>();
  private sim: DrivenSim | null = null;
  private ids: string[] = [];
  private submit: (node: string, reqId: number, req: Q) => void = () => {};

  constructor(private readonly o: SimClientsOptions<Q>) {
    this.procs = Array.from({ length: o.clients }, (_, i) => i);
    this.nextProcess = o.clients;
  }

  private record(e: Omit<SimEvent, 'index' | 'time'>): void {
    recordSimEvent(this.history, this.sim!.now, e);
  }

  /** A core's reply to request `reqId`, as the simulator hands it over (before the disk syncs). */
  readonly onReply = (id: string, reqId: number, body: { type: string; [field: string]: unknown }): void => {
    const op = this.inflight.get(reqId);
    if (op === undefined) return;
    this.inflight.delete(reqId);
    if (body.type === 'error') {
      const indefinite = body.code === 0 && !this.o.readOnly(op.f);
      this.record({ process: op.process, type: indefinite ? 'info' : 'fail', f: op.f, value: op.value, node: id });
      if (indefinite) this.procs[op.slot] = this.nextProcess++;
    } else {
      this.ok++;
      const value = this.o.completeValue !== undefined ? this.o.completeValue(op.f, op.value, body) : this.o.readOnly(op.f) ? [op.key, body.value ?? null] : op.value;
      this.record({ process: op.process, type: 'ok', f: op.f, value, node: id });
    }
    this.schedule(op.slot);
  };

  /** Starts the clients (and the nemesis, with any fault asked for) on a built simulator. */
  start(sim: DrivenSim, ids: string[], submit: (node: string, reqId: number, req: Q) => void, faults: SimFaults = {}): void {
    this.sim = sim;
    this.ids = ids;
    this.submit = submit;
    for (let i = 0; i < this.o.clients; i++) sim.at(sim.rand.int(1, 50), () => this.invoke(i));
    if (faults.crash === true || faults.partition === true || faults.step !== undefined) sim.at(300, () => this.nemesis(faults));
  }

  /** Records every op still open as indefinite (a read as failed): call once the run is over. */
  finish(): void {
    for (const op of this.inflight.values()) this.record({ process: op.process, type: this.o.readOnly(op.f) ? 'fail' : 'info', f: op.f, value: op.value });
    this.inflight.clear();
  }

  private schedule(slot: number): void {
    this.busy.delete(slot);
    const sim = this.sim!;
    sim.at(sim.now + sim.rand.int(1, 10), () => this.invoke(slot));
  }

  private invoke(slot: number): void {
    const sim = this.sim!;
    if (sim.now >= this.o.durationMs || this.busy.has(slot)) return;
    const node = this.ids[sim.rand.int(0, this.ids.length - 1)]!;
    if (sim.core(node) === null) return this.schedule(slot);
    this.busy.add(slot);
    const key = `k${sim.rand.int(1, this.o.keys)}`;
    const reqId = this.nextReq++;
    const process = this.procs[slot]!;
    const { f, value, req } = this.o.draw(sim.rand, key, () => this.nextValue++);
    this.inflight.set(reqId, { slot, process, f, value, key, node });
    this.record({ process, type: 'invoke', f, value, node });
    this.submit(node, reqId, req);
  }

  private nemesis(faults: SimFaults): void {
    const sim = this.sim!;
    const ids = this.ids;
    if (sim.now >= this.o.durationMs - 1000) {
      sim.net.partition(null);
      for (const id of ids) if (sim.core(id) === null) sim.boot(id);
      return;
    }
    faults.step?.();
    const down = ids.filter((id) => sim.core(id) === null);
    if (down.length > 0) for (const id of down) sim.boot(id);
    else if (faults.crash === true && (faults.partition !== true || sim.rand.chance(0.5))) {
      const victim = ids[sim.rand.int(0, ids.length - 1)]!;
      sim.crash(victim, 'kill');
      // The ops in flight at the killed node: indefinite, and their processes retire.
      for (const [reqId, op] of this.inflight) {
        if (op.node !== victim) continue;
        this.inflight.delete(reqId);
        this.record({ process: op.process, type: this.o.readOnly(op.f) ? 'fail' : 'info', f: op.f, value: op.value, node: victim });
        this.procs[op.slot] = this.nextProcess++;
        this.schedule(op.slot);
      }
    } else if (sim.net.partitioned !== null || faults.partition !== true) sim.net.partition(null);
    else {
      const lone = ids[sim.rand.int(0, ids.length - 1)]!;
      sim.net.partition([[lone], ids.filter((x) => x !== lone)]);
    }
    sim.at(sim.now + sim.rand.int(150, 600), () => this.nemesis(faults));
  }
}
