/**
 * What several fault packages share: drawing nodes and links from the seeded stream, the leader
 * targeting rate, and error texts of faults applied to several nodes at once.
 */
import { allLinks, type Link } from '../../network/partitions.js';
import type { MutableRng } from '../../random.js';
import type { Network } from '../../network/network.js';
import type { FaultEnv, FaultTarget } from './types.js';

/**
 * How often a kill, pause, clock or isolating partition fault aims at the leader rather than at
 * random nodes (Jepsen's `:primaries`): most of the faults that break a leader-based system need
 * the leader, and the rest keep some random choice so that followers are hit too.
 */
export const LEADER_TARGET_P = 0.7;

/** A random non-empty subset of `nodes` of at most `max` nodes, in node order. */
export function someNodes(rng: MutableRng, nodes: readonly string[], max: number): string[] {
  const k = rng.chance(0.6) ? 1 : rng.int(1, Math.max(1, Math.min(max, nodes.length)));
  const chosen = new Set(rng.shuffle(nodes).slice(0, k));
  return nodes.filter((n) => chosen.has(n));
}

/** A fault on some processes. */
export interface NodesSpec<F extends string> {
  fault: F;
  nodes: string[];
  target?: FaultTarget;
}

/**
 * Some nodes, at most a majority, for a fault on processes; aimed at the leader as often as
 * LEADER_TARGET_P, then only the first planned node stands in for it.
 */
export function someNodesOrLeader(rng: MutableRng, nodes: readonly string[]): { nodes: string[]; target?: FaultTarget } {
  const chosen = someNodes(rng, nodes, Math.floor(nodes.length / 2) + 1);
  const toLeader = rng.chance(LEADER_TARGET_P);
  return toLeader ? { nodes: chosen.slice(0, 1), target: 'leader' } : { nodes: chosen };
}

/**
 * The targets of Jepsen's `db-nodes` set that a fault on processes draws from in the combined
 * default: one node, a minority, a majority, the leader, a minority holding the leader, all.
 */
export const NODE_TARGETS = ['one', 'minority', 'majority', 'leader', 'leader-minority', 'all'] as const;

/** One of NODE_TARGETS. */
export type NodeTarget = (typeof NODE_TARGETS)[number];

/**
 * How often each of NODE_TARGETS is drawn, out of their sum: the two that hold the leader three
 * times as often as the others (six draws in ten hold it), since most faults that break a leader-based system need the leader (as
 * LEADER_TARGET_P for the explicit faults), while every other target still comes up.
 */
export const NODE_TARGET_WEIGHTS: Readonly<Record<NodeTarget, number>> = { one: 1, minority: 1, majority: 1, leader: 3, 'leader-minority': 3, all: 1 };

/** How often a fault of the combined default holds the leader: the share of NODE_TARGET_WEIGHTS of its two targets. */
export const COMBINED_LEADER_P = (NODE_TARGET_WEIGHTS.leader + NODE_TARGET_WEIGHTS['leader-minority']) / Object.values(NODE_TARGET_WEIGHTS).reduce((a, b) => a + b, 0);

/**
 * Nodes for a fault on processes drawn from NODE_TARGETS (by NODE_TARGET_WEIGHTS), with the
 * target drawn; `leader` and `leader-minority` plan their first nodes as the fallback and are
 * aimed at the start.
 */
export function drawNodeTarget(rng: MutableRng, nodes: readonly string[]): { nodes: string[]; target?: FaultTarget; drawn: NodeTarget } {
  let r = rng.int(1, NODE_TARGETS.reduce((sum, t) => sum + NODE_TARGET_WEIGHTS[t], 0));
  const drawn = NODE_TARGETS.find((t) => (r -= NODE_TARGET_WEIGHTS[t]) <= 0) ?? 'one';
  const minority = Math.max(1, Math.floor((nodes.length - 1) / 2));
  const majority = Math.floor(nodes.length / 2) + 1;
  const size: Record<NodeTarget, number> = { one: 1, minority, majority, leader: 1, 'leader-minority': minority, all: nodes.length };
  const chosen = new Set(rng.shuffle(nodes).slice(0, size[drawn]));
  const planned = nodes.filter((n) => chosen.has(n));
  const target: FaultTarget | undefined = drawn === 'leader' || drawn === 'leader-minority' ? drawn : undefined;
  return { nodes: planned, ...(target ? { target } : {}), drawn };
}

/** The nodes of a fault aimed at the leader: the leader alone, or with others to a minority (`leader-minority`). */
export function leaderNodes(target: FaultTarget | undefined, leader: string, nodes: readonly string[]): string[] {
  if (target !== 'leader-minority') return [leader];
  const others = nodes.filter((n) => n !== leader);
  return [leader, ...others.slice(0, Math.max(1, Math.floor((nodes.length - 1) / 2)) - 1)];
}

/**
 * A duration drawn log-uniformly between `min` and `max` ms: short faults and gaps are as common
 * per doubling as long ones, so a run meets both a blip and an outage that outlasts timeouts.
 */
export function logUniformMs(rng: MutableRng, min: number, max: number): number {
  const lo = Math.log(Math.max(1, min));
  const hi = Math.log(Math.max(min, max));
  return Math.round(Math.exp(lo + (hi - lo) * rng.float()));
}

/** The links of some nodes: all links, or every link out of and into one node. */
export function someLinks(rng: MutableRng, nodes: readonly string[]): { links: Link[]; description: string } {
  if (rng.chance(0.5)) return { links: allLinks(nodes), description: 'all links' };
  const x = rng.pick(nodes);
  return { links: allLinks(nodes).filter(([a, b]) => a === x || b === x), description: `links of ${x}` };
}

/** Why a fault on links cannot run on one node, or null. */
export function needsLinks(nodeCount: number): string | null {
  return nodeCount >= 2 ? null : 'network faults need at least 2 nodes';
}

/** The error text of attempts on several nodes: each failure's message, or undefined when none failed. */
export function settledErrors(results: readonly PromiseSettledResult<unknown>[]): string | undefined {
  const msgs = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => (r.reason as Error).message);
  return msgs.length ? msgs.join('; ') : undefined;
}

/** Error texts joined (null for a success), or undefined when none failed. */
export function joinErrors(errors: readonly (string | null)[]): string | undefined {
  return errors.filter((e) => e !== null).join('; ') || undefined;
}

/**
 * The stop and the heal of a fault on the proxies, which are the same: the proxy's way of ending
 * every fault of that kind on every link (one fault of a kind is in force at a time).
 */
export function endedBy(end: (network: Network) => Promise<void>): {
  stop: (spec: unknown, env: FaultEnv) => Promise<undefined>;
  heal: (env: FaultEnv) => Promise<undefined>;
} {
  const run = async ({ network }: FaultEnv): Promise<undefined> => {
    if (network) await end(network);
    return undefined;
  };
  return { stop: (_spec, env) => run(env), heal: run };
}
