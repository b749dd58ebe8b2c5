/**
 * Fault windows: the spans of a history during which the nemesis had a fault on, read from its
 * events alone (so a report or a recheck finds the same windows as the run did).
 *
 * A window opens at a `start-*` nemesis event when no fault is on, and closes at the `stop-*` that
 * ends the last fault on (faults overlap: two starts need two stops), or at a `heal`, which ends
 * every fault at once. A window still open at the end of the history lasts forever. Windows are
 * half-open, [start, end): an instant belongs to a window from its start up to, not including, its
 * end, so the instant of a stop is already outside, and two adjacent windows never share one.
 */
import type { HistoryEvent } from './types.js';

/** One fault window [startNs, endNs), in the history's nanoseconds; endNs may be Infinity. */
export type FaultWindow = [startNs: number, endNs: number];

/** The fault windows of a history, in time order. Nemesis events without a `time` are skipped. */
export function faultWindows(events: readonly HistoryEvent[]): FaultWindow[] {
  const windows: FaultWindow[] = [];
  let openSince: number | null = null;
  let depth = 0;
  for (const e of events) {
    if (e.process !== 'nemesis' || e.time === undefined) continue;
    if (e.f.startsWith('start-')) {
      if (depth === 0) openSince = e.time;
      depth++;
    } else if ((e.f.startsWith('stop-') || e.f === 'heal') && depth > 0) {
      depth = e.f === 'heal' ? 0 : depth - 1;
      if (depth === 0 && openSince !== null) {
        windows.push([openSince, e.time]);
        openSince = null;
      }
    }
  }
  if (openSince !== null) windows.push([openSince, Number.POSITIVE_INFINITY]);
  return windows;
}

/** True when the instant `timeNs` lies in one of the windows, [start, end). */
export function inFaultWindow(windows: readonly FaultWindow[], timeNs: number): boolean {
  return windows.some(([start, end]) => timeNs >= start && timeNs < end);
}
