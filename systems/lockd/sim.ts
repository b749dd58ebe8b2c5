/**
 * Deterministic in-process simulation of a lockd cluster: the same cores as the real processes
 * (core/node.ts on the Raft core, core/holder.ts for the holders, core/resource.ts for the fenced
 * resource) on the generic simulator of systems/lib/sim, with simulated clients and a scripted
 * nemesis. Raft's invariants are asserted as it goes (raftkv's `RaftInvariants`), and the clients
 * write the harness's history format, so the `lock` and `watch` checkers judge it as they judge
 * a real run.
 *
 * Clients: `holders` lock holders, each running in a node as the client library does in the real
 * system (a paused node pauses its holders, a skewed node skews their clocks), turn after turn on
 * `locks` locks; one watcher (on n1) and one key writer (on n2) for State Watch. After the last
 * fault heals: one `resource_log` and one final watch from index 1.
 *
 * Faults are scripted (`SimFault`: pause, skew, partition, crash and restart, heal), as in a
 * scenario file under testdata/; the seed drives message delays and every client choice, so a
 * seed and a script replay exactly.
 *
 *     const r = simulate({ seed: 3, variant: 'no-fencing-token', faults: [{ atMs: 4000, kind: 'pause', node: 'n2', ms: 3000 }] });
 */
import { Rng } from '../lib/rng.js';
import { recordSimEvent, type SimEvent } from '../lib/sim/history.js';
import { type SimHost, Simulator } from '../lib/sim/simulator.js';
import { InvariantError } from '../raftkv/core/raft.js';
import type { DurableImage, PeerMessage, RaftParams, Ready } from '../raftkv/core/types.js';
import { cloneImage, emptyImage, persistReady, RaftInvariants, type Stats } from '../raftkv/sim.js';
import { Holder, type HolderAction } from './core/holder.js';
import { LockdNode, type LockdRequest } from './core/node.js';
import { FencedResource } from './core/resource.js';
import type { LockdParams, LockdVariant } from './core/types.js';

/** One scripted fault. */
export type SimFault =
  | { atMs: number; kind: 'pause'; node: string; ms: number }
  | { atMs: number; kind: 'skew'; node: string; offsetMs: number }
  | { atMs: number; kind: 'partition'; groups: string[][] }
  | { atMs: number; kind: 'heal' }
  | { atMs: number; kind: 'crash'; node: string; restartAfterMs: number };

export interface LockdSimOptions {
  seed: number;
  variant?: LockdVariant;
  nodes?: number;
  durationMs?: number;
  holders?: number;
  locks?: number;
  /** Holder settings (the real shell's params ttlMs, leaseMarginMs, holdWrites, workMs). */
  ttlMs?: number;
  marginMs?: number;
  writes?: number;
  workMs?: number;
  /** Client requests not answered by then are errors (timeout). */
  opTimeoutMs?: number;
  faults?: SimFault[];
  params?: Partial<RaftParams>;
  lockdParams?: Partial<LockdParams>;
  /** Peer message delay, uniform in [1, delayMaxMs]. */
  delayMaxMs?: number;
}

export interface LockdSimResult {
  seed: number;
  history: SimEvent[];
  violations: { timeMs: number; what: string }[];
  stats: Stats & { revokedExpired: number };
}

type Body = Record<string, unknown> & { type: string };
type LockdSimulator = Simulator<PeerMessage, Ready, DurableImage, LockdNode>;

/** Runs one simulation to its end. */
export function simulateLockd(o: LockdSimOptions): LockdSimResult {
  return new LockdSimulation(o).run();
}

