/** The fault mix of each run of a hunt: seeded, within the kinds the cluster can take. */
import { describe, expect, it } from 'vitest';
import { describeMix, drawMix, MIX_KINDS_MAX } from '../../../harness/hunt/mix.js';
import type { FaultKind } from '../../../harness/nemesis/schedule.js';

const USABLE: FaultKind[] = ['partition', 'kill', 'pause', 'latency', 'clock'];

describe('drawMix', () => {
  it('starts with the combined default, then draws subsets and the default, the same for the same seed', () => {
    expect(drawMix(7, 0, USABLE)).toEqual({ nemesis: USABLE, nemesisDefault: true, nemesisOverlap: false });
    const a = Array.from({ length: 60 }, (_, i) => drawMix(7, i, USABLE));
    const b = Array.from({ length: 60 }, (_, i) => drawMix(7, i, USABLE));
    expect(a).toEqual(b);
    const subsets = a.filter((m) => !m.nemesisDefault);
    expect(subsets.length).toBeGreaterThan(20);
    expect(a.filter((m) => m.nemesisDefault).length).toBeGreaterThan(5);
    for (const m of subsets) {
      expect(m.nemesis.length).toBeGreaterThanOrEqual(1);
      expect(m.nemesis.length).toBeLessThanOrEqual(MIX_KINDS_MAX);
      expect(m.nemesis.every((k) => USABLE.includes(k as FaultKind))).toBe(true);
      expect(m.nemesisOverlap).toBe(m.nemesis.length > 1);
    }
    expect(new Set(subsets.map(describeMix)).size).toBeGreaterThan(10);
    expect(drawMix(8, 5, USABLE)).not.toEqual(drawMix(7, 5, USABLE));
  });
});
