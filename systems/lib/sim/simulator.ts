/**
 * A deterministic simulator for any pure core (./core.ts): nodes on one virtual clock driven by an
 * event queue, a seeded network (./network.ts) and a seeded disk per node (./disk.ts). Faults are
 * the simulator's to apply: partitions, loss, delay, duplication and reordering in the network,
 * pauses (a SIGSTOPped process: no ticks, messages wait), and crashes that lose what was written
 * but not synced. Every random choice comes from one seeded source, so a seed replays exactly.
 *
 * The system plugs in through a `SimHost`: how a core boots from its disk, how a ready's writes
 * map onto the disk, and what else a ready carries (client replies, applied entries).
 *
 *     const sim = new Simulator({ seed: 7, host, network: { delayMaxMs: 20 } });
 *     sim.addNode('n1', emptyDisk); sim.boot('n1'); sim.startTicking('n1', 1, 10);
 *     sim.run(10_000);
 */
import type { SimCore, SimReady } from './core.js';
import { SimDisk } from './disk.js';
import { type Addressed, type NetworkOptions, SimNetwork } from './network.js';
import { EventQueue } from './queue.js';
import { Rng } from '../rng.js';

/** How the simulator runs one system's cores. */
export interface SimHost<M extends Addressed, R extends SimReady<M>, S, C extends SimCore<M, R>> {
  /** Builds a node's core at boot from what its disk holds (`incarnation` counts boots from 1). */
  boot(id: string, durable: S, incarnation: number): C;
  /** Queues the writes `ready` asks for on the node's disk (the simulator syncs them). */
  persist(id: string, ready: R, disk: SimDisk<S>): void;
  /** What leaves before the disk is synced, besides early messages (replies to clients). */
  beforeSync?(id: string, ready: R): void;
  /** What happens once the ready's writes are durable, before its messages leave (invariant checks). */
  afterSync?(id: string, ready: R): void;
  /** After a node's ready loop settled (observing roles). */
  settled?(id: string, core: C): void;
  /** A message was delivered to a core (traces). */
  delivered?(m: M): void;
  /** Whether a message that reached its node is lost instead (scripted faults by message type). */
  drops?(m: M): boolean;
  /**
   * Whether an error thrown by a core is the core's own assertion: then the node crashes, as the
   * real process would, and `fatal` hears of it. Any other error ends the simulation.
   */
  isFatal?(e: unknown): boolean;
  fatal?(id: string, e: unknown): void;
  /** A node crashed (`why` says how). */
  crashed?(id: string, why: string): void;
}

/** How a simulator is built. */
export interface SimulatorOptions<M extends Addressed, R extends SimReady<M>, S, C extends SimCore<M, R>> {
  seed: number;
  host: SimHost<M, R, S, C>;
  network?: NetworkOptions;
  /**
   * Probability that a node crashes between writing a ready's state and syncing it, losing the
   * write (0 unless set).
   */
  crashBeforeSyncRate?: number;
  /** Copies a disk state (the disk hands out copies, never its own value). */
  cloneState: (s: S) => S;
  /** Seeded fault points inside the node's runtime (FoundationDB's BUGGIFY); all off unless set. */
  buggify?: Buggify;
}

/**
 * Fault points inside what the shell does for a core, where the simulator may, on a seeded coin,
 * make a rare interleaving common. They exist only here: real processes never take them.
 */
export interface Buggify {
  /** Probability that a tick fires early or late, by up to half its period (a timer that drifts). */
  tickJitter?: number;
  /**
   * Probability that a ready's fsync is slow: the messages that wait for it leave up to
   * `slowSyncMaxMs` later (the node goes on with its next input meanwhile, as a shell with a
   * write queue does).
   */
  slowSync?: number;
  /** Longest extra wait of a slow fsync, ms (20 unless set). */
  slowSyncMaxMs?: number;
}

/**
 * What a system's randomized simulation run takes, whatever the system: its own options extend
 * this (faults, params).
 */
