/**
 * The set-full checker, after Jepsen's `set-full`: a set that only grows (`add v`, `read -> every
 * element`), each element followed from its add through every read to one outcome.
 *
 *   const r = checkSetFull(events, { keyed: true });
 *   r.valid; r.lost; r.stableLatencyMs.p99;
 *
 * An element is *known* from the completion of its ok add, or, for a crashed add, from the
 * completion of the first read that shows it. Reads are ordered by invocation. Then:
 *
 * - `stable`: the last read invoked after it was known shows it. It is also `stale` when some read
 *   invoked after it was known missed it: visible, but late.
 * - `lost`: known, yet the last read invoked after that misses it: an acknowledged (or seen) add
 *   that the set no longer holds.
 * - `never-read`: no read was invoked after it was known (or, for a crashed add, none showed it).
 *
 * Beside those, a read that shows an element nobody added (or whose add failed) is `unexpected`,
 * and one that shows an element twice is `duplicated`.
 *
 * The stable latency of an element is the time from when it was known to the completion of the
 * last read that missed it (0 when none did): after that, every read saw it. The result carries
 * one point per stable or lost element (when it was known, its latency) for the report to draw.
 *
 * Valid unless an element is lost, unexpected or duplicated; stale elements are invalid only with
 * `linearizable: true` (a linearizable set shows an element to every read that begins after its
 * add completed). With adds but no element ever read again, the verdict is unknown: nothing was
 * tested.
 */
import { HistoryError } from '../history/errors.js';
import { percentile } from '../history/stats.js';
import { show } from '../linearizable/models.js';
import { completionIndex, groupAddsAndReads, type KeyedOptions, type ReadOp } from './keyed.js';

/** How many elements of each outcome a result lists (the counts are exact). */
export const ELEMENTS_SHOWN = 20;
/** How many latency points a result carries for the report. */
export const POINTS_MAX = 5000;

/** Options of checkSetFull. */
export interface SetFullOptions extends KeyedOptions {
  /** Stale reads make the history invalid (default false, as Jepsen's set-full). */
  linearizable?: boolean;
}

/** What happened to one element. */
export type ElementOutcome = 'stable' | 'lost' | 'never-read';

/** One element's story, as the result lists it. */
export interface ElementReport {
  key: string;
  element: unknown;
  outcome: ElementOutcome;
  /** History index of the add's invocation (null: nobody added it). */
  addIndex: number | null;
  /** History index of the event from which it was known. */
  knownIndex: number;
  /** Completion index of the last read invoked after it was known that showed it. */
  lastPresentIndex: number | null;
  /** Completion index of the last read invoked after it was known that missed it. */
  lastAbsentIndex: number | null;
  /** Stable: time from known to the last read that missed it; lost: from known to the last read that showed it. */
  latencyMs: number | null;
}

/** A read that showed an element it should not have (never added, or twice). */
export interface ReadAnomaly {
  key: string;
  element: unknown;
  /** Completion index of the read. */
  readIndex: number;
}

/** One point of the latency plot: an element, when it was known, and how long it took to be stable. */
export interface LatencyPoint {
  timeNs: number;
  latencyMs: number;
  outcome: 'stable' | 'lost';
  stale: boolean;
}

/** The first anomalous event, for the run's `firstAnomaly`. */
export interface CollectionAnomaly {
  index: number;
  timeNs: number | null;
  summary: string;
}

/** The set-full verdict. */
export interface SetFullResult {
  valid: boolean | 'unknown';
  explanation: string;
  /** Elements whose add was invoked and did not fail. */
  attempted: number;
  /** Elements whose add was acknowledged. */
  acknowledged: number;
  stable: number;
  lost: number;
  neverRead: number;
  stale: number;
  unexpected: number;
  duplicated: number;
  /** Up to ELEMENTS_SHOWN of each. */
  lostElements: ElementReport[];
  staleElements: ElementReport[];
  neverReadElements: ElementReport[];
  unexpectedElements: ReadAnomaly[];
  duplicatedElements: ReadAnomaly[];
  /** Percentiles of the stable latency over stable elements; null when none is stable. */
  stableLatencyMs: { p50: number; p95: number; p99: number; max: number } | null;
  /** Latency points (up to POINTS_MAX, in known order), for the report. */
  points: LatencyPoint[];
  firstAnomaly: CollectionAnomaly | null;
  /** Client operations the history held. */
  operationCount: number;
}

