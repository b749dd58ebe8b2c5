/**
 * Deterministic in-process simulation of a raftkv cluster: the same protocol core as the real
 * nodes (core/raft.ts), on the generic simulator of systems/lib/sim (seeded network and disk),
 * with simulated clients and a nemesis. This file is raftkv's adapter onto that simulator: how a
 * node boots from its disk, how a Ready maps onto the disk, Raft's invariants, the clients and the
 * fault schedule.
 *
 * Faults: message drop and delay, network partitions, process pause (SIGSTOP-like: no ticks, messages
 * wait), crash and restart with the unsynced part of the disk lost, and wall-clock skew.
 * The simulation asserts Raft's invariants as it goes (one leader per term, log matching, no two
 * different entries applied at one index, no two different snapshots of the state at one index)
 * and records the clients' history in the harness's history format (Jepsen op fields) for the
 * linearizability checker (register) or the transactional checker (list-append). The simulated
 * disk keeps what a node persists: term and vote, the newest snapshot and the log after it, so a
 * small `snapshotEveryEntries` exercises log compaction, InstallSnapshot and restarts from a snapshot.
 *
 *     const r = simulate({ seed: 7, variant: 'correct', durationMs: 20_000 });
 *     r.violations   // invariant breaks, with the virtual time they were seen
 *     r.history      // invoke/ok/fail/info events, keys as independent registers
 */
import { Rng } from '../lib/rng.js';
import type { SimDisk } from '../lib/sim/disk.js';
import { recordSimEvent, type SimEvent } from '../lib/sim/history.js';
import { type Buggify, type SimHost, Simulator } from '../lib/sim/simulator.js';
import { InvariantError, RaftNode } from './core/raft.js';
import { raftkvStateMachine } from './core/machine.js';
import type { ClientRequest, DurableImage, MicroOp, PeerMessage, RaftParams, Ready, Variant } from './core/types.js';
import { ERR } from './core/types.js';

/** Fault switches of a simulation; every one is off unless set. */
export interface SimFaults {
  /** Probability that a peer message is lost. */
  dropRate?: number;
  /** Peer messages take a uniform delay in [1, delayMaxMs] ms (per-link FIFO is kept). */
  delayMaxMs?: number;
  partition?: boolean;
  crash?: boolean;
  pause?: boolean;
  /** Skews the leader's wall clock back by this many ms from time to time. */
  clockSkewMs?: number;
  /** Mean ms between fault changes. */
  intervalMs?: number;
  /** Probability that a peer message arrives twice. */
  duplicateRate?: number;
  /** Messages on one link may overtake each other. */
  reorder?: boolean;
  /** Probability that a node crashes between writing a ready and syncing it (0.002 with `crash` unless set). */
  crashBeforeSyncRate?: number;
}

/** Options of one simulation. */
export interface SimOptions {
  seed: number;
  variant?: Variant;
  nodes?: number;
  clients?: number;
  keys?: number;
  durationMs?: number;
  /** Client op timeout (an op not answered by then is recorded `info`). */
  opTimeoutMs?: number;
  faults?: SimFaults;
  params?: Partial<RaftParams>;
  /** Stop after this many events (a broken variant can make nodes chatter without end). */
  maxEvents?: number;
  /**
   * What the clients do: `register` (read, write, cas on independent keys; the default) or
   * `list-append` (transactions of 1 to 3 reads and appends of unique values, recorded as `txn`
   * ops for the transactional checker).
   */
  workload?: 'register' | 'list-append';
  /** The simulator's fault points inside the node runtime (systems/lib/sim/simulator.ts). */
  buggify?: Buggify;
}

/** What a simulation produced. */
export interface SimResult {
  seed: number;
  history: SimEvent[];
  violations: { timeMs: number; what: string }[];
  stats: {
    events: number;
    messages: number;
    ok: number;
    fail: number;
    info: number;
    leaders: number;
    crashes: number;
    /** Snapshots persisted (taken or installed), installs, and restarts from a snapshot. */
    snapshots: number;
    installs: number;
    snapshotRestarts: number;
  };
}

/** The raftkv simulator: RaftNode cores exchanging PeerMessages, each with a DurableImage on disk. */
export type RaftSimulator = Simulator<PeerMessage, Ready, DurableImage, RaftNode>;

/** A node's disk before its first write. */
export function emptyImage(): DurableImage {
  return { hardState: { term: 0, votedFor: null }, snapshot: null, entries: [] };
}

