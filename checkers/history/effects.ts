/**
 * What each fault of a history did, read from its nemesis events alone (so a recheck or a report
 * finds the same as the run did): when it was on, whom it aimed at, the effect the nemesis
 * recorded at its end (traffic the proxies cut or delayed, processes stopped, clocks set), and the
 * client operations invoked while it was on that failed or timed out.
 *
 * A fault is on from its `start-<name>` event to the first later `stop-<name>`, or to the `heal`
 * that ends every fault; its operations follow the toolkit's one rule (faults.ts, stats.ts): an
 * operation belongs to the fault when it was invoked inside [start, end).
 */
import { inFaultWindow } from './faults.js';
import { pairOperations } from './pair.js';
import type { HistoryEvent } from './types.js';

/** What the proxies did on a fault's links while it was on (the embedded proxy's counters). */
export interface TrafficEffect {
  bytesCut: number;
  messagesCut: number;
  bytesDelayed: number;
  messagesDelayed: number;
  /** Connections reset by disabling a proxy. */
  connectionsCut: number;
}

/** What the nemesis records in the `effect` of a fault's stop event (or of the heal that ended it). */
export interface FaultEffect {
  /** Links the fault acted on. */
  links: number;
  /** Summed over those links; null when the proxies cannot count (an external Toxiproxy server). */
  traffic: TrafficEffect | null;
  /** Nodes whose process the fault stopped (killed or paused). */
  processes: string[];
  /** Nodes whose clock the fault set. */
  clocks: string[];
}

/** Client operations while a fault was on. */
export interface FaultOps {
  /** Ops in flight at some instant while it was on (invoked before its end, not completed before its start). */
  active: number;
  invoked: number;
  /** Completed `fail`. */
  failed: number;
  /** Completed `info`: timed out or lost, may or may not have happened. */
  info: number;
}

/** One fault of a history (the `faults` of results.json). */
export interface FaultRecord {
  /** The fault's package name, as in `start-<name>`. */
  fault: string;
  description: string | null;
  startNs: number;
  /** Null when the history ends with the fault on. */
  endNs: number | null;
  targets: { links?: string[]; nodes?: string[] };
  /** Null when the history does not say (a history recorded without effects, or a fault never ended). */
  effect: FaultEffect | null;
  ops: FaultOps;
}

const obj = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const count = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);

/** An effect as recorded, read defensively: a history file may hold anything. */
function readEffect(v: unknown): FaultEffect | null {
  const e = obj(v);
  if (!e) return null;
  const t = obj(e.traffic);
  const traffic: TrafficEffect | null = t
    ? { bytesCut: count(t.bytesCut), messagesCut: count(t.messagesCut), bytesDelayed: count(t.bytesDelayed), messagesDelayed: count(t.messagesDelayed), connectionsCut: count(t.connectionsCut) }
    : null;
  return { links: count(e.links), traffic, processes: strings(e.processes), clocks: strings(e.clocks) };
}

/** Whom a fault aimed at, from its start event's value (links as "from->to"). */
function readTargets(v: unknown): FaultRecord['targets'] {
  const s = obj(v);
  if (!s) return {};
  const out: FaultRecord['targets'] = {};
  if (Array.isArray(s.links)) {
    out.links = s.links.filter((l): l is [string, string] => Array.isArray(l) && l.length === 2).map(([a, b]) => `${String(a)}->${String(b)}`);
  }
  const nodes = [...strings(s.nodes), ...Object.keys(obj(s.offsetsMs) ?? {})];
  if (nodes.length > 0) out.nodes = nodes;
  return out;
}

type Open = Omit<FaultRecord, 'ops'>;

/** The faults of a history, in the order they started. */
export function faultRecords(events: readonly HistoryEvent[]): FaultRecord[] {
  const done: Open[] = [];
  const open: Open[] = [];
  for (const e of events) {
    // An invocation announces a fault step; its completion is when it took hold.
    if (e.process !== 'nemesis' || e.time === undefined || e.type === 'invoke') continue;
    const value = obj(e.value);
    if (e.f.startsWith('start-')) {
      const description = typeof value?.description === 'string' ? value.description : null;
      open.push({ fault: e.f.slice('start-'.length), description, startNs: e.time, endNs: null, targets: readTargets(value), effect: null });
    } else if (e.f.startsWith('stop-')) {
      const i = open.findIndex((r) => r.fault === e.f.slice('stop-'.length));
      if (i < 0) continue;
      const [r] = open.splice(i, 1);
      done.push({ ...r!, endNs: e.time, effect: readEffect(value?.effect) });
    } else if (e.f === 'heal') {
      const effects = Array.isArray(value?.effects) ? value.effects.map(obj) : [];
      for (const r of open.splice(0)) {
        // The heal lists each fault it ended with its effect, matched by name and description.
        const j = effects.findIndex((x) => x !== null && x.fault === r.fault && (x.description ?? null) === r.description);
        const match = j >= 0 ? effects.splice(j, 1)[0] : null;
        done.push({ ...r, endNs: e.time, effect: readEffect(match?.effect) });
      }
    }
  }
  const all = [...done, ...open].sort((a, b) => a.startNs - b.startNs);
  const { operations } = pairOperations(events, undefined, { strict: false });
  return all.map((r) => {
    const window: [number, number] = [r.startNs, r.endNs ?? Number.POSITIVE_INFINITY];
    const ops: FaultOps = { active: 0, invoked: 0, failed: 0, info: 0 };
    for (const op of operations) {
      const t = op.invoke.time;
      if (t === undefined) continue;
      const doneAt = op.complete?.time;
      if (t < window[1] && (doneAt === undefined || doneAt >= window[0])) ops.active++;
      if (!inFaultWindow([window], t)) continue;
      ops.invoked++;
      if (op.complete?.type === 'fail') ops.failed++;
      else if (op.complete?.type === 'info') ops.info++;
    }
    return { ...r, ops };
  });
}

/**
 * Whether a fault touched the traffic or the processes while clients were active: some client op
 * was in flight while it was on (a loaded cluster may invoke nothing new during a fault), and it cut or delayed traffic, stopped a process or set a clock.
 * A fault whose effect cannot be known (no effect recorded, or proxies that cannot count) is
 * taken to have touched, since nothing shows it did not.
 */
export function touched(r: FaultRecord): boolean {
  if (r.ops.active === 0) return false;
  const e = r.effect;
  if (e === null || (e.links > 0 && e.traffic === null)) return true;
  const t = e.traffic;
  const traffic = t !== null && t.bytesCut + t.bytesDelayed + t.connectionsCut > 0;
  return traffic || e.processes.length > 0 || e.clocks.length > 0;
}
