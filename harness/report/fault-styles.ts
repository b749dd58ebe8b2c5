/**
 * How the report draws each fault kind: a translucent fill for the window it was active and an
 * ink for its label. The colours come from the fault packages (`harness/nemesis/faults`), so a new
 * kind brings its own; this file only turns a package's colour into the page's fill and ink.
 */
import { faultStyles as packageStyles } from '../nemesis/faults/index.js';
import type { FaultStyle } from './page/types.js';

export type { FaultStyle };

/** The shading of a fault window: the package's colour at low opacity. */
const FILL_ALPHA = 0.12;

function fillOf(hex: string): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (m === null) throw new Error(`fault style colour must be #rrggbb, got ${hex}`);
  const [r, g, b] = [m[1]!, m[2]!, m[3]!].map((h) => parseInt(h, 16));
  return `rgba(${r},${g},${b},${FILL_ALPHA})`;
}

/** The style of a kind no package knows (a history from another tool). */
export const UNKNOWN_FAULT_STYLE: FaultStyle = { fill: 'rgba(110,119,129,0.12)', ink: '#57606a' };

/** The style of every fault kind, by kind. */
export function faultStyles(): Record<string, FaultStyle> {
  const out: Record<string, FaultStyle> = {};
  for (const [kind, s] of Object.entries(packageStyles())) out[kind] = { fill: fillOf(s.color), ink: s.color };
  return out;
}
