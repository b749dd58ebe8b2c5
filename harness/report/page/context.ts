/**
 * What every part of the page shares: the report data read from its JSON element, the op
 * columns, the timings the benchmark reads, and `window.faultlineReport`, through which browser
 * tests check what was drawn.
 */
import type { MessageDiagram } from './messages.js';
import type { Timeline } from './timeline.js';
import type { FaultStyle, ReportData } from './types.js';

export const T0 = performance.now();
export const D: ReportData = JSON.parse(document.getElementById('report-data')!.textContent!) as ReportData;
export const TIMINGS: Record<string, number> = { scriptStartMs: T0, parseMs: performance.now() - T0 };
export const OPS = D.ops;
export const N = OPS.lane.length;
/** Box colours by outcome code (ok, fail, info, pending), as in the legend. */
export const COLORS = ['#3a9d5d', '#d98cb3', '#f0a030', '#9aa0a6'];
export const OUTCOME_NAMES = ['ok', 'fail', 'info', 'pending'];

/** `window.faultlineReport`. */
export interface ReportApi {
  data: ReportData;
  timings: Record<string, number>;
  timeline?: Timeline;
  messages?: MessageDiagram;
  /** performance.now() at the end of the timeline's first draw. */
  firstDrawMs?: number;
}

export const api: ReportApi = { data: D, timings: TIMINGS };

/** How a fault kind is drawn, from the table embedded in the data. */
export function faultStyle(kind: string): FaultStyle {
  return D.faultStyles.byKind[kind] ?? D.faultStyles.other;
}
