/**
 * The nemesis: applies and undoes the faults of a schedule on the cluster and the network, and
 * records each start and stop in the history as a `process: "nemesis"` info event.
 *
 * Process faults go to the cluster (kill -9 and restart with the same data dir, SIGSTOP and
 * SIGCONT), network faults to the proxies, clock faults to the node as an admin message
 * `{"type":"admin","action":"clock-offset","ms":n}` on its client port. `healAll` ends every
 * fault, whatever the schedule did: partitions and toxics removed, paused nodes resumed, dead
 * nodes restarted, clocks set back to 0. Faults may overlap (`--nemesis-overlap`): each stop
 * undoes only its own kind (a partition's stop heals partitions, not latency or message faults).
 */
import { NdjsonConnection } from '../client/connection.js';
import type { Cluster } from '../cluster/cluster.js';
import type { Network } from '../network/network.js';
import { separate } from '../network/partitions.js';
import { describeFault, stepName, type FaultSpec, type NemesisStep } from './schedule.js';

/** Records one nemesis event in the history. */
export type RecordNemesis = (f: string, value: unknown, error?: string) => void;

/** How long a clock admin message may take. */
const ADMIN_TIMEOUT_MS = 2000;
/** How long each node may take to say whether it leads. */
const LEADER_QUERY_TIMEOUT_MS = 500;

/** Sends a clock-offset admin message to one node; returns an error text or null. */
export async function setClockOffset(cluster: Cluster, id: string, ms: number): Promise<string | null> {
  const { host, port } = cluster.clientAddress(id);
  let conn: NdjsonConnection;
  try {
    conn = await NdjsonConnection.connect(host, port, ADMIN_TIMEOUT_MS);
  } catch (err) {
    return `${id}: ${(err as Error).message}`;
  }
  try {
    const out = await conn.request({ type: 'admin', action: 'clock-offset', ms }, ADMIN_TIMEOUT_MS);
    if (out.kind !== 'reply') return `${id}: ${out.kind}`;
    if (out.body.type !== 'admin_ok') return `${id}: ${String(out.body.text ?? out.body.type)}`;
    return null;
  } finally {
    conn.close();
  }
}

/** Asks every running node for its admin status; the first (in id order) saying it leads, or null. */
export async function findLeader(cluster: Cluster): Promise<string | null> {
  const ids = cluster.ids.filter((id) => cluster.state(id) === 'running');
  const roles = await Promise.all(
    ids.map(async (id) => {
      const { host, port } = cluster.clientAddress(id);
      let conn: NdjsonConnection | null = null;
      try {
        conn = await NdjsonConnection.connect(host, port, LEADER_QUERY_TIMEOUT_MS);
        const out = await conn.request({ type: 'admin', action: 'status' }, LEADER_QUERY_TIMEOUT_MS);
        return out.kind === 'reply' && out.body.type === 'admin_ok' ? out.body.role : null;
      } catch {
        return null;
      } finally {
        conn?.close();
      }
    }),
  );
  const i = roles.findIndex((r) => r === 'leader');
  return i >= 0 ? (ids[i] as string) : null;
}

/**
 * A fault aimed at the leader, made concrete: the leader found now replaces the planned node.
 * Without a leader the planned fault stands.
 */
export function aimAt(spec: FaultSpec, leader: string | null, nodes: readonly string[]): FaultSpec {
  if (spec.target !== 'leader' || leader === null) return spec;
  switch (spec.fault) {
    case 'kill':
    case 'pause':
      return { ...spec, nodes: [leader] };
    case 'clock': {
      const ms = Object.values(spec.offsetsMs)[0] ?? 0;
      return { ...spec, offsetsMs: { [leader]: ms } };
    }
    case 'partition': {
      // Isolation: the leader alone. Halves: the leader with the first others in node order, as
      // many as make the smaller half, so the leader is in a minority either way.
      const others = nodes.filter((n) => n !== leader);
      const minority = spec.kind === 'isolate' ? [leader] : [leader, ...others.slice(0, Math.floor(nodes.length / 2) - 1)];
      const rest = nodes.filter((n) => !minority.includes(n));
      return { ...spec, links: separate(minority, rest), description: `${minority.join(',')} | ${rest.join(',')}` };
    }
    default:
      return spec;
  }
}

