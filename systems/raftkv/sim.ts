/**
 * Deterministic in-process simulation of a raftkv cluster: the same protocol core as the real
 * nodes (core/raft.ts), on a seeded simulated network and disk, with simulated clients.
 *
 * Everything happens on one virtual clock driven by an event queue, so a seed replays exactly.
 * Faults: message drop and delay, network partitions, process pause (SIGSTOP-like: no ticks, messages
 * wait), crash and restart with the unsynced part of the disk lost, and wall-clock skew.
 * The simulation asserts Raft's invariants as it goes (one leader per term, log matching, no two
 * different entries applied at one index, no two different snapshots of the state at one index)
 * and records the clients' history in the harness's history format (Jepsen op fields) for the
 * linearizability checker (register) or the transactional checker (list-append). The simulated disk keeps what a node persists: term and vote, the
 * newest snapshot and the log after it, so a small `snapshotEveryEntries` exercises log compaction,
 * InstallSnapshot and restarts from a snapshot.
 *
 *     const r = simulate({ seed: 7, variant: 'correct', durationMs: 20_000 });
 *     r.violations   // invariant breaks, with the virtual time they were seen
 *     r.history      // invoke/ok/fail/info events, keys as independent registers
 */
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import { InvariantError, RaftNode } from './core/raft.js';
import type { ClientRequest, CoreRng, DurableImage, MicroOp, PeerMessage, RaftParams, Variant } from './core/types.js';
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
}