export interface SimRunOptions<V extends string> {
  seed: number;
  variant?: V;
  nodes?: number;
  /** Simulated clients, each with one op in flight at a time. */
  clients?: number;
  keys?: number;
  /** Virtual time the clients run. */
  durationMs?: number;
  /** Most events the run may take before it stops (a runaway guard). */
  maxEvents?: number;
}

/** One node: its disk survives crashes, its core does not. */
export interface SimNode<S, C> {
  readonly id: string;
  core: C | null;
  incarnation: number;
  readonly disk: SimDisk<S>;
  /** Until this virtual time the node is paused. */
  pausedUntilMs: number;
}

/** Most ready rounds one input may cause before the core is declared runaway. */
const MAX_READY_ROUNDS = 10_000;

export class Simulator<M extends Addressed, R extends SimReady<M>, S, C extends SimCore<M, R>> {
  readonly rand: Rng;
  readonly net: SimNetwork;
  /** The virtual time in ms. */
  now = 0;
  /** Events run so far. */
  events = 0;
  private readonly queue = new EventQueue();
  private readonly nodes = new Map<string, SimNode<S, C>>();
  private readonly host: SimHost<M, R, S, C>;
  private readonly crashBeforeSyncRate: number;
  private readonly cloneState: (s: S) => S;
  private readonly buggify: Buggify;

  constructor(opts: SimulatorOptions<M, R, S, C>) {
    this.rand = new Rng(opts.seed);
    this.net = new SimNetwork(this.rand, opts.network);
    this.host = opts.host;
    this.crashBeforeSyncRate = opts.crashBeforeSyncRate ?? 0;
    this.cloneState = opts.cloneState;
    this.buggify = opts.buggify ?? {};
  }

  // ------------------------------------------------------------------ nodes

  /** Adds a node, down, with a disk holding `initial`. */
  addNode(id: string, initial: S): void {
    if (this.nodes.has(id)) throw new Error(`node ${id} already exists`);
    this.nodes.set(id, { id, core: null, incarnation: 0, disk: new SimDisk(initial, this.cloneState), pausedUntilMs: 0 });
  }

