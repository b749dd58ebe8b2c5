/**
 * The nemesis: applies and undoes the faults of a schedule on the cluster and the network, and
 * records each start and stop in the history as a `process: "nemesis"` info event.
 *
 * What a fault does is its package's (`faults/<kind>.ts`): process faults go to the cluster
 * (kill -9 and restart with the same data dir, SIGSTOP and SIGCONT), network faults to the
 * proxies, clock faults to the node as an admin message. This file finds the leader for faults
 * aimed at it, keeps which faults are in force, and records. `healAll` ends every fault, whatever
 * the schedule did: partitions and toxics removed, paused nodes resumed, dead nodes restarted,
 * clocks set back to 0. As Jepsen records nemesis ops, each step may be recorded twice (`invokes`):
 * an `invoke` with the planned fault when it begins, then its completion (`ok`, or `info` with the
 * error) with the fault as applied, its targets resolved (the leader found, the concrete nodes).
 * The steps as applied are kept in `realized`, for the run folder's schedule.json. Faults may overlap (`--nemesis-overlap`): each stop undoes only its own
 * kind (a partition's stop heals partitions, not latency or message faults).
 */
import { leaderOf, nodeStatuses } from '../client/status.js';
import type { Cluster } from '../cluster/cluster.js';
import type { Network } from '../network/network.js';
import { allPackages, faultPackage } from './faults/index.js';
import type { FaultEnv } from './faults/types.js';
import { describeFault, stepName, type FaultSpec, type NemesisStep } from './schedule.js';

export { setClockOffset } from './faults/clock.js';

/** Records one nemesis event in the history: an `invoke`, or a completion (`ok`, `info` with an error). */
export type RecordNemesis = (f: string, value: unknown, error: string | undefined, type: 'invoke' | 'ok' | 'info') => void;

/** A step as it was applied: when (ms after the schedule's start) and the fault with its targets resolved. */
export interface RealizedStep {
  atMs: number;
  action: 'start' | 'stop';
  spec: FaultSpec;
}

/** The Nemesis's options. */
export interface NemesisOptions {
  /** Measures what each fault did. */
  probe?: EffectProbe;
  /** Records an `invoke` before each step and the heal (default false: completions only). */
  invokes?: boolean;
  /** Milliseconds since the schedule's start, for `realized` (default: each step's planned time). */
  clockMs?: () => number;
}

/**
 * Measures what each fault did (harness/run/effects.ts): it applies the fault's start itself (to
 * read the proxies' counters before and what was stopped after), and is asked when the fault
 * ends; the answer is recorded as the `effect` of its stop, or in the heal's `effects`.
 */
export interface EffectProbe {
  start(spec: FaultSpec, apply: () => Promise<string | undefined>): Promise<string | undefined>;
  effectOf(spec: FaultSpec): unknown;
}

/** How long each node may take to say whether it leads. */
const LEADER_QUERY_TIMEOUT_MS = 500;

/** Asks every running node for its admin status; the first (in id order) saying it leads, or null. */
export async function findLeader(cluster: Cluster): Promise<string | null> {
  return leaderOf(await nodeStatuses(cluster, LEADER_QUERY_TIMEOUT_MS));
}

/**
 * A fault aimed at the leader, made concrete: the leader found now replaces the planned node.
 * Without a leader the planned fault stands.
 */
export function aimAt(spec: FaultSpec, leader: string | null, nodes: readonly string[]): FaultSpec {
  if (spec.target === undefined || leader === null) return spec;
  return faultPackage(spec).aim(spec, leader, nodes);
}

/** Applies faults to one run's cluster and network. */
export class Nemesis {
  private readonly active = new Map<FaultSpec, string>();
  /** The concrete fault applied for each planned one (they differ when aimed at the leader). */
  private readonly applied = new Map<FaultSpec, FaultSpec>();
  /** Errors met while applying faults, for results.json. */
  readonly errors: string[] = [];
  /** The steps applied so far, in order, as applied. */
  readonly realized: RealizedStep[] = [];
  private readonly env: FaultEnv;
  private readonly probe: EffectProbe | undefined;

  constructor(
    private readonly cluster: Cluster,
    network: Network | null,
    private readonly record: RecordNemesis,
    private readonly options: NemesisOptions = {},
  ) {
    this.env = { cluster, network };
    this.probe = options.probe;
  }