interface PreparedRead {
  read: ReadOp;
  callPos: number;
  /** Element text -> how many times the read showed it. */
  counts: Map<string, number>;
}

const msBetween = (fromNs: number | undefined, toNs: number | undefined): number | null =>
  fromNs === undefined || toNs === undefined ? null : Math.round(((toNs - fromNs) / 1e6) * 1000) / 1000;

/** Checks a grow-only set history (see the module comment). Throws HistoryError on bad input. */
export function checkSetFull(history: Parameters<typeof groupAddsAndReads>[0], options: SetFullOptions = {}): SetFullResult {
  const grouped = groupAddsAndReads(history, options);
  const reports: ElementReport[] = [];
  const staleSet = new Set<ElementReport>();
  const unexpected: ReadAnomaly[] = [];
  const duplicated: ReadAnomaly[] = [];
  const anomalyAt: Array<{ index: number; timeNs: number | null; summary: string }> = [];
  const points: LatencyPoint[] = [];
  const latencies: number[] = [];
  let attempted = 0;
  let acknowledged = 0;

  for (const { key, adds, reads } of grouped.keys) {
    const where = key === '' ? '' : ` of key ${key}`;
    const prepared: PreparedRead[] = reads.map((read) => {
      if (!Array.isArray(read.value)) {
        throw new HistoryError(`event ${completionIndex(read.op)}: a set read must return a list of elements, found ${show(read.value)}`);
      }
      const counts = new Map<string, number>();
      for (const el of read.value) {
        const t = JSON.stringify(el);
        counts.set(t, (counts.get(t) ?? 0) + 1);
      }
      return { read, callPos: read.op.callPos, counts };
    });
    prepared.sort((a, b) => a.callPos - b.callPos);

    const addOf = new Map<string, (typeof adds)[number]>();
    for (const add of adds) {
      const t = JSON.stringify(add.payload);
      if (addOf.has(t)) {
        throw new HistoryError(`event ${add.op.invoke.index}: element ${t}${where} is added twice (set-full needs unique elements)`);
      }
      addOf.set(t, add);
      attempted++;
      if (add.ok) acknowledged++;
    }
    // Reads that show what nobody added, or show an element twice.
    for (const p of prepared) {
      const readIndex = completionIndex(p.read.op);
      for (const [t, n] of p.counts) {
        const element = JSON.parse(t) as unknown;
        if (!addOf.has(t)) {
          unexpected.push({ key, element, readIndex });
          anomalyAt.push({ index: readIndex, timeNs: p.read.op.complete?.time ?? null, summary: `a read${where} shows ${t}, which no add that did not fail added` });
        }
        if (n > 1) {
          duplicated.push({ key, element, readIndex });
          anomalyAt.push({ index: readIndex, timeNs: p.read.op.complete?.time ?? null, summary: `a read${where} shows ${t} ${n} times` });
        }
      }
    }

    for (const [t, add] of addOf) {
      // When the element was known: its ok add's completion, or the first read that showed it.
      let knownPos: number;
      let knownIndex: number;
      let knownNs: number | undefined;
      if (add.ok) {
        knownPos = add.op.returnPos;
        knownIndex = add.op.complete!.index;
        knownNs = add.op.complete!.time;
      } else {
        const first = prepared
          .filter((p) => p.counts.has(t) && p.read.op.callPos > add.op.callPos)
          .sort((a, b) => a.read.op.returnPos - b.read.op.returnPos)[0];
        if (!first) {
          reports.push({ key, element: JSON.parse(t), outcome: 'never-read', addIndex: add.op.invoke.index, knownIndex: add.op.invoke.index, lastPresentIndex: null, lastAbsentIndex: null, latencyMs: null });
          continue;
        }
        knownPos = first.read.op.returnPos;
        knownIndex = first.read.op.complete!.index;
        knownNs = first.read.op.complete!.time;
      }
      let lastPresent: PreparedRead | null = null;
      let lastAbsent: PreparedRead | null = null;
      for (const p of prepared) {
        if (p.callPos <= knownPos) continue;
        if (p.counts.has(t)) lastPresent = p;
        else lastAbsent = p;
      }
      const base = {
        key,
        element: JSON.parse(t) as unknown,
        addIndex: add.op.invoke.index,
        knownIndex,
        lastPresentIndex: lastPresent ? completionIndex(lastPresent.read.op) : null,
        lastAbsentIndex: lastAbsent ? completionIndex(lastAbsent.read.op) : null,
      };
      if (!lastPresent && !lastAbsent) {
        reports.push({ ...base, outcome: 'never-read', latencyMs: null });
        continue;
      }
      if (lastAbsent && (!lastPresent || lastAbsent.callPos > lastPresent.callPos)) {
        const latencyMs = lastPresent ? msBetween(knownNs, lastPresent.read.op.complete?.time) : 0;
        const r: ElementReport = { ...base, outcome: 'lost', latencyMs };
        reports.push(r);
        const readIndex = completionIndex(lastAbsent.read.op);
        anomalyAt.push({
          index: readIndex,
          timeNs: lastAbsent.read.op.complete?.time ?? null,
          summary: `element ${t}${where} is lost: known from event ${knownIndex}, missing from the last read (event ${readIndex}) and every read after ${lastPresent ? `event ${completionIndex(lastPresent.read.op)}` : 'it was known'}`,
        });
        if (knownNs !== undefined) points.push({ timeNs: knownNs, latencyMs: latencyMs ?? 0, outcome: 'lost', stale: false });
        continue;
      }
      const latencyMs = lastAbsent ? msBetween(knownNs, lastAbsent.read.op.complete?.time) : 0;
      const r: ElementReport = { ...base, outcome: 'stable', latencyMs };
      reports.push(r);
      if (lastAbsent) {
        staleSet.add(r);
        if (options.linearizable) {
          const readIndex = completionIndex(lastAbsent.read.op);
          anomalyAt.push({ index: readIndex, timeNs: lastAbsent.read.op.complete?.time ?? null, summary: `element ${t}${where} is stale: known from event ${knownIndex}, missing from the read completed at event ${readIndex}` });
        }
      }
      if (latencyMs !== null) latencies.push(latencyMs);
      if (knownNs !== undefined) points.push({ timeNs: knownNs, latencyMs: latencyMs ?? 0, outcome: 'stable', stale: lastAbsent !== null });
    }
  }

  const of = (o: ElementOutcome) => reports.filter((r) => r.outcome === o);
  const lostList = of('lost');
  const stableList = of('stable');
  const neverList = of('never-read');
  const staleList = [...staleSet];
  latencies.sort((a, b) => a - b);
  points.sort((a, b) => a.timeNs - b.timeNs);
  anomalyAt.sort((a, b) => a.index - b.index);

  const broken = lostList.length > 0 || unexpected.length > 0 || duplicated.length > 0 || (options.linearizable === true && staleList.length > 0);
  const valid: boolean | 'unknown' = broken ? false : attempted > 0 && stableList.length === 0 ? 'unknown' : true;
  const counts = `${attempted} elements added (${acknowledged} acknowledged): ${stableList.length} stable (${staleList.length} of them stale), ${lostList.length} lost, ${neverList.length} never read; ${unexpected.length} unexpected, ${duplicated.length} duplicated`;
  const explanation =
    valid === true
      ? `Every element read is stable. ${counts}.`
      : valid === 'unknown'
        ? `No element was read after its add: nothing was tested. ${counts}.`
        : `${anomalyAt[0]!.summary}. ${counts}.`;
  return {
    valid,
    explanation,
    attempted,
    acknowledged,
    stable: stableList.length,
    lost: lostList.length,
    neverRead: neverList.length,
    stale: staleList.length,
    unexpected: unexpected.length,
    duplicated: duplicated.length,
    lostElements: lostList.slice(0, ELEMENTS_SHOWN),
    staleElements: staleList.slice(0, ELEMENTS_SHOWN),
    neverReadElements: neverList.slice(0, ELEMENTS_SHOWN),
    unexpectedElements: unexpected.slice(0, ELEMENTS_SHOWN),
    duplicatedElements: duplicated.slice(0, ELEMENTS_SHOWN),
    stableLatencyMs: latencies.length
      ? { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies[latencies.length - 1]! }
      : null,
    points: points.slice(0, POINTS_MAX),
    firstAnomaly: broken ? anomalyAt[0]! : null,
    operationCount: grouped.operationCount,
  };
}