class LockdSimulation {
  readonly sim: LockdSimulator;
  readonly ids: string[];
  readonly history: SimEvent[] = [];
  readonly stats: Stats = { ok: 0, fail: 0, info: 0, leaders: 0, crashes: 0, snapshots: 0, installs: 0, snapshotRestarts: 0 };
  readonly inv: RaftInvariants;
  private readonly skew = new Map<string, number>();
  private readonly inflight = new Map<number, { node: string; done: (b: Body) => void }>();
  private readonly resource: FencedResource;
  private readonly rng: Rng;
  private nextReq = 1;
  private nextProcess = 0;
  private nextValue = 1;
  private readonly durationMs: number;
  private readonly opTimeoutMs: number;
  private stopping = false;
  private revokedExpired = 0;

  constructor(readonly o: LockdSimOptions) {
    this.durationMs = o.durationMs ?? 20_000;
    this.opTimeoutMs = o.opTimeoutMs ?? 2000;
    this.ids = Array.from({ length: o.nodes ?? 3 }, (_, i) => `n${i + 1}`);
    this.resource = new FencedResource(o.variant !== 'no-fencing-token');
    this.sim = new Simulator({ seed: o.seed, host: this.host(), network: { delayMaxMs: o.delayMaxMs ?? 5 }, cloneState: cloneImage });
    this.rng = this.sim.rand.fork();
    this.inv = new RaftInvariants(() => this.sim.now, this.stats);
    for (const id of this.ids) {
      this.sim.addNode(id, emptyImage());
      this.skew.set(id, 0);
    }
  }

  private host(): SimHost<PeerMessage, Ready, DurableImage, LockdNode> {
    const params: Partial<RaftParams> = { tickMs: 10, electionTicksMin: 15, electionTicksMax: 30, retryTicks: 10, requestTimeoutTicks: 100, ...(this.o.params ?? {}) };
    return {
      boot: (id, disk, incarnation) =>
        new LockdNode({
          id, peers: this.ids.filter((x) => x !== id), params, rng: new Rng(this.o.seed * 31 + id.charCodeAt(1) * 7 + incarnation),
          clock: { monoMs: () => this.sim.now, wallMs: () => this.sim.now + this.skew.get(id)! },
          sessionId: `${id}#${incarnation}`, restore: { hardState: disk.hardState, snapshot: disk.snapshot, entries: disk.entries },
          lockdVariant: this.o.variant ?? 'correct', lockdParams: this.o.lockdParams ?? {},
        }),
      persist: (id, rd, disk) => persistReady(rd, disk, (what) => this.inv.violate(`${id} ${what}`)),
      beforeSync: (_id, rd) => {
        for (const r of rd.replies) {
          const w = this.inflight.get(r.reqId);
          if (w === undefined) continue;
          this.inflight.delete(r.reqId);
          w.done(r.body as Body);
        }
      },
      afterSync: (id, rd) => {
        this.inv.observeSnapshot(id, rd);
        this.inv.observeApplied(id, rd);
      },
      settled: (_id, core) => this.inv.observeRole(core.raft),
      isFatal: (e) => e instanceof InvariantError,
      fatal: (id, e) => this.inv.violate(`${id} crashed on an internal invariant: ${(e as Error).message}`),
      crashed: (id) => {
        this.stats.crashes++;
        for (const [reqId, w] of this.inflight) {
          if (w.node !== id) continue;
          this.inflight.delete(reqId);
          w.done({ type: 'error', code: 13, text: 'connection reset' });
        }
      },
    };
  }

  private record(e: Omit<SimEvent, 'index' | 'time'>): void {
    recordSimEvent(this.history, this.sim.now, e);
    if (e.type === 'ok') this.stats.ok++;
    else if (e.type === 'fail') this.stats.fail++;
    else if (e.type === 'info') this.stats.info++;
  }

  /** A request to a node's core, answered by `done` (an error body on timeout or crash). */
  private call(node: string, req: LockdRequest, done: (b: Body) => void): void {
    const reqId = this.nextReq++;
    this.inflight.set(reqId, { node, done });
    this.sim.at(this.sim.now + this.opTimeoutMs, () => {
      const w = this.inflight.get(reqId);
      if (w === undefined) return;
      this.inflight.delete(reqId);
      w.done({ type: 'error', code: 0, text: 'timeout' });
    });
    // Never inside a node's ready loop (a reply can lead straight to the next request): next ms.
    this.sim.at(this.sim.now + 1, () => this.sim.whenRunning(node, () => this.sim.input(node, (c) => c.request(reqId, req))));
  }