/** Applies faults to one run's cluster and network. */
export class Nemesis {
  private readonly active = new Map<FaultSpec, string>();
  /** The concrete fault applied for each planned one (they differ when aimed at the leader). */
  private readonly applied = new Map<FaultSpec, FaultSpec>();
  private readonly clockSkewed = new Set<string>();
  /** Errors met while applying faults, for results.json. */
  readonly errors: string[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly network: Network | null,
    private readonly record: RecordNemesis,
  ) {}

  /** Descriptions of the faults now in force, for the progress line. */
  get current(): string[] {
    return [...this.active.values()];
  }

  /** Applies one step of the schedule and records it. */
  async apply(step: NemesisStep): Promise<void> {
    let spec = step.spec;
    let error: string | undefined;
    try {
      if (step.action === 'start') {
        if (spec.target === 'leader') spec = aimAt(spec, await findLeader(this.cluster), this.cluster.ids);
        this.applied.set(step.spec, spec);
        error = await this.start(spec);
      } else {
        spec = this.applied.get(step.spec) ?? spec;
        this.applied.delete(step.spec);
        error = await this.stop(spec);
      }
    } catch (err) {
      error = (err as Error).message;
    }
    if (step.action === 'start') this.active.set(step.spec, describeFault(spec));
    else this.active.delete(step.spec);
    if (error) this.errors.push(`${stepName(step.action, spec)}: ${error}`);
    this.record(stepName(step.action, spec), { ...spec, description: describeFault(spec) }, error);
  }

  private async start(spec: FaultSpec): Promise<string | undefined> {
    switch (spec.fault) {
      case 'partition':
        await this.network?.cut(spec.links, spec.mode);
        return undefined;
      case 'latency':
        await this.network?.slow(spec.links, spec.latencyMs, spec.jitterMs);
        return undefined;
      case 'bandwidth':
        await this.network?.throttle(spec.links, spec.rateKBps);
        return undefined;
      case 'message':
        await this.network?.filterMessages(spec.links, spec);
        return undefined;
      case 'kill':
        await Promise.all(spec.nodes.map((n) => this.cluster.kill(n)));
        return undefined;
      case 'pause':
        for (const n of spec.nodes) this.cluster.pause(n);
        return undefined;
      case 'clock': {
        const errs = await Promise.all(
          Object.entries(spec.offsetsMs).map(async ([n, ms]) => {
            this.clockSkewed.add(n);
            return setClockOffset(this.cluster, n, ms);
          }),
        );
        return errs.filter((e) => e !== null).join('; ') || undefined;
      }
    }
  }

  private async stop(spec: FaultSpec): Promise<string | undefined> {
    switch (spec.fault) {
      case 'partition':
        await this.network?.healPartitions();
        return undefined;
      case 'latency':
      case 'bandwidth':
        await this.network?.healSlowness();
        return undefined;
      case 'message':
        await this.network?.healMessages();
        return undefined;
      case 'kill': {
        const results = await Promise.allSettled(spec.nodes.map((n) => this.cluster.restart(n)));
        return this.failures(results);
      }
      case 'pause':
        for (const n of spec.nodes) this.cluster.resume(n);
        return undefined;
      case 'clock': {
        const errs = await Promise.all(
          Object.keys(spec.offsetsMs).map(async (n) => {
            this.clockSkewed.delete(n);
            return setClockOffset(this.cluster, n, 0);
          }),
        );
        return errs.filter((e) => e !== null).join('; ') || undefined;
      }
    }
  }

  private failures(results: PromiseSettledResult<unknown>[]): string | undefined {
    const msgs = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as Error).message);
    return msgs.length ? msgs.join('; ') : undefined;
  }

  /** Ends every fault: heals the network, resumes and restarts nodes, resets clocks. */
  async healAll(): Promise<void> {
    const errors: string[] = [];
    try {
      await this.network?.healAll();
    } catch (err) {
      errors.push(`network: ${(err as Error).message}`);
    }
    for (const id of this.cluster.ids) this.cluster.resume(id);
    const restarts = await Promise.allSettled(this.cluster.ids.map((id) => this.cluster.restart(id)));
    const r = this.failures(restarts);
    if (r) errors.push(r);
    for (const id of [...this.clockSkewed]) {
      const e = await setClockOffset(this.cluster, id, 0);
      if (e) errors.push(e);
      else this.clockSkewed.delete(id);
    }
    this.active.clear();
    const error = errors.length ? errors.join('; ') : undefined;
    if (error) this.errors.push(`heal: ${error}`);
    this.record('heal', { description: 'every fault ended, every node running' }, error);
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

