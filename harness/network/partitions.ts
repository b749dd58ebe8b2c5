/**
 * Partition shapes, as pure functions from node ids (and a random stream) to the directed links
 * to cut. A link `[a, b]` cut means messages from a to b are lost; cutting both `[a, b]` and
 * `[b, a]` separates the two nodes completely. The shapes are Jepsen's (jepsen.nemesis):
 *
 * - `halves`: the first half of the nodes against the rest;
 * - `random-halves`: the same after shuffling the nodes;
 * - `isolate`: one random node against all the others;
 * - `bridge`: two halves that see only a bridge node in the middle, which sees everyone;
 * - `majorities-ring`: every node sees a majority, and no two nodes see the same majority;
 * - `one-way`: a random minority cannot send to the others, but still receives from them.
 */
import type { MutableRng } from '../random.js';

/** A directed link, `[from, to]`. */
export type Link = readonly [string, string];

/** The partition shapes. */
export const PARTITION_KINDS = ['halves', 'random-halves', 'isolate', 'bridge', 'majorities-ring', 'one-way'] as const;
export type PartitionKind = (typeof PARTITION_KINDS)[number];

/** Every directed link between distinct nodes. */
export function allLinks(nodes: readonly string[]): Link[] {
  const out: Link[] = [];
  for (const a of nodes) for (const b of nodes) if (a !== b) out.push([a, b]);
  return out;
}

/** Cuts both directions between every node of `a` and every node of `b`. */
export function separate(a: readonly string[], b: readonly string[]): Link[] {
  const out: Link[] = [];
  for (const x of a) {
    for (const y of b) {
      out.push([x, y], [y, x]);
    }
  }
  return out;
}

/** The links to cut for one partition of `nodes`, and the components as a reader sees them. */
export function partitionLinks(kind: PartitionKind, nodes: readonly string[], rng: MutableRng): { links: Link[]; description: string } {
  const n = nodes.length;
  if (n < 2) return { links: [], description: 'a single node cannot be partitioned' };
  const half = (list: readonly string[]) => [list.slice(0, Math.floor(n / 2)), list.slice(Math.floor(n / 2))] as const;
  switch (kind) {
    case 'halves': {
      const [a, b] = half(nodes);
      return { links: separate(a, b), description: `${a.join(',')} | ${b.join(',')}` };
    }
    case 'random-halves': {
      const [a, b] = half(rng.shuffle(nodes));
      return { links: separate(a, b), description: `${a.join(',')} | ${b.join(',')}` };
    }
    case 'isolate': {
      const x = rng.pick(nodes);
      const rest = nodes.filter((y) => y !== x);
      return { links: separate([x], rest), description: `${x} | ${rest.join(',')}` };
    }
    case 'bridge': {
      if (n < 3) return partitionLinks('isolate', nodes, rng);
      const s = rng.shuffle(nodes);
      const k = Math.floor((n - 1) / 2);
      const a = s.slice(0, k);
      const bridge = s[k] as string;
      const b = s.slice(k + 1);
      return { links: separate(a, b), description: `${a.join(',')} | ${b.join(',')} bridged by ${bridge}` };
    }
    case 'majorities-ring': {
      const ring = rng.shuffle(nodes);
      const majority = Math.floor(n / 2) + 1;
      const reach = Math.ceil((majority - 1) / 2);
      const links: Link[] = [];
      const views: string[] = [];
      ring.forEach((x, i) => {
        const sees = new Set<string>();
        for (let d = -reach; d <= reach; d++) sees.add(ring[(((i + d) % n) + n) % n] as string);
        views.push(`${x} sees ${[...sees].sort().join(',')}`);
        for (const y of ring) if (!sees.has(y)) links.push([y, x]);
      });
      // Too few nodes for a ring of distinct majorities: every node sees everyone.
      if (links.length === 0) return partitionLinks('random-halves', nodes, rng);
      return { links, description: `majorities ring: ${views.join('; ')}` };
    }
    case 'one-way': {
      const s = rng.shuffle(nodes);
      const k = rng.int(1, Math.max(1, Math.floor((n - 1) / 2)));
      const from = s.slice(0, k);
      const to = s.slice(k);
      const links: Link[] = [];
      for (const a of from) for (const b of to) links.push([a, b]);
      return { links, description: `${from.join(',')} cannot send to ${to.join(',')} (one way)` };
    }
  }
}