/** A copy of a disk image that shares nothing mutable with it (snapshots are never changed in place). */
export function cloneImage(d: DurableImage): DurableImage {
  return { hardState: { ...d.hardState }, snapshot: d.snapshot, entries: d.entries.slice() };
}

/**
 * Queues a Ready's persist batch on the disk as the shell writes it: a snapshot image replaces
 * everything; otherwise truncate, append, then term and vote. `violate` hears of a gap in the log.
 */
export function persistReady(rd: Ready, disk: SimDisk<DurableImage>, violate: (what: string) => void): void {
  const p = rd.persist;
  if (p.image === null && p.truncateFrom === null && p.entries.length === 0 && p.hardState === null) return;
  disk.write((prior) => {
    const d = p.image !== null ? cloneImage(p.image) : prior;
    const base = d.snapshot?.lastIncludedIndex ?? 0;
    if (p.truncateFrom !== null) d.entries.length = Math.max(0, Math.min(d.entries.length, p.truncateFrom - 1 - base));
    for (const e of p.entries) {
      if (e.index > base + d.entries.length + 1) violate(`persisted entry ${e.index} after ${base + d.entries.length}: a gap`);
      d.entries.length = Math.max(0, e.index - 1 - base);
      d.entries.push(e);
    }
    if (p.hardState !== null) d.hardState = { ...p.hardState };
    return d;
  });
}

/** What a node needs to boot a RaftNode: its peers, variant, parameters, seeded rng and clocks. */
export interface RaftBootOptions {
  ids: readonly string[];
  variant: Variant;
  params: Partial<RaftParams>;
  rngSeed: number;
  monoMs: () => number;
  wallMs: () => number;
}

/** A RaftNode restored from its disk; a restart is a new client session. */
export function bootRaftNode(id: string, disk: DurableImage, incarnation: number, o: RaftBootOptions): RaftNode {
  return new RaftNode({
    id,
    peers: o.ids.filter((x) => x !== id),
    variant: o.variant,
    params: o.params,
    rng: new Rng(o.rngSeed + incarnation),
    clock: { monoMs: o.monoMs, wallMs: o.wallMs },
    sessionId: `${id}#${incarnation}`,
    restore: { hardState: disk.hardState, snapshot: disk.snapshot, entries: disk.entries },
    ...raftkvStateMachine(o.variant),
  });
}

/** Runs one simulation to its end and returns the history and the invariant violations. */
export function simulate(opts: SimOptions): SimResult {
  return new RaftkvSimulation(opts).run();
}

/** The counters a simulation keeps besides events and messages. */
export type Stats = Omit<SimResult['stats'], 'events' | 'messages'>;
type ReplyBody = Record<string, unknown> & { type: string };

/**
 * Raft's safety properties, checked on what the nodes persist and apply (also by the simulations
 * of other systems on the Raft core: lockd's).
 */
export class RaftInvariants {
  readonly violations: { timeMs: number; what: string }[] = [];
  private readonly leaderOfTerm = new Map<number, string>();
  /** index -> "term:cmd" of the first entry applied there. */
  private readonly appliedAt = new Map<number, string>();
  /** index -> the first snapshot's state at that index, as JSON. */
  private readonly stateAt = new Map<number, string>();

  constructor(
    private readonly clockMs: () => number,
    private readonly stats: Stats,
  ) {}

  violate(what: string): void {
    if (this.violations.length < 100) this.violations.push({ timeMs: this.clockMs(), what });
  }

  /** Election safety: at most one leader per term. */
  observeRole(node: RaftNode): void {
    const s = node.status();
    if (s.role !== 'leader') return;
    const prev = this.leaderOfTerm.get(s.term);
    if (prev === undefined) {
      this.leaderOfTerm.set(s.term, node.id);
      this.stats.leaders++;
    } else if (prev !== node.id) this.violate(`election safety: ${prev} and ${node.id} both leaders of term ${s.term}`);
  }

  /** State machine safety: no two different entries applied at one index, on any node. */
  observeApplied(id: string, rd: Ready): void {
    for (const e of rd.applied) {
      const k = `${e.term}:${JSON.stringify(e.cmd)}`;
      const prev = this.appliedAt.get(e.index);
      if (prev === undefined) this.appliedAt.set(e.index, k);
      else if (prev !== k) this.violate(`state machine safety: ${id} applied ${k} at index ${e.index}, another node applied ${prev}`);
    }
  }

