/**
 * A cluster: the N nodes of one system, started from its manifest through a launcher.
 *
 * The life of a cluster in a run:
 *   1. `planCluster` picks each node's free loopback ports, data dir, config file and log file;
 *   2. the network layer creates one proxy per directed link to those peer ports;
 *   3. `Cluster.start` writes each node's config (its peers being the proxy addresses) and starts
 *      every node, resolving once all printed `ready` (or failing with the first node's log tail);
 *   4. the nemesis kills (-9) and restarts nodes (same ports, same data dir), pauses and resumes them;
 *   5. `stop` closes every node's stdin and kills what is left.
 *
 * Roles: a manifest's `roles` are processes of other kinds (a fenced resource beside the lock
 * service's nodes). `planRoles` gives each its ports and files like a node's; they are members of
 * the cluster under their own ids (`resource1`), started before the nodes and named in every
 * node's config (`roles`), and the same kill/restart/pause/resume act on them. `ids` lists the
 * nodes only (clients, the status poll and network faults are about nodes); `roleIds` the others.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expandPlaceholders, type SystemManifest } from './manifest.js';
import { freePorts } from './ports.js';
import type { Launcher, NodeHandle } from './launcher.js';

/** Where one node lives and listens. */
export interface NodePlan {
  id: string;
  /** The manifest role this process plays; absent for the system's nodes. */
  role?: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  configFile: string;
  logFile: string;
}

/** Node ids n1..nN. */
export function nodeIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `n${i + 1}`);
}

/**
 * Ports and files for `count` nodes under `runDir` (creates `nodes/` and `data/<id>/`). `ports`
 * (2 per node) come from the caller when it also needs ports for other things (the proxies):
 * ports found in one `freePorts` call are distinct, ports found in two calls may not be.
 */
export async function planCluster(runDir: string, count: number, ports?: readonly number[]): Promise<NodePlan[]> {
  if (ports && ports.length < count * 2) throw new RangeError(`planCluster needs ${count * 2} ports, got ${ports.length}`);
  ports ??= await freePorts(count * 2);
  mkdirSync(join(runDir, 'nodes'), { recursive: true });
  return nodeIds(count).map((id, i) => {
    const dataDir = join(runDir, 'data', id);
    mkdirSync(dataDir, { recursive: true });
    return {
      id,
      clientPort: (ports as readonly number[])[2 * i] as number,
      peerPort: (ports as readonly number[])[2 * i + 1] as number,
      dataDir,
      configFile: join(runDir, 'nodes', `${id}.json`),
      logFile: join(runDir, 'nodes', `${id}.log`),
    };
  });
}

/** How many role processes a manifest asks for (2 ports each, as a node). */
export function roleCount(manifest: SystemManifest): number {
  return Object.values(manifest.roles ?? {}).reduce((n, r) => n + r.count, 0);
}

/** For each process fault kind, the role processes the manifest lets the nemesis aim it at. */
export function roleFaultTargets(manifest: SystemManifest): Partial<Record<'pause' | 'kill', string[]>> {
  const out: Partial<Record<'pause' | 'kill', string[]>> = {};
  for (const [role, r] of Object.entries(manifest.roles ?? {})) {
    for (const kind of r.faults) for (let i = 1; i <= r.count; i++) (out[kind] ??= []).push(`${role}${i}`);
  }
  return out;
}

/**
 * Ports and files for the manifest's role processes under `runDir`, ids `<role><n>`, from `ports`
 * (2 per process; see `roleCount`).
 */
export function planRoles(runDir: string, manifest: SystemManifest, ports: readonly number[]): NodePlan[] {
  const plans: NodePlan[] = [];
  for (const [role, r] of Object.entries(manifest.roles ?? {})) {
    for (let i = 1; i <= r.count; i++) {
      const id = `${role}${i}`;
      const k = plans.length;
      if (ports.length < 2 * (k + 1)) throw new RangeError(`planRoles needs ${2 * roleCount(manifest)} ports, got ${ports.length}`);
      const dataDir = join(runDir, 'data', id);
      mkdirSync(dataDir, { recursive: true });
      plans.push({ id, role, clientPort: ports[2 * k]!, peerPort: ports[2 * k + 1]!, dataDir, configFile: join(runDir, 'nodes', `${id}.json`), logFile: join(runDir, 'nodes', `${id}.log`) });
    }
  }
  return plans;
}

