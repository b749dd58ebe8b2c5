/**
 * The clock bound of a system (manifest `clockBoundMs`): the largest offset between any two nodes'
 * clocks its correctness relies on. A run whose clock faults put two nodes further apart than that
 * tested the system outside its contract: an anomaly found in it is reported as such, not as a bug.
 *
 * Offsets are read from the history's nemesis completions: `start-clock` sets the offsets it names
 * (a strobe flips its nodes between them and 0, so both count), `stop-clock` sets its nodes back
 * to 0, `heal` sets every clock back; a node never skewed reads 0. A node killed (`start-kill`,
 * `start-disk`) comes back with its true clock, unless a strobe in force sets it again.
 */
import type { HistoryEvent } from '../../../checkers/history/types.js';
import { exitCodeForVerdict } from '../../cli/exit.js';
import type { JudgedResults } from './types.js';

/** When a run's clocks went beyond the bound: the widest excursion. */
export interface OutsideContract {
  maxOffsetMs: number;
  boundMs: number;
  fromS: number;
  toS: number;
}

/** What the clock faults of a run did against a bound. */
export interface ClockBoundReading {
  /** The largest offset between two nodes' clocks at any time of the run (0 without clock faults). */
  maxOffsetMs: number;
  /** The excursion beyond the bound in which the offset was largest, or null when it stayed within. */
  beyond: OutsideContract | null;
  /** When the offset first went beyond the bound (ns since the run's start), or null. */
  firstBeyondNs: number | null;
}

interface NodeClock {
  ms: number;
  /** The strobe (its start event) that flips this node, or null for a held offset. */
  strobe: number | null;
}

function spread(clocks: ReadonlyMap<string, NodeClock>): number {
  const list = [...clocks.values()];
  let max = 0;
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      const a = list[i]!;
      const b = list[j]!;
      if (a.strobe !== null && a.strobe === b.strobe) {
        max = Math.max(max, Math.abs(a.ms - b.ms));
        continue;
      }
      const as = a.strobe === null ? [a.ms] : [a.ms, 0];
      const bs = b.strobe === null ? [b.ms] : [b.ms, 0];
      for (const x of as) for (const y of bs) max = Math.max(max, Math.abs(x - y));
    }
  }
  return max;
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

/** The pairwise clock offsets of a run's `nodes` over its history, held to `boundMs` (undefined: no bound). */
export function readClockBound(boundMs: number | undefined, events: readonly HistoryEvent[], nodes: readonly string[]): ClockBoundReading {
  const clocks = new Map<string, NodeClock>(nodes.map((n) => [n, { ms: 0, strobe: null }]));
  let maxOffsetMs = 0;
  let beyond: OutsideContract | null = null;
  let open: { fromNs: number; maxMs: number } | null = null;
  let lastNs = 0;
  let firstBeyondNs: number | null = null;
  const close = (atNs: number) => {
    if (open === null || boundMs === undefined) return;
    if (beyond === null || open.maxMs > beyond.maxOffsetMs) beyond = { maxOffsetMs: open.maxMs, boundMs, fromS: open.fromNs / 1e9, toS: atNs / 1e9 };
    open = null;
  };
  for (const e of events) {
    if (e.process !== 'nemesis' || e.type === 'invoke' || e.time === undefined) continue;
    lastNs = e.time;
    const v = record(e.value);
    if (e.f === 'start-clock') {
      const strobe = typeof v.strobePeriodMs === 'number' ? e.index : null;
      for (const [n, ms] of Object.entries(record(v.offsetsMs))) if (typeof ms === 'number') clocks.set(n, { ms, strobe });
    } else if (e.f === 'stop-clock') {
      for (const n of Object.keys(record(v.offsetsMs))) clocks.set(n, { ms: 0, strobe: null });
    } else if (e.f === 'heal') {
      for (const n of clocks.keys()) clocks.set(n, { ms: 0, strobe: null });
    } else if (e.f === 'start-kill' || e.f === 'start-disk') {
      for (const n of Array.isArray(v.nodes) ? v.nodes : []) {
        const c = clocks.get(String(n));
        if (c !== undefined && c.strobe === null) clocks.set(String(n), { ms: 0, strobe: null });
      }
    } else continue;
    const now = spread(clocks);
    maxOffsetMs = Math.max(maxOffsetMs, now);
    if (boundMs === undefined) continue;
    if (now > boundMs) {
      firstBeyondNs ??= e.time;
      if (open === null) open = { fromNs: e.time, maxMs: now };
      else open.maxMs = Math.max(open.maxMs, now);
    } else close(e.time);
  }
  close(lastNs);
  return { maxOffsetMs, beyond, firstBeyondNs };
}

/** The verdict's words for a run outside its clock contract. */
export function outsideContractText(o: OutsideContract): string {
  return `invalid, outside contract: clock offset reached ${o.maxOffsetMs} ms > bound ${o.boundMs} ms (from ${o.fromS.toFixed(1)} s to ${o.toS.toFixed(1)} s)`;
}

/** The part of a run's results the clock bound reads and changes. */
export interface ClockJudged extends Pick<JudgedResults, 'valid' | 'exitCode'> {
  unknownReason?: string;
  clockBound?: { boundMs: number; maxOffsetMs: number };
  outsideContract?: OutsideContract;
  /** The first anomalous op: one found before the clocks first went beyond the bound is a bug all the same. */
  firstAnomaly?: { timeNs: number | null } | null;
}

/**
 * Holds judged results to the bound: an invalid run whose clocks went beyond it before its first
 * anomalous op (or whose first anomaly has no time) becomes
 * `unknown` (exit 2) with `outsideContract`; the checkers keep their own verdicts. The bound and
 * the largest offset are kept in `clockBound`, so that a recheck holds the run to the same bound.
 * It is the clock package's claim rule (`judge`), run by `judgeByFaults` with the others.
 */
export function holdToClockBound<R extends ClockJudged>(results: R, events: readonly HistoryEvent[], nodes: readonly string[], boundMs: number | undefined): R {
  if (boundMs === undefined) return results;
  const reading = readClockBound(boundMs, events, nodes);
  const out = { ...results, clockBound: { boundMs, maxOffsetMs: reading.maxOffsetMs } };
  if (results.valid !== false || reading.beyond === null) return out;
  const anomalyNs = results.firstAnomaly?.timeNs ?? null;
  if (anomalyNs !== null && reading.firstBeyondNs !== null && anomalyNs < reading.firstBeyondNs) return out;
  return { ...out, valid: 'unknown', exitCode: exitCodeForVerdict('unknown'), outsideContract: reading.beyond, unknownReason: outsideContractText(reading.beyond) };
}

/** The bound stored results were held to, for a recheck. */
export function recordedClockBound(results: Record<string, unknown>): number | undefined {
  const b = record(results['clockBound'])['boundMs'];
  return typeof b === 'number' && Number.isInteger(b) && b > 0 ? b : undefined;
}