  /**
   * State machine safety across snapshots: every snapshot at an index holds the same state, and
   * its last term is the term of the entry applied there.
   */
  observeSnapshot(id: string, rd: Ready): void {
    const s = rd.persist.image?.snapshot ?? null;
    if (s === null) return;
    this.stats.snapshots++;
    if (rd.messages.some((m) => m.type === 'InstallSnapshotResp')) this.stats.installs++;
    const state = JSON.stringify(s.state);
    const prev = this.stateAt.get(s.lastIncludedIndex);
    if (prev === undefined) this.stateAt.set(s.lastIncludedIndex, state);
    else if (prev !== state) this.violate(`state machine safety: ${id} has a snapshot at ${s.lastIncludedIndex} whose state differs from another node's`);
    const applied = this.appliedAt.get(s.lastIncludedIndex);
    if (applied !== undefined && !applied.startsWith(`${s.lastIncludedTerm}:`)) {
      this.violate(`state machine safety: ${id} has a snapshot at ${s.lastIncludedIndex} of term ${s.lastIncludedTerm}, but ${applied} was applied there`);
    }
  }

  /** Log Matching (Raft §5.3): if two logs hold an entry with the same index and term, the logs are identical up to it. */
  checkLogMatching(live: RaftNode[]): void {
    for (let i = 0; i < live.length; i++) {
      for (let j = i + 1; j < live.length; j++) {
        if (!this.logsMatch(live[i]!, live[j]!)) return;
      }
    }
  }

  /**
   * Per pair of nodes, the highest index at which their logs were last found to match, with the
   * two entry objects there: while both still hold those very objects at that index, the prefix
   * below it was checked already and a log only changes by truncating a suffix and appending, so
   * the next check stops there (checking the whole log every time made long runs quadratic).
   */
  private readonly matched = new Map<string, { index: number; a: unknown; b: unknown }>();

  private logsMatch(a: RaftNode, b: RaftNode): boolean {
    // Entries compacted into a snapshot are checked through the snapshots' states (observeSnapshot).
    const first = Math.max(a.firstIndex(), b.firstIndex());
    const last = Math.min(a.lastIndex(), b.lastIndex());
    let k = last;
    while (k >= first && a.entryAt(k)!.term !== b.entryAt(k)!.term) k--;
    const pair = `${a.id}|${b.id}`;
    const seen = this.matched.get(pair);
    const stop = seen !== undefined && seen.index <= k && seen.index >= first && a.entryAt(seen.index) === seen.a && b.entryAt(seen.index) === seen.b ? seen.index : first - 1;
    for (let x = k; x > stop; x--) {
      const ea = a.entryAt(x)!;
      const eb = b.entryAt(x)!;
      if (ea.term !== eb.term || (ea.cmd !== eb.cmd && JSON.stringify(ea.cmd) !== JSON.stringify(eb.cmd))) {
        this.violate(`log matching: ${a.id} and ${b.id} agree at index ${k} but differ at ${x}`);
        return false;
      }
    }
    if (k >= first) this.matched.set(pair, { index: k, a: a.entryAt(k), b: b.entryAt(k) });
    return true;
  }
}

/** One simulation run: the cluster, its clients, the nemesis and the history they write. */
class RaftkvSimulation {
  readonly sim: RaftSimulator;
  readonly ids: string[];
  readonly history: SimEvent[] = [];
  readonly stats: Stats = { ok: 0, fail: 0, info: 0, leaders: 0, crashes: 0, snapshots: 0, installs: 0, snapshotRestarts: 0 };
  readonly inv: RaftInvariants;
  /** Client requests in flight: replies come back to the client that sent the request. */
  readonly inflight = new Map<number, { client: SimClient; node: string }>();
  readonly recentValues = new Map<string, number[]>();
  nextReqId = 1;
  nextProcess = 0;
  nextValue = 1;
  private readonly skewMs = new Map<string, number>();
  private readonly rngSeeds = new Map<string, number>();
  private readonly durationMs: number;