/** The state of a node as the nemesis left it. */
export type NodeState = 'running' | 'paused' | 'dead';

interface Member {
  plan: NodePlan;
  handle: NodeHandle | null;
  state: NodeState;
  /** Set when the harness itself ends the node (kill -9 by the nemesis), so its exit is no crash. */
  ending: boolean;
}

/** A node that exited when neither the nemesis nor the teardown ended it: a finding of the run. */
export interface NodeCrash {
  node: string;
  /** When the exit was seen, on the cluster's clock (`ClusterOptions.now`). */
  timeNs: number;
  exitCode: number | null;
  signal: string | null;
  /** The last lines of its log. */
  logTail: string[];
}

/** Lines of a crashed node's log kept with the crash. */
const CRASH_LOG_LINES = 20;

/** Options of `Cluster.start`. */
export interface ClusterOptions {
  manifest: SystemManifest;
  variant: string;
  plans: NodePlan[];
  /** For each node, the addresses by which it reaches each other node (the proxies). */
  peers: Record<string, Record<string, string>>;
  /** The role processes (`planRoles`), started before the nodes; none when absent. */
  rolePlans?: NodePlan[];
  launcher: Launcher;
  /** Free-form parameters passed to every node in its config. */
  params?: Record<string, unknown>;
  /** Grace period between closing a node's stdin and killing it, at the end. */
  stopGraceMs?: number;
  /** The clock crashes are timed by (the run's, in ns); default: ns since the cluster started. */
  now?: () => number;
}

/** The running nodes of a system. */
export class Cluster {
  private readonly members = new Map<string, Member>();
  /** The run's peer secret, in every node's config (see `NodeConfig.clusterToken` in systems/lib). */
  private readonly clusterToken = randomBytes(16).toString('hex');
  private readonly startedNs = process.hrtime.bigint();
  private stopping = false;
  /** Nodes that exited on their own, in the order seen. */
  readonly crashes: NodeCrash[] = [];

  private constructor(private readonly opts: ClusterOptions) {
    for (const plan of [...(opts.rolePlans ?? []), ...opts.plans]) this.members.set(plan.id, { plan, handle: null, state: 'dead', ending: false });
  }

