/**
 * Consistency models and the anomalies each one prohibits.
 *
 * Three small graphs, after Adya's "Weak Consistency" and the model hierarchy of Bailis et al.
 * and Cerone et al. (as charted at jepsen.io/consistency):
 * - `IMPLIES_MODEL`: a history satisfying model A also satisfies each model in `IMPLIES_MODEL[A]`;
 * - `PROHIBITS`: the anomalies a model rules out directly (on top of those of the models it implies);
 * - `IMPLIES_ANOMALY`: anomaly A is a special case of each anomaly in `IMPLIES_ANOMALY[A]`
 *   (a G0 cycle is also a G1c cycle; a cycle without process edges is trivially a `-process` one).
 * From these, a set of found anomalies gives the models they rule out (`not`: the weakest,
 * `alsoNot`: the rest), and a model gives the anomalies the checker has to look for.
 *
 * All our reads are item reads, so a G-single or G-nonadjacent cycle is also a G2-item cycle (a
 * cycle with at least one item anti-dependency, Adya's definition).
 */
import type { AnomalyType, ConsistencyModel } from './types.js';
import { CONSISTENCY_MODELS } from './types.js';

const IMPLIES_MODEL: Record<ConsistencyModel, ConsistencyModel[]> = {
  'strict-serializable': ['serializable', 'strong-snapshot-isolation', 'strong-session-serializable'],
  'strong-session-serializable': ['serializable', 'strong-session-snapshot-isolation'],
  serializable: ['repeatable-read', 'snapshot-isolation'],
  'strong-snapshot-isolation': ['strong-session-snapshot-isolation', 'strong-read-committed'],
  'strong-session-snapshot-isolation': ['snapshot-isolation', 'strong-session-read-committed'],
  'snapshot-isolation': ['monotonic-atomic-view'],
  'repeatable-read': ['monotonic-atomic-view'],
  'monotonic-atomic-view': ['read-committed'],
  'strong-read-committed': ['strong-session-read-committed', 'strong-read-uncommitted'],
  'strong-session-read-committed': ['read-committed', 'strong-session-read-uncommitted'],
  'read-committed': ['read-uncommitted'],
  'strong-read-uncommitted': ['strong-session-read-uncommitted'],
  'strong-session-read-uncommitted': ['read-uncommitted'],
  'read-uncommitted': [],
};

const PROHIBITS: Record<ConsistencyModel, AnomalyType[]> = {
  'read-uncommitted': ['G0', 'duplicate-elements', 'cyclic-versions', 'garbage-read'],
  'strong-session-read-uncommitted': ['G0-process'],
  'strong-read-uncommitted': ['G0-realtime'],
  'read-committed': ['G1a', 'G1b', 'G1c'],
  'strong-session-read-committed': ['G1c-process'],
  'strong-read-committed': ['G1c-realtime'],
  'monotonic-atomic-view': [],
  'repeatable-read': ['G2-item', 'lost-update'],
  'snapshot-isolation': ['internal', 'G-nonadjacent', 'lost-update'],
  'strong-session-snapshot-isolation': ['G-nonadjacent-process'],
  'strong-snapshot-isolation': ['G-nonadjacent-realtime'],
  serializable: ['internal', 'G2-item', 'serializable-cycle-exists'],
  'strong-session-serializable': ['G2-item-process', 'strong-session-serializable-cycle-exists'],
  'strict-serializable': ['G2-item-realtime', 'strict-serializable-cycle-exists'],
};

