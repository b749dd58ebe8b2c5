/**
 * The nemesis schedule: a pure, seeded plan of which fault starts and stops when.
 *
 * Two plans, both deterministic by seed:
 * - one at a time (the default): faults alternate with quiet periods, each `intervalMs` long: at
 *   t = interval a fault starts, at 2 x interval it stops, at 3 x interval the next one starts,
 *   and so on until the time limit (the final heal ends whatever is still on). Each start picks
 *   one of the enabled fault kinds and its targets from the seeded stream.
 * - overlapping (`overlap: true`, `--nemesis-overlap`), as Jepsen composes nemesis packages: each
 *   fault kind follows its own schedule from its own seeded stream, a quiet gap then a fault, each
 *   lasting between half and one and a half `intervalMs`, so faults of different kinds overlap
 *   (a clock skew on the leader still in force when the leader is cut off into a minority). Two
 *   faults of one kind never overlap, so each stop undoes exactly its own start.
 * The same seed gives the same schedule, so a run can be reproduced as far as real processes allow.
 */
import { MutableRng } from '../random.js';
import { allLinks, PARTITION_KINDS, partitionLinks, type Link, type PartitionKind } from '../network/partitions.js';
import type { CutMode } from '../network/network.js';

/** The fault kinds `--nemesis` accepts. */
export const FAULT_KINDS = ['partition', 'kill', 'pause', 'latency', 'clock', 'message'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Who a fault aims at. `leader`: the node that says it leads (admin `status` with
 * `role: "leader"`), found when the fault starts, as Jepsen's `:primaries`; the planned nodes are
 * the fallback when no node says so (a system without leaders, or an election under way).
 */
export type FaultTarget = 'leader';

/** One fault, with everything needed to apply and undo it. */
export type FaultSpec =
  | { fault: 'partition'; kind: PartitionKind; mode: CutMode; links: Link[]; description: string; target?: FaultTarget }
  | { fault: 'kill'; nodes: string[]; target?: FaultTarget }
  | { fault: 'pause'; nodes: string[]; target?: FaultTarget }
  | { fault: 'latency'; links: Link[]; latencyMs: number; jitterMs: number; description: string; target?: never }
  | { fault: 'bandwidth'; links: Link[]; rateKBps: number; description: string; target?: never }
  | { fault: 'clock'; offsetsMs: Record<string, number>; target?: FaultTarget }
  | {
      fault: 'message';
      links: Link[];
      /** Peer message types acted on (from the system manifest's `messageTypes`). */
      types: string[];
      action: 'delay' | 'drop';
      /** How long a delayed message is held (0 for drop). */
      delayMs: number;
      /** Chance, per matching message, that it is delayed or dropped. */
      probability: number;
      description: string;
      target?: never;
    };

/** A step of the schedule. */
export interface NemesisStep {
  /** Milliseconds after the start of the workload phase. */
  atMs: number;
  action: 'start' | 'stop';
  spec: FaultSpec;
}

/** Options of `planNemesis`. */
export interface NemesisPlanOptions {
  faults: readonly FaultKind[];
  intervalMs: number;
  timeLimitMs: number;
  nodes: readonly string[];
  seed: number;
  /** Each fault kind on its own schedule, so faults of different kinds overlap. Default false. */
  overlap?: boolean;
  /** Peer message types the `message` fault may delay or drop; without any it is left out. */
  messageTypes?: readonly string[];
}

/**
 * How often a kill, pause, clock or isolating partition fault aims at the leader rather than at
 * random nodes (Jepsen's `:primaries`): most of the faults that break a leader-based system need
 * the leader, and the rest keep some random choice so that followers are hit too.
 */
export const LEADER_TARGET_P = 0.7;

/** Partition shapes that, aimed at the leader, put it on the minority side. */
const LEADER_PARTITION_KINDS: ReadonlySet<PartitionKind> = new Set<PartitionKind>(['isolate', 'halves', 'random-halves']);

/** Delay of a held message in a `message` fault: longer than the usual retry timeouts (ms). */
const MESSAGE_DELAY_MS = { min: 300, max: 1500 } as const;

/** A random non-empty subset of `nodes` of at most `max` nodes, in node order. */
function someNodes(rng: MutableRng, nodes: readonly string[], max: number): string[] {
  const k = rng.chance(0.6) ? 1 : rng.int(1, Math.max(1, Math.min(max, nodes.length)));
  const chosen = new Set(rng.shuffle(nodes).slice(0, k));
  return nodes.filter((n) => chosen.has(n));
}

/** The links of some nodes: all links, or every link out of and into one node. */
function someLinks(rng: MutableRng, nodes: readonly string[]): { links: Link[]; description: string } {
  if (rng.chance(0.5)) return { links: allLinks(nodes), description: 'all links' };
  const x = rng.pick(nodes);
  return { links: allLinks(nodes).filter(([a, b]) => a === x || b === x), description: `links of ${x}` };
}

/** Draws one fault of the given kind (`messageTypes`: those a `message` fault may act on). */
export function drawFault(kind: FaultKind, nodes: readonly string[], rng: MutableRng, messageTypes: readonly string[] = []): FaultSpec {
  const majority = Math.floor(nodes.length / 2) + 1;
  switch (kind) {
    case 'partition': {
      const k = rng.pick(PARTITION_KINDS);
      const mode: CutMode = rng.chance(0.5) ? 'clean' : 'silent';
      const { links, description } = partitionLinks(k, nodes, rng);
      // A leader cut off into a minority is the partition that tests leader election hardest:
      // isolations and halves are aimed at the leader (which ends on the minority side).
      const toLeader = LEADER_PARTITION_KINDS.has(k) && rng.chance(LEADER_TARGET_P);
      return { fault: 'partition', kind: k, mode, links, description, ...(toLeader ? { target: 'leader' as const } : {}) };
    }
    case 'kill':
    case 'pause': {
      const chosen = someNodes(rng, nodes, majority);
      const toLeader = rng.chance(LEADER_TARGET_P);
      return { fault: kind, nodes: toLeader ? chosen.slice(0, 1) : chosen, ...(toLeader ? { target: 'leader' as const } : {}) };
    }
    case 'latency': {
      const { links, description } = someLinks(rng, nodes);
      if (rng.chance(0.7)) {
        const latencyMs = rng.int(20, 300);
        return { fault: 'latency', links, latencyMs, jitterMs: rng.int(0, Math.floor(latencyMs / 2)), description };
      }
      return { fault: 'bandwidth', links, rateKBps: rng.int(1, 64), description };
    }
    case 'clock': {
      const offsetsMs: Record<string, number> = {};
      const toLeader = rng.chance(LEADER_TARGET_P);
      const chosen = someNodes(rng, nodes, nodes.length);
      for (const n of toLeader ? chosen.slice(0, 1) : chosen) {
        // Small skews and, half the time, jumps of tens of seconds (as an NTP step or a VM
        // resumed from a snapshot): a clock set back by X keeps a wall-clock deadline alive X
        // longer, long enough to meet the next fault.
        const ms = rng.chance(0.5) ? rng.int(100, 10_000) : rng.int(10_000, 60_000);
        offsetsMs[n] = rng.chance(0.5) ? ms : -ms;
      }
      return { fault: 'clock', offsetsMs, ...(toLeader ? { target: 'leader' as const } : {}) };
    }
    case 'message': {
      const { links, description } = someLinks(rng, nodes);
      // Every named type half the time, one of them otherwise: the scenarios this serves (a slow
      // reply, a lost forward) hit some kinds of message while the rest of the protocol
      // (heartbeats, which the manifest leaves out) goes on.
      const types = rng.chance(0.5) ? [...messageTypes] : [rng.pick(messageTypes)];
      const action = rng.chance(0.75) ? 'delay' : 'drop';
      const delayMs = action === 'delay' ? rng.int(MESSAGE_DELAY_MS.min, MESSAGE_DELAY_MS.max) : 0;
      const probability = rng.pick([0.25, 0.5, 1]);
      return { fault: 'message', links, types, action, delayMs, probability, description };
    }
  }
}

/**
 * The faults that make sense for this cluster: no network faults between one node, and no
 * `message` fault for a system that names no message types.
 */
export function usableFaults(faults: readonly FaultKind[], nodeCount: number, messageTypes: readonly string[] = []): FaultKind[] {
  return faults.filter(
    (f) => (nodeCount >= 2 || (f !== 'partition' && f !== 'latency' && f !== 'message')) && (f !== 'message' || messageTypes.length > 0),
  );
}

/** A duration between half and one and a half `intervalMs`, for overlapping schedules. */
function around(rng: MutableRng, intervalMs: number): number {
  return rng.int(Math.max(1, Math.round(intervalMs / 2)), Math.max(1, Math.round((intervalMs * 3) / 2)));
}

/** The schedule for a run, in time order (a stop before a start at the same time). */
export function planNemesis(opts: NemesisPlanOptions): NemesisStep[] {
  const types = opts.messageTypes ?? [];
  const kinds = usableFaults(opts.faults, opts.nodes.length, types);
  if (kinds.length === 0 || opts.intervalMs <= 0) return [];
  const rng = new MutableRng(opts.seed);
  const steps: NemesisStep[] = [];
  if (opts.overlap !== true) {
    for (let t = opts.intervalMs; t < opts.timeLimitMs; t += 2 * opts.intervalMs) {
      const spec = drawFault(rng.pick(kinds), opts.nodes, rng, types);
      steps.push({ atMs: t, action: 'start', spec });
      if (t + opts.intervalMs < opts.timeLimitMs) steps.push({ atMs: t + opts.intervalMs, action: 'stop', spec });
    }
    return steps;
  }
  // One stream per kind, each seeded from the run's stream in kind order, so that adding a kind
  // does not change the schedules of the others' draws before it.
  for (const kind of kinds) {
    const own = new MutableRng(rng.int(0, 0x7fffffff));
    for (let t = around(own, opts.intervalMs); t < opts.timeLimitMs; ) {
      const spec = drawFault(kind, opts.nodes, own, types);
      const end = t + around(own, opts.intervalMs);
      steps.push({ atMs: t, action: 'start', spec });
      if (end < opts.timeLimitMs) steps.push({ atMs: end, action: 'stop', spec });
      t = end + around(own, opts.intervalMs);
    }
  }
  const order = (s: NemesisStep) => (s.action === 'stop' ? 0 : 1);
  // Array.prototype.sort is stable, so steps at one time keep the kinds' order.
  return steps.sort((a, b) => a.atMs - b.atMs || order(a) - order(b));
}

/** The history `f` of a step: start-partition, stop-kill... */
export function stepName(action: 'start' | 'stop', spec: FaultSpec): string {
  return `${action}-${spec.fault}`;
}

/** A short text of a fault, for the terminal. */
export function describeFault(spec: FaultSpec): string {
  const text = describeFaultOnly(spec);
  return spec.target === 'leader' ? `${text} (the leader)` : text;
}

function describeFaultOnly(spec: FaultSpec): string {
  switch (spec.fault) {
    case 'partition':
      return `partition ${spec.kind} (${spec.mode}): ${spec.description}`;
    case 'kill':
      return `kill -9 ${spec.nodes.join(',')}`;
    case 'pause':
      return `pause ${spec.nodes.join(',')}`;
    case 'latency':
      return `latency ${spec.latencyMs}±${spec.jitterMs} ms on ${spec.description}`;
    case 'bandwidth':
      return `bandwidth ${spec.rateKBps} KB/s on ${spec.description}`;
    case 'clock':
      return `clock ${Object.entries(spec.offsetsMs).map(([n, ms]) => `${n}${ms >= 0 ? '+' : ''}${ms}ms`).join(' ')}`;
    case 'message': {
      const share = spec.probability < 1 ? `${Math.round(spec.probability * 100)} % of ` : '';
      const what = spec.action === 'delay' ? `delay ${share}${spec.types.join(',')} by ${spec.delayMs} ms` : `drop ${share}${spec.types.join(',')}`;
      return `${what} on ${spec.description}`;
    }
  }
}