  /** One holder's turns, back to back, running in `node`. */
  private holderLoop(node: string): void {
    if (this.stopping || this.sim.core(node) === null) {
      if (!this.stopping) this.sim.at(this.sim.now + 200, () => this.holderLoop(node));
      return;
    }
    const process = this.nextProcess++;
    const lock = `L${this.rng.int(0, (this.o.locks ?? 1) - 1)}`;
    const value = this.nextValue++;
    const clock = { monoMs: () => this.sim.now, wallMs: () => this.sim.now + this.skew.get(node)! };
    const h = new Holder({
      lock, value, ttlMs: this.o.ttlMs ?? 1000, marginMs: this.o.marginMs ?? 200, writes: this.o.writes ?? 3, workMs: this.o.workMs ?? 100,
      trustsTtl: this.o.variant === 'client-trusts-ttl', clock,
    });
    this.record({ type: 'invoke', process, f: 'lock', value: { lock, value } });
    const started = this.sim.now;
    let over = false;
    const end = (e: Omit<SimEvent, 'index' | 'time' | 'process' | 'f'>): void => {
      if (over) return;
      over = true;
      this.record({ process, f: 'lock', node, ...e });
      this.sim.at(this.sim.now + 1, () => this.holderLoop(node));
    };
    // A holder whose turn outlasts the harness's op timeout is recorded info, as a real run would.
    this.sim.at(started + 10_000, () => end({ type: 'info', value: { lock, value }, error: 'timeout' }));
    const act = (actions: HolderAction[]): void => {
      for (const a of actions) {
        if (a.kind === 'call') this.call(node, a.req, (b) => this.sim.whenRunning(node, () => act(h.onReply(a.tag, b))));
        else if (a.kind === 'timer') this.sim.at(this.sim.now + a.ms, () => this.sim.whenRunning(node, () => act(h.onTimer(a.tag))));
        else if (a.kind === 'write') {
          const r = this.resource.write(a.lock, a.token, a.value);
          this.sim.at(this.sim.now + 1, () => this.sim.whenRunning(node, () => act(h.onWrite(a.tag, r.accepted ? { accepted: true, seq: r.seq } : { accepted: false }))));
        } else {
          const r = a.result;
          if (r.outcome === 'ok') {
            end({ type: 'ok', value: { lock, value, result: { token: r.token, lease: r.lease, acquired_ms: r.acquiredMs, held_until_ms: r.heldUntilMs, done_ms: r.doneMs, lost: r.lost, released: r.released, writes: r.writes } } });
          } else {
            end({ type: r.outcome === 'unknown' ? 'info' : 'fail', value: { lock, value }, error: r.error?.text ?? r.outcome });
          }
        }
      }
    };
    act(h.start());
  }

  /** The watcher's polls on `node`, resuming after a failed one. */
  private watchLoop(node: string, stream: number, from: number, resume: boolean): void {
    if (this.stopping) return;
    const process = this.nextProcess++;
    const value = { stream, prefix: 'w/', from, resume };
    this.record({ type: 'invoke', process, f: 'watch', value });
    this.call(node, { type: 'watch', prefix: 'w/', from, resume }, (b) => {
      if (b.type === 'watch_ok') {
        this.record({ type: 'ok', process, f: 'watch', node, value: { from: b.from, events: b.events, up_to: b.up_to } });
        const upTo = Number(b.up_to);
        this.sim.at(this.sim.now + 20, () => this.watchLoop(node, stream, upTo >= from ? upTo + 1 : from, false));
      } else {
        this.record({ type: 'fail', process, f: 'watch', node, value, error: b.text });
        this.sim.at(this.sim.now + 20, () => this.watchLoop(node, stream, from, true));
      }
    });
  }