  /** Descriptions of the faults now in force, for the progress line. */
  get current(): string[] {
    return [...this.active.values()];
  }

  /** Applies one step of the schedule and records it. */
  async apply(step: NemesisStep): Promise<void> {
    let spec = step.spec;
    let error: string | undefined;
    const atMs = this.options.clockMs?.() ?? step.atMs;
    if (this.options.invokes) this.record(stepName(step.action, spec), { ...spec, description: describeFault(spec) }, undefined, 'invoke');
    try {
      if (step.action === 'start') {
        if (spec.target !== undefined) spec = aimAt(spec, await findLeader(this.cluster), this.cluster.ids);
        this.applied.set(step.spec, spec);
        // As resolved, before a package adds what it did (the disk fault's outcome).
        this.realized.push({ atMs, action: step.action, spec: structuredClone(spec) });
        const aimed = spec;
        const start = () => faultPackage(aimed).start(aimed, this.env);
        error = await (this.probe ? this.probe.start(spec, start) : start());
      } else {
        spec = this.applied.get(step.spec) ?? spec;
        this.applied.delete(step.spec);
        this.realized.push({ atMs, action: step.action, spec: structuredClone(spec) });
        error = await faultPackage(spec).stop(spec, this.env);
      }
    } catch (err) {
      error = (err as Error).message;
    }
    if (step.action === 'start') this.active.set(step.spec, describeFault(spec));
    else this.active.delete(step.spec);
    if (error) this.errors.push(`${stepName(step.action, spec)}: ${error}`);
    const effect = step.action === 'stop' ? this.probe?.effectOf(spec) : undefined;
    this.record(stepName(step.action, spec), { ...spec, description: describeFault(spec), ...(effect !== undefined ? { effect } : {}) }, error, error ? 'info' : 'ok');
  }

  /**
   * Ends every fault: each package heals its kind (the network healed, nodes resumed and
   * restarted, clocks set back), in index order. A package whose heal failed keeps its faults in
   * force, so that a later heal tries them again.
   */
  async healAll(): Promise<void> {
    const errors: string[] = [];
    const ending = [...this.applied.values()];
    const description = 'every fault ended, every node running';
    if (this.options.invokes) this.record('heal', { description }, undefined, 'invoke');
    for (const p of allPackages()) {
      const inForce = [...this.applied].filter(([, spec]) => spec.fault === p.name);
      let error: string | undefined;
      try {
        error = await p.heal(this.env, inForce.map(([, spec]) => spec));
      } catch (err) {
        error = (err as Error).message;
      }
      if (error) errors.push(`${p.name}: ${error}`);
      else for (const [planned] of inForce) this.applied.delete(planned);
    }
    this.active.clear();
    const error = errors.length ? errors.join('; ') : undefined;
    if (error) this.errors.push(`heal: ${error}`);
    const effects = this.probe ? ending.map((spec) => ({ fault: spec.fault, description: describeFault(spec), effect: this.probe?.effectOf(spec) })) : [];
    this.record('heal', { description, ...(effects.length ? { effects } : {}) }, error, error ? 'info' : 'ok');
  }
}

/** A schedule being followed: `done` settles when it ended or was stopped. */
export interface ScheduleRun {
  done: Promise<void>;
  /** Applies no further step (one being applied finishes) and ends any wait at once. */
  stop(): void;
}

/**
 * Applies each step of a schedule at its time, `step.atMs` after `startNs` on the clock `nowNs`,
 * one after another, until the schedule ends or `stop()` is called; after `stop()` nothing more
 * is applied and nothing more is waited for, even when it comes while a step is being applied.
 */
export function followSchedule(
  schedule: readonly NemesisStep[],
  nemesis: Pick<Nemesis, 'apply'>,
  nowNs: () => number,
  startNs: number,
): ScheduleRun {
  let stopped = false;
  let wake: (() => void) | null = null;
  let timer: NodeJS.Timeout | undefined;
  const done = (async () => {
    for (const step of schedule) {
      // Timers may fire a little early against the clock: wait again until the step is due.
      const dueNs = startNs + step.atMs * 1e6;
      while (!stopped && nowNs() < dueNs) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(resolve, Math.ceil((dueNs - nowNs()) / 1e6));
        });
        clearTimeout(timer);
        wake = null;
      }
      if (stopped) return;
      await nemesis.apply(step);
    }
  })();
  return {
    done,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      wake?.();
    },
  };
}

