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
 * - combined (`combined: true`), the default when `--nemesis` is not given: every kind in
 *   DEFAULT_FAULT_KINDS that the cluster can take, each on its own seeded stream as in the
 *   overlapping plan, but each fault's length and each quiet gap drawn log-uniformly from
 *   COMBINED_FAULT_MS and COMBINED_GAP_MS (no fixed interval; a kind's gaps divided by its
 *   package's `combinedWeight`), at most COMBINED_MAX_IN_FORCE of them at once with a settling
 *   time (COMBINED_SETTLE_MS) after each, and each kind drawing its faults by its package's
 *   `drawCombined` (Jepsen's node targets, clock strobes, duplicated and reordered messages).
 *   Background kinds (a package's `background`: clock, message) draw from BACKGROUND_FAULT_MS
 *   and BACKGROUND_GAP_MS instead and do not count against the bound; one with a `companion`
 *   (clock) also goes with a fault aimed at the leader, COMPANION_P of the time, on the same
 *   node for the same span (the leader's clock steps as it is cut off or paused).
 * The same seed gives the same schedule, so a run can be reproduced as far as real processes allow.
 */
import { MutableRng } from '../random.js';
import { logUniformMs } from './faults/common.js';
import { FAULT_KINDS, faultPackage, kindPackage, type FaultKind, type FaultSpec } from './faults/index.js';
import type { FaultManifest, FaultSpecBase } from './faults/types.js';

export { LEADER_TARGET_P } from './faults/common.js';
export { FAULT_KINDS, type FaultKind, type FaultSpec };
export type { FaultTarget } from './faults/types.js';

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
  /**
   * The combined default: each kind on its own stream, lengths and gaps log-uniform, faults drawn
   * by `drawCombined` (`intervalMs` is not used). Default false.
   */
  combined?: boolean;
  /** Peer message types the `message` fault may delay or drop; without any it is left out. */
  messageTypes?: readonly string[];
  /** The system's manifest, for faults that need its claims (`disk`); without one they are left out. */
  manifest?: FaultManifest;
  /**
   * Role processes a fault kind may also aim at (the manifest's `roles[r].faults`): a fault of
   * such a kind draws its targets among the nodes and these together. None: nodes only.
   */
  roleTargets?: Partial<Record<FaultKind, readonly string[]>>;
}

/** Draws one fault of the given kind (`messageTypes`: those a `message` fault may act on). */
export function drawFault(kind: FaultKind, nodes: readonly string[], rng: MutableRng, messageTypes: readonly string[] = []): FaultSpec {
  return kindPackage(kind).draw(rng, nodes, messageTypes);
}

/** The faults that cannot run on this cluster, each with the reason, in the order given. */
export function unusableFaults(
  faults: readonly FaultKind[],
  nodeCount: number,
  messageTypes: readonly string[] = [],
  manifest: FaultManifest = {},
): Array<{ fault: FaultKind; reason: string }> {
  return faults.flatMap((fault) => {
    const reason = kindPackage(fault).unusable(nodeCount, messageTypes, manifest);
    return reason === null ? [] : [{ fault, reason }];
  });
}

/**
 * The faults that make sense for this cluster (each package says: no network faults between one
 * node, no `message` fault for a system that names no message types).
 */
export function usableFaults(faults: readonly FaultKind[], nodeCount: number, messageTypes: readonly string[] = [], manifest: FaultManifest = {}): FaultKind[] {
  const unusable = new Set(unusableFaults(faults, nodeCount, messageTypes, manifest).map((u) => u.fault));
  return faults.filter((f) => !unusable.has(f));
}

/**
 * The fault kinds of the combined default, each left out where the cluster cannot take it
 * (`usableFaults`: no network faults on one node, no `message` fault without messageTypes, no
 * `disk` without the manifest's claim).
 */
export const DEFAULT_FAULT_KINDS: readonly FaultKind[] = FAULT_KINDS;

/** How long one fault of the combined default lasts (ms, log-uniform): from a blip to an outage past every timeout. */
export const COMBINED_FAULT_MS = { min: 500, max: 6000 } as const;

/** The quiet gap before each fault of a kind in the combined default (ms, log-uniform). */
export const COMBINED_GAP_MS = { min: 1000, max: 12000 } as const;

/**
 * How long one background fault of the combined default lasts (ms, log-uniform), and the gap
 * before it: a package marked `background` (a skewed clock, duplicated messages) costs a correct
 * system no answers, so it is in force most of the run (about three quarters of it) and the
 * faults that cut nodes off meet it, as a clock set back on the leader meets the partition that
 * deposes it.
 */
export const BACKGROUND_FAULT_MS = { min: 2000, max: 12000 } as const;
export const BACKGROUND_GAP_MS = { min: 500, max: 3000 } as const;

/**
 * At most this many faults of the combined default that cost availability (every kind but the
 * background ones) are in force at once: a kind whose next fault would make more waits until the
 * one in force has stopped and settled. Most anomalies of a replicated system need the rest of the
 * cluster to go on while one part is cut off (a new leader taking writes while the old one still
 * answers): a second fault on a 3-node cluster, drawn independently, mostly takes that majority
 * away too. Measured on raftkv's default runs (systems/raftkv/README.md): with 2 in force, 2 of
 * the 30 s were quiet and a leader cut off alone for over a second came 0.02 times a run.
 */
export const COMBINED_MAX_IN_FORCE = 1;

/**
 * After a fault that costs availability stops, the next one waits this long at least (ms,
 * log-uniform, drawn with the fault): time for an election and for clients to reach the cluster
 * again, so that the next fault meets a cluster that works rather than one still recovering.
 */
export const COMBINED_SETTLE_MS = { min: 300, max: 3000 } as const;

/**
 * How often a background kind with a `companion` (clock) joins a fault aimed at the leader: the
 * leader's clock steps as it is cut off or paused, as a VM resumed from a pause finds its clock
 * jumped, which is when a lease or a timeout measured on the wall clock goes wrong.
 */
export const COMPANION_P = 0.5;

/** The earliest start at or after `t` at which a fault of `length` keeps in force at most `max` faults, given `spans`. */
function admit(spans: ReadonlyArray<readonly [number, number]>, t: number, length: number, max: number): number {
  for (;;) {
    const clashing = spans.filter(([a, b]) => a < t + length && t < b);
    // The most faults in force at once over [t, t + length): at t or at a later start among them.
    const points = [t, ...clashing.map(([a]) => a).filter((a) => a > t)];
    const peak = Math.max(0, ...points.map((x) => clashing.filter(([a, b]) => a <= x && x < b).length));
    if (peak < max) return t;
    t = Math.min(...clashing.map(([, b]) => b).filter((b) => b > t));
  }
}

/** One fault of the combined default: the package's own combined draw, or its explicit one. */
function drawCombinedFault(kind: FaultKind, nodes: readonly string[], rng: MutableRng, messageTypes: readonly string[], manifest?: FaultManifest): FaultSpec {
  const p = kindPackage(kind);
  return p.drawCombined ? p.drawCombined(rng, nodes, messageTypes, manifest) : p.draw(rng, nodes, messageTypes);
}

/** A duration between half and one and a half `intervalMs`, for overlapping schedules. */
function around(rng: MutableRng, intervalMs: number): number {
  return rng.int(Math.max(1, Math.round(intervalMs / 2)), Math.max(1, Math.round((intervalMs * 3) / 2)));
}

/** The schedule for a run, in time order (a stop before a start at the same time). */
export function planNemesis(opts: NemesisPlanOptions): NemesisStep[] {
  const types = opts.messageTypes ?? [];
  const kinds = usableFaults(opts.faults, opts.nodes.length, types, opts.manifest);
  const combined = opts.combined === true;
  if (kinds.length === 0 || (!combined && opts.intervalMs <= 0)) return [];
  const rng = new MutableRng(opts.seed);
  const steps: NemesisStep[] = [];
  const targets = (kind: FaultKind): readonly string[] => {
    const extra = opts.roleTargets?.[kind] ?? [];
    return extra.length === 0 ? opts.nodes : [...opts.nodes, ...extra];
  };
  if (!combined && opts.overlap !== true) {
    for (let t = opts.intervalMs; t < opts.timeLimitMs; t += 2 * opts.intervalMs) {
      const kind = rng.pick(kinds);
      const spec = drawFault(kind, targets(kind), rng, types);
      steps.push({ atMs: t, action: 'start', spec });
      if (t + opts.intervalMs < opts.timeLimitMs) steps.push({ atMs: t + opts.intervalMs, action: 'stop', spec });
    }
    return steps;
  }
  // One stream per kind, each seeded from the run's stream in kind order, so that adding a kind
  // does not change the schedules of the others' draws before it.
  const streams = kinds.map((kind, index) => ({ kind, index, own: new MutableRng(rng.int(0, 0x7fffffff)), next: 0 }));
  /** Each step's kind index, so that steps at one time keep the kinds' order. */
  const kindOf = new Map<NemesisStep, number>();
  const background = (kind: FaultKind) => combined && kindPackage(kind).background === true;
  const gap = (kind: FaultKind, own: MutableRng) => {
    if (!combined) return around(own, opts.intervalMs);
    const r = background(kind) ? BACKGROUND_GAP_MS : COMBINED_GAP_MS;
    return Math.round(logUniformMs(own, r.min, r.max) / (kindPackage(kind).combinedWeight ?? 1));
  };
  const length = (kind: FaultKind, own: MutableRng) => {
    if (!combined) return around(own, opts.intervalMs);
    const r = background(kind) ? BACKGROUND_FAULT_MS : COMBINED_FAULT_MS;
    return logUniformMs(own, r.min, r.max);
  };
  for (const s of streams) s.next = gap(s.kind, s.own);
  /** The spans of the faults planned so far, each with its settling time, for COMBINED_MAX_IN_FORCE. */
  const spans: Array<[number, number]> = [];
  /** The faults that cost availability and aim at the leader, for background companions. */
  const aimed: Array<{ spec: FaultSpec; at: number; end: number }> = [];
  const plan = (s: (typeof streams)[number], spec: FaultSpec, t: number, end: number) => {
    const planned: NemesisStep[] = [{ atMs: t, action: 'start', spec }];
    if (end < opts.timeLimitMs) planned.push({ atMs: end, action: 'stop', spec });
    for (const step of planned) kindOf.set(step, s.index);
    steps.push(...planned);
  };
  // The faults that cost availability first, in the order they are due (the first kind first at
  // a tie), so that under COMBINED_MAX_IN_FORCE the kind due first takes a free place, whatever
  // its index; then each background kind on its own, meeting them.
  for (;;) {
    const live = streams.filter((x) => !background(x.kind) && x.next < opts.timeLimitMs);
    if (live.length === 0) break;
    const s = live.reduce((a, b) => (b.next < a.next ? b : a));
    const spec = combined ? drawCombinedFault(s.kind, targets(s.kind), s.own, types, opts.manifest) : drawFault(s.kind, targets(s.kind), s.own, types);
    const len = length(s.kind, s.own);
    const settle = combined ? logUniformMs(s.own, COMBINED_SETTLE_MS.min, COMBINED_SETTLE_MS.max) : 0;
    const t = combined ? admit(spans, s.next, len, COMBINED_MAX_IN_FORCE) : s.next;
    if (t >= opts.timeLimitMs) {
      s.next = t;
      continue;
    }
    const end = t + len;
    if (combined) spans.push([t, end + settle]);
    if (spec.target !== undefined) aimed.push({ spec, at: t, end });
    plan(s, spec, t, end);
    s.next = end + gap(s.kind, s.own);
  }
  for (const s of streams.filter((x) => background(x.kind))) {
    const companion = kindPackage(s.kind).companion;
    const joins = companion === undefined ? [] : aimed.sort((a, b) => a.at - b.at);
    let j = 0;
    /** Where this stream's previous fault ended: a leader fault since then may take a companion. */
    let free = 0;
    while (s.next < opts.timeLimitMs) {
      const spec = drawCombinedFault(s.kind, targets(s.kind), s.own, types, opts.manifest);
      const t = s.next;
      let end = t + length(s.kind, s.own);
      // Each fault on the leader that starts after this stream's previous fault and before this
      // one would end, in the gap as well, draws its own chance of a companion; the first that
      // takes one gives it its span, and this fault, cut short, ends as the companion starts.
      let join: (typeof joins)[number] | undefined;
      while (join === undefined && j < joins.length && joins[j]!.at < end) {
        const candidate = joins[j++]!;
        if (candidate.at >= free && s.own.chance(COMPANION_P)) join = candidate;
      }
      if (join !== undefined && companion !== undefined) {
        if (join.at > t) plan(s, spec, t, join.at);
        plan(s, companion(s.own, targets(s.kind), join.spec, opts.manifest), join.at, join.end);
        end = join.end;
      } else plan(s, spec, t, end);
      free = end;
      s.next = end + gap(s.kind, s.own);
    }
  }
  const order = (s: NemesisStep) => (s.action === 'stop' ? 0 : 1);
  return steps.sort((a, b) => a.atMs - b.atMs || order(a) - order(b) || (kindOf.get(a) ?? 0) - (kindOf.get(b) ?? 0));
}

/** The history `f` of a step: start-partition, stop-kill... */
export function stepName(action: 'start' | 'stop', spec: FaultSpec): string {
  return `${action}-${spec.fault}`;
}

/** A short text of a fault, for the terminal. */
export function describeFault(spec: FaultSpec): string {
  const text = faultPackage(spec).describe(spec);
  // A replayed fault is no longer aimed, but it hit the leader of the run it was recorded in.
  const target = spec.target ?? (spec as FaultSpecBase).recordedTarget;
  return target === 'leader' ? `${text} (the leader)` : target === 'leader-minority' ? `${text} (a minority with the leader)` : text;
}
