/**
 * How the report draws each fault kind: a translucent fill for the window it was active and an
 * ink for its label. One table, embedded in the page data, so that every part of the page (the
 * timeline, the plots, the message diagram) draws a kind the same way.
 */
import type { FaultSpec } from '../nemesis/schedule.js';
import type { FaultStyle } from './page/types.js';

export type { FaultStyle };


/** Every kind of fault the nemesis applies, as named in its `start-<kind>` history events. */
type FaultName = FaultSpec['fault'];

const STYLES: Readonly<Record<FaultName, FaultStyle>> = {
  partition: { fill: 'rgba(208,2,27,0.10)', ink: '#b0001a' },
  kill: { fill: 'rgba(60,60,60,0.13)', ink: '#333' },
  pause: { fill: 'rgba(9,105,218,0.11)', ink: '#0550ae' },
  latency: { fill: 'rgba(191,135,0,0.13)', ink: '#7d4e00' },
  bandwidth: { fill: 'rgba(26,127,55,0.12)', ink: '#116329' },
  clock: { fill: 'rgba(130,80,223,0.12)', ink: '#6639ba' },
  message: { fill: 'rgba(191,57,137,0.12)', ink: '#99286e' },
};

/** The style of a kind not in the table (a history from another tool). */
export const UNKNOWN_FAULT_STYLE: FaultStyle = { fill: 'rgba(208,2,27,0.10)', ink: '#b0001a' };

/** The style of every fault kind, by kind. */
export function faultStyles(): Record<string, FaultStyle> {
  return { ...STYLES };
}