  constructor(readonly opts: SimOptions) {
    this.durationMs = opts.durationMs ?? 10_000;
    const faults = opts.faults ?? {};
    this.ids = Array.from({ length: opts.nodes ?? 3 }, (_, i) => `n${i + 1}`);
    this.sim = new Simulator({
      seed: opts.seed,
      host: this.host(),
      network: { dropRate: faults.dropRate, delayMaxMs: faults.delayMaxMs, duplicateRate: faults.duplicateRate, reorder: faults.reorder },
      crashBeforeSyncRate: faults.crashBeforeSyncRate ?? (faults.crash === true ? 0.002 : 0),
      cloneState: cloneImage,
      ...(opts.buggify !== undefined ? { buggify: opts.buggify } : {}),
    });
    this.inv = new RaftInvariants(() => this.sim.now, this.stats);
    for (const id of this.ids) {
      this.sim.addNode(id, emptyImage());
      this.rngSeeds.set(id, this.sim.rand.int(0, 2 ** 30));
      this.skewMs.set(id, 0);
    }
  }

  get now(): number {
    return this.sim.now;
  }

  get durationEndMs(): number {
    return this.durationMs;
  }

  record(e: Omit<SimEvent, 'index' | 'time'>): void {
    recordSimEvent(this.history, this.now, e);
  }

  private host(): SimHost<PeerMessage, Ready, DurableImage, RaftNode> {
    const params: Partial<RaftParams> = { tickMs: 10, ...(this.opts.params ?? {}) };
    return {
      boot: (id, disk, incarnation) => {
        if (disk.snapshot !== null && incarnation > 1) this.stats.snapshotRestarts++;
        return bootRaftNode(id, disk, incarnation, {
          ids: this.ids, variant: this.opts.variant ?? 'correct', params, rngSeed: this.rngSeeds.get(id)!,
          monoMs: () => this.now, wallMs: () => this.now + this.skewMs.get(id)!,
        });
      },
      persist: (id, rd, disk) => persistReady(rd, disk, (what) => this.inv.violate(`${id} ${what}`)),
      beforeSync: (id, rd) => {
        for (const r of rd.replies) this.completeRequest(r.reqId, r.body, id);
      },
      afterSync: (id, rd) => {
        this.inv.observeSnapshot(id, rd);
        this.inv.observeApplied(id, rd);
      },
      settled: (_id, core) => this.inv.observeRole(core),
      // An assertion inside the core is a crash of that node, as in the real process.
      isFatal: (e) => e instanceof InvariantError,
      fatal: (id, e) => this.inv.violate(`${id} crashed on an internal invariant: ${(e as Error).message}`),
      crashed: (id, why) => this.onCrash(id, why),
    };
  }

  completeRequest(reqId: number, body: ReplyBody, node: string): void {
    const c = this.inflight.get(reqId);
    if (c === undefined) return;
    this.inflight.delete(reqId);
    c.client.complete(reqId, body, node);
  }

  private onCrash(id: string, why: string): void {
    this.stats.crashes++;
    this.record({ process: 'nemesis', type: 'info', f: 'crash', value: `${id} (${why})` });
    // Every client request in flight at the node breaks: indefinite.
    for (const [reqId, c] of this.inflight) {
      if (c.node === id) this.completeRequest(reqId, { type: 'error', code: 13, text: 'connection reset' }, id);
    }
  }

  restart(id: string): void {
    this.sim.boot(id);
    this.record({ process: 'nemesis', type: 'info', f: 'restart', value: id });
  }

  setSkew(id: string, ms: number): void {
    this.skewMs.set(id, ms);
  }

  skew(id: string): number {
    return this.skewMs.get(id)!;
  }

  /** The first node (in id order) that is up and leads, if any. */
  leader(): string | undefined {
    return this.ids.find((id) => this.sim.core(id)?.currentRole === 'leader');
  }

  run(): SimResult {
    const tickMs = this.opts.params?.tickMs ?? 10;
    const opTimeoutMs = this.opts.opTimeoutMs ?? 1000;
    for (const id of this.ids) {
      this.sim.boot(id);
      this.sim.startTicking(id, this.sim.rand.int(1, tickMs), tickMs);
    }
    for (let i = 0; i < (this.opts.clients ?? 4); i++) {
      const c = new SimClient(this, opTimeoutMs);
      this.sim.at(this.sim.rand.int(200, 400), () => c.start());
    }
    new Nemesis(this).start();
    let lastLogCheck = 0;
    this.sim.run(this.durationMs + opTimeoutMs + 100, this.opts.maxEvents ?? 2_000_000, () => {
      if (this.now - lastLogCheck < 250) return;
      lastLogCheck = this.now;
      this.inv.checkLogMatching(this.liveCores());
    });
    // Ops still open at the end are indefinite.
    for (const [reqId, c] of this.inflight) c.client.complete(reqId, { type: 'error', code: ERR.timeout, text: 'end of run' }, c.node);
    this.inv.checkLogMatching(this.liveCores());
    const stats = { events: this.sim.events, messages: this.sim.net.sent, ...this.stats };
    return { seed: this.opts.seed, history: this.history, violations: this.inv.violations, stats };
  }