  /** Writes the configs, starts every node and waits until all are ready. */
  static async start(opts: ClusterOptions): Promise<Cluster> {
    const c = new Cluster(opts);
    for (const m of c.members.values()) c.writeConfig(m.plan);
    // Role processes first: the nodes may call them as soon as they are up.
    for (const group of [c.allIds.filter((id) => c.member(id).plan.role !== undefined), c.ids]) {
      const results = await Promise.allSettled(group.map((id) => c.startNode(id)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        await c.stop();
        throw failed.reason;
      }
    }
    return c;
  }

  private writeConfig(plan: NodePlan): void {
    const roles: Record<string, Record<string, string>> = {};
    for (const r of this.opts.rolePlans ?? []) (roles[r.role!] ??= {})[r.id] = `127.0.0.1:${r.clientPort}`;
    const config = {
      id: plan.id,
      variant: this.opts.variant,
      clientPort: plan.clientPort,
      peerPort: plan.peerPort,
      peers: plan.role === undefined ? (this.opts.peers[plan.id] ?? {}) : this.rolePeers(plan),
      ...(plan.role === undefined && Object.keys(roles).length > 0 ? { roles } : {}),
      dataDir: plan.dataDir,
      params: { ...(this.opts.manifest.params ?? {}), ...(this.opts.params ?? {}) },
      clusterToken: this.clusterToken,
    };
    writeFileSync(plan.configFile, `${JSON.stringify(config, null, 2)}\n`);
  }

  /**
   * A role process's peers: the other processes of its role, at their peer ports directly (a role
   * of several processes, such as a Consistent Core, talks among itself; no proxy stands between
   * them, so network faults never cut those links, while kill and pause still reach them).
   */
  private rolePeers(plan: NodePlan): Record<string, string> {
    const peers: Record<string, string> = {};
    for (const r of this.opts.rolePlans ?? []) if (r.role === plan.role && r.id !== plan.id) peers[r.id] = `127.0.0.1:${r.peerPort}`;
    return peers;
  }

  private async startNode(id: string): Promise<void> {
    const m = this.member(id);
    const { manifest, variant } = this.opts;
    const start = m.plan.role === undefined ? manifest.start : manifest.roles![m.plan.role]!.start;
    const values = {
      manifestDir: manifest.manifestDir,
      configFile: m.plan.configFile,
      id,
      variant,
      clientPort: m.plan.clientPort,
      peerPort: m.plan.peerPort,
      dataDir: m.plan.dataDir,
      peers: this.opts.peers[id] ?? {},
    };
    const env = m.plan.role === undefined && manifest.start.env
      ? Object.fromEntries(Object.entries(manifest.start.env).map(([k, v]) => [k, expandPlaceholders(v, values)]))
      : undefined;
    m.handle = await this.opts.launcher.start({
      id,
      command: expandPlaceholders(start.command, values),
      args: start.args.map((a) => expandPlaceholders(a, values)),
      ...(env ? { env } : {}),
      logFile: m.plan.logFile,
      readyTimeoutMs: start.readyTimeoutMs,
    });
    m.state = 'running';
    m.ending = false;
    this.watch(m, m.handle);
  }

  /** Records the node's exit as a crash unless the harness ended it. */
  private watch(m: Member, handle: NodeHandle): void {
    void handle.exited.then((e) => {
      if (m.handle !== handle || m.ending || this.stopping) return;
      const now = this.opts.now ?? (() => Number(process.hrtime.bigint() - this.startedNs));
      const tail = this.logTail(m.plan.id, CRASH_LOG_LINES);
      this.crashes.push({ node: m.plan.id, timeNs: now(), exitCode: e.exitCode, signal: e.signal, logTail: tail === '' ? [] : tail.split('\n') });
    });
  }

  private member(id: string): Member {
    const m = this.members.get(id);
    if (!m) throw new RangeError(`no node ${id} in this cluster`);
    return m;
  }

  /** Node ids in order (the system's nodes, without role processes). */
  get ids(): string[] {
    return [...this.members.values()].filter((m) => m.plan.role === undefined).map((m) => m.plan.id);
  }

  /** Ids of the processes of a role, or of every role when none is named. */
  roleIds(role?: string): string[] {
    return [...this.members.values()].filter((m) => m.plan.role !== undefined && (role === undefined || m.plan.role === role)).map((m) => m.plan.id);
  }

  /** Every member: role processes, then nodes. */
  get allIds(): string[] {
    return [...this.members.keys()];
  }

  /** Where clients reach a node. */
  clientAddress(id: string): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.member(id).plan.clientPort };
  }

  /** The node's state as the nemesis left it (a node that crashed by itself counts as dead). */
  state(id: string): NodeState {
    const m = this.member(id);
    if (m.state !== 'dead' && !m.handle?.alive) m.state = 'dead';
    return m.state;
  }

  /** The node's data dir (`{dataDir}`), which survives its kills and restarts. */
  dataDir(id: string): string {
    return this.member(id).plan.dataDir;
  }

  /** The last lines of a node's log. */
  logTail(id: string, lines = 20): string {
    return this.opts.launcher.logTail(this.member(id).plan, lines);
  }

  /** kill -9; resolves once the node is gone. */
  async kill(id: string): Promise<void> {
    const m = this.member(id);
    if (!m.handle) return;
    m.ending = true;
    m.handle.signal('SIGKILL');
    await m.handle.exited;
    m.state = 'dead';
  }

  /** Starts a dead node again with the same ports, config and data dir. */
  async restart(id: string): Promise<void> {
    if (this.state(id) !== 'dead') return;
    await this.startNode(id);
  }

  /** SIGSTOP. */
  pause(id: string): void {
    const m = this.member(id);
    if (this.state(id) !== 'running') return;
    m.handle?.signal('SIGSTOP');
    m.state = 'paused';
  }

  /** SIGCONT. */
  resume(id: string): void {
    const m = this.member(id);
    if (m.state !== 'paused') return;
    m.handle?.signal('SIGCONT');
    m.state = 'running';
  }

  /** Ends every node: closes stdin, then kills after the grace period. */
  async stop(): Promise<void> {
    const grace = this.opts.stopGraceMs ?? 2000;
    this.stopping = true;
    await Promise.all(
      [...this.members.values()].map(async (m) => {
        if (m.handle) await m.handle.stop(grace);
        m.state = 'dead';
      }),
    );
  }
}