  /** The node named `id`; throws when there is none. */
  node(id: string): SimNode<S, C> {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  get nodeIds(): string[] {
    return [...this.nodes.keys()];
  }

  /** The live core of `id`, or null while it is down. */
  core(id: string): C | null {
    return this.node(id).core;
  }

  /** Starts (or restarts) a node's process from what its disk holds. */
  boot(id: string): void {
    const n = this.node(id);
    n.incarnation++;
    n.core = this.host.boot(id, n.disk.durable(), n.incarnation);
    this.drain(n);
  }

  /** Kills a node's process: the core and every unsynced write are gone, messages to it are lost. */
  crash(id: string, why: string): void {
    const n = this.node(id);
    if (n.core === null) return;
    n.core = null;
    n.disk.crash();
    this.host.crashed?.(id, why);
  }

  /** Pauses a node until `untilMs`: it neither ticks nor reads messages, which wait for it. */
  pause(id: string, untilMs: number): void {
    this.node(id).pausedUntilMs = untilMs;
  }

  isPaused(id: string): boolean {
    return this.node(id).pausedUntilMs > this.now;
  }

  // ------------------------------------------------------------------ inputs

  /** Runs `f` on the node's core, then its ready loop; nothing when the node is down. */
  input(id: string, f: (core: C) => void): void {
    const n = this.node(id);
    if (n.core === null) return;
    try {
      f(n.core);
      this.drain(n);
    } catch (e) {
      if (this.host.isFatal?.(e) !== true) throw e;
      this.host.fatal?.(id, e);
      this.crash(id, 'invariant');
    }
  }

  /** One tick of the node's core, unless it is down or paused. */
  tick(id: string): void {
    if (!this.isPaused(id)) this.input(id, (c) => c.tick());
  }

  /** Ticks the node every `everyMs` from `firstAtMs` on, for as long as the simulation runs. */
  startTicking(id: string, firstAtMs: number, everyMs: number): void {
    this.at(firstAtMs, () => {
      this.tick(id);
      const half = Math.floor(everyMs / 2);
      const drift = half > 0 && this.rand.chance(this.buggify.tickJitter ?? 0) ? this.rand.int(-half, half) : 0;
      this.startTicking(id, this.now + everyMs + drift, everyMs);
    });
  }

  /** Schedules `run` at virtual time `atMs`. */
  at(atMs: number, run: () => void): void {
    this.queue.push(atMs, run);
  }

  /** Hands a message to the network. */
  send(m: M): void {
    const incarnation = this.nodes.get(m.to)?.incarnation ?? 0;
    for (const at of this.net.route(m, this.now)) this.at(at, () => this.deliver(m, incarnation));
  }

  /** Calls `run` now, or, when the node is paused, a few ms after it resumes (in no particular order). */
  whenRunning(id: string, run: () => void): void {
    const n = this.node(id);
    // A resumed process finds all its sockets readable at once and reads them in no particular
    // order: what waited is spread over a few ms after the resume.
    if (n.pausedUntilMs > this.now) this.at(n.pausedUntilMs + this.rand.int(0, 5), () => this.whenRunning(id, run));
    else run();
  }

  private deliver(m: M, incarnation: number): void {
    const n = this.nodes.get(m.to);
    // Sent to an earlier process of the node: lost with it.
    if (n === undefined || n.core === null || n.incarnation !== incarnation) return;
    if (!this.net.connected(m.from, m.to)) return;
    if (this.host.drops?.(m) === true) return;
    if (n.pausedUntilMs > this.now) {
      this.at(n.pausedUntilMs + this.rand.int(0, 5), () => this.deliver(m, incarnation));
      return;
    }
    this.host.delivered?.(m);
    this.input(n.id, (c) => c.step(m));
  }

  /**
   * The ready loop: early messages and replies leave at once, the writes go to the disk and are
   * synced (a crash may strike before the sync and lose them), then the messages that promise
   * durable state leave and the core is told.
   */
  private drain(n: SimNode<S, C>): void {
    for (let round = 0; n.core !== null && n.core.hasReady(); round++) {
      if (round > MAX_READY_ROUNDS) throw new Error(`node ${n.id}: ready loop does not settle`);
      const core = n.core;
      const rd = core.ready();
      for (const m of rd.early) this.send(m);
      this.host.beforeSync?.(n.id, rd);
      this.host.persist(n.id, rd, n.disk);
      if (n.disk.unsynced > 0 && this.rand.chance(this.crashBeforeSyncRate)) {
        this.crash(n.id, 'during fsync');
        return;
      }
      n.disk.sync();
      this.host.afterSync?.(n.id, rd);
      if (rd.messages.length > 0 && this.rand.chance(this.buggify.slowSync ?? 0)) {
        const late = rd.messages;
        const incarnation = n.incarnation;
        // Sent by this process once its slow fsync returns, unless the process died meanwhile.
        this.at(this.now + this.rand.int(1, this.buggify.slowSyncMaxMs ?? 20), () => {
          if (n.core !== null && n.incarnation === incarnation) for (const m of late) this.send(m);
        });
      } else for (const m of rd.messages) this.send(m);
      core.advance(rd);
    }
    if (n.core !== null) this.host.settled?.(n.id, n.core);
  }

  // ------------------------------------------------------------------ running

  /**
   * Runs events in time order until none is due by `untilMs` or `maxEvents` have run; `after` is
   * called after each event. Returns whether the queue still holds events.
   */
  run(untilMs: number, maxEvents = Number.POSITIVE_INFINITY, after?: () => void): boolean {
    while (this.queue.size > 0 && this.events < maxEvents) {
      if (this.queue.nextAt! > untilMs) return true;
      const e = this.queue.pop()!;
      // Time never goes back: a script may move the clock past events it has not run yet.
      this.now = Math.max(this.now, e.at);
      this.events++;
      e.run();
      after?.();
    }
    return this.queue.size > 0;
  }

  /** Moves the clock forward without running anything (ticks driven by hand). */
  advanceClock(ms: number): void {
    this.now += ms;
  }
}