  private writeLoop(node: string): void {
    if (this.stopping) return;
    const process = this.nextProcess++;
    const key = `w/${this.rng.int(0, 4)}`;
    const value = this.nextValue++;
    this.record({ type: 'invoke', process, f: 'write', value: [key, value] });
    this.call(node, { type: 'put', key, value, lease: null }, (b) => {
      if (b.type === 'put_ok') this.record({ type: 'ok', process, f: 'write', node, value: [key, value, b.index] });
      else this.record({ type: b.code === 0 || b.code === 13 ? 'info' : 'fail', process, f: 'write', node, value: [key, value], error: b.text });
      this.sim.at(this.sim.now + 15, () => this.writeLoop(node));
    });
  }

  private applyFault(f: SimFault): void {
    this.record({ type: 'info', process: 'nemesis', f: `fault-${f.kind}`, value: f });
    switch (f.kind) {
      case 'pause':
        this.sim.pause(f.node, this.sim.now + f.ms);
        break;
      case 'skew':
        this.skew.set(f.node, f.offsetMs);
        break;
      case 'partition':
        this.sim.net.partition(f.groups);
        break;
      case 'heal':
        this.sim.net.partition(null);
        for (const id of this.ids) this.skew.set(id, 0);
        break;
      case 'crash':
        this.sim.crash(f.node, 'nemesis');
        this.sim.at(this.sim.now + f.restartAfterMs, () => this.sim.boot(f.node));
        break;
    }
  }

  run(): LockdSimResult {
    for (const id of this.ids) {
      this.sim.boot(id);
      this.sim.startTicking(id, 1 + this.rng.int(0, 9), 10);
    }
    for (const f of this.o.faults ?? []) this.sim.at(f.atMs, () => this.applyFault(f));
    const holders = this.o.holders ?? 3;
    for (let i = 0; i < holders; i++) {
      const node = this.ids[i % this.ids.length]!;
      this.sim.at(500 + i * 37, () => this.holderLoop(node));
    }
    this.sim.at(500, () => this.watchLoop(this.ids[0]!, 0, 1, false));
    this.sim.at(510, () => this.writeLoop(this.ids[1 % this.ids.length]!));
    this.sim.at(this.durationMs, () => {
      this.stopping = true;
      this.applyFault({ atMs: this.durationMs, kind: 'heal' });
    });
    this.sim.run(this.durationMs + 3000);
    // The final reads, once the holders' last turns ended.
    const p = this.nextProcess++;
    this.record({ type: 'invoke', process: p, f: 'resource_log', value: null });
    this.record({ type: 'ok', process: p, f: 'resource_log', value: this.resource.log().slice() });
    const q = this.nextProcess++;
    const value = { stream: -1, prefix: 'w/', from: 1, resume: false };
    this.record({ type: 'invoke', process: q, f: 'watch', value });
    const leader = this.ids.find((id) => this.sim.core(id)?.raft.currentRole === 'leader') ?? this.ids[0]!;
    this.call(leader, { type: 'watch', prefix: 'w/', from: 1, resume: false }, (b) => {
      if (b.type === 'watch_ok') this.record({ type: 'ok', process: q, f: 'watch', node: leader, value: { from: b.from, events: b.events, up_to: b.up_to } });
      else this.record({ type: 'fail', process: q, f: 'watch', node: leader, value, error: b.text });
    });
    this.sim.run(this.durationMs + 6000);
    for (const id of this.ids) this.revokedExpired += this.sim.core(id)?.revokedExpired ?? 0;
    const live = this.ids.map((id) => this.sim.core(id)).filter((c): c is LockdNode => c !== null);
    this.inv.checkLogMatching(live.map((c) => c.raft));
    return { seed: this.o.seed, history: this.history, violations: this.inv.violations, stats: { ...this.stats, revokedExpired: this.revokedExpired } };
  }
}