  private liveCores(): RaftNode[] {
    return this.ids.map((id) => this.sim.core(id)).filter((c): c is RaftNode => c !== null);
  }
}

/** A simulated client: one op at a time, to a random node, recorded as invoke and completion. */
class SimClient {
  private process: number;
  private reqId = 0;
  private op: { f: string; value: unknown } | null = null;

  constructor(
    private readonly s: RaftkvSimulation,
    private readonly opTimeoutMs: number,
  ) {
    this.process = s.nextProcess++;
  }

  start(): void {
    const s = this.s;
    if (s.now >= s.durationEndMs) return;
    const rand = s.sim.rand;
    const key = `k${rand.int(1, s.opts.keys ?? 3)}`;
    const node = s.ids[rand.int(0, s.ids.length - 1)]!;
    const kind = rand.int(0, 2);
    const [req, op] = s.opts.workload === 'list-append' ? this.txn() : this.registerOp(kind, key);
    this.op = op;
    const reqId = s.nextReqId++;
    this.reqId = reqId;
    s.record({ process: this.process, type: 'invoke', f: op.f, value: op.value, node });
    s.inflight.set(reqId, { client: this, node });
    if (s.sim.core(node) === null) {
      s.sim.at(s.now + 1, () => s.completeRequest(reqId, { type: 'error', code: 13, text: 'connection refused' }, node));
    } else {
      s.sim.at(s.now + 1, () =>
        s.sim.whenRunning(node, () => {
          if (s.inflight.has(reqId)) s.sim.input(node, (c) => c.request(reqId, req));
        }),
      );
    }
    s.sim.at(s.now + this.opTimeoutMs, () => s.completeRequest(reqId, { type: 'error', code: ERR.timeout, text: 'client timeout' }, node));
  }

  /** A transaction of 1 to 3 micro-ops; every appended value is unique over the run, as the list-append checker needs. */
  private txn(): [ClientRequest, { f: string; value: unknown }] {
    const s = this.s;
    const ops: MicroOp[] = [];
    for (let i = s.sim.rand.int(1, 3); i > 0; i--) {
      const k = `k${s.sim.rand.int(1, s.opts.keys ?? 3)}`;
      ops.push(s.sim.rand.chance(0.5) ? ['r', k, null] : ['append', k, s.nextValue++]);
    }
    return [{ type: 'txn', ops }, { f: 'txn', value: ops }];
  }

  private registerOp(kind: number, key: string): [ClientRequest, { f: string; value: unknown }] {
    const s = this.s;
    if (kind === 0) return [{ type: 'read', key }, { f: 'read', value: [key, null] }];
    if (kind === 1) {
      const v = s.nextValue++;
      this.remember(key, v);
      return [{ type: 'write', key, value: v }, { f: 'write', value: [key, v] }];
    }
    // From a value recently written to the key, so that many cas can succeed.
    const recent = s.recentValues.get(key) ?? [];
    const from = recent.length > 0 ? recent[s.sim.rand.int(0, recent.length - 1)]! : s.sim.rand.int(1, Math.max(1, s.nextValue - 1));
    const to = s.nextValue++;
    this.remember(key, to);
    return [{ type: 'cas', key, from, to }, { f: 'cas', value: [key, [from, to]] }];
  }

  private remember(key: string, v: number): void {
    const r = this.s.recentValues.get(key) ?? [];
    r.push(v);
    if (r.length > 4) r.shift();
    this.s.recentValues.set(key, r);
  }

  complete(reqId: number, body: ReplyBody, node: string): void {
    if (reqId !== this.reqId || this.op === null) return;
    const s = this.s;
    const op = this.op;
    this.op = null;
    if (body.type === 'error') {
      const code = typeof body.code === 'number' ? body.code : -1;
      const definite = code !== 0 && code !== 13;
      const type = op.f === 'read' || definite ? 'fail' : 'info';
      s.record({ process: this.process, type, f: op.f, value: op.value, node, error: code });
      if (type === 'fail') s.stats.fail++;
      else s.stats.info++;
      if (type === 'info') this.process = s.nextProcess++; // Jepsen: a process with an open op is retired
    } else {
      const value = op.f === 'read' ? [(op.value as unknown[])[0], body.value ?? null] : op.f === 'txn' ? body.txn : op.value;
      s.record({ process: this.process, type: 'ok', f: op.f, value, node });
      s.stats.ok++;
    }
    s.sim.at(s.now + s.sim.rand.int(0, 20), () => this.start());
  }
}

