/**
 * Fault windows: the spans of a history during which the nemesis had a fault on, read from its
 * events alone (so a report or a recheck finds the same windows as the run did).
 *
 * The nemesis events are read once, per kind, into fault spans: a `start-<kind>` opens a span of
 * its kind unless one is on (then it joins that span), the next `stop-<kind>` ends it, and a `heal`
 * ends every span that is on; a span still on at the end of the history lasts forever. Reports draw
 * the spans. The fault windows, which statistics use, are their union: the time during which some
 * fault was on. Windows are half-open, [start, end): an instant belongs to a window from its start
 * up to, not including, its end, so the instant of a stop is already outside, and two adjacent
 * windows never share one.
 */
import type { HistoryEvent } from './types.js';

/** What a nemesis event does to the faults: starts or stops one of a kind, or heals them all. */
export type FaultStep = { action: 'start' | 'stop'; kind: string } | { action: 'heal' };

/** The step of a nemesis event named `start-<kind>`, `stop-<kind>` or `heal`; null for any other. */
export function faultStep(f: string): FaultStep | null {
  if (f === 'heal') return { action: 'heal' };
  const m = /^(start|stop)-(.+)$/.exec(f);
  return m ? { action: m[1] as 'start' | 'stop', kind: m[2]! } : null;
}

/** One fault window [startNs, endNs), in the history's nanoseconds; endNs may be Infinity. */
export type FaultWindow = [startNs: number, endNs: number];

/**
 * The fault windows of a history, in time order: the union of its fault spans. Spans opened by an
 * event without a `time` are left out; one ended by such an event lasts forever.
 */
export function faultWindows(events: readonly HistoryEvent[]): FaultWindow[] {
  const spans: FaultWindow[] = [];
  for (const span of faultSpans(events)) {
    const start = span.starts[0]!.time;
    if (start !== undefined) spans.push([start, span.end?.time ?? Number.POSITIVE_INFINITY]);
  }
  spans.sort((x, y) => x[0] - y[0]);
  const windows: FaultWindow[] = [];
  for (const [start, end] of spans) {
    const last = windows[windows.length - 1];
    if (last && start < last[1]) last[1] = Math.max(last[1], end);
    else windows.push([start, end]);
  }
  return windows;
}

/** True when the instant `timeNs` lies in one of the windows, [start, end). */
export function inFaultWindow(windows: readonly FaultWindow[], timeNs: number): boolean {
  return windows.some(([start, end]) => timeNs >= start && timeNs < end);
}

/** One fault of one kind, from the start that opened it to the event that ended it. */
export interface FaultSpan {
  kind: string;
  /** The `start-<kind>` events of the span: the one that opened it, then any repeated while it was on. */
  starts: HistoryEvent[];
  /** The `stop-<kind>` or `heal` that ended it; null when the history ends with it on. */
  end: HistoryEvent | null;
}

/**
 * The fault spans of a history, in the order they opened. A `start-<kind>` opens a span of its kind
 * unless one is on (then it joins that span), the next `stop-<kind>` ends it, and a `heal` ends
 * every span that is on.
 */
export function faultSpans(events: readonly HistoryEvent[]): FaultSpan[] {
  const spans: FaultSpan[] = [];
  const on = new Map<string, FaultSpan>();
  for (const e of events) {
    // An invocation announces a step; its completion (or an older history's single event) applies it.
    if (e.process !== 'nemesis' || e.type === 'invoke') continue;
    const step = faultStep(e.f);
    if (step === null) continue;
    if (step.action === 'heal') {
      for (const span of on.values()) span.end = e;
      on.clear();
      continue;
    }
    const span = on.get(step.kind);
    if (step.action === 'start') {
      if (span) span.starts.push(e);
      else {
        const opened: FaultSpan = { kind: step.kind, starts: [e], end: null };
        on.set(step.kind, opened);
        spans.push(opened);
      }
    } else if (span) {
      span.end = e;
      on.delete(step.kind);
    }
  }
  return spans;
}
