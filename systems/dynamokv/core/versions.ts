/**
 * What dynamokv replicas store and how two copies of one key are reconciled: pure functions, used
 * by replicas on every Put, by coordinators on every set of Get replies, and by the simulator's
 * invariant checks.
 *
 * - Versioned Value with a Lamport Clock: a register's copy is `{ ver: { t, n }, v }`; the newer
 *   version wins, ties broken by node id (`compareVersions`). The `wallclock` rule fills `t` from
 *   the coordinator's wall clock instead (a skewed clock then loses writes).
 * - Version Vector with siblings: a set's copy is a list of siblings, each the elements one add
 *   wrote, the dot `[actor, counter]` of that add and its version vector (the events the add had
 *   seen when it read the set). A write discards the siblings its vector covers and keeps the ones
 *   it did not see (concurrent adds), so a read that unions the siblings loses no acknowledged add
 *   (dotted version vectors, as Riak keeps them).
 * - The `lamport` rule for sets keeps one copy, the newest by version: concurrent adds that read
 *   the same set lose all but one of their elements (the `lww-set` variant).
 */

/** A version: Lamport time (or wall-clock ms) and the id of the node that wrote it. */
export interface Version {
  t: number;
  n: string;
}

/**
 * A version vector as the exact set of events seen: for each actor (a node in one incarnation),
 * the counters of its adds this copy has seen. A compressed vector (the highest counter per actor)
 * would claim that a coordinator with two adds to one key in flight had seen the first when it
 * made the second; keeping the counters themselves (a key sees at most a few hundred adds) avoids
 * that without serialising a coordinator's adds.
 */
export type VersionVector = Record<string, number[]>;

/** One sibling of a version-vector set: what one add wrote. */
export interface Sibling {
  /** The add's own event: its actor and counter. */
  dot: [string, number];
  /** The events the add had seen when it read the set (its own dot not included). */
  vv: VersionVector;
  /** Every element the add saw, and its own. */
  els: unknown[];
}

/** A replica's copy of one key. */
export type Stored =
  | { kind: 'reg'; ver: Version; v: unknown }
  | { kind: 'vv'; sibs: Sibling[] }
  | { kind: 'lww'; ver: Version; els: unknown[] };

/** Orders versions: time, then node id. */
export function compareVersions(a: Version | null, b: Version | null): number {
  if (a === null || b === null) return a === null ? (b === null ? 0 : -1) : 1;
  if (a.t !== b.t) return a.t - b.t;
  return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
}

/** The version of a copy (null for a version-vector set, which has none). */
export function versionOf(s: Stored | null): Version | null {
  return s === null || s.kind === 'vv' ? null : s.ver;
}

/** Whether `vv` has seen the event `dot`. */
export function covers(vv: VersionVector, dot: readonly [string, number]): boolean {
  return vv[dot[0]]?.includes(dot[1]) === true;
}

const sameDot = (a: Sibling, b: Sibling): boolean => a.dot[0] === b.dot[0] && a.dot[1] === b.dot[1];

/** The siblings of `a` and `b` that no sibling of either has seen, each once. */
export function mergeSiblings(a: readonly Sibling[], b: readonly Sibling[]): Sibling[] {
  const out: Sibling[] = [];
  const all = [...a, ...b];
  for (const s of all) {
    if (all.some((o) => covers(o.vv, s.dot))) continue;
    if (out.some((o) => sameDot(o, s))) continue;
    out.push(s);
  }
  return out.sort((x, y) => (x.dot[0] < y.dot[0] ? -1 : x.dot[0] > y.dot[0] ? 1 : x.dot[1] - y.dot[1]));
}

/** The events a reader of these siblings has seen: every sibling's own and every one it had seen. */
export function joinVectors(sibs: readonly Sibling[]): VersionVector {
  const seen = new Map<string, Set<number>>();
  const add = (actor: string, c: number) => {
    let set = seen.get(actor);
    if (!set) seen.set(actor, (set = new Set()));
    set.add(c);
  };
  for (const s of sibs) {
    add(s.dot[0], s.dot[1]);
    for (const [actor, cs] of Object.entries(s.vv)) for (const c of cs) add(actor, c);
  }
  const vv: VersionVector = {};
  for (const [actor, set] of [...seen].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) vv[actor] = [...set].sort((x, y) => x - y);
  return vv;
}

/**
 * Reconciles two copies of one key: the newer version for registers and last-writer-wins sets,
 * the undominated siblings of both for version-vector sets. Copies of different kinds (a key
 * written as a register and as a set) keep the one already held.
 */
export function reconcile(held: Stored | null, incoming: Stored): Stored {
  if (held === null) return incoming;
  if (held.kind === 'vv' && incoming.kind === 'vv') return { kind: 'vv', sibs: mergeSiblings(held.sibs, incoming.sibs) };
  if (held.kind !== incoming.kind) return held;
  return compareVersions((incoming as { ver: Version }).ver, (held as { ver: Version }).ver) > 0 ? incoming : held;
}

/** Whether two copies hold the same thing (read repair writes back only when replicas differ). */
export function sameCopy(a: Stored | null, b: Stored | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The elements of a set copy, each once, in first-seen order. */
export function elementsOf(s: Stored | null): unknown[] {
  if (s === null || s.kind === 'reg') return [];
  const lists = s.kind === 'vv' ? s.sibs.map((x) => x.els) : [s.els];
  const seen = new Set<string>();
  const out: unknown[] = [];
  for (const els of lists) {
    for (const e of els) {
      const t = JSON.stringify(e);
      if (seen.has(t)) continue;
      seen.add(t);
      out.push(e);
    }
  }
  return out;
}

/** The highest Lamport time a copy carries (its version, or its vectors' counters). */
export function maxTime(s: Stored | null): number {
  if (s === null) return 0;
  if (s.kind !== 'vv') return s.ver.t;
  let t = 0;
  for (const x of s.sibs) t = Math.max(t, x.dot[1]);
  return t;
}