const IMPLIES_ANOMALY: Partial<Record<AnomalyType, AnomalyType[]>> = {
  G0: ['G1c', 'G0-process'],
  'G0-process': ['G1c-process', 'G0-realtime'],
  'G0-realtime': ['G1c-realtime'],
  G1c: ['G1c-process', 'serializable-cycle-exists'],
  'G1c-process': ['G1c-realtime', 'strong-session-serializable-cycle-exists'],
  'G1c-realtime': ['strict-serializable-cycle-exists'],
  'G-single': ['G-nonadjacent', 'G-single-process'],
  'G-single-process': ['G-nonadjacent-process', 'G-single-realtime'],
  'G-single-realtime': ['G-nonadjacent-realtime'],
  'G-nonadjacent': ['G2-item', 'G-nonadjacent-process'],
  'G-nonadjacent-process': ['G2-item-process', 'G-nonadjacent-realtime'],
  'G-nonadjacent-realtime': ['G2-item-realtime'],
  'G2-item': ['G2-item-process', 'serializable-cycle-exists'],
  'G2-item-process': ['G2-item-realtime', 'strong-session-serializable-cycle-exists'],
  'G2-item-realtime': ['strict-serializable-cycle-exists'],
  'serializable-cycle-exists': ['strong-session-serializable-cycle-exists'],
  'strong-session-serializable-cycle-exists': ['strict-serializable-cycle-exists'],
  'incompatible-order': ['G1a'],
  'dirty-update': ['G1a'],
  'lost-update': ['G2-item'],
};

/** True when `name` is a consistency model the checkers know. */
export function isConsistencyModel(name: string): name is ConsistencyModel {
  return (CONSISTENCY_MODELS as readonly string[]).includes(name);
}

function closure<T extends string>(start: Iterable<T>, next: (x: T) => readonly T[] | undefined): Set<T> {
  const seen = new Set<T>();
  const todo = [...start];
  while (todo.length > 0) {
    const x = todo.pop()!;
    if (seen.has(x)) continue;
    seen.add(x);
    for (const y of next(x) ?? []) todo.push(y);
  }
  return seen;
}

/** Every anomaly that the given anomalies imply, including themselves. */
export function impliedAnomalies(found: Iterable<AnomalyType>): Set<AnomalyType> {
  return closure(found, (a) => IMPLIES_ANOMALY[a]);
}

/** Every model the given model implies, including itself. */
export function impliedModels(model: ConsistencyModel): Set<ConsistencyModel> {
  return closure([model], (m) => IMPLIES_MODEL[m]);
}

/**
 * The anomalies whose presence rules `model` out: its own prohibitions, those of the models it
 * implies, and every anomaly that implies one of those.
 */
export function anomaliesProhibitedBy(model: ConsistencyModel): Set<AnomalyType> {
  const direct = new Set<AnomalyType>();
  for (const m of impliedModels(model)) for (const a of PROHIBITS[m]) direct.add(a);
  const out = new Set<AnomalyType>();
  const all = new Set<AnomalyType>([...Object.keys(IMPLIES_ANOMALY), ...Object.values(IMPLIES_ANOMALY).flat()] as AnomalyType[]);
  for (const list of Object.values(PROHIBITS)) for (const a of list) all.add(a);
  for (const a of all) {
    for (const b of impliedAnomalies([a])) {
      if (direct.has(b)) {
        out.add(a);
        break;
      }
    }
  }
  return out;
}

/** The models ruled out by the anomalies found: the weakest (`not`) and the rest (`alsoNot`). */
export function boundary(found: Iterable<AnomalyType>): { not: ConsistencyModel[]; alsoNot: ConsistencyModel[] } {
  const present = impliedAnomalies(found);
  const impossible = new Set<ConsistencyModel>();
  for (const m of CONSISTENCY_MODELS) {
    if (PROHIBITS[m].some((a) => present.has(a))) impossible.add(m);
  }
  // A model that implies an impossible model is impossible too.
  for (const m of CONSISTENCY_MODELS) {
    for (const weaker of impliedModels(m)) if (impossible.has(weaker)) impossible.add(m);
  }
  const not: ConsistencyModel[] = [];
  const alsoNot: ConsistencyModel[] = [];
  for (const m of CONSISTENCY_MODELS) {
    if (!impossible.has(m)) continue;
    const weakerImpossible = [...impliedModels(m)].some((w) => w !== m && impossible.has(w));
    (weakerImpossible ? alsoNot : not).push(m);
  }
  return { not, alsoNot };
}