/** The fault schedule: one fault change at random intervals, everything healed before the end. */
class Nemesis {
  private readonly faults: SimFaults;
  private readonly intervalMs: number;

  constructor(private readonly s: RaftkvSimulation) {
    this.faults = s.opts.faults ?? {};
    this.intervalMs = this.faults.intervalMs ?? 1500;
  }

  start(): void {
    const f = this.faults;
    const anyFault = f.partition === true || f.crash === true || f.pause === true || (f.clockSkewMs ?? 0) > 0;
    if (anyFault) this.s.sim.at(this.intervalMs, () => this.step());
  }

  private step(): void {
    const s = this.s;
    if (s.now >= s.durationEndMs - 2000) {
      this.healAll();
      return;
    }
    const f = this.faults;
    const leader = s.leader();
    const choices: (() => void)[] = [];
    if (f.partition === true) choices.push(() => this.togglePartition(leader));
    if (f.crash === true) choices.push(() => this.crashOrRestart(leader));
    if (f.pause === true) choices.push(() => this.pause(leader));
    if ((f.clockSkewMs ?? 0) > 0) choices.push(() => this.skewClock(leader, f.clockSkewMs ?? 0));
    if (choices.length > 0) choices[s.sim.rand.int(0, choices.length - 1)]!();
    s.sim.at(s.now + s.sim.rand.int(Math.floor(this.intervalMs / 2), Math.floor(this.intervalMs * 1.5)), () => this.step());
  }

  /** Heals everything well before the end so the final ops can succeed. */
  private healAll(): void {
    const s = this.s;
    s.sim.net.partition(null);
    for (const id of s.ids) {
      if (s.sim.core(id) === null) s.restart(id);
      s.setSkew(id, 0);
    }
  }

  private partition(groups: string[][] | null): void {
    this.s.sim.net.partition(groups);
    if (groups === null) this.s.record({ process: 'nemesis', type: 'info', f: 'stop-partition', value: null });
    else this.s.record({ process: 'nemesis', type: 'info', f: 'start-partition', value: groups });
  }

  private togglePartition(leader: string | undefined): void {
    const s = this.s;
    if (s.sim.net.partitioned !== null) {
      this.partition(null);
      return;
    }
    // Isolate a minority; often the leader, where the interesting faults are.
    const shuffled = s.ids.map((id) => ({ id, r: s.sim.rand.int(0, 1000) })).sort((a, b) => a.r - b.r).map((x) => x.id);
    const minority = shuffled.slice(0, Math.floor((s.ids.length - 1) / 2));
    if (leader !== undefined && s.sim.rand.chance(0.6) && !minority.includes(leader)) minority[0] = leader;
    this.partition([minority, s.ids.filter((x) => !minority.includes(x))]);
  }

  private randomNode(): string {
    return this.s.ids[this.s.sim.rand.int(0, this.s.ids.length - 1)]!;
  }

  private crashOrRestart(leader: string | undefined): void {
    const s = this.s;
    const down = s.ids.filter((id) => s.sim.core(id) === null);
    if (down.length > 0) {
      for (const id of down) s.restart(id);
      return;
    }
    const victim = leader !== undefined && s.sim.rand.chance(0.6) ? leader : this.randomNode();
    s.sim.crash(victim, 'kill');
  }

  private pause(leader: string | undefined): void {
    const s = this.s;
    const victim = leader ?? this.randomNode();
    const ms = s.sim.rand.int(300, 2000);
    s.sim.pause(victim, s.now + ms);
    s.record({ process: 'nemesis', type: 'info', f: 'pause', value: [victim, ms] });
  }

  private skewClock(leader: string | undefined, skewMs: number): void {
    const s = this.s;
    const victim = leader ?? this.randomNode();
    s.setSkew(victim, s.skew(victim) === 0 ? -skewMs : 0);
    s.record({ process: 'nemesis', type: 'info', f: 'clock-skew', value: [victim, s.skew(victim)] });
    if (this.faults.partition === true && s.sim.net.partitioned === null && s.skew(victim) !== 0) {
      // Skew pays off when the skewed leader is then cut off.
      this.partition([[victim], s.ids.filter((x) => x !== victim)]);
    }
  }
}