/** A history event, field for field the harness's `HistoryEvent` (checkers/history/types.ts). */
export interface SimEvent {
  index: number;
  time: number;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  process: number | 'nemesis';
  f: string;
  value?: unknown;
  node?: string;
  error?: unknown;
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

type Rand = { int(lo: number, hi: number): number; chance(p: number): boolean };

function makeRand(seed: number): Rand & CoreRng {
  const g = xoroshiro128plus(seed | 0);
  const int = (lo: number, hi: number): number => unsafeUniformIntDistribution(lo, hi, g);
  return { int, chance: (p) => p > 0 && int(0, 999_999) < p * 1_000_000 };
}

interface SimNode {
  id: string;
  core: RaftNode | null;
  incarnation: number;
  /** What survives a crash: term and vote, the newest snapshot, the log entries after it. */
  disk: DurableImage;
  pausedUntilMs: number;
  skewMs: number;
  rngSeed: number;
}

interface Ev {
  at: number;
  seq: number;
  run: () => void;
}

/** A binary min-heap of events ordered by (time, insertion order): ties replay in one order. */
class EventQueue {
  private h: Ev[] = [];
  private seq = 0;
  get size(): number {
    return this.h.length;
  }
  push(at: number, run: () => void): void {
    const e = { at, seq: this.seq++, run };
    const h = this.h;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p]!, e)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }
  pop(): Ev | undefined {
    const h = this.h;
    const top = h[0];
    const last = h.pop();
    if (top === undefined || last === undefined || h.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= h.length) break;
      const r = l + 1;
      const c = r < h.length && less(h[r]!, h[l]!) ? r : l;
      if (less(last, h[c]!)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
    return top;
  }
}
function less(a: Ev, b: Ev): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Runs one simulation to its end and returns the history and the invariant violations. */
export function simulate(opts: SimOptions): SimResult {
  const variant = opts.variant ?? 'correct';
  const nNodes = opts.nodes ?? 3;
  const nClients = opts.clients ?? 4;
  const nKeys = opts.keys ?? 3;
  const workload = opts.workload ?? 'register';
  const durationMs = opts.durationMs ?? 10_000;
  const opTimeoutMs = opts.opTimeoutMs ?? 1000;
  const faults = opts.faults ?? {};
  const params: Partial<RaftParams> = { tickMs: 10, ...(opts.params ?? {}) };
  const tickMs = params.tickMs ?? 10;
  const rand = makeRand(opts.seed);
  const q = new EventQueue();
  let now = 0;
  const ids = Array.from({ length: nNodes }, (_, i) => `n${i + 1}`);
  const history: SimEvent[] = [];
  const violations: { timeMs: number; what: string }[] = [];
  const stats = { events: 0, messages: 0, ok: 0, fail: 0, info: 0, leaders: 0, crashes: 0, snapshots: 0, installs: 0, snapshotRestarts: 0 };
  const violate = (what: string): void => {
    if (violations.length < 100) violations.push({ timeMs: now, what });
  };
  const record = (e: Omit<SimEvent, 'index' | 'time'>): void => {
    history.push({ index: history.length, time: now * 1_000_000, ...e });
  };

  // ------------------------------------------------------------------ nodes and disks
  const nodes = new Map<string, SimNode>();
  for (const id of ids) {
    nodes.set(id, {
      id, core: null, incarnation: 0, disk: { hardState: { term: 0, votedFor: null }, snapshot: null, entries: [] },
      pausedUntilMs: 0, skewMs: 0, rngSeed: rand.int(0, 2 ** 30),
    });
  }
  const leaderOfTerm = new Map<number, string>();
  const appliedAt = new Map<number, string>(); // index -> "term:cmd" of the first applied entry
  const entryKey = (e: { term: number; cmd: unknown }): string => `${e.term}:${JSON.stringify(e.cmd)}`;
  const stateAt = new Map<number, string>(); // index -> the first snapshot's state at that index, as JSON

  const boot = (n: SimNode): void => {
    n.incarnation++;
    const restore = { hardState: { ...n.disk.hardState }, snapshot: n.disk.snapshot, entries: n.disk.entries.slice() };
    if (n.disk.snapshot !== null && n.incarnation > 1) stats.snapshotRestarts++;
    n.core = new RaftNode({
      id: n.id,
      peers: ids.filter((x) => x !== n.id),
      variant,
      params,
      rng: makeRand(n.rngSeed + n.incarnation),
      clock: { monoMs: () => now, wallMs: () => now + n.skewMs },
      sessionId: `${n.id}#${n.incarnation}`,
      restore,
    });
  };

  // Client bookkeeping: replies come back to the client that sent the request.
  let nextReqId = 1;
  const inflight = new Map<number, { client: Client; node: string }>();

  /** Runs the Ready loop of a node after an input: persist, then send and reply, then advance. */
  const drain = (n: SimNode): void => {
    for (let guard = 0; n.core !== null && n.core.hasReady(); guard++) {
      if (guard > 10_000) throw new Error(`node ${n.id}: ready loop does not settle`);
      const core = n.core;
      const rd = core.ready();
      const p = rd.persist;
      for (const m of rd.early) send(m);
      for (const r of rd.replies) {
        const c = inflight.get(r.reqId);
        if (c !== undefined) {
          inflight.delete(r.reqId);
          c.client.complete(r.reqId, r.body, n.id);
        }
      }
      // Write to the disk. A crash fault may strike between the write and the fsync: then the
      // unsynced writes (this whole batch) are lost, and of this ready only what may leave
      // before the fsync (early messages, replies) has left.
      if (faults.crash === true && (p.entries.length > 0 || p.hardState !== null || p.image !== null) && rand.chance(0.002)) {
        crash(n, 'during fsync');
        return;
      }
      if (p.image !== null) {
        // A snapshot: the whole durable state is replaced at once (the WAL's snapshot file).
        n.disk = { hardState: { ...p.image.hardState }, snapshot: p.image.snapshot, entries: p.image.entries.slice() };
        checkSnapshot(n.id, p.image, rd.messages.some((m) => m.type === 'InstallSnapshotResp'));
      }
      const base = n.disk.snapshot?.lastIncludedIndex ?? 0;
      if (p.truncateFrom !== null) n.disk.entries.length = Math.max(0, Math.min(n.disk.entries.length, p.truncateFrom - 1 - base));
      for (const e of p.entries) {
        if (e.index > base + n.disk.entries.length + 1) violate(`${n.id} persisted entry ${e.index} after ${base + n.disk.entries.length}: a gap`);
        n.disk.entries.length = Math.max(0, e.index - 1 - base);
        n.disk.entries.push(e);
      }
      if (p.hardState !== null) n.disk.hardState = { ...p.hardState };
      for (const e of rd.applied) {
        const k = entryKey(e);
        const prev = appliedAt.get(e.index);
        if (prev === undefined) appliedAt.set(e.index, k);
        else if (prev !== k) violate(`state machine safety: ${n.id} applied ${k} at index ${e.index}, another node applied ${prev}`);
      }
      for (const m of rd.messages) send(m);
      core.advance();
    }
    observe(n);
  };

  /**
   * State machine safety across snapshots: every snapshot at an index holds the same state, and
   * its last term is the term of the entry applied there.
   */
  const checkSnapshot = (id: string, image: DurableImage, installed: boolean): void => {
    const s = image.snapshot;
    if (s === null) return;
    stats.snapshots++;
    if (installed) stats.installs++;
    const state = JSON.stringify(s.state);
    const prev = stateAt.get(s.lastIncludedIndex);
    if (prev === undefined) stateAt.set(s.lastIncludedIndex, state);
    else if (prev !== state) violate(`state machine safety: ${id} has a snapshot at ${s.lastIncludedIndex} whose state differs from another node's`);
    const applied = appliedAt.get(s.lastIncludedIndex);
    if (applied !== undefined && !applied.startsWith(`${s.lastIncludedTerm}:`)) {
      violate(`state machine safety: ${id} has a snapshot at ${s.lastIncludedIndex} of term ${s.lastIncludedTerm}, but ${applied} was applied there`);
    }
  };

  const observe = (n: SimNode): void => {
    if (n.core === null) return;
    const s = n.core.status();
    if (s.role === 'leader') {
      const prev = leaderOfTerm.get(s.term);
      if (prev === undefined) {
        leaderOfTerm.set(s.term, n.id);
        stats.leaders++;
      } else if (prev !== n.id) violate(`election safety: ${prev} and ${n.id} both leaders of term ${s.term}`);
    }
  };

  const guarded = (n: SimNode, f: (core: RaftNode) => void): void => {
    if (n.core === null) return;
    try {
      f(n.core);
      drain(n);
    } catch (e) {
      if (e instanceof InvariantError) {
        // An assertion inside the core is a crash of that node, as in the real process.
        violate(`${n.id} crashed on an internal invariant: ${e.message}`);
        crash(n, 'invariant');
      } else throw e;
    }
  };

  // ------------------------------------------------------------------ network
  let partition: string[][] | null = null;
  const linkFree = new Map<string, number>();
  const connected = (a: string, b: string): boolean =>
    partition === null || partition.some((g) => g.includes(a) && g.includes(b));

  const send = (m: PeerMessage): void => {
    stats.messages++;
    if (!connected(m.from, m.to)) return;
    if (rand.chance(faults.dropRate ?? 0)) return;
    const link = `${m.from}>${m.to}`;
    const at = Math.max(now + rand.int(1, Math.max(1, faults.delayMaxMs ?? 2)), linkFree.get(link) ?? 0);
    linkFree.set(link, at);
    const inc = nodes.get(m.to)?.incarnation;
    q.push(at, () => deliver(m, inc ?? 0));
  };

  const deliver = (m: PeerMessage, incarnation: number): void => {
    const n = nodes.get(m.to);
    if (n === undefined || n.core === null || n.incarnation !== incarnation) return; // lost with the old process
    if (!connected(m.from, m.to)) return;
    if (n.pausedUntilMs > now) {
      // A resumed process finds all its sockets readable at once and reads them in no particular
      // order: spread the held messages over a few ms after the resume.
      q.push(n.pausedUntilMs + rand.int(0, 5), () => deliver(m, incarnation));
      return;
    }
    guarded(n, (c) => c.step(m));
  };

  const crash = (n: SimNode, why: string): void => {
    if (n.core === null) return;
    stats.crashes++;
    n.core = null;
    record({ process: 'nemesis', type: 'info', f: 'crash', value: `${n.id} (${why})` });
    // Every client request in flight at the node breaks: indefinite.
    for (const [reqId, c] of inflight) {
      if (c.node === n.id) {
        inflight.delete(reqId);
        c.client.complete(reqId, { type: 'error', code: 13, text: 'connection reset' }, n.id);
      }
    }
  };

  // ------------------------------------------------------------------ ticks
  const scheduleTick = (n: SimNode, at: number): void => {
    q.push(at, () => {
      if (n.core !== null && n.pausedUntilMs <= now) guarded(n, (c) => c.tick());
      scheduleTick(n, now + tickMs);
    });
  };

  // ------------------------------------------------------------------ clients
  let nextProcess = 0;
  let nextValue = 1;
  const recentValues = new Map<string, number[]>();
  const remember = (key: string, v: number): void => {
    const r = recentValues.get(key) ?? [];
    r.push(v);
    if (r.length > 4) r.shift();
    recentValues.set(key, r);
  };
  class Client {
    process = nextProcess++;
    reqId = 0;
    op: { f: string; value: unknown } | null = null;
    start(): void {
      if (now >= durationMs) return;
      const key = `k${rand.int(1, nKeys)}`;
      const node = ids[rand.int(0, ids.length - 1)]!;
      const kind = rand.int(0, 2);
      let req: ClientRequest;
      if (workload === 'list-append') {
        // Every appended value is unique over the run, as the list-append checker needs.
        const ops: MicroOp[] = [];
        for (let i = rand.int(1, 3); i > 0; i--) {
          const k = `k${rand.int(1, nKeys)}`;
          ops.push(rand.chance(0.5) ? ['r', k, null] : ['append', k, nextValue++]);
        }
        req = { type: 'txn', ops };
        this.op = { f: 'txn', value: ops };
      } else if (kind === 0) {
        req = { type: 'read', key };
        this.op = { f: 'read', value: [key, null] };
      } else if (kind === 1) {
        const v = nextValue++;
        remember(key, v);
        req = { type: 'write', key, value: v };
        this.op = { f: 'write', value: [key, v] };
      } else {
        // From a value recently written to the key, so that many cas can succeed.
        const recent = recentValues.get(key) ?? [];
        const from = recent.length > 0 ? recent[rand.int(0, recent.length - 1)]! : rand.int(1, Math.max(1, nextValue - 1));
        const to = nextValue++;
        remember(key, to);
        req = { type: 'cas', key, from, to };
        this.op = { f: 'cas', value: [key, [from, to]] };
      }
      const reqId = nextReqId++;
      this.reqId = reqId;
      record({ process: this.process, type: 'invoke', f: this.op.f, value: this.op.value, node });
      inflight.set(reqId, { client: this, node });
      const n = nodes.get(node)!;
      if (n.core === null) {
        q.push(now + 1, () => {
          if (inflight.delete(reqId)) this.complete(reqId, { type: 'error', code: 13, text: 'connection refused' }, node);
        });
      } else {
        const deliverReq = (): void => {
          if (n.pausedUntilMs > now) {
            q.push(n.pausedUntilMs + rand.int(0, 5), deliverReq);
            return;
          }
          if (inflight.has(reqId)) guarded(n, (c) => c.request(reqId, req));
        };
        q.push(now + 1, deliverReq);
      }
      q.push(now + opTimeoutMs, () => {
        if (inflight.delete(reqId)) this.complete(reqId, { type: 'error', code: ERR.timeout, text: 'client timeout' }, node);
      });
    }
    complete(reqId: number, body: Record<string, unknown> & { type: string }, node: string): void {
      if (reqId !== this.reqId || this.op === null) return;
      const op = this.op;
      this.op = null;
      if (body.type === 'error') {
        const code = typeof body.code === 'number' ? body.code : -1;
        const definite = code !== 0 && code !== 13;
        const type = op.f === 'read' || definite ? 'fail' : 'info';
        record({ process: this.process, type, f: op.f, value: op.value, node, error: code });
        if (type === 'fail') stats.fail++;
        else stats.info++;
        if (type === 'info') this.process = nextProcess++; // Jepsen: a process with an open op is retired
      } else {
        const value = op.f === 'read' ? [(op.value as unknown[])[0], body.value ?? null] : op.f === 'txn' ? body.txn : op.value;
        record({ process: this.process, type: 'ok', f: op.f, value, node });
        stats.ok++;
      }
      q.push(now + rand.int(0, 20), () => this.start());
    }
  }

  // ------------------------------------------------------------------ nemesis
  const anyFault = faults.partition === true || faults.crash === true || faults.pause === true || (faults.clockSkewMs ?? 0) > 0;
  const intervalMs = faults.intervalMs ?? 1500;
  const nemesis = (): void => {
    if (now >= durationMs - 2000) {
      // Heal everything well before the end so the final ops can succeed.
      partition = null;
      for (const n of nodes.values()) {
        if (n.core === null) {
          boot(n);
          record({ process: 'nemesis', type: 'info', f: 'restart', value: n.id });
        }
        n.skewMs = 0;
      }
      return;
    }
    const choices: (() => void)[] = [];
    const leader = [...nodes.values()].find((n) => n.core?.currentRole === 'leader');
    if (faults.partition === true) {
      choices.push(() => {
        if (partition !== null) {
          partition = null;
          record({ process: 'nemesis', type: 'info', f: 'stop-partition', value: null });
          return;
        }
        // Isolate a minority; often the leader, where the interesting faults are.
        const shuffled = ids.slice().sort(() => 0).map((id) => ({ id, r: rand.int(0, 1000) })).sort((a, b) => a.r - b.r).map((x) => x.id);
        const minority = shuffled.slice(0, Math.floor((ids.length - 1) / 2));
        if (leader !== undefined && rand.chance(0.6) && !minority.includes(leader.id)) minority[0] = leader.id;
        partition = [minority, ids.filter((x) => !minority.includes(x))];
        record({ process: 'nemesis', type: 'info', f: 'start-partition', value: partition });
      });
    }
    if (faults.crash === true) {
      choices.push(() => {
        const down = [...nodes.values()].filter((n) => n.core === null);
        if (down.length > 0) {
          for (const n of down) {
            boot(n);
            record({ process: 'nemesis', type: 'info', f: 'restart', value: n.id });
          }
          return;
        }
        const victim = leader !== undefined && rand.chance(0.6) ? leader : nodes.get(ids[rand.int(0, ids.length - 1)]!)!;
        crash(victim, 'kill');
      });
    }
    if (faults.pause === true) {
      choices.push(() => {
        const victim = leader ?? nodes.get(ids[rand.int(0, ids.length - 1)]!)!;
        const ms = rand.int(300, 2000);
        victim.pausedUntilMs = now + ms;
        record({ process: 'nemesis', type: 'info', f: 'pause', value: [victim.id, ms] });
      });
    }
    if ((faults.clockSkewMs ?? 0) > 0) {
      choices.push(() => {
        const victim = leader ?? nodes.get(ids[rand.int(0, ids.length - 1)]!)!;
        victim.skewMs = victim.skewMs === 0 ? -(faults.clockSkewMs ?? 0) : 0;
        record({ process: 'nemesis', type: 'info', f: 'clock-skew', value: [victim.id, victim.skewMs] });
        if (faults.partition === true && partition === null && victim.skewMs !== 0) {
          // Skew pays off when the skewed leader is then cut off.
          partition = [[victim.id], ids.filter((x) => x !== victim.id)];
          record({ process: 'nemesis', type: 'info', f: 'start-partition', value: partition });
        }
      });
    }
    if (choices.length > 0) choices[rand.int(0, choices.length - 1)]!();
    q.push(now + rand.int(intervalMs / 2, intervalMs * 1.5), nemesis);
  };

  // ------------------------------------------------------------------ run
  for (const n of nodes.values()) {
    boot(n);
    scheduleTick(n, rand.int(1, tickMs));
  }
  for (let i = 0; i < nClients; i++) {
    const c = new Client();
    q.push(rand.int(200, 400), () => c.start());
  }
  if (anyFault) q.push(intervalMs, nemesis);
  let lastLogCheck = 0;
  const maxEvents = opts.maxEvents ?? 2_000_000;
  while (q.size > 0 && stats.events < maxEvents) {
    const e = q.pop()!;
    if (e.at > durationMs + opTimeoutMs + 100) break;
    now = e.at;
    stats.events++;
    e.run();
    if (now - lastLogCheck >= 250) {
      lastLogCheck = now;
      checkLogMatching(nodes, violate);
    }
  }
  // Ops still open at the end are indefinite.
  for (const [reqId, c] of inflight) c.client.complete(reqId, { type: 'error', code: ERR.timeout, text: 'end of run' }, c.node);
  checkLogMatching(nodes, violate);
  return { seed: opts.seed, history, violations, stats };
}

/** Log Matching (Raft §5.3): if two logs hold an entry with the same index and term, the logs are identical up to it. */
function checkLogMatching(nodes: Map<string, SimNode>, violate: (what: string) => void): void {
  const live = [...nodes.values()].filter((n) => n.core !== null);
  for (let i = 0; i < live.length; i++) {
    for (let j = i + 1; j < live.length; j++) {
      const a = live[i]!.core!;
      const b = live[j]!.core!;
      // Entries compacted into a snapshot are checked through the snapshots' states (checkSnapshot).
      const first = Math.max(a.firstIndex(), b.firstIndex());
      const last = Math.min(a.lastIndex(), b.lastIndex());
      let k = last;
      while (k >= first && a.entryAt(k)!.term !== b.entryAt(k)!.term) k--;
      for (let x = k; x >= first; x--) {
        const ea = a.entryAt(x)!;
        const eb = b.entryAt(x)!;
        if (ea.term !== eb.term || JSON.stringify(ea.cmd) !== JSON.stringify(eb.cmd)) {
          violate(`log matching: ${a.id} and ${b.id} agree at index ${k} but differ at ${x}`);
          return;
        }
      }
    }
  }
}
